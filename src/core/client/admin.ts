/**
 * Topic administration: create, list, describe, alter, delete, verify.
 */
import {LogpipeError, NotFoundError, UsageError} from '../errors.js'
import {listSegmentBaseOffsets} from '../log/file-names.js'
import {LogSegment, countRecords} from '../log/segment.js'
import {currentLeader, type LeaderInfo} from '../lock/partition-lock.js'
import {liveBrokerIds} from '../broker/registry.js'
import {assignAddedPartitions, assignReplicas} from '../store/replica-assignment.js'
import {readPartitionMeta} from '../store/partition-metadata.js'
import {LEADERSHIP_DIR} from '../broker/election.js'
import {join} from 'node:path'
import {repairPartition, verifyPartition} from '../log/verify.js'
import {Store, type TopicMeta} from '../store/store.js'
import {type ConfigOverrides, type LogConfig, isConfigKey, resolveConfig} from '../log/log-config.js'

export interface PartitionDescription {
  partition: number
  /** The process holding the write lock; for a replicated topic, the leader broker's leadership lock. */
  leader: LeaderInfo | null
  /** Replicated topics only: the leader broker (null when none leads), its epoch, the assignment and the ISR. */
  replication?: {leaderId: number | null; leaderEpoch: number; replicas: number[]; isr: number[]; adding?: number[]; removing?: number[]}
  logStartOffset: number
  logEndOffset: number
  /** Records held (batch headers' counts, control batches left out): below end minus start once compaction removed some. */
  records: number
  segments: number
  bytes: number
}

export interface TopicDescription {
  topic: string
  id: string
  partitions: PartitionDescription[]
  replicationFactor: number
  configOverrides: ConfigOverrides
  config: LogConfig
  createdAt: string
}

export interface SegmentProblem {
  partition: number
  segment: number
  file: string
  problem: string
  repaired?: string
}

export interface VerifyReport {
  topic: string
  partitions: number
  segments: number
  batches: number
  bytes: number
  problems: SegmentProblem[]
  repaired: boolean
}

export class Admin {
  readonly store: Store

  constructor(store: Store) {
    this.store = store
  }

  static open(dataDir?: string): Admin {
    return new Admin(Store.open(dataDir))
  }

  createTopic(
    topic: string,
    options: {partitions?: number; replicationFactor?: number; config?: ConfigOverrides} = {},
  ): {created: boolean; topic: TopicMeta} {
    const partitions = options.partitions ?? 1
    const factor = options.replicationFactor ?? 1
    // Replication factor 1 stays the store's own topic (no assignment, the log in the data directory), as without brokers.
    const replicas = factor > 1 && !this.store.topicExists(topic) ? assignReplicas(partitions, factor, liveBrokerIds(this.store.dataDir)) : undefined
    const meta = this.store.createTopic(topic, partitions, factor, options.config ?? {}, replicas)
    if (meta) return {created: true, topic: meta}
    return {created: false, topic: this.store.readTopic(topic)}
  }

  /** A replicated partition's leader as its leadership lock and partition.json tell (a lock held by another broker than recorded, or none, is no leader). */
  private replicationOf(topic: string, partition: number, replicas: number[]) {
    const metaDir = this.store.partitionDir(topic, partition)
    const meta = readPartitionMeta(metaDir)
    const lock = currentLeader(join(metaDir, LEADERSHIP_DIR))
    const leads = meta !== null && meta.leader >= 0 && lock !== null && lock.client === `broker ${meta.leader}`
    return {
      lock: leads ? lock : null,
      state: {leaderId: leads ? meta.leader : null, leaderEpoch: meta?.leaderEpoch ?? -1, replicas: [...replicas], isr: meta ? meta.isr.filter((id) => replicas.includes(id)) : []},
    }
  }

  /**
   * How many of these partitions (a broker's led ones) are replicated with
   * an ISR short of their replicas: `broker list`'s under-replicated count.
   */
  underReplicatedCount(partitions: ReadonlyArray<{topic: string; partition: number}>): number {
    let n = 0
    for (const {topic, partition} of partitions) {
      try {
        const replicas = this.store.readTopic(topic).replicas?.[partition]
        if (!replicas) continue
        const state = readPartitionMeta(this.store.partitionDir(topic, partition))
        if (state !== null && state.isr.filter((id) => replicas.includes(id)).length < replicas.length) n++
      } catch (error) {
        // A topic deleted or damaged since the broker's last heartbeat counts for nothing here.
        if (!(error instanceof LogpipeError)) throw error
      }
    }
    return n
  }

  listTopics(): TopicMeta[] {
    return this.store.listTopics().map((t) => this.store.readTopic(t))
  }

  describeTopic(topic: string): TopicDescription {
    const meta = this.store.readTopic(topic)
    const config = resolveConfig(meta.config)
    const partitions: PartitionDescription[] = []
    for (let p = 0; p < meta.partitions; p++) {
      const dir = this.store.logDir(topic, p)
      const replication = meta.replicas ? this.replicationOf(topic, p, meta.replicas[p]) : undefined
      const moving = meta.reassigning?.[p]
      if (replication && moving) Object.assign(replication.state, {adding: moving.adding, removing: moving.removing})
      const reader = this.store.openReader(topic, p)
      const bases = listSegmentBaseOffsets(dir)
      let bytes = 0
      let records = 0
      for (const b of bases) {
        const segment = new LogSegment(dir, b)
        bytes += segment.size()
        records += countRecords(segment.logPath)
      }
      partitions.push({
        partition: p,
        leader: replication ? replication.lock : currentLeader(dir),
        ...(replication ? {replication: replication.state} : {}),
        logStartOffset: reader.logStartOffset(),
        logEndOffset: reader.logEndOffset(),
        records,
        segments: bases.length,
        bytes,
      })
    }
    return {
      topic,
      id: meta.id,
      partitions,
      replicationFactor: meta.replicationFactor,
      configOverrides: meta.config,
      config,
      createdAt: meta.createdAt,
    }
  }

  /** Changes partitions and config overrides; setting or deleting a damaged entry of topic.json mends it. */
  alterTopic(topic: string, change: {partitions?: number; set?: ConfigOverrides; delete?: string[]}): TopicMeta {
    return this.store.updateTopic(
      topic,
      (meta) => {
        const config = {...meta.config, ...(change.set ?? {})}
        for (const key of change.delete ?? []) delete config[key as keyof LogConfig]
        const partitions = change.partitions ?? meta.partitions
        // New partitions of a replicated topic get replicas on the live brokers, as Kafka places them.
        const replicas = meta.replicas && partitions > meta.partitions ? [...meta.replicas, ...assignAddedPartitions(meta.replicas, partitions, liveBrokerIds(this.store.dataDir))] : meta.replicas
        return {...meta, partitions, config, ...(replicas ? {replicas} : {})}
      },
      change.delete ?? [],
    )
  }

  deleteTopic(topic: string, options: {ifExists?: boolean} = {}): boolean {
    const deleted = this.store.deleteTopic(topic)
    if (!deleted && !options.ifExists) {
      throw new NotFoundError(`topic '${topic}' does not exist`, {hint: 'use --if-exists to ignore this'})
    }
    return deleted
  }

  /**
   * Checks every batch's CRC, every record and every index entry against
   * the log (log/verify.ts). With `repair`, takes each partition's write
   * lock and rebuilds what is damaged: indexes from the log, damage cut off.
   */
  async verifyTopic(topic: string, options: {repair?: boolean; onNotice?: (m: string) => void} = {}): Promise<VerifyReport> {
    const meta = this.store.readTopic(topic)
    const config = resolveConfig(meta.config)
    const report: VerifyReport = {topic, partitions: meta.partitions, segments: 0, batches: 0, bytes: 0, problems: [], repaired: false}
    for (let p = 0; p < meta.partitions; p++) {
      const dir = this.store.partitionDir(topic, p)
      const label = `topic ${topic} partition ${p}`
      const r = options.repair ? await repairPartition(dir, config, {label, onNotice: options.onNotice}) : verifyPartition(dir)
      report.segments += r.segments
      report.batches += r.batches
      report.bytes += r.bytes
      for (const problem of r.problems) report.problems.push({partition: p, ...problem})
      report.repaired ||= r.repaired
    }
    return report
  }
}

