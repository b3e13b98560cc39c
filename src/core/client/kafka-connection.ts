/**
 * One TCP connection to a Kafka-protocol server for our own clients:
 * requests encoded from the wire schemas, answers matched to them by
 * correlation id (a server answers in request order), every pending
 * request failed when the connection closes. Frames are bounded as the
 * broker bounds them: nothing a server sends is trusted.
 */
import {connect, type Socket} from 'node:net'
import {BrokerUnreachableError, LogpipeError, UsageError} from '../errors.js'
import {decodeResponseFrame, encodeRequestFrame} from '../wire/envelope.js'
import {FrameSplitter} from '../wire/frame.js'
import type {ApiSchema, RequestInput, ResponseOf} from '../wire/schema.js'

/**
 * How the client authenticates and encrypts, under the names kcat and the
 * Java client use (client-config.ts validates them). The connection owns
 * them; until SASL and TLS are built here, anything but PLAINTEXT is
 * refused rather than sent in the clear.
 */
export interface SecuritySettings {
  protocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'
  saslMechanism?: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
  saslUsername?: string
  saslPassword?: string
  sslCaLocation?: string
  sslCertificateLocation?: string
  sslKeyLocation?: string
  sslKeyPassword?: string
  sslVerify?: boolean
}

export interface ConnectionOptions {
  security?: SecuritySettings
  /** A connect that takes longer fails as unreachable (ETIMEDOUT). */
  connectTimeoutMs?: number
}

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

  static open(host: string, port: number, clientId: string, options: ConnectionOptions = {}): Promise<KafkaConnection> {
    const protocol = options.security?.protocol ?? 'PLAINTEXT'
    if (protocol !== 'PLAINTEXT') {
      return Promise.reject(new UsageError(`security.protocol=${protocol} is not spoken by this client yet`, {hint: 'connect to a PLAINTEXT listener'}))
    }
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
    return new Promise((resolve, reject) => {
      const socket = connect({host, port})
      socket.setNoDelay(true)
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new BrokerUnreachableError(address, 'ETIMEDOUT', {hint: 'is a broker listening there? `logpipe broker start` runs one'}))
      }, options.connectTimeoutMs ?? 10_000)
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.removeAllListeners('error')
        resolve(new KafkaConnection(socket, clientId))
      })
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        reject(new BrokerUnreachableError(address, error.code ?? error.message, {cause: error, hint: 'is a broker listening there? `logpipe broker start` runs one'}))
      })
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

  /** A request the server does not answer (Produce with acks=0): written, and no answer is waited for. */
  send<A extends ApiSchema>(schema: A, version: number, value: RequestInput<A>): void {
    if (this.closedWith) throw this.closedWith
    const correlationId = this.nextId++
    this.socket.write(encodeRequestFrame(schema, version, {correlationId, clientId: this.clientId}, value))
  }

  private fail(error: Error): void {
    if (this.closedWith) return
    this.closedWith = error
    for (const p of this.pending.splice(0)) p.fail(error)
    this.socket.destroy()
  }

  /** Closes once what was written is sent: a Produce with acks=0 just before close still goes out. */
  close(): void {
    if (this.closedWith) return
    const error = new LogpipeError('connection closed')
    this.closedWith = error
    for (const p of this.pending.splice(0)) p.fail(error)
    this.socket.end()
    // A server that never closes its side is not waited for.
    setTimeout(() => this.socket.destroy(), 1000).unref()
  }
}
