/**
 * The buffer records are formatted into: bytes copied straight from read
 * buffers, integers written as digits without making strings. The CLI's
 * stdout (cli/output.ts) is one of these that also writes itself out; a
 * library caller can format into a plain one and take the bytes.
 *
 * Formatters write `buf` and `pos` directly on their hot path (one record,
 * one copy, one byte store), after `ensure()` made the room.
 */
import {viewOf} from '../codec/memory-arena.js'

const DEFAULT_SIZE = 64 << 10

export class FormatBuffer {
  buf: Buffer
  pos = 0
  /** All the memory under `buf` (see copyIn). */
  private view: Uint8Array
  private base: number
  /** The last source buffer copied from, and what copyIn worked out about it. */
  private lastSrc: Buffer | null = null
  private lastSrcShared = false
  private lastSrcBase = 0

  /**
   * With a buffer from a MemoryArena (`arena.take(size)`), copying record
   * bytes from read buffers in the same arena allocates nothing.
   */
  constructor(buf: Buffer = Buffer.allocUnsafe(DEFAULT_SIZE)) {
    this.buf = buf
    this.view = viewOf(buf)
    this.base = buf.byteOffset
  }

  /** The bytes formatted so far (a view: valid until the next write or clear). */
  get bytes(): Buffer {
    return this.buf.subarray(0, this.pos)
  }

  clear(): void {
    this.pos = 0
  }

  /** Makes room for `n` more bytes, growing the buffer when one item is larger than it. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(grown, 0, 0, this.pos)
    this.setBuffer(grown)
  }

  /** Formats on into another buffer (the old one was handed to a writer). */
  protected setBuffer(buf: Buffer): void {
    if (buf.buffer !== this.view?.buffer) this.view = viewOf(buf)
    this.buf = buf
    this.base = buf.byteOffset
    this.lastSrc = null
  }

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
}
