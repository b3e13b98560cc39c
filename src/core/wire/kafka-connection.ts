/**
 * One TCP connection to a Kafka-protocol server for our own clients and
 * for a follower broker fetching from its leader (so it lives below both):
 * requests encoded from the wire schemas, answers matched to them by
 * correlation id (a server answers in request order), every pending
 * request failed when the connection closes. Frames are bounded as the
 * broker bounds them: nothing a server sends is trusted.
 */
import {connect, type Socket} from 'node:net'
import {LogpipeError} from '../errors.js'
import {decodeResponseFrame, encodeRequestFrame} from './envelope.js'
import {FrameSplitter} from './frame.js'
import type {ApiSchema, RequestInput, ResponseOf} from './schema.js'

interface Pending {
  correlationId: number
  decode: (frame: Buffer) => void
  fail: (error: Error) => void
}

export class KafkaConnection {
  private readonly socket: Socket
  private readonly pending: Pending[] = []
  private readonly clientId: string
  private nextId = 1
  private closedWith: Error | null = null

  private constructor(socket: Socket, clientId: string) {
    this.socket = socket
    this.clientId = clientId
    const splitter = new FrameSplitter()
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[]
      try {
        frames = splitter.push(chunk)
      } catch (error) {
        this.fail(error as Error)
        return
      }
      for (const frame of frames) this.pending.shift()?.decode(frame)
    })
    socket.on('error', (error) => this.fail(error))
    socket.on('close', () => this.fail(new LogpipeError('the broker closed the connection', {retriable: true})))
  }

  static open(host: string, port: number, clientId: string): Promise<KafkaConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({host, port})
      socket.setNoDelay(true)
      socket.once('connect', () => {
        socket.off('error', reject)
        resolve(new KafkaConnection(socket, clientId))
      })
      socket.once('error', (error) =>
        reject(new LogpipeError(`cannot connect to the broker at ${host}:${port}: ${error.message}`, {retriable: true, cause: error})),
      )
    })
  }

  /** Closed, by either side or an error: a new connection is needed. */
  get isClosed(): boolean {
    return this.closedWith !== null
  }

  request<A extends ApiSchema>(schema: A, version: number, value: RequestInput<A>): Promise<ResponseOf<A>> {
    if (this.closedWith) return Promise.reject(this.closedWith)
    const correlationId = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.push({
        correlationId,
        fail: reject,
        decode: (frame) => {
          try {
            const r = decodeResponseFrame(schema, version, frame)
            if (r.correlationId !== correlationId) throw new LogpipeError(`the broker answered correlation id ${r.correlationId} to request ${correlationId}`)
            resolve(r.body)
          } catch (error) {
            reject(error)
            this.fail(error as Error)
          }
        },
      })
      this.socket.write(encodeRequestFrame(schema, version, {correlationId, clientId: this.clientId}, value))
    })
  }

  private fail(error: Error): void {
    if (this.closedWith) return
    this.closedWith = error
    for (const p of this.pending.splice(0)) p.fail(error)
    this.socket.destroy()
  }

  close(): void {
    this.fail(new LogpipeError('connection closed'))
  }
}
