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
import {type RecordHeader, decodeHeaders, skipHeaders} from './header.js'

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
  private lastOffsetDelta = 0
  /** End of the batch's records in `buf`; the cursor's end is the current record's while it is decoded. */
  private recordsEnd = 0
  private index = 0
  private readonly cursor = new ByteCursor(Buffer.alloc(0))

  /**
   * Positions the reader before the first record of the batch at buf[pos],
   * which the caller has checked is whole (checkBatch).
   */
  open(batch: Buffer, pos: number): void {
    const size = batch.readInt32BE(pos + L.LENGTH_OFFSET) + L.LOG_OVERHEAD
    this.baseOffset = L.readInt64(batch, pos + L.BASE_OFFSET_OFFSET)
    this.baseTimestamp = L.readInt64(batch, pos + L.BASE_TIMESTAMP_OFFSET)
    this.recordCount = batch.readInt32BE(pos + L.RECORDS_COUNT_OFFSET)
    this.lastOffsetDelta = batch.readInt32BE(pos + L.LAST_OFFSET_DELTA_OFFSET)
    this.attributes = batch.readInt16BE(pos + L.ATTRIBUTES_OFFSET)
    this.index = 0
    this.cursor.reset(batch, pos + L.RECORDS_OFFSET, pos + L.RECORDS_OFFSET)
    this.recordsEnd = pos + L.RECORDS_OFFSET
    this.buf = batch
    if (size < L.RECORDS_OFFSET || pos + size > batch.length) this.fail(`batch length ${size - L.LOG_OVERHEAD} does not fit in the bytes read`)
    const codec = this.attributes & L.COMPRESSION_CODEC_MASK
    if (codec === 0) {
      this.cursor.reset(batch, pos + L.RECORDS_OFFSET, pos + size)
    } else {
      const records = decompress(codec, batch.subarray(pos + L.RECORDS_OFFSET, pos + size), L.MAX_INFLATED_RECORDS)
      this.cursor.reset(records, 0, records.length)
    }
    this.buf = this.cursor.buf
    this.recordsEnd = this.cursor.end
    const room = this.cursor.end - this.cursor.pos
    if (this.recordCount < 0 || this.recordCount > room / L.MIN_RECORD_SIZE) {
      this.fail(`record count ${this.recordCount} cannot fit in the ${room} bytes of records`)
    }
  }

  get isControlBatch(): boolean {
    return (this.attributes & L.CONTROL_FLAG_MASK) !== 0
  }

  /**
   * The offset of the record a CorruptRecordError from open() or next() is
   * about: the batch's base offset plus the record's index in the batch
   * (its own offset delta may be what is wrong).
   */
  get failedOffset(): number {
    return this.baseOffset + this.index
  }

  /**
   * Advances to the next record; false after the last one. Every length and
   * count is checked against the bytes left in the record, so the positions
   * it exposes (headers included) always lie inside the record: a
   * CorruptRecordError otherwise. The checks are compares on numbers
   * already read; only a record with headers walks them.
   */
  next(): boolean {
    const c = this.cursor
    if (this.index >= this.recordCount) {
      if (c.pos !== this.recordsEnd) this.fail(`${this.recordsEnd - c.pos} bytes follow the last of the batch's ${this.recordCount} records`)
      return false
    }
    this.recordStart = c.pos
    const length = c.readVarint()
    const end = c.pos + length
    if (length < L.MIN_RECORD_SIZE - 1 || end > this.recordsEnd) {
      this.fail(`record length ${length} does not fit in the ${this.recordsEnd - c.pos} bytes left in its batch`)
    }
    // Within the record the cursor ends where the record does, so no field
    // (a varint included) can be read from the next record's bytes.
    c.end = end
    c.pos++ // attributes
    this.timestamp = this.baseTimestamp + c.readVarlong()
    const offsetDelta = c.readVarint()
    if (offsetDelta < 0 || offsetDelta > this.lastOffsetDelta) {
      this.fail(`offset delta ${offsetDelta} is outside the batch's 0..${this.lastOffsetDelta}`)
    }
    this.offset = this.baseOffset + offsetDelta
    const keyLength = c.readVarint()
    if (keyLength < -1 || keyLength > end - c.pos) this.fail(`key length ${keyLength} does not fit in the ${end - c.pos} bytes left in the record`)
    this.keyLength = keyLength
    this.keyStart = c.pos
    if (keyLength > 0) c.pos += keyLength
    const valueLength = c.readVarint()
    if (valueLength < -1 || valueLength > end - c.pos) this.fail(`value length ${valueLength} does not fit in the ${end - c.pos} bytes left in the record`)
    this.valueLength = valueLength
    this.valueStart = c.pos
    if (valueLength > 0) c.pos += valueLength
    const headerCount = c.readVarint()
    // A header takes at least two bytes (its key and value lengths).
    if (headerCount < 0 || headerCount > (end - c.pos) / 2) {
      this.fail(`header count ${headerCount} does not fit in the ${end - c.pos} bytes left in the record`)
    }
    this.headerCount = headerCount
    this.headersStart = c.pos
    if (headerCount > 0) skipHeaders(c, headerCount)
    if (c.pos !== end) this.fail(`record length ${length} says ${end - c.pos} more bytes than its fields hold`)
    c.end = this.recordsEnd
    this.headersEnd = end
    this.index++
    return true
  }

  private fail(what: string): never {
    this.cursor.end = this.recordsEnd
    throw new CorruptRecordError(what)
  }

  key(): Buffer | null {
    return this.keyLength < 0 ? null : Buffer.from(this.buf.subarray(this.keyStart, this.keyStart + this.keyLength))
  }

  value(): Buffer | null {
    return this.valueLength < 0 ? null : Buffer.from(this.buf.subarray(this.valueStart, this.valueStart + this.valueLength))
  }

  /** The key's bytes in the batch's buffer, not a copy: valid until the reader moves on (or its buffer is reused). */
  keyView(): Buffer | null {
    return this.keyLength < 0 ? null : this.buf.subarray(this.keyStart, this.keyStart + this.keyLength)
  }

  /** The value's bytes in the batch's buffer, not a copy (as keyView). */
  valueView(): Buffer | null {
    return this.valueLength < 0 ? null : this.buf.subarray(this.valueStart, this.valueStart + this.valueLength)
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
