/**
 * kafkajs's messages and batches made from the records a poll hands out,
 * and the conversions between kafkajs's string offsets and ours.
 */
import {UsageError} from '../core/errors.js'
import type {RecordReader} from '../core/record/record.js'
import type {Batch, OffsetsByTopicPartition} from './consumer-types.js'
import {headersFromRecord} from './headers.js'
import type {KafkaMessage, TopicPartitionOffset} from './types.js'

export function toMessage(r: RecordReader): KafkaMessage {
  return {
    key: r.key(),
    value: r.value(),
    timestamp: String(r.timestamp),
    attributes: 0,
    offset: String(r.offset),
    size: r.headersEnd - r.recordStart,
    headers: headersFromRecord(r.headers()),
  }
}

export function lag(highWatermark: number, last: KafkaMessage): string {
  return String(Math.max(0, highWatermark - 1 - Number(last.offset)))
}

export function batchOf(topic: string, partition: number, highWatermark: number, messages: KafkaMessage[]): Batch {
  return {
    topic,
    partition,
    highWatermark: String(highWatermark),
    messages,
    isEmpty: () => messages.length === 0,
    firstOffset: () => messages[0]?.offset ?? null,
    lastOffset: () => messages.at(-1)?.offset ?? String(highWatermark - 1),
    offsetLag: () => (messages.length === 0 ? '0' : lag(highWatermark, messages.at(-1)!)),
    offsetLagLow: () => (messages.length === 0 ? '0' : String(Math.max(0, highWatermark - 1 - Number(messages[0].offset)))),
  }
}

export function splitKey(key: string): [string, number] {
  const i = key.lastIndexOf('/')
  return [key.slice(0, i), Number(key.slice(i + 1))]
}

export function flatten(offsets: OffsetsByTopicPartition): TopicPartitionOffset[] {
  return offsets.topics.flatMap((t) => t.partitions.map((p) => ({topic: t.topic, partition: p.partition, offset: p.offset})))
}

export function offsetOf(offset: string | number, call: string): number {
  const n = typeof offset === 'string' && /^\d+$/.test(offset) ? Number(offset) : offset
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new UsageError(`consumer.${call}(): offset ${JSON.stringify(offset)} is not an offset`)
  return n
}
