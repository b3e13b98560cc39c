/**
 * One TCP connection to a Kafka-protocol server for our own clients and
 * for a follower broker fetching from its leader (so it lives below both):
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
import {readFileSync} from 'node:fs'
import {connect, isIP, type Socket} from 'node:net'
import {connect as connectTls} from 'node:tls'
import {BrokerUnreachableError, LogpipeError, UsageError} from '../errors.js'
import {type SaslCredentials, saslLogin} from './sasl-login.js'
import {decodeResponseFrame, encodeRequestFramePieces} from './envelope.js'
import {FrameSplitter} from './frame.js'
import type {ApiSchema, RequestInput, ResponseOf} from './schema.js'

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

/**
 * How the client authenticates and encrypts, under the names kcat and the
 * Java client use (client-config.ts validates them). The connection owns
 * them, and turn them into the TLS options and SASL login of
 * ConnectionSecurity when the connection opens.
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

export interface ConnectionOptions extends ConnectionSecurity {
  /** The -X settings (security.protocol, sasl.*, ssl.*): turned into `tls` and `sasl` when those are not given. */
  security?: SecuritySettings
  /** A connect that takes longer fails as unreachable (ETIMEDOUT). */
  connectTimeoutMs?: number
}


interface Pending {
  correlationId: number
  decode: (frame: Buffer) => void
  fail: (error: Error) => void
  /** Makes the buffer the answer is assembled in (its requester's FramePool), else a plain allocation. */
  alloc?: (size: number) => Buffer
}

/** A frame's buffer, made for the request it answers. */
type FrameAlloc = (size: number) => Buffer
/** As the splitter asks: `before` frames of the same read come first, each answering one of the oldest requests waiting. */
type SplitAlloc = (size: number, before: number) => Buffer

export class KafkaConnection {
  private readonly socket: Socket
  private readonly pending: Pending[] = []
  private readonly clientId: string
  private nextId = 1
  private closedWith: Error | null = null

  private constructor(socket: Socket, clientId: string, loggedIn: boolean, reads: DirectReads | null) {
    this.socket = socket
    this.clientId = clientId
    // A server answers in order: the frame begun after `before` others of this read answers pending[before].
    const alloc: SplitAlloc = (size, before) => this.pending[before]?.alloc?.(size) ?? Buffer.allocUnsafe(size)
    const splitter = reads?.splitter ?? new FrameSplitter(undefined, undefined, alloc)
    if (reads) reads.alloc = alloc
    const deliver = (split: () => Buffer[]) => {
      let frames: Buffer[]
      try {
        frames = split()
      } catch (error) {
        this.fail(error as Error)
        return
      }
      for (const frame of frames) this.pending.shift()?.decode(frame)
    }
    if (reads) reads.deliver = deliver
    else socket.on('data', (chunk: Buffer) => deliver(() => splitter.push(chunk)))
    socket.on('error', (error) => this.fail(error))
    // A SASL listener closes the connection of a client that has not logged in at its first request: say so.
    const hint = loggedIn ? undefined : 'if the broker wants a login, give security.protocol=SASL_PLAINTEXT or SASL_SSL and sasl.mechanism, sasl.username, sasl.password'
    socket.on('close', () => this.fail(new LogpipeError('the broker closed the connection', {retriable: true, hint})))
  }

  static async open(host: string, port: number, clientId: string, options: ConnectionOptions = {}): Promise<KafkaConnection> {
    const {tls: t, sasl} = connectionSecurity(options)
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
    const connection = await new Promise<KafkaConnection>((resolve, reject) => {
      const reads = t ? null : directReads()
      const socket = t
        ? connectTls({host, port, ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: t.rejectUnauthorized ?? true, servername: t.servername ?? (isIP(host) ? undefined : host)})
        : connect({host, port, onread: reads!.onread})
      socket.setNoDelay(true)
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new BrokerUnreachableError(address, 'ETIMEDOUT', {hint: 'is a broker listening there? `logpipe broker start` runs one'}))
      }, options.connectTimeoutMs ?? 10_000)
      const onError = (error: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        // A refused or unreachable address is the network's; a failed TLS handshake is the certificate's.
        if (!t || error.code === 'ECONNREFUSED' || error.code === 'EHOSTUNREACH' || error.code === 'ENOTFOUND') {
          reject(new BrokerUnreachableError(address, error.code ?? error.message, {cause: error, hint: 'is a broker listening there? `logpipe broker start` runs one'}))
        } else {
          reject(new LogpipeError(`cannot connect with TLS to the broker at ${address}: ${error.message}`, {cause: error}))
        }
      }
      socket.once(t ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        socket.off('error', onError)
        resolve(new KafkaConnection(socket, clientId, sasl !== undefined, reads))
      })
      socket.once('error', onError)
    })
    if (sasl) {
      try {
        await saslLogin((schema, version, value) => connection.request(schema, version, value), sasl)
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

  /** `alloc`, when given, makes the buffer the answer is read into (a FramePool's). */
  request<A extends ApiSchema>(schema: A, version: number, value: RequestInput<A>, alloc?: FrameAlloc): Promise<ResponseOf<A>> {
    if (this.closedWith) return Promise.reject(this.closedWith)
    const correlationId = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.push({
        correlationId,
        alloc,
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
      this.write(encodeRequestFramePieces(schema, version, {correlationId, clientId: this.clientId}, value))
    })
  }

  /**
   * One frame as pieces, in one writev: a Produce's batches go out from the
   * producer's own buffers, not copied into a frame first (a copy and a
   * fresh buffer per request of a megabyte, which the GC then chased as
   * external memory pressure).
   */
  private write(pieces: Buffer[]): void {
    if (pieces.length === 1) {
      this.socket.write(pieces[0])
      return
    }
    this.socket.cork()
    for (const p of pieces) this.socket.write(p)
    this.socket.uncork()
  }

  /** A request the server does not answer (Produce with acks=0): written, and no answer is waited for. */
  send<A extends ApiSchema>(schema: A, version: number, value: RequestInput<A>): void {
    if (this.closedWith) throw this.closedWith
    const correlationId = this.nextId++
    this.write(encodeRequestFramePieces(schema, version, {correlationId, clientId: this.clientId}, value))
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

/** Reads of a plain socket landing where the splitter says (TLS decrypts into its own buffers, so it gets 'data'). */
interface DirectReads {
  splitter: FrameSplitter
  /** Set by the connection: the splitter is made before it. */
  alloc: SplitAlloc | null
  onread: {buffer: () => Buffer; callback: (n: number, into: Buffer) => boolean}
  deliver: ((split: () => Buffer[]) => void) | null
}

/** Socket chunk size of a read outside a large frame, as Node's own (64 KiB). */
const SCRATCH_BYTES = 64 * 1024

/**
 * A Fetch answer of a megabyte came as ~16 socket chunks of 64 KiB, each a
 * fresh buffer, then copied into the frame: reading the rest of a frame
 * straight into it saves the copy and the garbage of the chunks.
 */
function directReads(): DirectReads {
  const splitter = new FrameSplitter(undefined, undefined, (size, before) => (reads.alloc ? reads.alloc(size, before) : Buffer.allocUnsafe(size)))
  const scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES)
  const reads: DirectReads = {
    splitter,
    alloc: null,
    deliver: null,
    onread: {
      buffer: () => splitter.readTarget(scratch),
      callback: (n, into) => {
        // The connection takes the frames from its constructor on, which runs at 'connect', before any read.
        if (!reads.deliver) throw new Error('a read before the connection was made')
        reads.deliver(() => splitter.filled(into, n, scratch))
        return true
      },
    },
  }
  return reads
}

/**
 * The TLS options and SASL login a connection uses: given directly (the
 * library, a group member), or made from the -X settings (security.protocol,
 * sasl.*, ssl.*) as librdkafka reads them; certificate files are read here.
 */
function connectionSecurity(options: ConnectionOptions): ConnectionSecurity {
  const s = options.security
  if (options.tls || options.sasl || !s) return {tls: options.tls, sasl: options.sasl}
  const read = (file: string | undefined, what: string) => {
    if (file === undefined) return undefined
    try {
      return readFileSync(file)
    } catch (error) {
      throw new UsageError(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
  }
  const tls = s.protocol === 'SSL' || s.protocol === 'SASL_SSL'
    ? {ca: read(s.sslCaLocation, 'ssl.ca.location'), cert: read(s.sslCertificateLocation, 'ssl.certificate.location'), key: read(s.sslKeyLocation, 'ssl.key.location'), rejectUnauthorized: s.sslVerify ?? true}
    : undefined
  let sasl: SaslCredentials | undefined
  if (s.protocol === 'SASL_PLAINTEXT' || s.protocol === 'SASL_SSL') {
    if (s.saslUsername === undefined || s.saslPassword === undefined) throw new UsageError(`security.protocol=${s.protocol} needs sasl.username and sasl.password`)
    sasl = {mechanism: s.saslMechanism ?? 'PLAIN', username: s.saslUsername, password: s.saslPassword}
  }
  return {tls, sasl}
}
