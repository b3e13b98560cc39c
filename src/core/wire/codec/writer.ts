/**
 * Writes Kafka protocol primitives into one buffer sized in advance by the
 * message's sizer, so a message is laid out with one allocation and no
 * growth. Range checks are Node's own (a value out of range for its type is
 * a RangeError: a bug in the caller, not bad input).
 *
 * In splice mode, a large raw payload (record batches: a Fetch response
 * carrying megabytes) is not copied: the writer ends the current piece there
 * and hands the payload on by reference, so the caller can `writev` the
 * pieces. The sizer counts those bytes apart (SizeContext.spliced) so the
 * writer's own buffer holds only what is copied.
 */
import {writeVarint, writeVarlong} from '../../codec/varint.js'

/** Payloads of at least this many bytes are passed by reference in splice mode. */
export const SPLICE_MIN = 16 * 1024

/** Carried through a message's sizer: the bytes a splicing writer will not copy. */
export interface SizeContext {
  splice: boolean
  spliced: number
}

export function sizeOfUnsignedVarint(n: number): number {
  if (n < 0x80) return 1
  if (n < 0x4000) return 2
  if (n < 0x200000) return 3
  if (n < 0x10000000) return 4
  return 5
}

function outOfRange(type: string, v: number): never {
  throw new RangeError(`${v} is out of range for ${type}`)
}

export class Writer {
  buf: Buffer
  pos: number
  // Fixed-size fields go through a DataView: V8 compiles its accessors to
  // plain loads and stores, several times faster than Buffer#writeInt32BE and
  // nine times faster for int64 (measured, Node 20). It wraps instead of
  // checking, so the checks Node would make are done here.
  private view: DataView
  private readonly pieces: Buffer[] | null
  private pieceStart: number

  /** `headroom` bytes at the start are left for the caller (a size prefix and a header). */
  constructor(size: number, splice = false, headroom = 0) {
    this.buf = Buffer.allocUnsafe(size + headroom)
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length)
    this.pos = headroom
    this.pieces = splice ? [] : null
    this.pieceStart = 0
  }

  /** A writer over part of an existing buffer (a header in a message's headroom). */
  static at(buf: Buffer, pos: number): Writer {
    const w = new Writer(0)
    w.buf = buf
    w.view = new DataView(buf.buffer, buf.byteOffset, buf.length)
    w.pos = pos
    return w
  }

  int8(v: number): void {
    if ((v << 24) >> 24 !== v) outOfRange('int8', v)
    this.view.setInt8(this.pos, v)
    this.pos += 1
  }

  int16(v: number): void {
    if ((v << 16) >> 16 !== v) outOfRange('int16', v)
    this.view.setInt16(this.pos, v)
    this.pos += 2
  }

  uint16(v: number): void {
    if ((v & 0xffff) !== v) outOfRange('uint16', v)
    this.view.setUint16(this.pos, v)
    this.pos += 2
  }

  int32(v: number): void {
    if ((v | 0) !== v) outOfRange('int32', v)
    this.view.setInt32(this.pos, v)
    this.pos += 4
  }

  uint32(v: number): void {
    if (v >>> 0 !== v) outOfRange('uint32', v)
    this.view.setUint32(this.pos, v)
    this.pos += 4
  }

  /** Throws a TypeError for a non-bigint; a bigint beyond 64 bits is the caller's bug and wraps. */
  int64(v: bigint): void {
    this.view.setBigInt64(this.pos, v)
    this.pos += 8
  }

  float64(v: number): void {
    this.view.setFloat64(this.pos, v)
    this.pos += 8
  }

  bool(v: boolean): void {
    this.buf[this.pos++] = v ? 1 : 0
  }

  unsignedVarint(v: number): void {
    let n = v >>> 0
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80
      n >>>= 7
    }
    this.buf[this.pos++] = n
  }

  varint(v: number): void {
    this.pos = writeVarint(this.buf, this.pos, v)
  }

  varlong(v: number): void {
    this.pos = writeVarlong(this.buf, this.pos, v)
  }

  /** UTF-8 bytes of `s`, whose byte length the caller has already written. */
  utf8(s: string, byteLength: number): void {
    // Equal lengths mean pure ASCII, which latin1 writes faster than utf8.
    this.pos += this.buf.write(s, this.pos, byteLength, byteLength === s.length ? 'latin1' : 'utf8')
  }

  /** 16 bytes from a UUID in its usual text form. */
  uuid(s: string): void {
    const hex = s.length === 36 ? s.replace(/-/g, '') : s
    this.pos += this.buf.write(hex, this.pos, 16, 'hex')
  }

  /** Bytes copied in, or (splice mode, large payloads) passed on by reference. */
  raw(b: Buffer): void {
    if (this.pieces !== null && b.length >= SPLICE_MIN) {
      this.pieces.push(this.buf.subarray(this.pieceStart, this.pos), b)
      this.pieceStart = this.pos
      return
    }
    this.pos += b.copy(this.buf, this.pos)
  }

  /** The message in one buffer (never a spliced writer). */
  finish(): Buffer {
    return this.pos === this.buf.length ? this.buf : this.buf.subarray(0, this.pos)
  }

  /** The message as pieces to be written in order: the writer's own bytes around each spliced payload. */
  finishPieces(): Buffer[] {
    const pieces = this.pieces ?? []
    pieces.push(this.buf.subarray(this.pieceStart, this.pos))
    return pieces
  }
}
