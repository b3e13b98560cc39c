/**
 * Encoding RecordBatch v2. A BatchBuilder owns one preallocated buffer and
 * writes records straight into it from the caller's bytes (a slice of a stdin
 * chunk, say), so appending a record allocates nothing. `seal()` fills in the
 * header and CRC and returns a view of the finished batch, valid until the
 * next `reset()`.
 */
import {crc32c} from '../codec/crc32c.js'
import {copyBytes, viewOf} from '../codec/memory-arena.js'
import {sizeOfVarlong, writeVarint, writeVarlong} from '../codec/varint.js'
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
  /**
   * Memory to build batches in, at least `capacityFor(options)` bytes. When
   * it shares its ArrayBuffer with the buffers records are copied from, the
   * copy is a copyWithin on that memory and allocates nothing.
   */
  buffer?: Buffer
}

/** Bytes a builder needs: its largest batch plus slack for the last record's varints. */
export function capacityFor(options: BatchBuilderOptions): number {
  return Math.max(options.batchBytes, options.maxBatchBytes) + 64
}

/**
 * Size of the record body (everything after its length varint). Runs once
 * per record, so the small varints are sized by comparison, not by loop.
 */
export function recordBodySize(
  timestampDelta: number,
  offsetDelta: number,
  keyLength: number,
  valueLength: number,
  headersLength: number,
): number {
  return (
    1 +
    (timestampDelta >= 0 && timestampDelta < 64 ? 1 : sizeOfVarlong(timestampDelta)) +
    varintSize(offsetDelta) +
    (keyLength < 0 ? 1 : varintSize(keyLength) + keyLength) +
    (valueLength < 0 ? 1 : varintSize(valueLength) + valueLength) +
    headersLength
  )
}

/** Writes a non-negative int as a zigzag varint, the one- and two-byte forms inline. */
function putSmallVarint(buf: Buffer, pos: number, n: number): number {
  if (n < 64) {
    buf[pos] = n << 1
    return pos + 1
  }
  if (n < 8192) {
    const z = n << 1
    buf[pos] = (z & 0x7f) | 0x80
    buf[pos + 1] = z >>> 7
    return pos + 2
  }
  return writeVarint(buf, pos, n)
}

/** Bytes of a non-negative int as a zigzag varint (2n), by comparison. */
function varintSize(n: number): number {
  if (n < 64) return 1
  if (n < 8192) return 2
  if (n < 1048576) return 3
  if (n < 134217728) return 4
  return 5
}

/** An idempotent producer's id, epoch and the batch's first sequence number, as InitProducerId gave them. */
export interface ProducerStamp {
  producerId: number
  producerEpoch: number
  baseSequence: number
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
    this.buf = options.buffer ?? Buffer.allocUnsafe(capacityFor(options))
    this.view = viewOf(this.buf)
    this.base = this.buf.byteOffset
  }

  private readonly base: number
  private lastSrc: Buffer | null = null
  /** byteOffset of lastSrc when it lives in our memory, else -1. */
  private lastSrcBase = -1

  /** All the memory under `buf`: records copied from buffers in it cost no allocation. */
  private readonly view: Uint8Array

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
    return this.pos + varintSize(body) + body <= this.batchBytes
  }

  /**
   * Appends one record if it fits within batchBytes (an empty batch takes
   * any record up to maxBatchBytes) and returns true; returns false, with
   * nothing written, when the batch should be sealed first. `key`/`value`
   * null mean a null key/value; otherwise bytes [start, end) of the given
   * buffer are copied. `headers` is the encoded header block (count +
   * entries). Throws RecordTooLargeError when the record cannot fit even in
   * an empty batch.
   */
  tryAppend(
    timestamp: number,
    key: Buffer | null,
    keyStart: number,
    keyEnd: number,
    value: Buffer | null,
    valueStart: number,
    valueEnd: number,
    headers: Buffer = NO_HEADERS,
  ): boolean {
    return this.put(this.batchBytes, timestamp, key, keyStart, keyEnd, value, valueStart, valueEnd, headers)
  }

  /**
   * Appends one record even past batchBytes, up to maxBatchBytes; throws
   * RecordTooLargeError when it cannot fit.
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
    if (!this.put(this.maxBatchBytes, timestamp, key, keyStart, keyEnd, value, valueStart, valueEnd, headers)) {
      throw new RecordTooLargeError('batch is full; seal it before appending')
    }
  }

  private put(
    limit: number,
    timestamp: number,
    key: Buffer | null,
    keyStart: number,
    keyEnd: number,
    value: Buffer | null,
    valueStart: number,
    valueEnd: number,
    headers: Buffer,
  ): boolean {
    const first = this.count === 0
    const timestampDelta = first ? 0 : timestamp - this.baseTimestamp
    const keyLength = key === null ? -1 : keyEnd - keyStart
    const valueLength = value === null ? -1 : valueEnd - valueStart
    const body = recordBodySize(timestampDelta, this.count, keyLength, valueLength, headers.length)
    const end = this.pos + varintSize(body) + body
    if (!first && end > limit) return false
    if (end > this.maxBatchBytes) {
      throw new RecordTooLargeError(`record is ${end} bytes as a batch, over max.message.bytes ${this.maxBatchBytes}`, {
        hint: 'raise the topic config max.message.bytes or split the record',
      })
    }
    if (first) {
      this.baseTimestamp = timestamp
      this.maxTimestamp = timestamp
    } else if (timestamp > this.maxTimestamp) {
      this.maxTimestamp = timestamp
    }
    const buf = this.buf
    let pos = putSmallVarint(buf, this.pos, body)
    buf[pos++] = 0 // record attributes: unused in v2
    if (timestampDelta >= 0 && timestampDelta < 64) buf[pos++] = timestampDelta << 1
    else pos = writeVarlong(buf, pos, timestampDelta)
    pos = putSmallVarint(buf, pos, this.count)
    if (key === null) {
      buf[pos++] = 1 // zigzag(-1)
    } else {
      pos = putSmallVarint(buf, pos, keyLength)
      if (keyLength > 0) pos += copyBytes(this.view, buf, pos, key, keyStart, keyEnd)
    }
    if (value === null) {
      buf[pos++] = 1
    } else {
      pos = putSmallVarint(buf, pos, valueLength)
      if (valueLength > 0) {
        // Records come from the same input buffer over and over: whether it
        // shares our memory is worked out once per buffer (the .buffer and
        // .byteOffset getters cost more than the copy itself).
        if (value !== this.lastSrc) {
          this.lastSrc = value
          this.lastSrcBase = value.buffer === this.view.buffer ? value.byteOffset : -1
        }
        if (this.lastSrcBase >= 0) {
          this.view.copyWithin(this.base + pos, this.lastSrcBase + valueStart, this.lastSrcBase + valueEnd)
          pos += valueLength
        } else {
          pos += value.copy(buf, pos, valueStart, valueEnd)
        }
      }
    }
    if (headers.length === 1) buf[pos++] = headers[0]
    else pos += headers.copy(buf, pos)
    this.pos = pos
    this.count++
    return true
  }

  /**
   * Completes the batch at `baseOffset` and returns it. The view shares the
   * builder's buffer: write it out before the next `reset()`.
   */
  seal(baseOffset: number, partitionLeaderEpoch = L.NO_PARTITION_LEADER_EPOCH, producer?: ProducerStamp): Buffer {
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
    L.writeInt64(buf, L.PRODUCER_ID_OFFSET, producer?.producerId ?? L.NO_PRODUCER_ID)
    buf.writeInt16BE(producer?.producerEpoch ?? L.NO_PRODUCER_EPOCH, L.PRODUCER_EPOCH_OFFSET)
    buf.writeInt32BE(producer?.baseSequence ?? L.NO_SEQUENCE, L.BASE_SEQUENCE_OFFSET)
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
