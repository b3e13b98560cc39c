/**
 * Buffered standard output that respects backpressure and ends quietly on a
 * closed pipe. Records are formatted straight into one large buffer, which
 * is handed to stdout when full; when stdout says "wait" (write() returned
 * false) we wait for 'drain' before filling it again.
 */
import {fstatSync, writeSync} from 'node:fs'
import type {Writable} from 'node:stream'
import {isatty} from 'node:tty'
import {type MemoryArena, viewOf} from '../core/codec/memory-arena.js'

const DEFAULT_SIZE = 1 << 20

/**
 * stdout's descriptor when it is a regular file or a device other than a
 * terminal: writes there complete at once, so they can be made directly.
 */
function syncTarget(stream: Writable): number | null {
  const fd = (stream as {fd?: unknown}).fd
  if (typeof fd !== 'number' || isatty(fd)) return null
  try {
    const st = fstatSync(fd)
    return st.isFile() || st.isCharacterDevice() ? fd : null
  } catch {
    return null
  }
}
const POOL_SIZE = 4

export class Output {
  buf: Buffer
  pos = 0
  private readonly stream: Writable
  private waiting: Promise<void> | null = null
  closed = false
  private readonly size: number
  private readonly arena: MemoryArena | null
  /** Buffers the stream has finished with, ready to fill again. */
  private readonly pool: Buffer[] = []
  /** All the memory under `buf` (see copyBytes). */
  private view: Uint8Array
  private lastTurn = Date.now()
  /** The descriptor to write with writeSync when the stream is a file or a device (not a pipe or terminal). */
  private readonly syncFd: number | null

  /**
   * With an arena, output buffers are taken from it, so copying record bytes
   * from read buffers in the same arena allocates nothing.
   */
  constructor(stream: Writable = process.stdout, size = DEFAULT_SIZE, arena: MemoryArena | null = null) {
    this.stream = stream
    this.size = size
    this.arena = arena
    this.buf = this.fresh()
    this.view = viewOf(this.buf)
    this.base = this.buf.byteOffset
    this.syncFd = syncTarget(stream)
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') {
        this.closed = true
        return
      }
      throw error
    })
  }

  /** Makes room for `n` more bytes, growing the buffer when one item is larger than it. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(grown, 0, 0, this.pos)
    this.setBuffer(grown)
  }

  private fresh(): Buffer {
    return this.pool.pop() ?? this.arena?.take(this.size) ?? Buffer.allocUnsafe(this.size)
  }

  private setBuffer(buf: Buffer): void {
    if (buf.buffer !== this.view?.buffer) this.view = viewOf(buf)
    this.buf = buf
    this.base = buf.byteOffset
    this.lastSrc = null
  }

  private base = 0
  /** The last source buffer copied from, and what copyIn worked out about it. */
  private lastSrc: Buffer | null = null
  private lastSrcShared = false
  private lastSrcBase = 0

  /**
   * Appends src[start, end); the caller has ensure()d the room. Called per
   * record with the same read buffer over and over, so whether it shares
   * our memory is worked out once per buffer, not per call.
   */
  copyIn(src: Buffer, start: number, end: number): void {
    if (src !== this.lastSrc) {
      this.lastSrc = src
      this.lastSrcShared = src.buffer === this.view.buffer
      this.lastSrcBase = src.byteOffset
    }
    if (this.lastSrcShared) {
      this.view.copyWithin(this.base + this.pos, this.lastSrcBase + start, this.lastSrcBase + end)
      this.pos += end - start
    } else {
      this.pos += src.copy(this.buf, this.pos, start, end)
    }
  }

  get isFull(): boolean {
    return this.pos >= this.buf.length - 65536
  }

  writeBytes(src: Buffer, start = 0, end = src.length): void {
    this.ensure(end - start)
    this.copyIn(src, start, end)
  }

  writeString(s: string): void {
    this.ensure(Buffer.byteLength(s) + 4)
    this.pos += this.buf.write(s, this.pos)
  }

  /** Writes a non-negative or negative integer as decimal digits without a string. */
  writeInt(n: number): void {
    this.ensure(24)
    const buf = this.buf
    if (n < 0) {
      buf[this.pos++] = 0x2d
      n = -n
    }
    if (n < 10) {
      buf[this.pos++] = 0x30 + n
      return
    }
    let digits = 0
    for (let m = n; m >= 1; m = Math.floor(m / 10)) digits++
    let p = this.pos + digits
    this.pos = p
    while (n >= 1) {
      const q = Math.floor(n / 10)
      buf[--p] = 0x30 + (n - q * 10)
      n = q
    }
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
    if (!ok && !this.closed) {
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
      await this.waiting
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
