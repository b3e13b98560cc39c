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
import {rmSync, unlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {currentLeader} from '../lock/partition-lock.js'
import {finishReassignment} from './reassignment.js'
import {ReplicationOffsetCheckpoint} from '../log/replication-offset-checkpoint.js'
import {isThrottledReplica} from '../log/log-config.js'
import {FOLLOWER_RATE, LEADER_RATE, readThrottleRates, ReplicationQuota} from './replication-quota.js'

/** What a replica's tick needs of topic.json: its partition's replicas and any reassignment of it. */
function assignmentOf(meta: TopicMeta, partition: number) {
  return {replicas: meta.replicas![partition], reassigning: meta.reassigning?.[partition]}
}

export interface ReplicaManagerOptions {
  brokerId: number
  log: BrokerLog
  /** How long one scan waits for a partition's lock before trying it again at the next scan. */
  lockTimeoutMs?: number
  now?: () => number
  /** How replicated topics are served; without it (library tests), as one broker with the data directory as log dir. */
  replication?: Omit<ReplicationSettings, 'brokerId' | 'log' | 'lockTimeoutMs' | 'now' | 'dataDir' | 'finishReassignment' | 'followerQuota'> & {
    logDir: string
    checkpointIntervalMs?: number
    /** leader.replication.throttled.rate and follower.replication.throttled.rate as the broker started with (brokers/<id>.config.json overrides them). */
    leaderThrottledRate?: number
    followerThrottledRate?: number
  }
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
  /** The log dir's replication-offset-checkpoint: each replica's high watermark, read at start, saved as it moves. */
  private checkpoint_: ReplicationOffsetCheckpoint | null = null
  private checkpointedAt = 0
  /** Whether the log dir failed its last write probe (offline-dirs, Kafka's offline log dir). */
  private logDirOffline = false
  /** This broker's replication throttles (replication-quota.ts), the rates read again at each scan. */
  readonly leaderQuota: ReplicationQuota
  readonly followerQuota: ReplicationQuota
  private throttleProblem = ''
  private timer: NodeJS.Timeout | null = null
  private scanning: Promise<void> | null = null
  private stopped = false

  constructor(store: Store, options: ReplicaManagerOptions) {
    this.store = store
    this.options = options
    this.leaderQuota = new ReplicationQuota(options.replication?.leaderThrottledRate ?? Number.MAX_SAFE_INTEGER, options.now)
    this.followerQuota = new ReplicationQuota(options.replication?.followerThrottledRate ?? Number.MAX_SAFE_INTEGER, options.now)
  }

  /**
   * A follower's fetch of `state` (this broker leads it): Kafka's leader
   * throttle holds a follower out of the ISR to leader.replication.throttled.rate
   * when the topic names this broker's replica; an answer with nothing in
   * it makes it wait and ask again.
   */
  readForFollower(state: PartitionState, follower: number, offset: number, maxBytes: number): Buffer | null {
    const q = this.leaderQuota
    const throttled = !q.unlimited && !state.isr?.includes(follower) && isThrottledReplica(state.config['leader.replication.throttled.replicas'], state.partition, this.options.brokerId)
    if (throttled && !q.allowed()) return null
    const records = state.readForFollower(offset, maxBytes)
    if (throttled && records) q.record(records.length)
    return records
  }

  /** The rates of brokers/<id>.config.json over the ones the broker started with. */
  private refreshThrottles(): void {
    const r = this.options.replication
    if (!r) return
    let problem = ''
    const rates = readThrottleRates(this.store.dataDir, this.options.brokerId, (m) => (problem = m))
    if (problem && problem !== this.throttleProblem) this.options.log.warn(problem)
    this.throttleProblem = problem
    const leader = rates[LEADER_RATE] ?? r.leaderThrottledRate ?? Number.MAX_SAFE_INTEGER
    const follower = rates[FOLLOWER_RATE] ?? r.followerThrottledRate ?? Number.MAX_SAFE_INTEGER
    if (leader !== this.leaderQuota.rate || follower !== this.followerQuota.rate) {
      const say = (n: number) => (n >= Number.MAX_SAFE_INTEGER ? 'unlimited' : `${n} bytes/s`)
      this.options.log.info(`replication throttles: leader ${say(leader)}, follower ${say(follower)}`)
    }
    this.leaderQuota.setRate(leader)
    this.followerQuota.setRate(follower)
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

  /**
   * A write probe of the log dir (a file made and removed at its root),
   * once per scan: a disk gone read-only, full or failing fails it, and
   * every replica in the dir goes offline (no leading, no following) until
   * one succeeds again. Appends that fail before the probe does are
   * refused to their clients and never acknowledged.
   */
  private async checkLogDir(): Promise<boolean> {
    const logDir = this.options.replication?.logDir
    if (logDir === undefined) return true
    const probe = join(logDir, `.probe-${this.options.brokerId}`)
    let failure: string | null = null
    try {
      writeFileSync(probe, '')
      unlinkSync(probe)
    } catch (error) {
      failure = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    }
    if (failure !== null && !this.logDirOffline) {
      this.logDirOffline = true
      this.options.log.error(`log dir ${logDir} cannot be written (${failure}): its ${this.replicated.size} replica(s) go offline; others lead them`)
      await Promise.all([...this.replicated.values()].map((r) => r.goOffline().catch((e: Error) => this.options.log.error(`topic ${r.topic} partition ${r.partition}: ${e.message}`))))
    } else if (failure === null && this.logDirOffline) {
      this.logDirOffline = false
      this.options.log.info(`log dir ${logDir} can be written again: its replicas follow their leaders`)
      for (const r of this.replicated.values()) r.goOnline()
    }
    return failure === null
  }

  private async scanOnce(): Promise<void> {
    const writable = await this.checkLogDir()
    this.refreshThrottles()
    const wanted = new Set<string>()
    /** Topics whose topic.json could not be read this time: their replicas are kept as they are, never dropped on a misreading. */
    const unreadable = new Set<string>()
    const takes: Promise<void>[] = []
    for (const topic of this.store.listTopics()) {
      let meta: TopicMeta
      try {
        meta = this.store.readTopic(topic)
      } catch (error) {
        // Deleted since listed, or damaged (said by readTopic's error): not ours to serve now.
        if (!(error instanceof StoreError)) throw error
        if (this.store.topicExists(topic)) unreadable.add(topic)
        if (!this.refused.has(topic)) this.options.log.warn(error.message)
        this.refused.add(topic)
        continue
      }
      const config = resolveConfig(meta.config)
      if (meta.replicas) {
        for (const [p, replicas] of meta.replicas.entries()) {
          if (!replicas.includes(this.options.brokerId)) continue
          wanted.add(key(topic, p))
          // Offline: kept (never dropped or deleted for it), neither opened nor ticked.
          if (writable) takes.push(this.serveReplica(meta, p, config))
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
    const now = (this.options.now ?? Date.now)()
    if (writable && now - this.checkpointedAt >= (this.options.replication?.checkpointIntervalMs ?? 5000)) {
      this.checkpointedAt = now
      this.saveHighWatermarks()
    }
    for (const [k, r] of this.replicated) {
      if (wanted.has(k) || unreadable.has(r.topic)) continue
      this.replicated.delete(k)
      const deleted = !this.store.topicExists(r.topic)
      this.options.log.info(`no longer a replica of topic ${r.topic} partition ${r.partition} (${deleted ? 'topic deleted' : 'reassigned to other brokers'})`)
      await r.stop().catch(() => {})
      // In a log dir of its own the replica outlives the topic's directory, or its place in the assignment: remove it as the delete or the reassignment did the rest.
      const logDir = this.options.replication?.logDir
      if (logDir !== undefined && logDir !== this.store.dataDir) rmSync(r.state.dir, {recursive: true, force: true})
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
    if (existing) return existing.tick(config, assignmentOf(meta, partition)).catch((error: Error) => this.options.log.error(`topic ${meta.name} partition ${partition}: ${error.message}`))
    const inProgress = this.opening.get(k)
    if (inProgress) return inProgress
    const p = this.openReplica(meta, partition, config).finally(() => this.opening.delete(k))
    this.opening.set(k, p)
    return p
  }

  private get checkpoint(): ReplicationOffsetCheckpoint {
    this.checkpoint_ ??= new ReplicationOffsetCheckpoint(this.options.replication?.logDir ?? this.store.dataDir, (m) => this.options.log.warn(m))
    return this.checkpoint_
  }

  /** Every replica's high watermark into the checkpoint file (a full disk is said, and tried again at the next scan). */
  private saveHighWatermarks(): void {
    if (this.replicated.size === 0 && this.checkpoint_ === null) return
    try {
      this.checkpoint.write([...this.replicated.values()].map((r) => ({topic: r.topic, partition: r.partition, highWatermark: r.state.highWatermark})))
    } catch (error) {
      this.options.log.error(`cannot save high watermarks to ${this.checkpoint.path}: ${(error as Error).message}`)
    }
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
        finishReassignment: (topic, p, target) => finishReassignment(this.store, topic, p, target),
        followerQuota: this.followerQuota,
        highWatermark: this.checkpoint.highWatermark(meta.name, partition),
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
    await replica.tick(config, assignmentOf(meta, partition)).catch((error: Error) => this.options.log.error(`topic ${meta.name} partition ${partition}: ${error.message}`))
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
    this.saveHighWatermarks()
    const replicas = [...this.replicated.values()]
    this.replicated.clear()
    await Promise.allSettled([...all.map((s) => s.release()), ...replicas.map((r) => r.stop())])
  }
}
