/**
 * The consumer's kafkajs shapes: its config, subscribe and run arguments,
 * the payloads its handlers get, and its instrumentation events.
 */
import type {AssignmentStrategy} from '../core/group/assignors.js'
import type {RetryOptions} from './retry.js'
import type {KafkaMessage, MemberAssignment} from './types.js'

/** Partition assignment strategies, by the names the CLI's --assignment takes; range is the group default. */
export const PartitionAssigners = {range: 'range', roundRobin: 'roundrobin', sticky: 'sticky'} as const satisfies Record<string, AssignmentStrategy>

export interface ConsumerConfig {
  groupId: string
  /** A member that stops heartbeating for this long loses its partitions. Default 30000, as kafkajs. */
  sessionTimeout?: number
  /** The first one names the strategy; every member of a group must use the same. Default range (the CLI's default too). */
  partitionAssigners?: AssignmentStrategy[]
  /** Create a subscribed topic that does not exist (one partition), as a Kafka broker does by default. Default true. */
  allowAutoTopicCreation?: boolean
  /** How a failing handler is retried before the consumer crashes. */
  retry?: RetryOptions
  /** Accepted for kafkajs code; the store needs none of them. */
  rebalanceTimeout?: number
  heartbeatInterval?: number
  metadataMaxAge?: number
  maxBytesPerPartition?: number
  minBytes?: number
  maxBytes?: number
  maxWaitTimeInMs?: number
  readUncommitted?: boolean
  maxInFlightRequests?: number
  rackId?: string
}

export interface ConsumerSubscribeTopics {
  topics: Array<string | RegExp>
  /** Where a partition with no committed offset starts: its first record (true) or its end (false, the default). */
  fromBeginning?: boolean
}

export interface ConsumerSubscribeTopic {
  topic: string | RegExp
  fromBeginning?: boolean
}

export interface EachMessagePayload {
  topic: string
  partition: number
  message: KafkaMessage
  heartbeat(): Promise<void>
  /** Pauses this partition (the rest of its batch is not handed out); returns the resume. */
  pause(): () => void
}

export interface Batch {
  topic: string
  partition: number
  /** The log end offset when the batch was read. */
  highWatermark: string
  messages: KafkaMessage[]
  isEmpty(): boolean
  firstOffset(): string | null
  lastOffset(): string
  offsetLag(): string
  offsetLagLow(): string
}

export interface OffsetsByTopicPartition {
  topics: Array<{topic: string; partitions: Array<{partition: number; offset: string}>}>
}

export interface EachBatchPayload {
  batch: Batch
  /** Marks `offset` processed: offset + 1 is what a commit writes. */
  resolveOffset(offset: string): void
  heartbeat(): Promise<void>
  pause(): () => void
  commitOffsetsIfNecessary(offsets?: OffsetsByTopicPartition): Promise<void>
  uncommittedOffsets(): OffsetsByTopicPartition
  isRunning(): boolean
  /** The partition was taken away, sought or paused: stop handling this batch. */
  isStale(): boolean
}

export type EachMessageHandler = (payload: EachMessagePayload) => Promise<void>
export type EachBatchHandler = (payload: EachBatchPayload) => Promise<void>

export interface ConsumerRunConfig {
  /** Commit resolved offsets by itself (default true); off, only commitOffsets() commits. */
  autoCommit?: boolean
  autoCommitInterval?: number | null
  autoCommitThreshold?: number | null
  eachBatchAutoResolve?: boolean
  /** How many partitions' batches are handled at once (default 1). */
  partitionsConsumedConcurrently?: number
  eachMessage?: EachMessageHandler
  eachBatch?: EachBatchHandler
}

export const CONSUMER_EVENTS = {
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  GROUP_JOIN: 'consumer.group_join',
  FETCH_START: 'consumer.fetch_start',
  FETCH: 'consumer.fetch',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  REBALANCING: 'consumer.rebalancing',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics',
  REQUEST: 'consumer.network.request',
  REQUEST_TIMEOUT: 'consumer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'consumer.network.request_queue_size',
} as const

export type ConsumerEvents = typeof CONSUMER_EVENTS

export interface GroupJoinPayload {
  duration: number
  groupId: string
  isLeader: boolean
  leaderId: string
  groupProtocol: string
  memberId: string
  memberAssignment: MemberAssignment
}

export interface CommitOffsetsPayload {
  groupId: string
  memberId: string
  groupGenerationId: number
  topics: Array<{topic: string; partitions: Array<{partition: number; offset: string}>}>
}

export interface CrashPayload {
  error: Error
  groupId: string
  restart: boolean
}
