/**
 * Encoding RecordBatch v2. A BatchBuilder owns one preallocated buffer and
 * writes records straight into it from the caller's bytes (a slice of a stdin
 * chunk, say), so appending a record allocates nothing. `seal()` fills in the
 * header and CRC and returns a view of the finished batch, valid until the
 * next `reset()`.
 */
import {crc32c} from '../codec/crc32c.js'
import {sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong} from '../codec/varint.js'
import {RecordTooLargeError} from '../errors.js'
import * as L from './batch-layout.js'
import {Compression, compress} from './compression.js'
import {NO_HEADERS} from './header.js'

export interface BatchBuilderOptions {
  /** A batch is full once it holds this many bytes (the producer's batch.size). */
  batchBytes: number
  /** The largest batch allowed (max.message.bytes); a record that cannot fit is refused. */
  maxBatchBytes: number
  compression?: number
}

/** Size of the record body (everything after its length varint). */
export function recordBodySize(
  timestampDelta: number,
  offsetDelta: number,
  keyLength: number,
  valueLength: number,
  headersLength: number,
): number {
  return (
    1 +
    sizeOfVarlong(timestampDelta) +
    sizeOfVarint(offsetDelta) +
    (keyLength < 0 ? 1 : sizeOfVarint(keyLength) + keyLength) +
    (valueLength < 0 ? 1 : sizeOfVarint(valueLength) + valueLength) +
    headersLength
  )
}

export class BatchBuilder {
  readonly batchBytes: number
  readonly maxBatchBytes: number
  readonly compression: number
  private buf: Buffer
  private pos = L.RECORDS_OFFSET
  private count = 0
  private baseTimestamp = 0
  private maxTimestamp = 0

  constructor(options: BatchBuilderOptions) {
    this.batchBytes = options.batchBytes
    this.maxBatchBytes = options.maxBatchBytes
    this.compression = options.compression ?? Compression.none
    this.buf = Buffer.allocUnsafe(Math.max(options.batchBytes, options.maxBatchBytes) + 64)
  }

  get recordCount(): number {
    return this.count
  }

  get sizeInBytes(): number {
    return this.pos
  }

  get isEmpty(): boolean {
    return this.count === 0
  }

  /** True once the batch holds batchBytes or more; seal it and start another. */
  get isFull(): boolean {
    return this.pos >= this.batchBytes
  }

  /**
   * Whether a record of these sizes fits in this batch without passing
   * batchBytes. An empty batch takes any record up to maxBatchBytes.
   */
  hasRoomFor(timestamp: number, keyLength: number, valueLength: number, headersLength: number): boolean {
    if (this.count === 0) return true
    const body = recordBodySize(timestamp - this.baseTimestamp, this.count, keyLength, valueLength, headersLength)
    return this.pos + sizeOfVarint(body) + body <= this.batchBytes
  }

  /**
   * Appends one record. `key`/`value` null mean a null key/value; otherwise
   * bytes [start, end) of the given buffer are copied. `headers` is the
   * encoded header block (count + entries). Throws RecordTooLargeError when
   * the record cannot fit even in an empty batch.
   */
  append(
    timestamp: number,
    key: Buffer | null,
    keyStart: number,
    keyEnd: number,
    value: Buffer | null,
    valueStart: number,
    valueEnd: number,
    headers: Buffer = NO_HEADERS,
  ): void {
    if (this.count === 0) {
      this.baseTimestamp = timestamp
      this.maxTimestamp = timestamp
    } else if (timestamp > this.maxTimestamp) {
      this.maxTimestamp = timestamp
    }
    const keyLength = key === null ? -1 : keyEnd - keyStart
    const valueLength = value === null ? -1 : valueEnd - valueStart
    const timestampDelta = timestamp - this.baseTimestamp
    const body = recordBodySize(timestampDelta, this.count, keyLength, valueLength, headers.length)
    const total = sizeOfVarint(body) + body
    if (this.pos + total > this.maxBatchBytes) {
      if (this.count === 0) {
        throw new RecordTooLargeError(
          `record is ${L.RECORDS_OFFSET + total} bytes as a batch, over max.message.bytes ${this.maxBatchBytes}`,
          {hint: 'raise the topic config max.message.bytes or split the record'},
        )
      }
      throw new RecordTooLargeError('batch is full; seal it before appending')
    }
    const buf = this.buf
    let pos = writeVarint(buf, this.pos, body)
    buf[pos++] = 0 // record attributes: unused in v2
    pos = writeVarlong(buf, pos, timestampDelta)
    pos = writeVarint(buf, pos, this.count)
    if (key === null) {
      buf[pos++] = 1 // zigzag(-1)
    } else {
      pos = writeVarint(buf, pos, keyLength)
      pos += key.copy(buf, pos, keyStart, keyEnd)
    }
    if (value === null) {
      buf[pos++] = 1
    } else {
      pos = writeVarint(buf, pos, valueLength)
      pos += value.copy(buf, pos, valueStart, valueEnd)
    }
    pos += headers.copy(buf, pos)
    this.pos = pos
    this.count++
  }

  /**
   * Completes the batch at `baseOffset` and returns it. The view shares the
   * builder's buffer: write it out before the next `reset()`.
   */
  seal(baseOffset: number, partitionLeaderEpoch = L.NO_PARTITION_LEADER_EPOCH): Buffer {
    let buf = this.buf
    let end = this.pos
    if (this.compression !== Compression.none) {
      const compressed = compress(this.compression, buf.subarray(L.RECORDS_OFFSET, this.pos))
      const out = Buffer.allocUnsafe(L.RECORDS_OFFSET + compressed.length)
      buf.copy(out, 0, 0, L.RECORDS_OFFSET)
      compressed.copy(out, L.RECORDS_OFFSET)
      buf = out
      end = out.length
    }
    L.writeInt64(buf, L.BASE_OFFSET_OFFSET, baseOffset)
    buf.writeInt32BE(end - L.LOG_OVERHEAD, L.LENGTH_OFFSET)
    buf.writeInt32BE(partitionLeaderEpoch, L.PARTITION_LEADER_EPOCH_OFFSET)
    buf.writeInt8(L.MAGIC_V2, L.MAGIC_OFFSET)
    buf.writeInt16BE(this.compression & L.COMPRESSION_CODEC_MASK, L.ATTRIBUTES_OFFSET)
    buf.writeInt32BE(this.count - 1, L.LAST_OFFSET_DELTA_OFFSET)
    L.writeInt64(buf, L.BASE_TIMESTAMP_OFFSET, this.baseTimestamp)
    L.writeInt64(buf, L.MAX_TIMESTAMP_OFFSET, this.maxTimestamp)
    L.writeInt64(buf, L.PRODUCER_ID_OFFSET, L.NO_PRODUCER_ID)
    buf.writeInt16BE(L.NO_PRODUCER_EPOCH, L.PRODUCER_EPOCH_OFFSET)
    buf.writeInt32BE(L.NO_SEQUENCE, L.BASE_SEQUENCE_OFFSET)
    buf.writeInt32BE(this.count, L.RECORDS_COUNT_OFFSET)
    const batch = buf.subarray(0, end)
    buf.writeUInt32BE(crc32c(batch.subarray(L.ATTRIBUTES_OFFSET)), L.CRC_OFFSET)
    return batch
  }

  get baseTimestampMs(): number {
    return this.baseTimestamp
  }

  get maxTimestampMs(): number {
    return this.maxTimestamp
  }

  reset(): void {
    this.pos = L.RECORDS_OFFSET
    this.count = 0
  }
}
