/**
 * One client connection: frames in, responses out, in request order.
 *
 * Requests are handled as they arrive, possibly several at once (a Fetch
 * long-polls while a Produce behind it completes), but responses are
 * written strictly in the order the requests came: Kafka clients match
 * responses by position as much as by correlation id. A request that wants
 * no response (Produce with acks=0) keeps its place in the order and writes
 * nothing.
 *
 * What closes the connection, with one log line, leaving every other
 * connection alone: a frame whose size is negative or over
 * `socket.request.max.bytes`, a request that does not decode or that we
 * cannot answer, half a frame that stays half for `request.timeout.ms`, and
 * no traffic for `connections.max.idle.ms` while nothing is in flight.
 *
 * Back-pressure: reading stops while `queued.max.requests` requests are
 * waiting or the socket's write buffer is full, and resumes on 'drain'.
 */
import type {Socket} from 'node:net'
import type {BrokerLog} from './broker-log.js'
import {isLent, release} from './read-buffer-pool.js'

/** What splits the byte stream into frames (wire/frame.ts's FrameSplitter). */
export interface FrameSource {
  /** The whole frames `chunk` completes, without their size prefixes; throws on a frame that cannot be. */
  push(chunk: Buffer): Buffer[]
  /** Bytes held of a frame not yet complete. */
  readonly buffered: number
  /** Bounds the frames after this one anew. */
  setLimit?(maxFrameBytes: number, limitName: string): void
}

/** A response frame (size prefix included) as pieces to write, or null for none. */
export type FrameHandler = (frame: Buffer, connection: Connection) => Promise<Buffer[] | null> | Buffer[] | null

export interface ConnectionOptions {
  frames: FrameSource
  handle: FrameHandler
  log: BrokerLog
  idleMs: number
  requestTimeoutMs: number
  maxQueued: number
}

interface Slot {
  done: boolean
  response: Buffer[] | null
}

export class Connection {
  readonly socket: Socket
  /** `host:port` of the client, for log lines. */
  readonly peer: string
  private readonly options: ConnectionOptions
  private readonly queue: Slot[] = []
  /** Frames read but not dispatched yet: held while the client is not reading its answers or too many wait. */
  private readonly backlog: Buffer[] = []
  private stallTimer: NodeJS.Timeout | null = null
  private writeBlocked = false
  private closed_ = false
  private reading = true
  private pumping = false
  private closeWhenDone = false
  private readonly idleWaiters: Array<() => void> = []
  readonly closed: Promise<void>

  constructor(socket: Socket, options: ConnectionOptions) {
    this.socket = socket
    this.options = options
    this.peer = `${socket.remoteAddress}:${socket.remotePort}`
    socket.setNoDelay(true)
    socket.setTimeout(options.idleMs)
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()))
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('drain', () => {
      this.writeBlocked = false
      this.maybeResume()
    })
    socket.on('timeout', () => {
      if (this.inFlight === 0) this.drop(`idle for ${options.idleMs} ms (connections.max.idle.ms)`, 'debug')
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A client that went away mid-write; nothing to answer anymore.
      this.options.log.debug(`connection from ${this.peer}: ${error.code ?? error.message}`)
    })
    socket.on('close', () => {
      this.closed_ = true
      this.clearStall()
      this.wakeIdle()
    })
  }

  get isClosed(): boolean {
    return this.closed_
  }

  /** Requests read and not yet answered. */
  get inFlight(): number {
    return this.queue.length + this.backlog.length
  }

  /** Reads no further requests (a stopping broker); those read are still answered. */
  stopReading(): void {
    this.reading = false
    this.socket.pause()
  }

  private onData(chunk: Buffer): void {
    if (this.closed_ || !this.reading) return
    let frames: Buffer[]
    try {
      frames = this.options.frames.push(chunk)
    } catch (error) {
      this.drop((error as Error).message)
      return
    }
    for (const frame of frames) this.backlog.push(frame)
    this.pump()
    if (frames.length > 0) this.clearStall()
    if (this.options.frames.buffered > 0 && this.stallTimer === null) {
      this.stallTimer = setTimeout(() => {
        this.stallTimer = null
        this.drop(`half a request (${this.options.frames.buffered} bytes) stalled for ${this.options.requestTimeoutMs} ms (request.timeout.ms)`)
      }, this.options.requestTimeoutMs)
      this.stallTimer.unref()
    }
    if (this.backlog.length > 0) this.socket.pause()
  }

  /** Dispatches held frames while answers can go out and the queue has room. */
  private pump(): void {
    // An answer ready at once flushes, which pumps again: one loop, not a recursion per frame.
    if (this.pumping) return
    this.pumping = true
    try {
      while (this.backlog.length > 0 && !this.closed_ && !this.writeBlocked && this.queue.length < this.options.maxQueued) this.dispatch(this.backlog.shift()!)
    } finally {
      this.pumping = false
    }
  }

  private dispatch(frame: Buffer): void {
    const slot: Slot = {done: false, response: null}
    this.queue.push(slot)
    let result: Promise<Buffer[] | null> | Buffer[] | null
    try {
      result = this.options.handle(frame, this)
    } catch (error) {
      this.fail(error)
      return
    }
    if (result === null || Array.isArray(result)) {
      slot.done = true
      slot.response = result
      this.flush()
      return
    }
    result.then(
      (response) => {
        slot.done = true
        slot.response = response
        this.flush()
      },
      (error: unknown) => this.fail(error),
    )
  }

  private fail(error: unknown): void {
    this.drop((error as Error)?.message ?? String(error))
  }

  /** Writes every answered request at the head of the queue, in order. */
  private flush(): void {
    if (this.closed_) return
    while (this.queue.length > 0 && this.queue[0].done) {
      const slot = this.queue.shift()!
      if (slot.response === null) continue
      this.socket.cork()
      let ok = true
      // A piece lent from the read buffers goes back to them once the socket has written it.
      for (const piece of slot.response) ok = isLent(piece) ? this.socket.write(piece, () => release(piece)) : this.socket.write(piece)
      this.socket.uncork()
      if (!ok) this.writeBlocked = true
    }
    if (this.closeWhenDone && this.queue.length === 0) {
      this.close()
      return
    }
    if (this.queue.length === 0 && this.backlog.length === 0) this.wakeIdle()
    // A client that does not read its answers gets no more of them made: stop reading its requests.
    if (this.writeBlocked) this.socket.pause()
    else this.maybeResume()
  }

  private maybeResume(): void {
    this.pump()
    if (this.reading && !this.closed_ && !this.writeBlocked && this.backlog.length === 0 && this.queue.length < this.options.maxQueued && this.socket.isPaused()) this.socket.resume()
  }

  private clearStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer)
    this.stallTimer = null
  }

  private wakeIdle(): void {
    for (const w of this.idleWaiters.splice(0)) w()
  }

  /** Resolves once every request read so far is answered (or the connection closed). */
  drain(): Promise<void> {
    if ((this.queue.length === 0 && this.backlog.length === 0) || this.closed_) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Bounds the frames read from now on (a client that has logged in may send larger ones). */
  setFrameLimit(maxFrameBytes: number, limitName: string): void {
    this.options.frames.setLimit?.(maxFrameBytes, limitName)
  }

  /**
   * Reads and dispatches no more; closes once the answers to what is in
   * flight are written (a failed login's SASL_AUTHENTICATION_FAILED goes
   * out before the close).
   */
  closeWhenAnswered(): void {
    this.closeWhenDone = true
    this.backlog.length = 0
    this.reading = false
    this.socket.pause()
  }

  /** Closes with one log line saying why. */
  drop(reason: string, level: 'warn' | 'debug' = 'warn'): void {
    if (this.closed_) return
    this.options.log[level](`closing connection from ${this.peer}: ${reason}`)
    this.close()
  }

  /** Stops reading and closes; what is already written still goes out. */
  close(): void {
    if (this.closed_) return
    this.closed_ = true
    this.clearStall()
    this.queue.length = 0
    this.backlog.length = 0
    this.wakeIdle()
    // Ends our side once what is queued is written, then destroys: a client that never closes cannot keep it open.
    this.socket.once('finish', () => this.socket.destroy())
    this.socket.end()
  }
}
