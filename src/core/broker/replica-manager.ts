/**
 * Every partition this broker leads (Kafka's ReplicaManager, for one
 * replica): it takes leadership of each partition of every topic in the
 * store at start, and again every `leadership.scan.interval.ms` for topics
 * and partitions created since (by the CLI or by CreateTopics), and lets go
 * of partitions whose topic was deleted or whose lock was lost.
 *
 * A replicated topic (topic.json names its replicas) is served otherwise:
 * this broker opens its own replica of each partition assigned to it, in
 * its log dir, and each scan ticks it (replicated-partition.ts: elections,
 * following, ISR); partitions not assigned to it are not its to serve.
 *
 * A partition whose lock another live process holds (an embedded producer's
 * burst, a stopped producer) is tried again at the next scan; while then it
 * has no leader and Produce to it is NOT_LEADER_OR_FOLLOWER.
 */
import {LockError, StoreError} from '../errors.js'
import {resolveConfig} from '../log/log-config.js'
import type {Store, TopicMeta} from '../store/store.js'
import type {BrokerLog} from './broker-log.js'
import type {LedPartition} from './registry.js'
import {PartitionState} from './partition-state.js'
import {ReplicatedPartition, type ReplicationSettings} from './replicated-partition.js'
import {replicaDir} from '../store/log-dirs.js'
import {rmSync} from 'node:fs'
import {currentLeader} from '../lock/partition-lock.js'

export interface ReplicaManagerOptions {
  brokerId: number
  log: BrokerLog
  /** How long one scan waits for a partition's lock before trying it again at the next scan. */
  lockTimeoutMs?: number
  now?: () => number
  /** How replicated topics are served; without it (library tests), as one broker with the data directory as log dir. */
  replication?: Omit<ReplicationSettings, 'brokerId' | 'log' | 'lockTimeoutMs' | 'now' | 'dataDir'> & {logDir: string}
}

const DEFAULT_REPLICATION = {
  sessionTimeoutMs: 9000,
  heartbeatIntervalMs: 2000,
  lagMs: 30000,
  fetchWaitMs: 500,
  fetchMaxBytes: 1 << 20,
  autoRebalance: true,
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`

export class ReplicaManager {
  readonly store: Store
  private readonly options: ReplicaManagerOptions
  private readonly states = new Map<string, PartitionState>()
  /** This broker's replicas of replicated partitions, leading or following. */
  private readonly replicated = new Map<string, ReplicatedPartition>()
  private readonly opening = new Map<string, Promise<void>>()
  /** Partitions being taken right now, so two scans never take one twice. */
  private readonly taking = new Map<string, Promise<void>>()
  /** Partitions we could not take, logged once until taken. */
  private readonly refused = new Set<string>()
  private timer: NodeJS.Timeout | null = null
  private scanning: Promise<void> | null = null
  private stopped = false

  constructor(store: Store, options: ReplicaManagerOptions) {
    this.store = store
    this.options = options
  }

  /** The partition's state while this broker leads it. */
  get(topic: string, partition: number): PartitionState | undefined {
    const r = this.replicated.get(key(topic, partition))
    if (r) return r.state.isLeader ? r.state : undefined
    const s = this.states.get(key(topic, partition))
    return s && s.isLeader ? s : undefined
  }

  led(): LedPartition[] {
    const out: LedPartition[] = []
    for (const s of this.states.values()) if (s.isLeader) out.push({topic: s.topic, partition: s.partition, leaderEpoch: s.leaderEpoch})
    for (const r of this.replicated.values()) if (r.state.isLeader) out.push({topic: r.topic, partition: r.partition, leaderEpoch: r.state.leaderEpoch})
    return out.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))
  }

  /** Scans now, then every `intervalMs` (unref'd). */
  start(intervalMs: number): Promise<void> {
    const first = this.scan()
    // A failed scan (the store's directory gone, a full disk) is said and tried again; it must not end the broker.
    this.timer = setInterval(() => this.scan().catch((error: Error) => this.options.log.error(`leadership scan: ${error.message}`)), intervalMs)
    this.timer.unref()
    return first
  }

  /** One pass over the store; concurrent callers share the pass in progress. */
  scan(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    this.scanning ??= this.scanOnce().finally(() => {
      this.scanning = null
    })
    return this.scanning
  }

  /** Takes every partition of `topic` now (after CreateTopics or CreatePartitions), without waiting for the next scan. */
  async leadTopic(topic: string): Promise<void> {
    let meta: TopicMeta
    try {
      meta = this.store.readTopic(topic)
    } catch (error) {
      if (error instanceof StoreError) return
      throw error
    }
    if (meta.replicas) {
      const config = resolveConfig(meta.config)
      await Promise.all(meta.replicas.map((replicas, p) => (replicas.includes(this.options.brokerId) ? this.serveReplica(meta, p, config) : undefined)))
      return
    }
    await Promise.all(Array.from({length: meta.partitions}, (_, p) => this.take(topic, p)))
  }

  private async scanOnce(): Promise<void> {
    const wanted = new Set<string>()
    const takes: Promise<void>[] = []
    for (const topic of this.store.listTopics()) {
      let meta: TopicMeta
      try {
        meta = this.store.readTopic(topic)
      } catch (error) {
        // Deleted since listed, or damaged (said by readTopic's error): not ours to serve now.
        if (!(error instanceof StoreError)) throw error
        if (!this.refused.has(topic)) this.options.log.warn(error.message)
        this.refused.add(topic)
        continue
      }
      const config = resolveConfig(meta.config)
      if (meta.replicas) {
        for (const [p, replicas] of meta.replicas.entries()) {
          if (!replicas.includes(this.options.brokerId)) continue
          wanted.add(key(topic, p))
          takes.push(this.serveReplica(meta, p, config))
        }
        continue
      }
      for (let p = 0; p < meta.partitions; p++) {
        wanted.add(key(topic, p))
        this.states.get(key(topic, p))?.updateConfig(config)
        takes.push(this.take(topic, p))
      }
    }
    await Promise.all(takes)
    for (const [k, r] of this.replicated) {
      if (wanted.has(k)) continue
      this.replicated.delete(k)
      this.options.log.info(`no longer a replica of topic ${r.topic} partition ${r.partition} (topic deleted)`)
      await r.stop().catch(() => {})
      // In a log dir of its own the replica outlives the topic's directory: remove it as the delete removed the rest.
      const logDir = this.options.replication?.logDir
      if (logDir !== undefined && logDir !== this.store.dataDir && !this.store.topicExists(r.topic)) rmSync(r.state.dir, {recursive: true, force: true})
    }
    for (const [k, s] of this.states) {
      if (wanted.has(k) && s.isLeader) {
        s.noteLogStart()
        continue
      }
      this.states.delete(k)
      this.options.log.info(`${wanted.has(k) ? 'lost the write lock of' : 'no longer leads (topic deleted)'} topic ${s.topic} partition ${s.partition}`)
      await s.release().catch(() => {})
    }
  }

  /** Opens this broker's replica of a replicated partition the first time, then ticks it. */
  private serveReplica(meta: TopicMeta, partition: number, config: ReturnType<typeof resolveConfig>): Promise<void> {
    const k = key(meta.name, partition)
    const existing = this.replicated.get(k)
    if (existing) return existing.tick(config).catch((error: Error) => this.options.log.error(`topic ${meta.name} partition ${partition}: ${error.message}`))
    const inProgress = this.opening.get(k)
    if (inProgress) return inProgress
    const p = this.openReplica(meta, partition, config).finally(() => this.opening.delete(k))
    this.opening.set(k, p)
    return p
  }

  private async openReplica(meta: TopicMeta, partition: number, config: ReturnType<typeof resolveConfig>): Promise<void> {
    const k = key(meta.name, partition)
    const r = this.options.replication ?? {...DEFAULT_REPLICATION, logDir: this.store.dataDir}
    let replica: ReplicatedPartition
    try {
      const metaDir = this.store.partitionDir(meta.name, partition)
      replica = await ReplicatedPartition.open(meta.name, partition, meta.id, metaDir, replicaDir(r.logDir, meta.name, partition), meta.replicas![partition], config, {
        ...r,
        brokerId: this.options.brokerId,
        dataDir: this.store.dataDir,
        lockTimeoutMs: this.options.lockTimeoutMs ?? 500,
        log: this.options.log,
        now: this.options.now,
      })
    } catch (error) {
      if (!(error instanceof LockError) && !(error instanceof StoreError) && (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      if (!this.refused.has(k)) this.options.log.warn(`cannot open the replica of topic ${meta.name} partition ${partition} yet: ${(error as Error).message}; trying again at each scan`)
      this.refused.add(k)
      return
    }
    if (this.stopped) {
      await replica.stop()
      return
    }
    this.refused.delete(k)
    this.replicated.set(k, replica)
    this.options.log.info(`replica of topic ${meta.name} partition ${partition} opened (replicas ${meta.replicas![partition].join(',')}, log end ${replica.state.logEndOffset})`)
    await replica.tick(config).catch((error: Error) => this.options.log.error(`topic ${meta.name} partition ${partition}: ${error.message}`))
  }

  private take(topic: string, partition: number): Promise<void> {
    const k = key(topic, partition)
    const existing = this.states.get(k)
    if (existing?.isLeader) return Promise.resolve()
    const inProgress = this.taking.get(k)
    if (inProgress) return inProgress
    const p = this.takeNow(topic, partition, k).finally(() => this.taking.delete(k))
    this.taking.set(k, p)
    return p
  }

  private async takeNow(topic: string, partition: number, k: string): Promise<void> {
    const log = this.options.log
    const old = this.states.get(k)
    if (old) {
      this.states.delete(k)
      await old.release().catch(() => {})
    }
    let state: PartitionState
    try {
      const dir = this.store.partitionDir(topic, partition)
      state = await PartitionState.lead(topic, partition, dir, this.store.topicConfig(topic), {
        brokerId: this.options.brokerId,
        lockTimeoutMs: this.options.lockTimeoutMs ?? 500,
        onNotice: (m) => log.warn(m),
        now: this.options.now,
      })
    } catch (error) {
      if (!(error instanceof LockError) && !(error instanceof StoreError) && (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      if (!this.refused.has(k)) {
        // Another live broker leading a partition nobody assigned (an unreplicated topic) is how several brokers share a store, not a problem.
        const holder = error instanceof LockError ? currentLeader(this.store.partitionDir(topic, partition)) : null
        if (holder && /^broker \d+$/.test(holder.client)) log.info(`topic ${topic} partition ${partition} is led by ${holder.client} (pid ${holder.pid}); taking it over if that broker stops`)
        else log.warn(`cannot lead topic ${topic} partition ${partition} yet: ${(error as Error).message}; trying again at each scan`)
      }
      this.refused.add(k)
      return
    }
    if (this.stopped) {
      await state.release()
      return
    }
    this.refused.delete(k)
    this.states.set(k, state)
    log.info(`leading topic ${topic} partition ${partition} at leader epoch ${state.leaderEpoch} (log end ${state.logEndOffset})`)
  }

  /** Stops scanning and lets go of every partition (recovery points move to the log ends). */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.scanning?.catch(() => {})
    await Promise.allSettled([...this.taking.values(), ...this.opening.values()])
    const all = [...this.states.values()]
    this.states.clear()
    const replicas = [...this.replicated.values()]
    this.replicated.clear()
    await Promise.allSettled([...all.map((s) => s.release()), ...replicas.map((r) => r.stop())])
  }
}
