/**
 * The "consumer" protocol type's two payloads, which a group coordinator
 * carries without reading and which `group describe` reads to show what a
 * wire member subscribes to and was assigned (Kafka's
 * ConsumerProtocolSubscription and ConsumerProtocolAssignment, never
 * flexible, big-endian):
 *
 *   Subscription  version int16, topics [string], userData bytes,
 *                 v1+ ownedPartitions [topic string, partitions [int32]],
 *                 v2+ generationId int32, v3+ rackId nullable string
 *   Assignment    version int16, assigned [topic string, partitions [int32]],
 *                 userData bytes
 *
 * A client wrote these bytes, so every length and count is checked against
 * what is left before it is used; a payload that does not decode is null,
 * never an exception (the coordinator hands it on as it came).
 */
import type {TopicPartition} from './assignors.js'

export interface ConsumerSubscription {
  version: number
  topics: string[]
  userData: Buffer | null
  ownedPartitions: TopicPartition[]
}

export interface ConsumerAssignment {
  version: number
  partitions: TopicPartition[]
  userData: Buffer | null
}

class Cursor {
  at = 0
  constructor(private readonly buf: Buffer) {}

  need(n: number): void {
    if (n < 0 || this.at + n > this.buf.length) throw new RangeError('short')
  }

  int16(): number {
    this.need(2)
    const v = this.buf.readInt16BE(this.at)
    this.at += 2
    return v
  }

  int32(): number {
    this.need(4)
    const v = this.buf.readInt32BE(this.at)
    this.at += 4
    return v
  }

  string(): string {
    const n = this.int16()
    if (n < 0) throw new RangeError('null string')
    this.need(n)
    const s = this.buf.toString('utf8', this.at, this.at + n)
    this.at += n
    return s
  }

  bytes(): Buffer | null {
    const n = this.int32()
    if (n < 0) return null
    this.need(n)
    const b = this.buf.subarray(this.at, this.at + n)
    this.at += n
    return b
  }

  /** An array count, bounded by the bytes left (each element takes at least `minSize`). */
  count(minSize: number): number {
    const n = this.int32()
    if (n < 0) return 0
    if (n * minSize > this.buf.length - this.at) throw new RangeError('count beyond the payload')
    return n
  }

  get done(): boolean {
    return this.at >= this.buf.length
  }
}

function topicPartitions(c: Cursor): TopicPartition[] {
  const out: TopicPartition[] = []
  for (let i = c.count(6); i > 0; i--) {
    const topic = c.string()
    for (let j = c.count(4); j > 0; j--) out.push({topic, partition: c.int32()})
  }
  return out
}

export function decodeSubscription(buf: Buffer): ConsumerSubscription | null {
  try {
    const c = new Cursor(buf)
    const version = c.int16()
    if (version < 0) return null
    const topics: string[] = []
    for (let i = c.count(2); i > 0; i--) topics.push(c.string())
    // Version 0 clients may stop after the topics.
    const userData = c.done ? null : c.bytes()
    const ownedPartitions = version >= 1 && !c.done ? topicPartitions(c) : []
    return {version, topics, userData, ownedPartitions}
  } catch {
    return null
  }
}

export function decodeAssignment(buf: Buffer): ConsumerAssignment | null {
  // An empty assignment is what a coordinator hands a member the leader left out.
  if (buf.length === 0) return {version: 0, partitions: [], userData: null}
  try {
    const c = new Cursor(buf)
    const version = c.int16()
    if (version < 0) return null
    const partitions = topicPartitions(c)
    const userData = c.done ? null : c.bytes()
    return {version, partitions, userData}
  } catch {
    return null
  }
}

function writeString(parts: Buffer[], s: string): void {
  const b = Buffer.from(s)
  const h = Buffer.alloc(2)
  h.writeInt16BE(b.length)
  parts.push(h, b)
}

function writeInt32(parts: Buffer[], n: number): void {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  parts.push(b)
}

function writeTopicPartitions(parts: Buffer[], tps: TopicPartition[]): void {
  const byTopic = new Map<string, number[]>()
  for (const tp of tps) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition])
  writeInt32(parts, byTopic.size)
  for (const [topic, partitions] of byTopic) {
    writeString(parts, topic)
    writeInt32(parts, partitions.length)
    for (const p of partitions) writeInt32(parts, p)
  }
}

/** Version 0 payloads, which every consumer reads. */
export function encodeSubscription(topics: string[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0, 0])]
  writeInt32(parts, topics.length)
  for (const t of topics) writeString(parts, t)
  writeInt32(parts, -1)
  return Buffer.concat(parts)
}

export function encodeAssignment(partitions: TopicPartition[], userData: Buffer | null = null): Buffer {
  const parts: Buffer[] = [Buffer.from([0, 0])]
  writeTopicPartitions(parts, partitions)
  if (userData === null) writeInt32(parts, -1)
  else {
    writeInt32(parts, userData.length)
    parts.push(userData)
  }
  return Buffer.concat(parts)
}
