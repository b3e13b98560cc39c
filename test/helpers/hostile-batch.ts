/**
 * Hand-made RecordBatch v2 bytes for hostile-input tests: the records are
 * whatever the test spells out (lengths that lie included), and the header
 * and CRC are right, so only the record-level checks stand between them and
 * a reader. The CRC is the project's crc32c, over attributes..end.
 */
import {gzipSync} from 'node:zlib'
import {crc32c} from '../../src/core/codec/crc32c.js'
import {writeVarint} from '../../src/core/codec/varint.js'
import * as L from '../../src/core/record/batch-layout.js'

/** A number is written as a zigzag varint, a Buffer as its raw bytes. */
export type Part = number | Buffer

export function encodeParts(parts: readonly Part[]): Buffer {
  const out: Buffer[] = []
  for (const p of parts) {
    if (typeof p !== 'number') {
      out.push(p)
      continue
    }
    const b = Buffer.alloc(5)
    out.push(b.subarray(0, writeVarint(b, 0, p)))
  }
  return Buffer.concat(out)
}

/** The record attributes byte (always 0 in v2). */
export const ATTR = Buffer.from([0])

/**
 * One record: `body` after the length varint (attributes, timestamp delta,
 * offset delta, key, value, headers); the length is the body's unless given.
 */
export function rawRecord(body: readonly Part[], length?: number): Buffer {
  const bytes = encodeParts(body)
  return Buffer.concat([encodeParts([length ?? bytes.length]), bytes])
}

export interface RawBatchOptions {
  count: number
  baseOffset?: number
  lastOffsetDelta?: number
  timestamp?: number
  /** Gzip the records (attributes codec 1). */
  gzip?: boolean
  /** The records are gzip bytes already (attributes codec 1, stored as given). */
  gzipped?: boolean
  /** The records are compressed with this codec already (its attribute value; stored as given). */
  codec?: number
}

/** A batch holding exactly `records` as its records part, with a valid CRC. */
export function rawBatch(records: Buffer, options: RawBatchOptions): Buffer {
  const body = options.gzip ? gzipSync(records) : records
  const codec = options.codec ?? (options.gzip || options.gzipped ? 1 : 0)
  const batch = Buffer.alloc(L.RECORDS_OFFSET + body.length)
  const timestamp = options.timestamp ?? Date.now()
  L.writeInt64(batch, L.BASE_OFFSET_OFFSET, options.baseOffset ?? 0)
  batch.writeInt32BE(batch.length - L.LOG_OVERHEAD, L.LENGTH_OFFSET)
  batch.writeInt32BE(0, L.PARTITION_LEADER_EPOCH_OFFSET)
  batch.writeInt8(L.MAGIC_V2, L.MAGIC_OFFSET)
  batch.writeInt16BE(codec, L.ATTRIBUTES_OFFSET)
  batch.writeInt32BE(options.lastOffsetDelta ?? Math.max(0, options.count - 1), L.LAST_OFFSET_DELTA_OFFSET)
  L.writeInt64(batch, L.BASE_TIMESTAMP_OFFSET, timestamp)
  L.writeInt64(batch, L.MAX_TIMESTAMP_OFFSET, timestamp)
  L.writeInt64(batch, L.PRODUCER_ID_OFFSET, -1)
  batch.writeInt16BE(-1, L.PRODUCER_EPOCH_OFFSET)
  batch.writeInt32BE(-1, L.BASE_SEQUENCE_OFFSET)
  batch.writeInt32BE(options.count, L.RECORDS_COUNT_OFFSET)
  body.copy(batch, L.RECORDS_OFFSET)
  batch.writeUInt32BE(crc32c(batch.subarray(L.ATTRIBUTES_OFFSET)), L.CRC_OFFSET)
  return batch
}

/**
 * The 74-byte segment of issue 8: one batch, one record declaring a
 * billion headers whose first key length is -7.
 */
export function billionHeadersBatch(baseOffset = 0): Buffer {
  return rawBatch(rawRecord([ATTR, 0, 0, -1, -1, 1_000_000_000, -7, -1]), {count: 1, baseOffset})
}
