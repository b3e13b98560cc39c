/**
 * Where a mirror writes: topics made to match the source, whole batches
 * appended to a named partition and acknowledged, and, for a restart, a
 * count of the records a producer id left in a partition from an offset on.
 * StoreTarget is a data directory; a Kafka-protocol target stands behind
 * the same interface.
 */
import {randomInt} from 'node:crypto'
import {LockError} from '../errors.js'
import {resolveConfig, type ConfigOverrides, type LogConfig} from '../log/log-config.js'
import type {PartitionWriter} from '../log/partition.js'
import * as L from '../record/batch-layout.js'
import {batchSize} from '../record/batch-header.js'
import type {Store} from '../store/store.js'
import type {ProducerIdentity} from './producer-stamp.js'

/** What a mirrored topic takes from its source: partitions, and the configs that change what the target keeps. */
export interface TopicShape {
  partitions: number
  config: ConfigOverrides
}

/** Config keys copied to a topic the mirror creates (MirrorMaker copies the topic's configs, minus broker-local ones). */
export const MIRRORED_CONFIGS = [
  'cleanup.policy',
  'retention.ms',
  'retention.bytes',
  'max.message.bytes',
  'min.compaction.lag.ms',
  'delete.retention.ms',
  'message.timestamp.type',
] as const

export type EnsureOutcome = 'created' | 'grown' | 'exists'

export interface MirrorTarget {
  /** The producer id and epoch this run's batches carry. */
  readonly identity: ProducerIdentity
  /** Makes the topic when missing, adds partitions when it has fewer than the source. */
  ensureTopic(topic: string, shape: TopicShape): Promise<EnsureOutcome>
  /** The largest batch the target topic takes (max.message.bytes). */
  maxBatchBytes(topic: string): number
  /** The partition's log end offset. */
  endOffset(topic: string, partition: number): Promise<number>
  /** Appends one sealed batch (identity stamped) and resolves once it is acknowledged, with its offsets. */
  write(topic: string, partition: number, batch: Buffer): Promise<{baseOffset: number; lastOffset: number}>
  /** Records in batches of `producerId` at or after `from` in the partition. */
  recordsOf(topic: string, partition: number, from: number, producerId: number): Promise<number>
  /** Between rounds: let go of what others wait for (a partition's write lock). */
  idle(): Promise<void>
  close(): Promise<void>
}

/**
 * A data directory as the target. A producer id is drawn at random per run
 * (no broker hands them out here); 2^47 of them make a clash between two
 * runs of mirrors into one partition negligible.
 */
export class StoreTarget implements MirrorTarget {
  readonly identity: ProducerIdentity = {producerId: randomInt(1, 2 ** 47), producerEpoch: 0}
  private readonly writers = new Map<string, PartitionWriter>()
  private readonly configs = new Map<string, LogConfig>()

  constructor(
    private readonly store: Store,
    private readonly onNotice: (message: string) => void = () => {},
  ) {}

  async ensureTopic(topic: string, shape: TopicShape): Promise<EnsureOutcome> {
    if (!this.store.topicExists(topic)) {
      const config: ConfigOverrides = {}
      for (const key of MIRRORED_CONFIGS) if (shape.config[key] !== undefined) config[key] = shape.config[key] as never
      if (this.store.createTopic(topic, shape.partitions, 1, config) !== null) return 'created'
    }
    const meta = this.store.readTopic(topic)
    if (meta.partitions >= shape.partitions) return 'exists'
    this.store.updateTopic(topic, (m) => ({...m, partitions: Math.max(m.partitions, shape.partitions)}))
    this.configs.delete(topic)
    return 'grown'
  }

  private config(topic: string): LogConfig {
    let c = this.configs.get(topic)
    if (!c) this.configs.set(topic, (c = resolveConfig(this.store.readTopic(topic).config)))
    return c
  }

  maxBatchBytes(topic: string): number {
    return this.config(topic)['max.message.bytes']
  }

  private writer(topic: string, partition: number): PartitionWriter {
    const key = `${topic}/${partition}`
    let w = this.writers.get(key)
    if (!w) {
      w = this.store.partitions.writer(topic, partition, this.config(topic), {
        label: `topic ${topic} partition ${partition} of the target`,
        topic,
        onNotice: this.onNotice,
        lock: {client: 'mirror'},
      })
      this.writers.set(key, w)
    }
    return w
  }

  async endOffset(topic: string, partition: number): Promise<number> {
    const reader = this.store.openReader(topic, partition)
    try {
      return reader.logEndOffset()
    } finally {
      reader.close()
    }
  }

  async write(topic: string, partition: number, batch: Buffer): Promise<{baseOffset: number; lastOffset: number}> {
    const w = this.writer(topic, partition)
    if (!w.holdsLock) await w.acquire()
    try {
      const [r] = w.appendAsLeader(batch)
      return {baseOffset: r.baseOffset, lastOffset: r.lastOffset}
    } catch (error) {
      // Lost the lock (the topic deleted under us, a taker on another host): take it again next time.
      if (error instanceof LockError) await w.release().catch(() => {})
      throw error
    }
  }

  async recordsOf(topic: string, partition: number, from: number, producerId: number): Promise<number> {
    const reader = this.store.openReader(topic, partition)
    let records = 0
    try {
      reader.seek(from)
      for (let range = reader.poll(); range; range = reader.poll()) {
        for (let pos = range.start; pos < range.end; pos += batchSize(range.buf, pos)) {
          if (L.readInt64(range.buf, pos + L.BASE_OFFSET_OFFSET) < from) continue
          if (L.readInt64(range.buf, pos + L.PRODUCER_ID_OFFSET) !== producerId) continue
          records += range.buf.readInt32BE(pos + L.RECORDS_COUNT_OFFSET)
        }
      }
    } finally {
      reader.close()
    }
    return records
  }

  async idle(): Promise<void> {
    for (const w of this.writers.values()) {
      if (w.holdsLock && (w.othersWaiting?.().length ?? 1) > 0) await w.release()
    }
  }

  async close(): Promise<void> {
    for (const w of this.writers.values()) {
      if (w.holdsLock) await w.release()
      await w.close()
    }
    this.writers.clear()
  }
}
