/**
 * RecordBatch v2 (magic 2) header layout, as Kafka's DefaultRecordBatch
 * defines it. Each offset is derived from the one before it; this file is the
 * only place that knows them.
 *
 *   baseOffset            int64
 *   batchLength           int32   bytes after this field
 *   partitionLeaderEpoch  int32
 *   magic                 int8    = 2
 *   crc                   uint32  CRC-32C of attributes..end
 *   attributes            int16
 *   lastOffsetDelta       int32
 *   baseTimestamp         int64
 *   maxTimestamp          int64
 *   producerId            int64
 *   producerEpoch         int16
 *   baseSequence          int32
 *   recordCount           int32
 *   records               ...
 */
export const BASE_OFFSET_OFFSET = 0
export const BASE_OFFSET_LENGTH = 8
export const LENGTH_OFFSET = BASE_OFFSET_OFFSET + BASE_OFFSET_LENGTH
export const LENGTH_LENGTH = 4
export const PARTITION_LEADER_EPOCH_OFFSET = LENGTH_OFFSET + LENGTH_LENGTH
export const PARTITION_LEADER_EPOCH_LENGTH = 4
export const MAGIC_OFFSET = PARTITION_LEADER_EPOCH_OFFSET + PARTITION_LEADER_EPOCH_LENGTH
export const MAGIC_LENGTH = 1
export const CRC_OFFSET = MAGIC_OFFSET + MAGIC_LENGTH
export const CRC_LENGTH = 4
export const ATTRIBUTES_OFFSET = CRC_OFFSET + CRC_LENGTH
export const ATTRIBUTES_LENGTH = 2
export const LAST_OFFSET_DELTA_OFFSET = ATTRIBUTES_OFFSET + ATTRIBUTES_LENGTH
export const LAST_OFFSET_DELTA_LENGTH = 4
export const BASE_TIMESTAMP_OFFSET = LAST_OFFSET_DELTA_OFFSET + LAST_OFFSET_DELTA_LENGTH
export const BASE_TIMESTAMP_LENGTH = 8
export const MAX_TIMESTAMP_OFFSET = BASE_TIMESTAMP_OFFSET + BASE_TIMESTAMP_LENGTH
export const MAX_TIMESTAMP_LENGTH = 8
export const PRODUCER_ID_OFFSET = MAX_TIMESTAMP_OFFSET + MAX_TIMESTAMP_LENGTH
export const PRODUCER_ID_LENGTH = 8
export const PRODUCER_EPOCH_OFFSET = PRODUCER_ID_OFFSET + PRODUCER_ID_LENGTH
export const PRODUCER_EPOCH_LENGTH = 2
export const BASE_SEQUENCE_OFFSET = PRODUCER_EPOCH_OFFSET + PRODUCER_EPOCH_LENGTH
export const BASE_SEQUENCE_LENGTH = 4
export const RECORDS_COUNT_OFFSET = BASE_SEQUENCE_OFFSET + BASE_SEQUENCE_LENGTH
export const RECORDS_COUNT_LENGTH = 4
export const RECORDS_OFFSET = RECORDS_COUNT_OFFSET + RECORDS_COUNT_LENGTH

/** Bytes before batchLength's count starts: baseOffset + batchLength. */
export const LOG_OVERHEAD = LENGTH_OFFSET + LENGTH_LENGTH
/** Size of a batch with no records. */
export const RECORD_BATCH_OVERHEAD = RECORDS_OFFSET

export const MAGIC_V2 = 2

/**
 * The largest batch the format can hold, and so the only bound a reader
 * puts on one: batchLength is an int32, and a batch lies inside a segment
 * whose positions are int32 (index entries, Kafka's segment.bytes). The
 * topic's max.message.bytes limits new writes only; a reader that used it
 * would call every batch written before the limit was lowered garbage.
 */
export const MAX_BATCH_SIZE = 0x7fffffff

/**
 * The most a compressed batch's records may inflate to. Not a format fact
 * (the format has none short of MAX_BATCH_SIZE) but what a reader can hold
 * in memory at once: a 1 MB gzip batch of zeros would otherwise take two
 * gigabytes before its first record proved it garbage. Producers build
 * batches far below it (Kafka's batch.size is 16 KiB, librdkafka's 1 MB,
 * logpipe's at most max.message.bytes, all before compression).
 */
export const MAX_INFLATED_RECORDS = 64 * 1024 * 1024

/**
 * Smallest record: length varint, attributes, timestamp delta, offset
 * delta, key length, value length and header count, one byte each. Bounds
 * a record count by the bytes that hold the records.
 */
export const MIN_RECORD_SIZE = 7

export const COMPRESSION_CODEC_MASK = 0x07
export const TIMESTAMP_TYPE_MASK = 0x08
export const TRANSACTIONAL_FLAG_MASK = 0x10
export const CONTROL_FLAG_MASK = 0x20
export const DELETE_HORIZON_FLAG_MASK = 0x40

export const NO_PRODUCER_ID = -1
export const NO_PRODUCER_EPOCH = -1
export const NO_SEQUENCE = -1
export const NO_PARTITION_LEADER_EPOCH = -1

/** Reads an int64 that is known to fit in a double (offsets, timestamps). */
export function readInt64(buf: Buffer, pos: number): number {
  const hi = buf.readInt32BE(pos)
  const lo = buf.readUInt32BE(pos + 4)
  return hi * 0x1_0000_0000 + lo
}

export function writeInt64(buf: Buffer, pos: number, n: number): void {
  const hi = Math.floor(n / 0x1_0000_0000)
  buf.writeInt32BE(hi, pos)
  buf.writeUInt32BE(n - hi * 0x1_0000_0000, pos + 4)
}
