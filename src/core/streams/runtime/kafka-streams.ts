/**
 * Kafka Streams' KafkaStreams over a logpipe store: the app consumes its
 * source topics as the consumer group named by `application.id` (so
 * several instances share the partitions and take over a dead one's), runs
 * one StreamTask per sub-topology and partition it owns, writes what the
 * sinks produce with the store's Producer (records without a partition go
 * by murmur2 of the key bytes, as Kafka's producer sends them), and every
 * `commit.interval.ms` flushes that output and the stores' changelog
 * records, then commits the input offsets: at-least-once, as Kafka's
 * default processing guarantee. A task's stores are restored from their
 * changelog partition (`<application.id>-<store>-changelog`, compacted)
 * before it processes anything, so a restarted or moved task continues
 * from its state as of its last commit, and records after that commit are
 * processed again (docs/STREAMS.md says what that means for counts).
 *
 * Internal topics are created at start: repartition topics with as many
 * partitions as Repartitioned says, else as the largest source topic,
 * changelogs with as many as the sub-topology that owns the store. Sources
 * of one sub-topology must have the same partition count
 * (co-partitioning), as Kafka checks.
 *
 * A source reading a pattern subscribes the group to every topic matching
 * it (the whole name, as Kafka's Pattern.matches), and topics created
 * later join at the group's next round. Global stores are not split into
 * tasks: before processing starts their topics are read from the start to
 * the end of every partition into one store that all tasks read, and
 * they are kept up to date between polls. A task reading several
 * partitions takes its records in timestamp order across them
 * (partition-group.ts, max.task.idle.ms); the offsets it commits stop at
 * the first record still waiting.
 */
import type {TopicPartition} from '../../group/assignors.js'
import {Consumer} from '../../client/consumer.js'
import {GroupConsumer} from '../../client/group-consumer.js'
import {Producer} from '../../client/producer.js'
import {NotFoundError} from '../../errors.js'
import type {RecordReader} from '../../record/record.js'
import {Store} from '../../store/store.js'
import {Headers} from '../record.js'
import type {KeyValueStore} from '../state/key-value-store.js'
import {streamsSettings, type StreamsProperties, type StreamsSettings} from '../streams-config.js'
import {StreamsError, TopologyError} from '../streams-error.js'
import {type RawRecord, StreamTask} from '../task.js'
import {BUFFERED_RECORDS_PER_PARTITION, PartitionGroup} from '../partition-group.js'
import {saveApplication} from './streams-application.js'
import type {StateStore} from '../state/state-store.js'
import type {Topology} from '../topology.js'

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

export class KafkaStreams {
  private readonly topology: Topology
  private readonly settings: StreamsSettings
  private readonly options: KafkaStreamsOptions
  private store: Store | null = null
  private subtopologies: Subtopology[] = []
  private group: GroupConsumer | null = null
  private readonly tasks = new Map<string, StreamTask>()
  /** Each input partition's task, looked up once per partition, not per record. */
  private readonly taskByInput = new Map<string, StreamTask>()
  /** The record queues of tasks that read several partitions (partition-group.ts). */
  private readonly partitionGroups = new Map<StreamTask, PartitionGroup>()
  /** The global stores' task (all partitions of their topics), and what reads those topics. */
  private globalTask: StreamTask | null = null
  private globalReader: Consumer | null = null
  private readonly producers = new Map<string, Producer>()
  private pendingSends: Array<Promise<unknown>> = []
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
    this.subtopologies = this.prepareTopics(store)
    this.setState('REBALANCING')
    this.startGlobal(store)
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
      handOn: () => this.flushOutput(),
      onAssignmentChange: (owned) => this.assignmentChanged(owned),
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
      if (!failed) await this.group?.commit(true)
      await this.group?.close()
    } finally {
      for (const t of this.tasks.values()) t.close()
      this.tasks.clear()
      this.taskByInput.clear()
      for (const p of this.producers.values()) await p.close()
      this.producers.clear()
      this.partitionGroups.clear()
      this.globalTask?.close()
      this.globalTask = null
      this.globalReader?.close()
      this.globalReader = null
      this.setState(failed ? 'ERROR' : 'NOT_RUNNING')
    }
  }

  /** Interactive queries: a key-value store of this instance's tasks (or a global one), read-only. */
  keyValueStore<K, V>(name: string): {get(key: K): V | null; all(): Array<{key: K; value: V}>; approximateNumEntries(): number} {
    const owners = this.topology.globalStores.has(name) && this.globalTask ? [this.globalTask] : [...this.tasks.values()]
    const stores = owners.map((t) => t.stores.get(name)).filter((s): s is KeyValueStore<K, V> => s !== undefined)
    if (!this.topology.stores.has(name)) throw new NotFoundError(`the topology has no state store ${name}`)
    return {
      get: (key) => {
        for (const s of stores) {
          const v = s.get(key)
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
      // A global store's sub-topology makes no tasks: startGlobal reads its topics.
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
        if (builder.loggingEnabled && !store.topicExists(changelog)) store.createTopic(changelog, partitions, 1, {...builder.logConfig, 'cleanup.policy': 'compact'} as never)
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
      globalTopics: this.globalTask?.sourceTopics() ?? [],
      stores: [...this.topology.stores.values()].map((b) => ({name: b.name, changelog: b.loggingEnabled && !this.topology.globalStores.has(b.name) ? `${app}-${b.name}-changelog` : null})),
    })
  }

  /** Whether a sub-topology reads a topic: by name, or by a pattern (a topic created after the start). */
  private reads(s: Subtopology, topic: string): boolean {
    return s.sources.includes(topic) || s.patterns.some((p) => p.test(topic))
  }

  /**
   * The global stores' task: every partition of their topics read from
   * the start to the end before anything else is processed (Kafka's
   * GlobalStateManager bootstrap), then kept reading between polls.
   */
  private startGlobal(store: Store): void {
    const groups = this.topology.subtopologies()
    const members = groups.filter((g) => this.topology.isGlobal(g)).flat()
    if (members.length === 0) return
    const task = new StreamTask('global', this.topology, members, {
      applicationId: this.settings.applicationId,
      defaultKeySerde: this.settings.defaultKeySerde,
      defaultValueSerde: this.settings.defaultValueSerde,
      topicName: (t) => this.topicName(t),
      wallClock: () => Date.now(),
    }, {send: () => {
      throw new StreamsError('a global store\'s processor may not forward records to a topic', {hint: 'a global store is filled from its topic only'})
    }})
    task.init()
    this.globalTask = task
    this.globalReader = new Consumer(store, task.sourceTopics(), {onNotice: this.options.onNotice})
    for (;;) {
      const records = this.pollGlobal()
      if (records === 0 && this.globalReader.allAtEnd) break
    }
  }

  private pollGlobal(): number {
    const task = this.globalTask
    if (!task || !this.globalReader) return 0
    return this.globalReader.poll((a, r) => {
      task.process({topic: a.topic, partition: a.partition, offset: r.offset, key: r.key(), value: r.value(), timestamp: r.timestamp, headers: new Headers(r.headers().map((h) => ({key: h.key, value: h.value === null ? null : Buffer.from(h.value)})))})
    }).records
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
    const task = new StreamTask(id, this.topology, s.members, {
      applicationId: this.settings.applicationId,
      defaultKeySerde: this.settings.defaultKeySerde,
      defaultValueSerde: this.settings.defaultValueSerde,
      topicName: (t) => this.topicName(t),
      partitionsOf: (t) => (this.store!.topicExists(t) ? this.store!.readTopic(t).partitions : undefined),
      wallClock: () => Date.now(),
      globalStores: this.globalTask?.stores as Map<string, StateStore> | undefined,
    }, {send: (r) => this.send(r)})
    task.init()
    this.restore(task, partition, s.stores)
    this.tasks.set(id, task)
    if (s.sources.length > 1 || s.patterns.length > 0) this.partitionGroups.set(task, new PartitionGroup(this.settings.maxTaskIdleMs))
    return task
  }

  /** Each logged store of a new task gets its changelog partition back, from the start. */
  private restore(task: StreamTask, partition: number, stores: string[]): void {
    const store = this.store!
    for (const name of stores) {
      const builder = this.topology.stores.get(name)!
      if (!builder.loggingEnabled) continue
      const target = task.stores.get(name) as KeyValueStore<unknown, unknown>
      const changelog = `${this.settings.applicationId}-${name}-changelog`
      const reader = new Consumer(store, [changelog], {partitions: [partition]})
      try {
        for (;;) {
          const {records} = reader.poll((_a, r: RecordReader) => {
            const key = r.key()
            // A changelog record without a key is not ours to restore (nothing we write has one).
            if (key !== null) target.restore(key, r.value(), r.timestamp)
          })
          if (records === 0 && reader.allAtEnd) break
        }
      } finally {
        reader.close()
      }
    }
  }

  private send(r: {topic: string; partition?: number; key: Buffer | null; value: Buffer | null; timestamp: number; headers: Headers}): void {
    let producer = this.producers.get(r.topic)
    if (!producer) {
      if (!this.store!.topicExists(r.topic)) throw new NotFoundError(`output topic ${r.topic} does not exist`, {hint: `create it first: logpipe topic create ${r.topic}`})
      producer = new Producer(this.store!, r.topic, {onNotice: this.options.onNotice})
      this.producers.set(r.topic, producer)
    }
    this.sentSinceCaughtUp++
    this.pendingSends.push(producer.send([{key: r.key, value: r.value, timestamp: r.timestamp, partition: r.partition, headers: r.headers.toArray()}]))
  }

  private async flushOutput(): Promise<void> {
    const sends = this.pendingSends
    this.pendingSends = []
    for (const p of this.producers.values()) await p.flush()
    await Promise.all(sends)
  }

  private async run(): Promise<void> {
    const group = this.group!
    const consumer = group.consumer
    while (!this.stopping) {
      this.pollGlobal()
      const {records} = consumer.poll((a, r) => {
        const task = this.taskFor(a.topic, a.partition)
        if (!task) return
        const queue = this.partitionGroups.get(task)
        const raw: RawRecord = {
          topic: a.topic,
          partition: a.partition,
          offset: r.offset,
          key: r.key(),
          value: r.value(),
          timestamp: r.timestamp,
          headers: new Headers(r.headers().map((h) => ({key: h.key, value: h.value === null ? null : Buffer.from(h.value)}))),
        }
        if (queue) queue.add(raw)
        else task.process(raw)
      })
      this.processQueued()
      const asked = [...this.tasks.values()].some((t) => t.commitRequested)
      if (asked) for (const t of this.tasks.values()) t.commitRequested = false
      await group.commit(asked)
      for (const t of this.tasks.values()) t.wallClockAdvanced(Date.now())
      if (records === 0 && this.options.exitAtEnd && consumer.allAtEnd && group.member.holdsItsAssignment && !this.anyQueued()) {
        // What is flushed may be input again (a repartition topic): done only once a round read everything and wrote nothing.
        const wrote = this.sentSinceCaughtUp
        this.sentSinceCaughtUp = 0
        await group.commit(true)
        if (wrote === 0) return
        continue
      }
      if (records === 0 && !this.stopping) await consumer.waitForData(100)
    }
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
      for (let r = queue.next(now, readToEnd); r !== null; r = queue.next(now, readToEnd)) task.process(r)
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
