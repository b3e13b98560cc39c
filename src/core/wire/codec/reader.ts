/**
 * Reads Kafka protocol primitives from a buffer that came off a socket, so
 * nothing in it is trusted: every length and count is checked against the
 * bytes that remain before anything is sliced or allocated, and any
 * violation is a WireDecodeError. Byte payloads (bytes, records) are views
 * of the input, never copies.
 */
import {WireDecodeError} from '../../errors.js'

export class Reader {
  readonly buf: Buffer
  pos: number
  readonly end: number
  // Fixed-size fields through a DataView: see Writer.
  private readonly view: DataView

  constructor(buf: Buffer, pos = 0, end = buf.length, view?: DataView) {
    if (pos < 0 || end > buf.length || pos > end) throw new WireDecodeError(`bad read window ${pos}..${end} of ${buf.length} bytes`)
    this.buf = buf
    this.pos = pos
    this.end = end
    this.view = view ?? new DataView(buf.buffer, buf.byteOffset, buf.length)
  }

  /** A reader of the next `n` bytes only, sharing this one's buffer (a tagged field's value). */
  window(n: number): Reader {
    this.need(n, 'window')
    return new Reader(this.buf, this.pos, this.pos + n, this.view)
  }

  get remaining(): number {
    return this.end - this.pos
  }

  private need(n: number, what: string): void {
    if (n > this.end - this.pos) throw new WireDecodeError(`${what} needs ${n} bytes, ${this.end - this.pos} left`)
  }

  int8(): number {
    this.need(1, 'int8')
    const v = this.view.getInt8(this.pos)
    this.pos += 1
    return v
  }

  int16(): number {
    this.need(2, 'int16')
    const v = this.view.getInt16(this.pos)
    this.pos += 2
    return v
  }

  uint16(): number {
    this.need(2, 'uint16')
    const v = this.view.getUint16(this.pos)
    this.pos += 2
    return v
  }

  int32(): number {
    this.need(4, 'int32')
    const v = this.view.getInt32(this.pos)
    this.pos += 4
    return v
  }

  uint32(): number {
    this.need(4, 'uint32')
    const v = this.view.getUint32(this.pos)
    this.pos += 4
    return v
  }

  int64(): bigint {
    this.need(8, 'int64')
    const v = this.view.getBigInt64(this.pos)
    this.pos += 8
    return v
  }

  float64(): number {
    this.need(8, 'float64')
    const v = this.view.getFloat64(this.pos)
    this.pos += 8
    return v
  }

  bool(): boolean {
    this.need(1, 'bool')
    return this.buf[this.pos++] !== 0
  }

  /** An unsigned varint of at most 32 bits (Kafka's ByteUtils.readUnsignedVarint). */
  unsignedVarint(): number {
    let result = 0
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= this.end) throw new WireDecodeError('unsigned varint runs past the end')
      const b = this.buf[this.pos++]
      if (shift === 28) {
        if (b > 0x0f) throw new WireDecodeError('unsigned varint is longer than 32 bits')
        return (result | (b << 28)) >>> 0
      }
      result |= (b & 0x7f) << shift
      if (b < 0x80) return result >>> 0
    }
  }

  varint(): number {
    const z = this.unsignedVarint()
    return (z >>> 1) ^ -(z & 1)
  }

  /** A zigzag varlong, exact up to 2^53 (beyond that is refused, not rounded). */
  varlong(): number {
    let z = 0n
    for (let shift = 0n; ; shift += 7n) {
      if (this.pos >= this.end) throw new WireDecodeError('varlong runs past the end')
      if (shift > 63n) throw new WireDecodeError('varlong is longer than 64 bits')
      const b = this.buf[this.pos++]
      z |= BigInt(b & 0x7f) << shift
      if (b < 0x80) break
    }
    const v = (z >> 1n) ^ -(z & 1n)
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new WireDecodeError('varlong is out of the supported range')
    return Number(v)
  }

  /** A length from an int16/int32 prefix (-1 = null), or a compact one (N+1, 0 = null); -1 for null. */
  private length(compact: boolean, wide: boolean, what: string): number {
    let n: number
    if (compact) n = this.unsignedVarint() - 1
    else n = wide ? this.int32() : this.int16()
    if (n < -1) throw new WireDecodeError(`${what} has negative length ${n}`)
    if (n > this.end - this.pos) throw new WireDecodeError(`${what} of ${n} bytes runs past the end (${this.end - this.pos} left)`)
    return n
  }

  /** A string; null only where the caller allows it. */
  string(compact: boolean, nullable: boolean): string | null {
    const n = this.length(compact, false, 'string')
    if (n === -1) {
      if (!nullable) throw new WireDecodeError('null where a string is required')
      return null
    }
    const s = this.buf.toString('utf8', this.pos, this.pos + n)
    this.pos += n
    return s
  }

  /** Bytes or records: a view of the input, not a copy. */
  bytes(compact: boolean, nullable: boolean): Buffer | null {
    const n = this.length(compact, true, 'bytes')
    if (n === -1) {
      if (!nullable) throw new WireDecodeError('null where bytes are required')
      return null
    }
    const b = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return b
  }

  uuid(): string {
    this.need(16, 'uuid')
    const h = this.buf.toString('hex', this.pos, this.pos + 16)
    this.pos += 16
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
  }

  /**
   * An array's element count (-1 = null), checked before anyone allocates
   * for it: each element takes at least `minElementSize` bytes, so a count
   * the remaining bytes cannot hold is refused.
   */
  arrayCount(compact: boolean, nullable: boolean, minElementSize: number): number {
    const n = compact ? this.unsignedVarint() - 1 : this.int32()
    if (n === -1) {
      if (!nullable) throw new WireDecodeError('null where an array is required')
      return -1
    }
    if (n < -1) throw new WireDecodeError(`array has negative count ${n}`)
    if (n * minElementSize > this.end - this.pos) throw new WireDecodeError(`array of ${n} elements cannot fit in the ${this.end - this.pos} bytes left`)
    return n
  }

  skip(n: number): void {
    this.need(n, 'skipped field')
    this.pos += n
  }
}
