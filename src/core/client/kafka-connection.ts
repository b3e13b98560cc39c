/**
 * One TCP connection to a Kafka-protocol server for our own clients:
 * requests encoded from the wire schemas, answers matched to them by
 * correlation id (a server answers in request order), every pending
 * request failed when the connection closes. Frames are bounded as the
 * broker bounds them: nothing a server sends is trusted.
 *
 * Security, as Kafka's security.protocol: TLS (`tls`, SSL) and a SASL
 * login (`sasl`, SASL_PLAINTEXT), or both (SASL_SSL). `open` resolves only
 * once the TLS handshake and the login are done, so every request after it
 * is authenticated.
 */
import {connect, isIP, type Socket} from 'node:net'
import {connect as connectTls} from 'node:tls'
import {LogpipeError} from '../errors.js'
import {type SaslCredentials, saslLogin} from './sasl-login.js'
import {decodeResponseFrame, encodeRequestFrame} from '../wire/envelope.js'
import {FrameSplitter} from '../wire/frame.js'
import type {ApiSchema, RequestInput, ResponseOf} from '../wire/schema.js'

/** How a connection proves who it is and keeps its bytes private: the ssl.* and sasl.* client settings. */
export interface ConnectionSecurity {
  /** TLS with these settings; absent: plaintext. */
  tls?: {
    /** PEM CA certificates to trust (ssl.ca.location); default Node's bundled roots. */
    ca?: string | Buffer
    /** PEM client certificate and key, for a broker that asks for one (ssl.certificate.location, ssl.key.location). */
    cert?: string | Buffer
    key?: string | Buffer
    /** false accepts any certificate (enable.ssl.certificate.verification=false): tests only. Default true. */
    rejectUnauthorized?: boolean
    /** The name the certificate must carry; default the host connected to. */
    servername?: string
  }
  /** SASL login (sasl.mechanism, sasl.username, sasl.password); absent: none. */
  sasl?: SaslCredentials
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

  private constructor(socket: Socket, clientId: string, loggedIn: boolean) {
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
    // A SASL listener closes the connection of a client that has not logged in at its first request: say so.
    const hint = loggedIn ? undefined : 'if the broker wants a login, give security.protocol=SASL_PLAINTEXT or SASL_SSL and sasl.mechanism, sasl.username, sasl.password'
    socket.on('close', () => this.fail(new LogpipeError('the broker closed the connection', {retriable: true, hint})))
  }

  static async open(host: string, port: number, clientId: string, security: ConnectionSecurity = {}): Promise<KafkaConnection> {
    const connection = await new Promise<KafkaConnection>((resolve, reject) => {
      const t = security.tls
      const socket = t
        ? connectTls({host, port, ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: t.rejectUnauthorized ?? true, servername: t.servername ?? (isIP(host) ? undefined : host)})
        : connect({host, port})
      socket.setNoDelay(true)
      const onError = (error: Error) => {
        const what = t ? `cannot connect with TLS to the broker at ${host}:${port}` : `cannot connect to the broker at ${host}:${port}`
        reject(new LogpipeError(`${what}: ${error.message}`, {retriable: !t, cause: error}))
      }
      socket.once(t ? 'secureConnect' : 'connect', () => {
        socket.off('error', onError)
        resolve(new KafkaConnection(socket, clientId, security.sasl !== undefined))
      })
      socket.once('error', onError)
    })
    if (security.sasl) {
      try {
        await saslLogin((schema, version, value) => connection.request(schema, version, value), security.sasl)
      } catch (error) {
        connection.close()
        throw error
      }
    }
    return connection
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
