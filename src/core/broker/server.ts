/**
 * The broker's listener: a node:net server that gives each accepted socket
 * a Connection. Listening on the default address moves on to the next free
 * port when it is taken (several brokers on one machine); an address the
 * user named is used as named, or the start fails.
 *
 * With TLS (`tls`: a certificate chain and key in PEM) it is a node:tls
 * server; a client whose handshake fails or does not finish within
 * `request.timeout.ms` is one log line and never becomes a Connection.
 *
 * Stopping: no new connections, every request in flight finished and
 * answered (long polls are cut short by the broker's stop signal), then the
 * sockets are closed.
 */
import {createServer, type Server, type Socket} from 'node:net'
import {createServer as createTlsServer} from 'node:tls'
import {BrokerError} from '../errors.js'
import type {BrokerLog} from './broker-log.js'
import {Connection, type FrameHandler, type FrameSource} from './connection.js'

export interface ServerOptions {
  host: string
  port: number
  /** Try the following ports when `port` is taken. */
  nextFreePort: boolean
  log: BrokerLog
  handle: FrameHandler
  frames: () => FrameSource
  idleMs: number
  requestTimeoutMs: number
  maxQueued: number
  /** PEM certificate chain and private key: the listener speaks TLS. */
  tls?: {cert: Buffer; key: Buffer} | null
}

/** How many ports past the first a default listener tries. */
const PORT_TRIES = 100
/** How long closed connections may take to hand their last answers to the client. */
const CLOSE_GRACE_MS = 5000

export class BrokerServer {
  private readonly options: ServerOptions
  private server: Server | null = null
  readonly connections = new Set<Connection>()
  host = ''
  port = 0

  constructor(options: ServerOptions) {
    this.options = options
  }

  async listen(): Promise<{host: string; port: number}> {
    const {host, port, nextFreePort} = this.options
    const tries = nextFreePort && port !== 0 ? PORT_TRIES : 1
    for (let i = 0; i < tries; i++) {
      const candidate = port + i
      if (candidate > 65535) break
      const server = this.createServer()
      const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
        server.once('error', resolve)
        server.listen({host, port: candidate, exclusive: true}, () => resolve(null))
      })
      if (error === null) {
        server.on('error', (e) => this.options.log.error(`listener: ${e.message}`))
        this.server = server
        const address = server.address()
        this.host = host
        this.port = typeof address === 'object' && address ? address.port : candidate
        return {host: this.host, port: this.port}
      }
      if (error.code !== 'EADDRINUSE' || i === tries - 1) {
        const what = error.code === 'EADDRINUSE' ? (tries > 1 ? `ports ${port}-${candidate} are all in use` : `port ${candidate} is in use`) : error.message
        throw new BrokerError(`cannot listen on ${host}:${candidate}: ${what}`, {
          hint: error.code === 'EADDRINUSE' ? 'pick another with --listen HOST:PORT (port 0: any free port)' : undefined,
        })
      }
    }
    throw new BrokerError(`cannot listen on ${host}: no free port from ${port}`)
  }

  private createServer(): Server {
    const {tls, requestTimeoutMs, log} = this.options
    if (!tls) return createServer({noDelay: true}, (socket) => this.accept(socket))
    let server
    try {
      server = createTlsServer({cert: tls.cert, key: tls.key, handshakeTimeout: requestTimeoutMs, noDelay: true}, (socket) => this.accept(socket))
    } catch (error) {
      throw new BrokerError(`cannot use the TLS certificate and key: ${(error as Error).message}`, {hint: '--tls-cert and --tls-key take PEM files: the certificate (chain) and its private key'})
    }
    server.on('tlsClientError', (error, socket) => {
      log.warn(`TLS handshake from ${socket.remoteAddress}:${socket.remotePort} failed: ${error.message}`)
      // With a listener for this event node leaves the socket open: a timed-out handshake would hold it forever.
      socket.destroy()
    })
    return server
  }

  private accept(socket: Socket): void {
    const o = this.options
    const connection = new Connection(socket, {
      frames: o.frames(),
      handle: o.handle,
      log: o.log,
      idleMs: o.idleMs,
      requestTimeoutMs: o.requestTimeoutMs,
      maxQueued: o.maxQueued,
    })
    this.connections.add(connection)
    o.log.debug(`connection from ${connection.peer}`)
    void connection.closed.then(() => this.connections.delete(connection))
  }

  /** Stops accepting and reading; answers every request already read, then closes every connection. */
  async close(): Promise<void> {
    const server = this.server
    this.server = null
    if (!server) return
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const c of this.connections) c.stopReading()
    await Promise.all([...this.connections].map((c) => c.drain()))
    for (const c of this.connections) c.close()
    // A client that never reads what is left to write would keep its socket open forever.
    const force = setTimeout(() => {
      for (const c of this.connections) c.socket.destroy()
    }, CLOSE_GRACE_MS)
    await Promise.all([...this.connections].map((c) => c.closed))
    clearTimeout(force)
    await closed
  }
}
