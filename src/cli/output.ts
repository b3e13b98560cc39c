/**
 * Buffered standard output that respects backpressure and ends quietly on a
 * closed pipe. Records are formatted straight into one large buffer (a
 * FormatBuffer), which is handed to stdout when full; when stdout says
 * "wait" (write() returned false) we wait for 'drain' before filling it again.
 */
import {fstatSync, writeSync} from 'node:fs'
import type {Writable} from 'node:stream'
import type {MemoryArena} from '../core/codec/memory-arena.js'
import {FormatBuffer} from '../core/client/format-buffer.js'
import type {OutputSink} from '../core/client/consume-session.js'

const DEFAULT_SIZE = 1 << 20

/**
 * stdout's descriptor when it is a regular file or a device other than a
 * terminal: writes there complete at once, so they can be made directly.
 * Node's stdout on a terminal is a tty.WriteStream, which says isTTY; asking
 * node:tty instead would load it in every command that writes to a file.
 */
function syncTarget(stream: Writable): number | null {
  const fd = (stream as {fd?: unknown}).fd
  if (typeof fd !== 'number' || (stream as {isTTY?: unknown}).isTTY === true) return null
  try {
    const st = fstatSync(fd)
    return st.isFile() || st.isCharacterDevice() ? fd : null
  } catch {
    return null
  }
}
const POOL_SIZE = 4

export class Output extends FormatBuffer implements OutputSink {
  private readonly stream: Writable
  private waiting: Promise<void> | null = null
  closed = false
  private readonly size: number
  private readonly arena: MemoryArena | null
  /** Buffers the stream has finished with, ready to fill again. */
  private readonly pool: Buffer[] = []
  private lastTurn = Date.now()
  /** The descriptor to write with writeSync when the stream is a file or a device (not a pipe or terminal). */
  private readonly syncFd: number | null

  /**
   * With an arena, output buffers are taken from it, so copying record bytes
   * from read buffers in the same arena allocates nothing.
   */
  constructor(stream: Writable = process.stdout, size = DEFAULT_SIZE, arena: MemoryArena | null = null) {
    super(arena?.take(size) ?? Buffer.allocUnsafe(size))
    this.stream = stream
    this.size = size
    this.arena = arena
    this.syncFd = syncTarget(stream)
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') {
        this.closed = true
        return
      }
      throw error
    })
  }

  private fresh(): Buffer {
    return this.pool.pop() ?? this.arena?.take(this.size) ?? Buffer.allocUnsafe(this.size)
  }

  /** Hands the buffered bytes to the stream; waits when the stream asks us to. */
  async flush(): Promise<void> {
    if (this.waiting) await this.waiting
    // Writes to a file or /dev/null complete at once, so a reader of a large
    // log would never give the event loop a turn: signals (Ctrl-C) and
    // write callbacks would wait for the end. Give it one now and then.
    const now = Date.now()
    if (now - this.lastTurn > 20) {
      this.lastTurn = now
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    if (this.pos === 0 || this.closed) {
      this.pos = 0
      return
    }
    this.handOn()
    if (this.waiting) await this.waiting
  }

  /**
   * A batch can print more than the buffer holds (--json of 1 MB of 100-byte
   * records is 1.8 MB): rather than grow into a buffer of its own, which the
   * pool cannot take back, the bytes so far are handed on mid-batch.
   */
  override ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    if (this.closed) this.pos = 0
    else if (this.pos > 0 && n <= this.size) this.handOn()
    super.ensure(n)
  }

  /** True when the poll should stop after this batch: the buffer is nearly full, or the stream asked us to wait. */
  get isFull(): boolean {
    return this.pos >= this.buf.length - 65536 || this.waiting !== null
  }

  /** Gives the buffered bytes to the stream now; `waiting` is set when it asks us to wait. */
  private handOn(): void {
    if (this.syncFd !== null && this.stream.writableLength === 0) {
      // A file or /dev/null: write it out now and fill the same buffer again.
      for (let off = 0; off < this.pos; ) off += writeSync(this.syncFd, this.buf, off, this.pos - off)
      this.pos = 0
      return
    }
    // The stream keeps the buffer until it is written; fill another meanwhile
    // and take this one back when the stream is done with it.
    const full = this.buf
    const chunk = full.subarray(0, this.pos)
    this.setBuffer(this.fresh())
    this.pos = 0
    const ok = this.stream.write(chunk, () => {
      if (full.length === this.size && this.pool.length < POOL_SIZE) this.pool.push(full)
    })
    if (!ok && !this.closed && !this.waiting) {
      this.waiting = new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done)
          this.stream.off('close', done)
          this.waiting = null
          resolve()
        }
        this.stream.on('drain', done)
        this.stream.on('close', done)
      })
    }
  }

  /** Resolves once every byte handed to the stream so far has been written out. */
  settled(): Promise<void> {
    if (this.closed || this.stream.writableLength === 0) return Promise.resolve()
    return new Promise((resolve) => this.stream.write('', () => resolve()))
  }

  /** Resolves once everything written so far has left the process. */
  async end(): Promise<void> {
    await this.flush()
    await this.settled()
  }
}
