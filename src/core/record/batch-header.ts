/**
 * Reading RecordBatch v2 headers and checking a batch is whole. A reader
 * asks `checkBatch` at a position: the batch is complete and its CRC holds
 * (its size is returned), or the bytes stop short (PARTIAL: not yet
 * written), or they are not a batch at all (CORRUPT).
 */
import {crc32c} from '../codec/crc32c.js'
import * as L from './batch-layout.js'

export interface BatchHeader {
  baseOffset: number
  batchLength: number
  partitionLeaderEpoch: number
  magic: number
  crc: number
  attributes: number
  lastOffsetDelta: number
  baseTimestamp: number
  maxTimestamp: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  recordCount: number
}

export const PARTIAL = -1
export const CORRUPT = -2

/** Smallest batchLength field a real batch can have: the header after LOG_OVERHEAD. */
const MIN_BATCH_LENGTH = L.RECORD_BATCH_OVERHEAD - L.LOG_OVERHEAD

/**
 * Checks the batch starting at `pos` in `buf`, whose valid bytes end at
 * `end`. Returns the batch's total size, PARTIAL or CORRUPT. `maxSize` bounds
 * the declared length so garbage cannot claim gigabytes.
 */
export function checkBatch(buf: Buffer, pos: number, end: number, maxSize: number, verifyCrc = true): number {
  if (end - pos < L.LOG_OVERHEAD) return PARTIAL
  const batchLength = buf.readInt32BE(pos + L.LENGTH_OFFSET)
  if (batchLength < MIN_BATCH_LENGTH || batchLength + L.LOG_OVERHEAD > maxSize) return CORRUPT
  if (end - pos >= L.MAGIC_OFFSET + 1 && buf[pos + L.MAGIC_OFFSET] !== L.MAGIC_V2) return CORRUPT
  const size = batchLength + L.LOG_OVERHEAD
  if (end - pos < size) return PARTIAL
  if (verifyCrc) {
    const stored = buf.readUInt32BE(pos + L.CRC_OFFSET)
    if (crc32c(buf.subarray(pos + L.ATTRIBUTES_OFFSET, pos + size)) !== stored) return CORRUPT
  }
  return size
}

export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  return {
    baseOffset: L.readInt64(buf, pos + L.BASE_OFFSET_OFFSET),
    batchLength: buf.readInt32BE(pos + L.LENGTH_OFFSET),
    partitionLeaderEpoch: buf.readInt32BE(pos + L.PARTITION_LEADER_EPOCH_OFFSET),
    magic: buf.readInt8(pos + L.MAGIC_OFFSET),
    crc: buf.readUInt32BE(pos + L.CRC_OFFSET),
    attributes: buf.readInt16BE(pos + L.ATTRIBUTES_OFFSET),
    lastOffsetDelta: buf.readInt32BE(pos + L.LAST_OFFSET_DELTA_OFFSET),
    baseTimestamp: L.readInt64(buf, pos + L.BASE_TIMESTAMP_OFFSET),
    maxTimestamp: L.readInt64(buf, pos + L.MAX_TIMESTAMP_OFFSET),
    producerId: L.readInt64(buf, pos + L.PRODUCER_ID_OFFSET),
    producerEpoch: buf.readInt16BE(pos + L.PRODUCER_EPOCH_OFFSET),
    baseSequence: buf.readInt32BE(pos + L.BASE_SEQUENCE_OFFSET),
    recordCount: buf.readInt32BE(pos + L.RECORDS_COUNT_OFFSET),
  }
}

/** Fields read straight from a batch without building a header object. */
export function batchBaseOffset(buf: Buffer, pos: number): number {
  return L.readInt64(buf, pos + L.BASE_OFFSET_OFFSET)
}

export function batchLastOffset(buf: Buffer, pos: number): number {
  return L.readInt64(buf, pos + L.BASE_OFFSET_OFFSET) + buf.readInt32BE(pos + L.LAST_OFFSET_DELTA_OFFSET)
}

export function batchMaxTimestamp(buf: Buffer, pos: number): number {
  return L.readInt64(buf, pos + L.MAX_TIMESTAMP_OFFSET)
}

export function batchSize(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos + L.LENGTH_OFFSET) + L.LOG_OVERHEAD
}
