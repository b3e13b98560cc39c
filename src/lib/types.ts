/**
 * The shapes a kafkajs user writes and reads, as kafkajs's own type
 * definitions give them (offsets and timestamps as decimal strings), so
 * code typed against kafkajs keeps its types.
 */
import type {CompressionName} from '../core/record/compression.js'

/** Header values as kafkajs takes them; on consume every value is a Buffer (an array for a repeated key). */
export interface IHeaders {
  [key: string]: Buffer | string | (Buffer | string)[] | undefined
}

/** A record to send. */
export interface Message {
  key?: Buffer | string | null
  value: Buffer | string | null
  partition?: number
  headers?: IHeaders
  /** Milliseconds since the epoch; the time of sending when left out. */
  timestamp?: string | number
}

/** A batch codec: `'none'`, `'gzip'`, ... (what `CompressionTypes` also names by number, as kafkajs does). */
export type Compression = CompressionName

/** kafkajs's CompressionTypes numbers, for code that passes `CompressionTypes.GZIP`. */
export const CompressionTypes = {None: 0, GZIP: 1, Snappy: 2, LZ4: 3, ZSTD: 4} as const
export type CompressionType = (typeof CompressionTypes)[keyof typeof CompressionTypes]

export interface ProducerRecord {
  topic: string
  messages: Message[]
  /** -1 (all), 1 or 0: accepted; every value returns once the records are in the log. */
  acks?: number
  timeout?: number
  compression?: Compression | CompressionType
}

export interface TopicMessages {
  topic: string
  messages: Message[]
}

export interface ProducerBatch {
  topicMessages: TopicMessages[]
  acks?: number
  timeout?: number
  compression?: Compression | CompressionType
}

/** One per topic and partition a send wrote to, as kafkajs's producer returns them. */
export interface RecordMetadata {
  topicName: string
  partition: number
  errorCode: number
  /** The offset of the send's first record in this partition. */
  baseOffset: string
  /** '-1': records keep the producer's timestamp (CreateTime). */
  logAppendTime: string
  logStartOffset: string
}

/** A record as a consumer hands it out. */
export interface KafkaMessage {
  key: Buffer | null
  value: Buffer | null
  /** Milliseconds since the epoch. */
  timestamp: string
  /** The record's attribute byte (unused by Kafka, 0). */
  attributes: number
  offset: string
  /** The record's size in the batch, in bytes. */
  size: number
  headers: IHeaders
}

export type {TopicPartition} from '../core/group/assignors.js'
import type {TopicPartition} from '../core/group/assignors.js'

export interface TopicPartitionOffset extends TopicPartition {
  offset: string
}

export interface TopicPartitions {
  topic: string
  partitions?: number[]
}

/** A member's assignment, topic to partitions (kafkajs's IMemberAssignment). */
export interface MemberAssignment {
  [topic: string]: number[]
}

export interface ITopicConfig {
  topic: string
  /** -1 or left out: 1, Kafka's num.partitions default. */
  numPartitions?: number
  replicationFactor?: number
  configEntries?: Array<{name: string; value: string}>
}
