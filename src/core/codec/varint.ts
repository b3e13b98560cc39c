/**
 * Zigzag varints as Kafka writes them (ByteUtils.writeVarint/writeVarlong).
 *
 * Values are JavaScript numbers: a varint is 32-bit, a varlong is exact up to
 * 2^53, which covers every timestamp delta and length logpipe meets. Reading
 * a varlong beyond that range is refused rather than silently rounded.
 */
import {CorruptRecordError} from '../errors.js'

export function zigzag32(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0
}

export function sizeOfVarint(n: number): number {
  let v = zigzag32(n)
  let size = 1
  while (v >= 0x80) {
    v >>>= 7
    size++
  }
  return size
}

/**
 * The zigzag of a varlong without its low (sign) bit: 2n, or 2(-n - 1) for a
 * negative n. The sign bit is added to the first byte only, because
 * 2|n| - 1 itself is not exact in a double past 2^52.
 */
function zigzag64High(n: number): number {
  return n >= 0 ? n * 2 : (-n - 1) * 2
}

/** zigzag64High(2^53): the largest high part read back exactly (with the sign bit it would be -2^53 - 1). */
const MAX_ZIGZAG_HIGH = 2 ** 54

export function sizeOfVarlong(n: number): number {
  let v = zigzag64High(n)
  let size = 1
  while (v >= 0x80) {
    v = Math.floor(v / 128)
    size++
  }
  return size
}

/** Writes `n` at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, n: number): number {
  let v = zigzag32(n)
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  buf[pos++] = v
  return pos
}

export function writeVarlong(buf: Buffer, pos: number, n: number): number {
  let v = zigzag64High(n)
  let sign = n < 0 ? 1 : 0
  while (v >= 0x80) {
    buf[pos++] = (v % 128) | sign | 0x80
    sign = 0
    v = Math.floor(v / 128)
  }
  buf[pos++] = v | sign
  return pos
}

/**
 * A read position over a buffer. One cursor is reused for a whole batch so
 * decoding allocates nothing per field.
 */
export class ByteCursor {
  buf: Buffer
  pos: number
  end: number

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf
    this.pos = pos
    this.end = end
  }

  reset(buf: Buffer, pos: number, end: number): void {
    this.buf = buf
    this.pos = pos
    this.end = end
  }

  readVarint(): number {
    // Most varints in a record (lengths, deltas) are one byte.
    const b0 = this.buf[this.pos]
    if (b0 < 0x80 && this.pos < this.end) {
      this.pos++
      return (b0 >>> 1) ^ -(b0 & 1)
    }
    // Two bytes: a record's length, for records of 64 bytes to 8 KiB.
    const b1 = this.buf[this.pos + 1]
    if (b1 < 0x80 && this.pos + 1 < this.end) {
      this.pos += 2
      const z = (b0 & 0x7f) | (b1 << 7)
      return (z >>> 1) ^ -(z & 1)
    }
    return this.readLongVarint()
  }

  private readLongVarint(): number {
    const buf = this.buf
    let result = 0
    let shift = 0
    for (;;) {
      if (this.pos >= this.end) throw new CorruptRecordError('varint runs past the end of the record')
      const b = buf[this.pos++]
      if (shift === 28) {
        if (b > 0x0f) throw new CorruptRecordError('varint is longer than 5 bytes')
        result |= b << 28
        break
      }
      result |= (b & 0x7f) << shift
      if (b < 0x80) break
      shift += 7
    }
    result >>>= 0
    return (result >>> 1) ^ -(result & 1)
  }

  readVarlong(): number {
    const b0 = this.buf[this.pos]
    if (b0 < 0x80 && this.pos < this.end) {
      this.pos++
      return (b0 >>> 1) ^ -(b0 & 1)
    }
    return this.readLongVarlong()
  }

  private readLongVarlong(): number {
    const buf = this.buf
    // The zigzag value is summed without its sign bit (see zigzag64High):
    // even, and kept at most 2^54 so every step is exact.
    const sign = this.pos < this.end ? buf[this.pos] & 1 : 0
    let high = 0
    let mul = 1
    for (let i = 0; ; i++) {
      if (this.pos >= this.end) throw new CorruptRecordError('varlong runs past the end of the record')
      const b = buf[this.pos++]
      const bits = (i === 0 ? b & 0x7e : b & 0x7f) * mul
      if (i === 8 || bits > MAX_ZIGZAG_HIGH - high) throw new CorruptRecordError('varlong is out of the supported range')
      high += bits
      if (b < 0x80) break
      mul *= 128
    }
    if (sign === 1 && high === MAX_ZIGZAG_HIGH) throw new CorruptRecordError('varlong is out of the supported range')
    return sign === 0 ? high / 2 : -(high / 2) - 1
  }
}
