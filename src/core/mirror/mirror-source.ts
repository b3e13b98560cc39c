/**
 * Where a mirror reads: the partitions it is given (a Consumer), the
 * committed progress of its group, a commit after the target acknowledged,
 * and each topic's shape. StoreSource is a data directory, read as a member
 * of the group (group-consumer.ts), so several mirrors share the
 * partitions; KafkaSource (kafka-source.ts) is a Kafka-protocol server.
 */
import {LogpipeError} from '../errors.js'
import type {Clock} from '../clock.js'
import type {TopicPartition} from '../group/assignors.js'
import type {CommitOutcome} from '../group/offset-store.js'
import {OffsetStore} from '../group/offset-store.js'
import {batchSize} from '../record/batch-header.js'
import {RecordReader} from '../record/record.js'
import type {Store} from '../store/store.js'
import type {Consumer} from '../client/consumer.js'
import {GroupConsumer, type HandOnTracker} from '../client/group-consumer.js'
import type {TopicShape} from './mirror-target.js'

/** How the mirror follows a partition's copy: what a rebalance must wait for and commit first. */
export interface MirrorHooks {
  tracker: HandOnTracker
  /** Resolves once the round in flight is written and committed. */
  handOn: () => Promise<void>
}

export interface MirrorSourceOptions {
  group: string
  include: RegExp
  sessionTimeoutMs?: number
  clock?: Clock
  onNotice: (message: string) => void
}

export interface CommittedProgress {
  offset: number
  metadata?: string | null
}

export interface MirrorSource {
  /** Reads the partitions this run copies (their assignments, positions and pauses). */
  readonly consumer: Consumer
  /** No change of the partitions is under way: what is assigned is this run's. */
  readonly holdsItsAssignment: boolean
  /** Joins (or lists) and assigns the partitions to copy. */
  start(): Promise<void>
  /** Between rounds: topics created since that match are taken on. */
  refresh(): Promise<void>
  close(): Promise<void>
  /** The topic's partition count and configs, for the target's copy. */
  shape(topic: string): Promise<TopicShape>
  /** The group's committed offset of a partition, with its metadata string. */
  committed(tp: TopicPartition): Promise<CommittedProgress | null>
  commit(tp: TopicPartition, offset: number, metadata: string): Promise<CommitOutcome>
  /** The offset after the first `count` records (control batches aside) at or after `from`. */
  skipRecords(tp: TopicPartition, from: number, count: number): Promise<number>
}

/** A data directory, read as a member of the group. */
export class StoreSource implements MirrorSource {
  private readonly gc: GroupConsumer

  constructor(
    private readonly store: Store,
    options: MirrorSourceOptions,
    hooks: MirrorHooks,
  ) {
    this.gc = new GroupConsumer(store, options.group, [], {
      include: options.include,
      exec: hooks.tracker,
      handOn: hooks.handOn,
      sessionTimeoutMs: options.sessionTimeoutMs,
      clock: options.clock,
      onNotice: options.onNotice,
      autoOffsetReset: 'earliest',
    })
  }

  get consumer(): Consumer {
    return this.gc.consumer
  }

  get holdsItsAssignment(): boolean {
    return this.gc.member.holdsItsAssignment
  }

  start(): Promise<void> {
    return this.gc.start()
  }

  /** The group member takes on new topics on its own ticks. */
  async refresh(): Promise<void> {}

  close(): Promise<void> {
    return this.gc.close()
  }

  async shape(topic: string): Promise<TopicShape> {
    const meta = this.store.readTopic(topic)
    return {partitions: meta.partitions, config: meta.config}
  }

  async committed(tp: TopicPartition): Promise<CommittedProgress | null> {
    return new OffsetStore(this.gc.member.dir).read(tp.topic, tp.partition)
  }

  commit(tp: TopicPartition, offset: number, metadata: string): Promise<CommitOutcome> {
    return this.gc.member.commit(tp, offset, metadata)
  }

  async skipRecords(tp: TopicPartition, from: number, count: number): Promise<number> {
    const reader = this.store.openReader(tp.topic, tp.partition)
    const records = new RecordReader()
    let left = count
    let position = from
    try {
      reader.seek(from)
      for (let range = reader.poll(); range && left > 0; range = reader.poll()) {
        for (let pos = range.start; pos < range.end && left > 0; pos += batchSize(range.buf, pos)) {
          records.open(range.buf, pos)
          if (records.isControlBatch) continue
          while (left > 0 && records.next()) {
            if (records.offset < from) continue
            position = records.offset + 1
            left--
          }
        }
      }
    } finally {
      reader.close()
    }
    if (left > 0) throw tooFew(tp, from, count, count - left)
    return position
  }
}

export function tooFew(tp: TopicPartition, from: number, count: number, found: number): LogpipeError {
  return new LogpipeError(`topic ${tp.topic} partition ${tp.partition}: the target holds ${count} records of the last run past offset ${from}, but the source has only ${found}`)
}
