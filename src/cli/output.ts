/**
 * Buffered standard output that respects backpressure and ends quietly on a
 * closed pipe. Records are formatted straight into one large buffer, which
 * is handed to stdout when full; when stdout says "wait" (write() returned
 * false) we wait for 'drain' before filling it again.
 */
import type {Writable} from 'node:stream'

const DEFAULT_SIZE = 1 << 20

export class Output {
  buf: Buffer
  pos = 0
  private readonly stream: Writable
  private waiting: Promise<void> | null = null
  closed = false

  constructor(stream: Writable = process.stdout, size = DEFAULT_SIZE) {
    this.stream = stream
    this.buf = Buffer.allocUnsafe(size)
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
    this.buf = grown
  }

  get isFull(): boolean {
    return this.pos >= this.buf.length - 65536
  }

  writeBytes(src: Buffer, start = 0, end = src.length): void {
    this.ensure(end - start)
    this.pos += src.copy(this.buf, this.pos, start, end)
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
    if (this.pos === 0 || this.closed) {
      this.pos = 0
      return
    }
    // The stream keeps the buffer until written, so hand it over and start a new one.
    const chunk = this.buf.subarray(0, this.pos)
    this.buf = Buffer.allocUnsafe(this.buf.length)
    this.pos = 0
    const ok = this.stream.write(chunk)
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
    if (this.closed) return
    await new Promise<void>((resolve) => {
      if (this.stream.writableLength === 0) resolve()
      else this.stream.write('', () => resolve())
    })
  }
}
