/**
 * Decoding the records of a RecordBatch v2. A RecordReader is opened on one
 * batch and stepped with `next()`; it exposes the current record as positions
 * into a buffer (the batch itself, or its decompressed records), so reading a
 * record allocates nothing. `toRecord()` copies one out when a caller wants
 * an object.
 */
import {ByteCursor} from '../codec/varint.js'
import {CorruptRecordError} from '../errors.js'
import * as L from './batch-layout.js'
import {decompress} from './compression.js'
import {type RecordHeader, decodeHeaders} from './header.js'

export interface Record {
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

export class RecordReader {
  /** Buffer holding the current record's bytes. */
  buf: Buffer = Buffer.alloc(0)
  offset = 0
  timestamp = 0
  /** -1 for a null key. */
  keyStart = 0
  keyLength = -1
  valueStart = 0
  valueLength = -1
  headersStart = 0
  headerCount = 0
  headersEnd = 0
  /** Where the current record starts (its length varint) in `buf`. */
  recordStart = 0

  baseOffset = 0
  baseTimestamp = 0
  recordCount = 0
  attributes = 0
  private index = 0
  private readonly cursor = new ByteCursor(Buffer.alloc(0))

  /** Positions the reader before the first record of the batch at buf[pos]. */
  open(batch: Buffer, pos: number): void {
    const size = batch.readInt32BE(pos + L.LENGTH_OFFSET) + L.LOG_OVERHEAD
    this.baseOffset = L.readInt64(batch, pos + L.BASE_OFFSET_OFFSET)
    this.baseTimestamp = L.readInt64(batch, pos + L.BASE_TIMESTAMP_OFFSET)
    this.recordCount = batch.readInt32BE(pos + L.RECORDS_COUNT_OFFSET)
    this.attributes = batch.readInt16BE(pos + L.ATTRIBUTES_OFFSET)
    this.index = 0
    const codec = this.attributes & L.COMPRESSION_CODEC_MASK
    if (codec === 0) {
      this.cursor.reset(batch, pos + L.RECORDS_OFFSET, pos + size)
    } else {
      const records = decompress(codec, batch.subarray(pos + L.RECORDS_OFFSET, pos + size))
      this.cursor.reset(records, 0, records.length)
    }
    this.buf = this.cursor.buf
  }

  get isControlBatch(): boolean {
    return (this.attributes & L.CONTROL_FLAG_MASK) !== 0
  }

  /** Advances to the next record; false after the last one. */
  next(): boolean {
    if (this.index >= this.recordCount) return false
    const c = this.cursor
    this.recordStart = c.pos
    const length = c.readVarint()
    const end = c.pos + length
    if (length < 0 || end > c.end) throw new CorruptRecordError(`record ${this.index} runs past the end of its batch`)
    c.pos++ // attributes
    this.timestamp = this.baseTimestamp + c.readVarlong()
    this.offset = this.baseOffset + c.readVarint()
    this.keyLength = c.readVarint()
    this.keyStart = c.pos
    if (this.keyLength > 0) c.pos += this.keyLength
    this.valueLength = c.readVarint()
    this.valueStart = c.pos
    if (this.valueLength > 0) c.pos += this.valueLength
    this.headerCount = c.readVarint()
    this.headersStart = c.pos
    if (c.pos > end) throw new CorruptRecordError(`record ${this.index} is longer than its length says`)
    c.pos = end
    this.headersEnd = end
    this.index++
    return true
  }

  key(): Buffer | null {
    return this.keyLength < 0 ? null : Buffer.from(this.buf.subarray(this.keyStart, this.keyStart + this.keyLength))
  }

  value(): Buffer | null {
    return this.valueLength < 0 ? null : Buffer.from(this.buf.subarray(this.valueStart, this.valueStart + this.valueLength))
  }

  headers(): RecordHeader[] {
    if (this.headerCount === 0) return []
    return decodeHeaders(new ByteCursor(this.buf, this.headersStart, this.headersEnd), this.headerCount)
  }

  toRecord(): Record {
    return {offset: this.offset, timestamp: this.timestamp, key: this.key(), value: this.value(), headers: this.headers()}
  }
}

/** Every record of the batch at buf[pos], as objects. */
export function decodeRecords(buf: Buffer, pos = 0): Record[] {
  const reader = new RecordReader()
  reader.open(buf, pos)
  const out: Record[] = []
  while (reader.next()) out.push(reader.toRecord())
  return out
}
