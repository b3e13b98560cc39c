/**
 * Kafka Streams' KafkaStreams over a logpipe store: the app consumes its
 * source topics as the consumer group named by `application.id` (so
 * several instances share the partitions and take over a dead one's), runs
 * one StreamTask per sub-topology and partition it owns, writes what the
 * sinks produce with the store's Producer (through the data dir's broker
 * while one runs, topic-writers.ts; records without a partition go
 * by murmur2 of the key bytes, as Kafka's producer sends them), and every
 * `commit.interval.ms` flushes that output and the stores' changelog
 * records, then commits the input offsets: at-least-once, as Kafka's
 * default processing guarantee. A task's stores are restored from their
 * changelog partition (`<application.id>-<store>-changelog`, compacted)
 * before it processes anything, persistent ones only from their
 * checkpoint, and only up to the changelog offsets its last commit
 * recorded (state-manager.ts), so a restarted or moved task continues from
 * its state as of that commit and the records after it are processed
 * again without being counted twice (docs/STREAMS.md says exactly what
 * holds). Records a task sends to a repartition topic carry their origin
 * (input partition, offset, index) in a header the reading task drops
 * again; it skips an origin it has processed, so inputs processed again
 * upstream are not counted twice downstream either.
 *
 * With `num.standby.replicas`, each stateful task has that many warm
 * copies on other instances (standby tasks, placed from the group's plan
 * by standby-assignor.ts and carried in the assignments: their stores
 * follow the changelogs up to what the group committed), so taking one
 * over restores only the tail.
 *
 * Internal topics are created at start: repartition topics with as many
 * partitions as Repartitioned says, else as the largest source topic,
 * changelogs with as many as the sub-topology that owns the store, with
 * Kafka's configs (changelog-config.ts: compact, and for windowed stores
 * compact,delete with the store's retention and a day). Sources
 * of one sub-topology must have the same partition count
 * (co-partitioning), as Kafka checks.
 *
 * A source reading a pattern subscribes the group to every topic matching
 * it (the whole name, as Kafka's Pattern.matches), and topics created
 * later join at the group's next round. Global stores are not split into
 * tasks: before processing starts their topics are read to the end of
 * every partition into one store that all tasks read (from the checkpoint
 * of a persistent one, global-state-manager.ts), and they are kept up to
 * date between polls. A task reading several
 * partitions takes its records in timestamp order across them
 * (partition-group.ts, max.task.idle.ms); the offsets it commits stop at
 * the first record still waiting.
 */
import type {GroupAssignment, TopicPartition} from '../../group/assignors.js'
import {decodeStandbys, encodeStandbys, placeStandbys, type StatefulTask} from './standby-assignor.js'
import {join} from 'node:path'
import {GroupConsumer} from '../../client/group-consumer.js'
import {TopicWriters} from '../../client/topic-writers.js'
import type {Producer} from '../../client/producer.js'
import {NotFoundError} from '../../errors.js'
import {Store} from '../../store/store.js'
import {Headers} from '../record.js'
import type {KeyValueStore} from '../state/key-value-store.js'
import {RecordCache} from '../state/record-cache.js'
import type {SerializedStore} from '../state/serialized-store.js'
import {streamsSettings, type StreamsProperties, type StreamsSettings} from '../streams-config.js'
import {StreamsError, TopologyError} from '../streams-error.js'
import {type RawRecord, StreamTask} from '../task.js'
import {BUFFERED_RECORDS_PER_PARTITION, PartitionGroup} from '../partition-group.js'
import {saveApplication} from './streams-application.js'
import {changelogConfigMismatch, changelogTopicConfig} from './changelog-config.js'
import {GlobalStateManager} from './global-state-manager.js'
import type {Topology} from '../topology.js'
import {applyChangelog, changelogTopic, checkpointTask, committedState, encodeCommitMetadata, lockedByOther, lockTaskDir, logEndOffset, planRestore, restoreTask, type StateRestoreListener, type TaskCommitMetadata, taskDirectory, unlockTaskDir} from './state-manager.js'

export type KafkaStreamsState = 'CREATED' | 'REBALANCING' | 'RUNNING' | 'PENDING_SHUTDOWN' | 'NOT_RUNNING' | 'ERROR'

export interface KafkaStreamsOptions {
  /** The store's data directory; default --data-dir's ($LOGPIPE_DATA_DIR, else the user's data dir). */
  dataDir?: string
  onNotice?: (message: string) => void
  /**
   * Stop once caught up (logpipe's own, for scripts: `stream ... -e`):
   * every owned input partition, repartition topics included, read to its
   * end and everything written flushed and committed. `stopped` resolves then.
   */
  exitAtEnd?: boolean
}

interface Subtopology {
  id: number
  members: string[]
  /** Full topic names this sub-topology reads (a pattern's matches at start included). */
  sources: string[]
  /** Its sources' patterns, anchored: topics matching them later are read too. */
  patterns: RegExp[]
  stores: string[]
  partitions: number
}

/** Kafka Streams' default for a consumer of the app: read from the start where nothing was committed. */
const AUTO_OFFSET_RESET = 'earliest'

/** The header a record sent to a repartition topic carries its origin in: `<topic>/<partition> <offset> <index>`. */
const ORIGIN_HEADER = 'logpipe.streams.origin'

/** Kafka's OffsetCommit metadata limit (offset.metadata.max.bytes). */
const MAX_METADATA_BYTES = 4096

/** Records handed to a producer at once. */
/** A record read without headers: one empty list for all (Headers copies what it is given). */
const NO_HEADERS: readonly {key: string; value: Buffer | null}[] = Object.freeze([])

/** A task this instance does not run but keeps the stores of warm (Kafka's StandbyTask). */
interface StandbyTask {
  id: string
  partition: number
  inputs: Array<{topic: string; partition: number}>
  taskDir: string
  stores: Map<string, SerializedStore<unknown, unknown>>
  /** Next changelog offset to apply, per store. */
  positions: Map<string, number>
}

export class KafkaStreams {
  private readonly topology: Topology
  private readonly settings: StreamsSettings
  private readonly options: KafkaStreamsOptions
  private store: Store | null = null
  private subtopologies: Subtopology[] = []
  /** Full names of the app's repartition topics. */
  private repartitionTopics = new Set<string>()
  private group: GroupConsumer | null = null
  /** Where records are written: the files, or the data dir's broker while one runs. */
  private writers: TopicWriters | null = null
  private readonly tasks = new Map<string, StreamTask>()
  /** Each input partition's task, looked up once per partition, not per record. */
  private readonly taskByInput = new Map<string, StreamTask>()
  /** The record queues of tasks that read several partitions (partition-group.ts). */
  private readonly partitionGroups = new Map<StreamTask, PartitionGroup>()
  /** The global stores' task (all partitions of their topics), what reads those topics, and their checkpoint. */
  private global: GlobalStateManager | null = null
  private readonly producers = new Map<string, Producer>()
  private readonly standbys = new Map<string, StandbyTask>()
  /** The standby task ids the last assignment gave this instance. */
  private assignedStandbys: string[] = []
  private restoreListener: StateRestoreListener | null = null
  /** statestore.cache.max.bytes, shared by the caching stores of every task here. */
  private readonly cache: RecordCache | null
  private lastStandbyUpdate = 0
  /** Per task, the last origin processed from each upstream partition (repartition inputs). */
  private readonly origins = new Map<string, Map<string, [number, number]>>()
  /** The input record being processed, and how many repartition records it sent so far. */
  /** The input record being processed, and how many records it sent to repartition topics so far (their origin header). */
  private currentInput: RawRecord | null = null
  private currentInputSent = 0
  /** `<topic>/<partition> <offset> ` of the input record being processed, once it sent to a repartition topic. */
  private currentOrigin: string | null = null
  /** What the commit under way records per task, made at its hand-on. */
  private committing = new Map<string, {task: StreamTask; metadata: TaskCommitMetadata; changelogs: Array<{topic: string; partition: number; offset: number}>}>()
  private handedOn = false
  private metadataTooLong = false
  private pendingSends: Array<Promise<unknown>> = []
  /** Producers that took records since the last dispatch. */
  private readonly unflushed = new Set<Producer>()
  private sentSinceCaughtUp = 0
  private loop: Promise<void> | null = null
  private stopping = false
  private listeners: Array<(next: KafkaStreamsState, previous: KafkaStreamsState) => void> = []
  private failure: Error | null = null
  state: KafkaStreamsState = 'CREATED'
  private caughtUp: () => void = () => {}
  /** Resolves when processing stopped by itself: caught up (exitAtEnd) or failed. */
  readonly stopped = new Promise<void>((resolve) => (this.caughtUp = resolve))

  constructor(topology: Topology, props: StreamsProperties, options: KafkaStreamsOptions = {}) {
    this.topology = topology
    this.settings = streamsSettings(props)
    this.options = options
    this.cache = this.settings.cacheMaxBytes > 0 ? new RecordCache(this.settings.cacheMaxBytes) : null
  }

  /** Kafka's setGlobalStateRestoreListener: told when each store of a task starts and ends restoring from its changelog. */
  setGlobalStateRestoreListener(listener: StateRestoreListener): void {
    this.restoreListener = listener
  }

  /** Kafka's setStateListener: told every change of state. */
  setStateListener(listener: (next: KafkaStreamsState, previous: KafkaStreamsState) => void): void {
    this.listeners.push(listener)
  }

  /** The error that put the app in ERROR, if one did. */
  get error(): Error | null {
    return this.failure
  }

  async start(): Promise<void> {
    if (this.state !== 'CREATED') throw new StreamsError(`KafkaStreams can be started once; it is ${this.state}`)
    const store = Store.open(this.options.dataDir, {create: true, onNotice: this.options.onNotice})
    this.store = store
    // Beside a broker the app's records, changelogs and repartition records go through it: it holds the partitions' locks.
    this.writers = new TopicWriters(store, {onNotice: this.options.onNotice})
    await this.writers.refresh()
    this.subtopologies = this.prepareTopics(store)
    for (const t of this.topology.internalTopics) if (t.endsWith('-repartition')) this.repartitionTopics.add(`${this.settings.applicationId}-${t}`)
    this.setState('REBALANCING')
    this.global = GlobalStateManager.start(store, this.topology, this.settings, this.stateDir, {onNotice: this.options.onNotice, listener: this.restoreListener ?? undefined})
    this.saveDescription(store)
    const sourceTopics = [...new Set(this.subtopologies.flatMap((s) => s.sources))]
    const patterns = this.subtopologies.flatMap((s) => s.patterns)
    const buffers = this.subtopologies.some((s) => s.sources.length > 1 || s.patterns.length > 0)
    this.group = new GroupConsumer(store, this.settings.applicationId, sourceTopics, {
      // A pattern subscription matches the named topics too, so one subscription covers both.
      include: patterns.length > 0 ? new RegExp(`^(?:${[...sourceTopics.map(escapeRegExp), ...patterns.map((p) => p.source.slice(4, -2))].join('|')})$`) : undefined,
      exec: buffers ? this.waitingRecords() : undefined,
      strategy: 'range',
      autoOffsetReset: AUTO_OFFSET_RESET,
      clientId: `${this.settings.applicationId}-StreamThread-1-consumer`,
      commitIntervalMs: this.settings.commitIntervalMs,
      onNotice: this.options.onNotice,
      handOn: () => this.handOn(),
      commitMetadata: (tp) => this.commitMetadata(tp.topic, tp.partition),
      // The standby copies go with each member's assignment, placed from the whole plan (standby-assignor.ts).
      assignmentData: this.settings.numStandbyReplicas > 0 ? (plan) => this.standbyData(plan) : undefined,
      onAssignmentChange: (owned, data) => {
        this.assignedStandbys = decodeStandbys(data) ?? []
        this.assignmentChanged(owned)
      },
    })
    await this.group.start()
    this.setState('RUNNING')
    this.loop = this.run()
      .catch((error: Error) => {
        this.failure = error
        this.setState('ERROR')
      })
      .finally(() => this.caughtUp())
  }

  /** Stops processing, flushes what was produced, commits, leaves the group and closes the tasks. */
  async close(): Promise<void> {
    if (this.state === 'NOT_RUNNING' || this.state === 'CREATED') {
      this.setState('NOT_RUNNING')
      return
    }
    const failed = this.state === 'ERROR'
    this.setState('PENDING_SHUTDOWN')
    this.stopping = true
    this.group?.consumer.interrupt()
    await this.loop
    try {
      // After a failure nothing is committed: the records since the last commit are processed again by the next owner.
      if (!failed) await this.commit(true)
      await this.group?.close()
    } finally {
      for (const [id, t] of this.tasks) {
        t.close()
        unlockTaskDir(taskDirectory(this.stateDir, this.settings.applicationId, id))
      }
      for (const id of [...this.standbys.keys()]) this.closeStandby(id)
      this.tasks.clear()
      this.taskByInput.clear()
      for (const p of this.producers.values()) await p.close()
      this.producers.clear()
      this.writers?.close()
      this.partitionGroups.clear()
      this.global?.close()
      this.global = null
      this.setState(failed ? 'ERROR' : 'NOT_RUNNING')
    }
  }

  /** Interactive queries: a key-value store of this instance's tasks (or a global one), read-only. */
  keyValueStore<K, V>(name: string): {get(key: K): V | null; all(): Array<{key: K; value: V}>; approximateNumEntries(): number} {
    const owners = this.topology.globalStores.has(name) && this.global ? [this.global.task] : [...this.tasks.values()]
    const stores = owners.map((t) => t.stores.get(name)).filter((s): s is KeyValueStore<K, V> => s !== undefined)
    if (!this.topology.stores.has(name)) throw new NotFoundError(`the topology has no state store ${name}`)
    return {
      get: (key) => {
        for (const s of stores) {
          // Not get(): a query is no use of the record cache, and must not evict (and so forward) outside the task's processing.
          const v = typeof s.query === 'function' ? s.query(key) : s.get(key)
          if (v !== null) return v
        }
        return null
      },
      all: () => stores.flatMap((s) => s.all()),
      approximateNumEntries: () => stores.reduce((n, s) => n + s.approximateNumEntries(), 0),
    }
  }

  /** Task ids this instance runs (`<sub-topology>_<partition>`, as Kafka names them). */
  taskIds(): string[] {
    return [...this.tasks.keys()].sort()
  }

  /** Task ids this instance keeps standby copies of. */
  standbyTaskIds(): string[] {
    return [...this.standbys.keys()].sort()
  }

  /** `<state.dir>`: persistent stores live in `<state.dir>/<application.id>/<task>/<store>/`. */
  get stateDir(): string {
    return this.settings.stateDir ?? join(this.store?.dataDir ?? Store.open(this.options.dataDir).dataDir, 'streams')
  }

  private setState(next: KafkaStreamsState): void {
    const previous = this.state
    if (previous === next) return
    this.state = next
    for (const l of this.listeners) l(next, previous)
  }

  private topicName(t: string): string {
    return this.topology.internalTopics.has(t) ? `${this.settings.applicationId}-${t}` : t
  }

  private prepareTopics(store: Store): Subtopology[] {
    const app = this.settings.applicationId
    const groups = this.topology.subtopologies()
    const userSources: string[] = []
    const matched = new Map<string, {pattern: RegExp; topics: string[]}>()
    for (const n of this.topology.nodes.values()) {
      if (n.kind !== 'source') continue
      if (n.pattern) {
        const pattern = anchored(n.pattern)
        const topics = store.listTopics().filter((t) => pattern.test(t)).sort()
        matched.set(n.name, {pattern, topics})
        userSources.push(...topics)
      }
      for (const t of n.topics) if (!this.topology.internalTopics.has(t)) userSources.push(t)
    }
    for (const t of userSources) {
      if (!store.topicExists(t)) throw new NotFoundError(`source topic ${t} does not exist`, {hint: `create it first: logpipe topic create ${t}`})
    }
    const maxPartitions = Math.max(1, ...userSources.map((t) => store.readTopic(t).partitions))
    for (const t of this.topology.internalTopics) {
      const name = `${app}-${t}`
      const wanted = this.topology.internalTopicPartitions.get(t)
      if (!store.topicExists(name)) store.createTopic(name, wanted ?? maxPartitions, 1, {})
      else if (wanted !== undefined && store.readTopic(name).partitions !== wanted) {
        throw new TopologyError(`internal topic ${name} has ${store.readTopic(name).partitions} partitions, but Repartitioned asks for ${wanted}`, {hint: `reset the app (logpipe stream reset ${app} --execute) or delete the topic`})
      }
    }
    const out: Subtopology[] = []
    for (const [id, members] of groups.entries()) {
      // A global store's sub-topology makes no tasks: the global state manager reads its topics.
      if (this.topology.isGlobal(members)) continue
      const sources: string[] = []
      const patterns: RegExp[] = []
      const stores: string[] = []
      for (const m of members) {
        const n = this.topology.nodes.get(m)!
        if (n.kind === 'source') sources.push(...n.topics.map((t) => this.topicName(t)))
        const match = matched.get(m)
        if (match) {
          sources.push(...match.topics)
          patterns.push(match.pattern)
        }
        if (n.kind === 'processor') for (const s of n.stores) if (!stores.includes(s)) stores.push(s)
      }
      const counts = new Map(sources.map((t) => [t, store.readTopic(t).partitions]))
      const distinct = new Set(counts.values())
      if (distinct.size > 1) {
        throw new TopologyError(`topics ${sources.join(', ')} are read together (sub-topology ${id}) but are not co-partitioned: ${[...counts].map(([t, n]) => `${t} has ${n}`).join(', ')}`, {hint: 'give them the same number of partitions'})
      }
      const partitions = distinct.size === 0 ? 1 : [...distinct][0]
      for (const s of stores) {
        const builder = this.topology.stores.get(s)!
        const changelog = `${app}-${s}-changelog`
        if (!builder.loggingEnabled) continue
        const config = changelogTopicConfig(builder, this.settings.windowStoreChangelogAdditionalRetentionMs)
        if (!store.topicExists(changelog)) store.createTopic(changelog, partitions, 1, config)
        else {
          const differs = changelogConfigMismatch(config, store.readTopic(changelog).config)
          if (differs.length > 0) this.options.onNotice?.(`changelog ${changelog} keeps the configs it has: ${differs.join(', ')}; logpipe topic alter ${changelog} --config ... changes them`)
        }
      }
      out[id] = {id, members, sources, patterns, stores, partitions}
    }
    return out
  }

  /** For `stream describe`: the topology, its tasks' inputs and its stores, as this run has them. */
  private saveDescription(store: Store): void {
    const app = this.settings.applicationId
    saveApplication(store, {
      applicationId: app,
      savedAt: Date.now(),
      topology: this.topology.describe().toString(),
      subtopologies: this.subtopologies.filter((s) => s !== undefined).map((s) => ({id: s.id, sources: s.sources, patterns: s.patterns.map((p) => p.source), stores: s.stores})),
      globalTopics: this.global?.sourceTopics() ?? [],
      stores: [...this.topology.stores.values()].map((b) => ({name: b.name, changelog: b.loggingEnabled && !this.topology.globalStores.has(b.name) ? `${app}-${b.name}-changelog` : null})),
    })
  }

  /** Whether a sub-topology reads a topic: by name, or by a pattern (a topic created after the start). */
  private reads(s: Subtopology, topic: string): boolean {
    return s.sources.includes(topic) || s.patterns.some((p) => p.test(topic))
  }

  /**
   * What the group consumer commits for a partition whose records wait in
   * a task's queue: up to the first waiting one, so a crash reads it again.
   */
  private waitingRecords() {
    // Every queue is asked, not the partition's task by taskByInput: that map is cleared when any task goes, while records may still wait.
    const firstWaiting = (topic: string, partition: number) => {
      for (const q of this.partitionGroups.values()) {
        const offset = q.firstBufferedOffset(topic, partition)
        if (offset !== null) return offset
      }
      return null
    }
    return {
      safePosition: (topic: string, partition: number, position: number) => firstWaiting(topic, partition) ?? position,
      release: () => this.flushOutput(),
      forget: (topic: string, partition: number) => {
        for (const q of this.partitionGroups.values()) q.drop(topic, partition)
      },
    }
  }

  private assignmentChanged(owned: TopicPartition[]): void {
    const wanted = new Set<string>()
    for (const tp of owned) {
      for (const s of this.subtopologies) if (s && this.reads(s, tp.topic)) wanted.add(`${s.id}_${tp.partition}`)
    }
    for (const [id, task] of this.tasks) {
      if (!wanted.has(id)) {
        task.close()
        unlockTaskDir(taskDirectory(this.stateDir, this.settings.applicationId, id))
        this.tasks.delete(id)
        this.partitionGroups.delete(task)
        this.taskByInput.clear()
      }
    }
    for (const id of wanted) this.ensureTask(id)
    // The task waits for each of its partitions (partition-group.ts), so each gets its queue now, not at its first record.
    for (const tp of owned) {
      const task = this.taskFor(tp.topic, tp.partition)
      if (task) this.partitionGroups.get(task)?.queue(tp.topic, tp.partition)
    }
    this.updateStandbySet()
  }

  /** The tasks whose stores are changelogged: the ones standbys are kept of. */
  private statefulTasks(topics: Iterable<string>): StatefulTask[] {
    const all = [...topics]
    const out: StatefulTask[] = []
    for (const s of this.subtopologies) {
      if (!s || !s.stores.some((n) => this.topology.stores.get(n)!.loggingEnabled)) continue
      const sources = all.filter((t) => this.reads(s, t))
      for (let p = 0; p < s.partitions; p++) out.push({id: `${s.id}_${p}`, sources, partition: p})
    }
    return out
  }

  /** Each member's standby tasks, as the bytes of its assignment (the group's plan is the same for every member that makes it). */
  private standbyData(plan: GroupAssignment): Map<string, Buffer> {
    const topics = new Set<string>()
    for (const tps of plan.values()) for (const tp of tps) topics.add(tp.topic)
    const placed = placeStandbys(plan, this.statefulTasks(topics), this.settings.numStandbyReplicas)
    return new Map([...placed].map(([member, ids]) => [member, encodeStandbys(ids)]))
  }

  /** The standby tasks the group's plan gave this instance are kept warm here (never one it runs, nor one another process on this state.dir runs). */
  private updateStandbySet(): void {
    const want = new Set<string>()
    const stateful = new Set(this.statefulTasks([]).map((t) => t.id))
    for (const id of this.assignedStandbys) if (stateful.has(id) && !this.tasks.has(id)) want.add(id)
    for (const id of [...this.standbys.keys()]) if (!want.has(id)) this.closeStandby(id)
    for (const id of want) if (!this.standbys.has(id) && !lockedByOther(taskDirectory(this.stateDir, this.settings.applicationId, id))) this.openStandby(id)
  }

  private openStandby(id: string): void {
    const [sub, partition] = id.split('_').map(Number)
    const s = this.subtopologies[sub]
    const store = this.store!
    const inputs = s.sources.map((topic) => ({topic, partition}))
    const taskDir = taskDirectory(this.stateDir, this.settings.applicationId, id)
    const plans = planRestore(store, this.topology, this.settings.applicationId, s.stores, partition, taskDir, committedState(store, this.settings.applicationId, inputs))
    const stores = new Map<string, SerializedStore<unknown, unknown>>()
    const positions = new Map<string, number>()
    for (const plan of plans) {
      const st = this.topology.stores.get(plan.name)!.build() as SerializedStore<unknown, unknown>
      st.init({defaultKeySerde: this.settings.defaultKeySerde, defaultValueSerde: this.settings.defaultValueSerde, timestamp: () => 0, stateDir: taskDir}, changelogTopic(this.settings.applicationId, plan.name))
      stores.set(plan.name, st)
      positions.set(plan.name, plan.from)
    }
    this.standbys.set(id, {id, partition, inputs, taskDir, stores, positions})
    this.updateStandby(this.standbys.get(id)!)
  }

  /** A standby's stores follow their changelogs up to what the active task last committed, then go to disk with a checkpoint. */
  private updateStandby(t: StandbyTask): void {
    // Another instance on this state.dir runs the task: its files are its own (and already warm).
    if (lockedByOther(t.taskDir)) return
    const store = this.store!
    const committed = committedState(store, this.settings.applicationId, t.inputs)
    const changelogs: Array<{topic: string; partition: number; offset: number}> = []
    for (const [name, st] of t.stores) {
      const topic = changelogTopic(this.settings.applicationId, name)
      const end = logEndOffset(store, topic, t.partition)
      const upTo = committed.kind === 'none' ? 0 : committed.kind === 'unknown' ? end : Math.min(end, committed.metadata.changelogs[name] ?? end)
      let at = t.positions.get(name)!
      if (upTo > at) at = applyChangelog(store, topic, t.partition, at, upTo, upTo, st).position
      t.positions.set(name, at)
      changelogs.push({topic, partition: t.partition, offset: at})
    }
    checkpointTask(t.taskDir, t.stores.values(), changelogs)
  }

  private closeStandby(id: string): void {
    const t = this.standbys.get(id)
    if (!t) return
    this.standbys.delete(id)
    try {
      this.updateStandby(t)
    } finally {
      for (const st of t.stores.values()) st.close()
    }
  }

  private updateStandbys(): void {
    if (this.standbys.size === 0) return
    const now = Date.now()
    if (now - this.lastStandbyUpdate < Math.min(this.settings.commitIntervalMs, 1000)) return
    this.lastStandbyUpdate = now
    for (const t of this.standbys.values()) this.updateStandby(t)
  }

  /**
   * The task for an id, made (and its stores restored) the first time: when
   * the group says the partition is ours, or when a record of it comes
   * first (the consumer is given a partition before the round that gave it
   * ends).
   */
  private ensureTask(id: string): StreamTask {
    const existing = this.tasks.get(id)
    if (existing) return existing
    const [sub, partition] = id.split('_').map(Number)
    const s = this.subtopologies[sub]
    const store = this.store!
    // A standby copy hands its files over: the task restores only what it had not applied.
    this.closeStandby(id)
    const inputs = s.sources.map((topic) => ({topic, partition}))
    const committed = committedState(store, this.settings.applicationId, inputs)
    const taskDir = taskDirectory(this.stateDir, this.settings.applicationId, id)
    const plans = planRestore(store, this.topology, this.settings.applicationId, s.stores, partition, taskDir, committed)
    lockTaskDir(taskDir)
    const task = new StreamTask(id, this.topology, s.members, {
      applicationId: this.settings.applicationId,
      defaultKeySerde: this.settings.defaultKeySerde,
      defaultValueSerde: this.settings.defaultValueSerde,
      topicName: (t) => this.topicName(t),
      partitionsOf: (t) => (this.store!.topicExists(t) ? this.store!.readTopic(t).partitions : undefined),
      wallClock: () => Date.now(),
      stateDir: taskDir,
      cache: this.cache ?? undefined,
      globalStores: this.global?.stores,
    }, {send: (r) => this.send(r)})
    // What processors kept with the commit (an onWindowClose aggregation's emit position) is there before they init.
    if (committed.kind === 'metadata' && committed.metadata.processorMetadata) task.initProcessorMetadata(committed.metadata.processorMetadata)
    task.init()
    // Stream time goes on from the commit: a record that was too late before a crash is too late after it.
    if (committed.kind === 'metadata' && committed.metadata.streamTime !== undefined) task.initStreamTime(committed.metadata.streamTime)
    restoreTask(store, task.stores, partition, plans, (r) => this.send({...r, headers: new Headers(r.headers)}), this.options.onNotice, this.restoreListener ?? undefined)
    // Restored state as of the commit goes to disk now, so a crash before the next commit does not restore it again.
    checkpointTask(taskDir, task.stores.values(), plans.map((p) => ({topic: p.changelog, partition, offset: p.upTo})))
    this.origins.set(id, new Map(committed.kind === 'metadata' ? Object.entries(committed.metadata.origins) : []))
    this.tasks.set(id, task)
    if (s.sources.length > 1 || s.patterns.length > 0) this.partitionGroups.set(task, new PartitionGroup(this.settings.maxTaskIdleMs))
    return task
  }

  /** Output flushed; then what this commit records per task: its changelogs' ends and the upstream origins it processed. */
  private async handOn(): Promise<void> {
    for (const task of this.tasks.values()) task.flushCaches()
    await this.flushOutput()
    const store = this.store!
    this.committing = new Map()
    for (const [id, task] of this.tasks) {
      const partition = Number(id.split('_')[1])
      const changelogs: Array<{topic: string; partition: number; offset: number}> = []
      const offsets: Record<string, number> = {}
      for (const name of task.stores.keys()) {
        if (!this.topology.stores.get(name)!.loggingEnabled) continue
        const topic = changelogTopic(this.settings.applicationId, name)
        const offset = logEndOffset(store, topic, partition)
        offsets[name] = offset
        changelogs.push({topic, partition, offset})
      }
      this.committing.set(id, {task, metadata: {changelogs: offsets, origins: Object.fromEntries(this.origins.get(id) ?? []), streamTime: task.currentStreamTime(), processorMetadata: task.processorMetadataSnapshot()}, changelogs})
    }
    this.handedOn = true
  }

  private commitMetadata(topic: string, partition: number): string | undefined {
    // A global sub-topology leaves a hole in the list; a pattern source reads topics it does not name.
    const id = this.subtopologies.find((s) => s !== undefined && this.reads(s, topic))?.id
    const c = id === undefined ? undefined : this.committing.get(`${id}_${partition}`)
    if (!c) return undefined
    const task = c.task
    const text = encodeCommitMetadata(c.metadata)
    if (Buffer.byteLength(text) <= MAX_METADATA_BYTES) return text
    if (!this.metadataTooLong) this.options.onNotice?.(`task ${task.id}: its commit metadata is over ${MAX_METADATA_BYTES} bytes (too many stores or upstream partitions); after a crash its state may count inputs twice`)
    this.metadataTooLong = true
    return undefined
  }

  /** A commit as Kafka Streams makes it: output flushed, input offsets committed with what they cover, then the stores' files and checkpoints. */
  private async commit(force: boolean): Promise<void> {
    const group = this.group!
    this.handedOn = false
    const outcomes = await group.commit(force)
    if (!this.handedOn) return
    this.handedOn = false
    // A fenced commit is not ours: the files stay as of the last one that was.
    if ([...outcomes.values()].some((o) => o === 'fenced')) return
    for (const [id, c] of this.committing) {
      if (this.tasks.get(id) !== c.task) continue
      checkpointTask(taskDirectory(this.stateDir, this.settings.applicationId, id), c.task.stores.values(), c.changelogs)
    }
    this.committing = new Map()
  }

  private send(r: {topic: string; partition?: number; key: Buffer | null; value: Buffer | null; timestamp: number; headers: Headers}): void {
    let producer = this.producers.get(r.topic)
    if (!producer) {
      if (!this.store!.topicExists(r.topic)) throw new NotFoundError(`output topic ${r.topic} does not exist`, {hint: `create it first: logpipe topic create ${r.topic}`})
      producer = this.writers!.producerNow(r.topic)
      this.producers.set(r.topic, producer)
    }
    this.sentSinceCaughtUp++
    // No headers (the common case) is no array.
    let headers = r.headers.size === 0 ? undefined : r.headers.toArray()
    const input = this.currentInput
    if (input && this.repartitionTopics.has(r.topic)) {
      // What names the input record is made once per input record, not per record it sends.
      this.currentOrigin ??= `${input.topic}/${input.partition} ${input.offset} `
      const origin = {key: ORIGIN_HEADER, value: Buffer.from(this.currentOrigin + this.currentInputSent++)}
      headers = headers ? [...headers, origin] : [origin]
    }
    // Straight into the producer's batch: no record object per record, and the key and value die young.
    producer.addRecord(r.key, r.value, r.timestamp, r.partition, headers)
    this.unflushed.add(producer)
  }

  /** Writes what the tasks added to the producers since the last call, partial batches too. */
  private dispatch(): void {
    for (const producer of this.unflushed) this.pendingSends.push(producer.flush(true))
    this.unflushed.clear()
  }

  private async flushOutput(): Promise<void> {
    this.dispatch()
    const sends = this.pendingSends
    this.pendingSends = []
    for (const p of this.producers.values()) await p.flush()
    await Promise.all(sends)
  }

  private async run(): Promise<void> {
    const group = this.group!
    const consumer = group.consumer
    while (!this.stopping) {
      this.global?.poll()
      this.global?.maybeCheckpoint(Date.now())
      // A partition's task, looked up once per run of its records (a key string and a map look-up per record before).
      let lastAssignment: unknown = null
      let lastTask: StreamTask | undefined
      let fromRepartition = false
      // max.poll.records: the loop looks at commits, punctuation and the group between polls.
      let left = this.settings.maxPollRecords
      const {records} = consumer.poll((a, r) => {
        if (a !== lastAssignment) {
          lastAssignment = a
          lastTask = this.taskFor(a.topic, a.partition)
          fromRepartition = this.repartitionTopics.has(a.topic)
        }
        const task = lastTask
        if (!task) return --left > 0
        const read = r.headers()
        // The origin header of a repartition record is read as text (not copied) and is not among the headers processors see.
        let origin: string | undefined
        let headers: readonly {key: string; value: Buffer | null}[] = NO_HEADERS
        if (read.length > 0) {
          const copied: {key: string; value: Buffer | null}[] = []
          for (const h of read) {
            if (fromRepartition && origin === undefined && h.key === ORIGIN_HEADER) origin = h.value === null ? '' : h.value.toString('latin1')
            else copied.push({key: h.key, value: h.value === null ? null : Buffer.from(h.value)})
          }
          headers = copied
        }
        const queue = this.partitionGroups.get(task)
        // Processed now by serdes that keep nothing of the bytes: lent as views of the read buffer, not copied.
        const lend = queue === undefined && task.lendsBytes(a.topic)
        const raw: RawRecord = {
          topic: a.topic,
          partition: a.partition,
          offset: r.offset,
          key: lend ? r.keyView() : r.key(),
          value: lend ? r.valueView() : r.value(),
          timestamp: r.timestamp,
          headers: new Headers(headers),
          origin,
        }
        if (queue) queue.add(raw)
        else this.processInput(task, raw)
        return --left > 0
      })
      this.processQueued()
      this.dispatch()
      const asked = [...this.tasks.values()].some((t) => t.commitRequested)
      if (asked) for (const t of this.tasks.values()) t.commitRequested = false
      await this.commit(asked)
      this.updateStandbys()
      for (const t of this.tasks.values()) t.wallClockAdvanced(Date.now())
      if (records === 0 && this.options.exitAtEnd && consumer.allAtEnd && group.member.holdsItsAssignment && !this.anyQueued()) {
        // What is flushed may be input again (a repartition topic): done only once a round read everything and wrote nothing.
        const wrote = this.sentSinceCaughtUp
        this.sentSinceCaughtUp = 0
        await this.commit(true)
        if (wrote === 0) return
        continue
      }
      if (records === 0 && !this.stopping) await consumer.waitForData(100)
    }
  }

  /**
   * One input record through its task, when it is processed rather than
   * when it was read (a task reading several partitions queues them): a
   * repartition record sent again by an upstream task is dropped here, so
   * an origin counts as seen only once its record was processed, and what
   * the task sends names this record as its origin.
   */
  private processInput(task: StreamTask, raw: RawRecord): void {
    if (raw.origin !== undefined && !this.firstFromOrigin(task.id, raw.origin)) return
    this.currentInput = raw
    this.currentInputSent = 0
    this.currentOrigin = null
    try {
      task.process(raw)
    } finally {
      this.currentInput = null
    }
  }

  /**
   * Whether a repartition record's origin is new to the task: an origin at
   * or before the last one processed from that upstream partition is a
   * record sent again by an upstream task that processed its input again.
   */
  private firstFromOrigin(taskId: string, text: string): boolean {
    const b = text.lastIndexOf(' ')
    const a = text.lastIndexOf(' ', b - 1)
    if (a <= 0) return true
    const origin = text.slice(0, a)
    const offset = Number(text.slice(a + 1, b))
    const index = Number(text.slice(b + 1))
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(index)) return true
    let seen = this.origins.get(taskId)
    if (!seen) this.origins.set(taskId, (seen = new Map()))
    const last = seen.get(origin)
    if (last && (offset < last[0] || (offset === last[0] && index <= last[1]))) return false
    if (last) {
      last[0] = offset
      last[1] = index
    } else seen.set(origin, [offset, index])
    return true
  }

  /**
   * The queued records of tasks reading several partitions, lowest
   * timestamp first while each task may go on; a partition with a full
   * queue is not read until it drains (Kafka pauses it too).
   */
  private processQueued(): void {
    if (this.partitionGroups.size === 0) return
    const consumer = this.group!.consumer
    const byPartition = new Map(consumer.assignments.map((a) => [`${a.topic}\0${a.partition}`, a]))
    const readToEnd = (topic: string, partition: number) => {
      const a = byPartition.get(`${topic}\0${partition}`)
      return a === undefined || a.done === true || (a.atEnd && !a.pending)
    }
    const now = Date.now()
    for (const [task, queue] of this.partitionGroups) {
      for (let r = queue.next(now, readToEnd); r !== null; r = queue.next(now, readToEnd)) this.processInput(task, r)
    }
    for (const a of consumer.assignments) {
      const task = this.taskByInput.get(`${a.topic}\0${a.partition}`)
      const queue = task && this.partitionGroups.get(task)
      if (queue) a.paused = queue.sizeOf(a.topic, a.partition) >= BUFFERED_RECORDS_PER_PARTITION
    }
  }

  private anyQueued(): boolean {
    for (const q of this.partitionGroups.values()) if (q.size > 0) return true
    return false
  }

  private taskFor(topic: string, partition: number): StreamTask | undefined {
    const key = `${topic}\0${partition}`
    const known = this.taskByInput.get(key)
    if (known) return known
    for (const s of this.subtopologies) {
      if (!s || !this.reads(s, topic)) continue
      const task = this.ensureTask(`${s.id}_${partition}`)
      this.taskByInput.set(key, task)
      return task
    }
    return undefined
  }
}

/** Kafka matches a source pattern against the whole topic name (Pattern.matcher(topic).matches()). */
function anchored(pattern: RegExp): RegExp {
  return new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace(/[gy]/g, ''))
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
