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
/** Up to this many bytes are stored one by one rather than copied. */
const SMALL = 64

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
    const n = end - start
    if (this.pos + n > this.buf.length) this.ensure(n)
    if (n > SMALL) return this.copyIn(src, start, end)
    // A few bytes (a JSON field name, a separator): stores beat a copy call, and
    // leave copyIn's note of the record buffer in place for the record's own bytes.
    const buf = this.buf
    let p = this.pos
    for (let i = start; i < end; i++) buf[p++] = src[i]
    this.pos = p
  }

  writeString(s: string): void {
    this.ensure(Buffer.byteLength(s) + 4)
    this.pos += this.buf.write(s, this.pos)
  }

  /** Writes an integer as decimal digits without a string. */
  writeInt(n: number): void {
    if (this.pos + MAX_DECIMAL > this.buf.length) this.ensure(MAX_DECIMAL)
    this.pos = putDecimal(this.buf, this.pos, n)
  }

  /** Writes epoch milliseconds as ISO-8601 in UTC (2026-01-31T12:00:00.000Z) without a string. */
  writeIsoTime(ms: number): void {
    if (this.pos + MAX_ISO > this.buf.length) this.ensure(MAX_ISO)
    this.pos = putIsoTime(this.buf, this.pos, ms)
  }
}

/** The most bytes putDecimal writes for a safe integer ("-9007199254740991" is 17). */
export const MAX_DECIMAL = 24
/** The most bytes putIsoTime writes (Date's own form for a year past 9999 is 27; digits of an int64 are at most 20). */
export const MAX_ISO = 32

/**
 * Writes integer `n` as decimal digits at buf[p] and returns the end; the
 * caller made the room. Below 2^31 the digits come from int32 division, which
 * is several times faster than Math.floor on doubles; larger numbers
 * (timestamps) are their high part, then nine low digits.
 */
export function putDecimal(buf: Buffer, p: number, n: number): number {
  if (n < 0) {
    buf[p++] = 0x2d
    n = -n
  }
  if (n < 10) {
    buf[p] = 0x30 + n
    return p + 1
  }
  if (n <= 0x7fffffff) {
    const end = p + decimalDigits(n)
    let q = end
    while (n >= 10) {
      const d = (n / 10) | 0
      buf[--q] = 0x30 + n - d * 10
      n = d
    }
    buf[--q] = 0x30 + n
    return end
  }
  const hi = Math.floor(n / 1e9)
  p = putDecimal(buf, p, hi)
  let lo = n - hi * 1e9
  for (let q = p + 8; q >= p; q--) {
    const d = (lo / 10) | 0
    buf[q] = 0x30 + lo - d * 10
    lo = d
  }
  return p + 9
}

function decimalDigits(n: number): number {
  return n < 100 ? 2 : n < 1000 ? 3 : n < 10_000 ? 4 : n < 100_000 ? 5 : n < 1_000_000 ? 6 : n < 10_000_000 ? 7 : n < 100_000_000 ? 8 : n < 1_000_000_000 ? 9 : 10
}

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the years with four digits. */
const ISO_MIN = -62_167_219_200_000
const ISO_MAX = 253_402_300_799_999
const DAY_MS = 86_400_000

/**
 * Writes epoch milliseconds as YYYY-MM-DDTHH:MM:SS.mmmZ (what
 * Date.toISOString prints) at buf[p] and returns the end; the caller made
 * MAX_ISO bytes of room. Years outside 0..9999 are Date's six-digit form;
 * a timestamp beyond what a Date holds (a damaged or hostile record) is
 * its digits, so nothing read from a log can make formatting throw.
 */
export function putIsoTime(buf: Buffer, p: number, ms: number): number {
  if (!(ms >= ISO_MIN && ms <= ISO_MAX)) {
    const d = new Date(ms)
    if (Number.isNaN(d.getTime())) return putDecimal(buf, p, ms)
    return p + buf.write(d.toISOString(), p, 'latin1')
  }
  // Days to a civil date: Howard Hinnant's days_from_civil, inverted.
  const days = Math.floor(ms / DAY_MS)
  let t = ms - days * DAY_MS
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  p = put2(buf, put2(buf, p, (year / 100) | 0), year % 100)
  buf[p++] = 0x2d
  p = put2(buf, p, month)
  buf[p++] = 0x2d
  p = put2(buf, p, day)
  buf[p++] = 0x54 // T
  const h = (t / 3_600_000) | 0
  t -= h * 3_600_000
  const m = (t / 60_000) | 0
  t -= m * 60_000
  const s = (t / 1000) | 0
  t -= s * 1000
  p = put2(buf, p, h)
  buf[p++] = 0x3a
  p = put2(buf, p, m)
  buf[p++] = 0x3a
  p = put2(buf, p, s)
  buf[p++] = 0x2e
  buf[p++] = 0x30 + ((t / 100) | 0)
  p = put2(buf, p, t % 100)
  buf[p++] = 0x5a // Z
  return p
}

function put2(buf: Buffer, p: number, n: number): number {
  const d = (n / 10) | 0
  buf[p] = 0x30 + d
  buf[p + 1] = 0x30 + n - d * 10
  return p + 2
}
