/**
 * A stream task: one sub-topology working on one partition of its input
 * topics (Kafka's StreamTask). It deserializes each input record with its
 * source's serdes, moves stream time (the largest timestamp seen, never
 * back), sends the record depth-first through the processors, and hands
 * what sinks write to a RecordCollector; stream-time punctuators fire as
 * stream time passes them, wall-clock ones when the runtime says the clock
 * moved. Stores are built fresh per task and log their changes through the
 * collector to `<application.id>-<store>-changelog`.
 */
import type {Cancellable, Processor, ProcessorContext, PunctuationType, Punctuator} from './processor.js'
import {supplied} from './processor.js'
import {type Header, Headers, Record, type RecordMetadata} from './record.js'
import {keepsNoBytes, type Serde} from './serdes.js'
import type {RecordCache} from './state/record-cache.js'
import type {StateStore} from './state/state-store.js'
import {StreamsError, TopologyError} from './streams-error.js'
import type {SinkNode, SourceNode, Topology} from './topology.js'

/** A record as read from or written to a topic: bytes, not yet typed. */
export interface RawRecord {
  topic: string
  partition: number
  offset: number
  key: Buffer | null
  value: Buffer | null
  timestamp: number
  headers: Headers
  /** A repartition record's origin header, as latin1 text (the runtime's deduplication; not among `headers`). @internal */
  origin?: string
}

export interface RecordCollector {
  /** partition undefined: the runtime's default (murmur2 of the key bytes, as Kafka's producer). */
  send(record: {topic: string; partition?: number; key: Buffer | null; value: Buffer | null; timestamp: number; headers: Headers}): void
}

export interface TaskConfig {
  applicationId: string
  defaultKeySerde: Serde<unknown>
  defaultValueSerde: Serde<unknown>
  /** The full name of a topic the topology names (internal topics get the application id in front). */
  topicName: (name: string) => string
  /** Partition count of a topic, for a StreamPartitioner; undefined when unknown. */
  partitionsOf?: (topic: string) => number | undefined
  wallClock: () => number
  /** The app's global stores, made and filled by the global task, read by all (absent: the runtime has none). */
  globalStores?: Map<string, StateStore>
  /** This task's directory under state.dir, where persistent stores keep their files (absent: every store in memory). */
  stateDir?: string
  /** The instance's record cache (absent: no store caches, as with statestore.cache.max.bytes=0). */
  cache?: RecordCache
}

interface Schedule {
  type: PunctuationType
  interval: number
  /** When it is due: stream-time schedules are aligned to 0 (the first record punctuates), wall-clock ones to when they were made. */
  next: number
  punctuator: Punctuator
  node: string
  cancelled: boolean
}

export class StreamTask {
  readonly id: string
  private readonly topology: Topology
  private readonly members: Set<string>
  private readonly config: TaskConfig
  private readonly collector: RecordCollector
  private readonly processors = new Map<string, Processor>()
  private readonly contexts = new Map<string, ProcessorContext>()
  readonly stores = new Map<string, StateStore>()
  private readonly children = new Map<string, string[]>()
  private readonly schedules: Schedule[] = []
  private streamTime = -1
  /** Kafka's ProcessorMetadata: values processors keep with the commits (processorMetadataForKey). */
  private readonly processorMetadata = new Map<string, number>()
  private current: {metadata: RecordMetadata | null; timestamp: number; headers: Headers} = {metadata: null, timestamp: 0, headers: new Headers()}
  commitRequested = false
  private readonly sourceByTopic = new Map<string, SourceNode | null>()
  /** The partition this task works on (the number after the underscore in its id). */
  private readonly partitionNumber: number

  constructor(id: string, topology: Topology, members: string[], config: TaskConfig, collector: RecordCollector) {
    this.id = id
    this.partitionNumber = Number(id.split('_')[1] ?? 0)
    this.topology = topology
    this.members = new Set(members)
    this.config = config
    this.collector = collector
    for (const m of members) this.children.set(m, topology.children(m).filter((c) => this.members.has(c)))
  }

  /** Source topics (full names) this task reads. */
  sourceTopics(): string[] {
    const out: string[] = []
    for (const m of this.members) {
      const n = this.topology.nodes.get(m)!
      if (n.kind === 'source') for (const t of n.topics) out.push(this.config.topicName(t))
    }
    return out
  }

  reads(topic: string): boolean {
    return this.sourceFor(topic) !== null
  }

  private readonly lendsByTopic = new Map<string, boolean>()

  /**
   * Whether a record of this topic processed at once may carry views of the
   * read buffer rather than copies of its key and value: its source's
   * serdes keep nothing of them (serdes.ts, keepsNoBytes). @internal
   */
  lendsBytes(topic: string): boolean {
    let lends = this.lendsByTopic.get(topic)
    if (lends === undefined) {
      const source = this.sourceFor(topic)
      lends = source !== null && keepsNoBytes(source.keySerde ?? this.config.defaultKeySerde) && keepsNoBytes(source.valueSerde ?? this.config.defaultValueSerde)
      this.lendsByTopic.set(topic, lends)
    }
    return lends
  }

  /** The source node reading a topic, found once per topic (each input record asked it). */
  private sourceFor(topic: string): SourceNode | null {
    let found = this.sourceByTopic.get(topic)
    if (found === undefined) {
      found = null
      for (const m of this.members) {
        const n = this.topology.nodes.get(m)!
        if (n.kind !== 'source') continue
        if (n.topics.some((t) => this.config.topicName(t) === topic) || n.pattern?.test(topic)) {
          found = n
          break
        }
      }
      this.sourceByTopic.set(topic, found)
    }
    return found
  }

  init(): void {
    // A serde wrapping another the topology left unset (KTable.groupBy's change serde) takes the app's default, as Kafka's WrappingNullableSerde.
    for (const m of this.members) {
      const n = this.topology.nodes.get(m)!
      if (n.kind === 'processor') continue
      for (const serde of [n.keySerde, n.valueSerde] as Array<{setIfUnset?: (k: Serde<unknown>, v: Serde<unknown>) => void} | null>) serde?.setIfUnset?.(this.config.defaultKeySerde, this.config.defaultValueSerde)
    }
    for (const serde of this.topology.serdesNeedingDefaults) serde.setIfUnset(this.config.defaultKeySerde, this.config.defaultValueSerde)
    const storeNames = new Set<string>()
    for (const m of this.members) {
      const n = this.topology.nodes.get(m)!
      if (n.kind === 'processor') for (const s of n.stores) storeNames.add(s)
    }
    // A cache flush forwards outside any input record, so what it sends carries no origin a repartition topic's reader could deduplicate by: tasks writing to one do not cache (kafka-streams.ts).
    const writesRepartition = [...this.members].some((m) => {
      const n = this.topology.nodes.get(m)!
      return n.kind === 'sink' && typeof n.topic === 'string' && this.topology.internalTopics.has(n.topic) && n.topic.endsWith('-repartition')
    })
    for (const s of storeNames) {
      const builder = this.topology.stores.get(s)!
      const store = builder.build() as StateStore & {init?: (init: unknown, changelogTopic: string) => void}
      const changelogTopic = `${this.config.applicationId}-${s}-changelog`
      store.init?.(
        {
          defaultKeySerde: this.config.defaultKeySerde,
          defaultValueSerde: this.config.defaultValueSerde,
          timestamp: () => this.current.timestamp,
          headers: () => this.current.headers,
          recordContext: () => {
            const m = this.current.metadata
            return {timestamp: this.current.timestamp, offset: m?.offset ?? -1, topic: m?.topic ?? '', partition: m?.partition ?? -1, headers: this.current.headers.toArray()}
          },
          stateDir: this.config.stateDir,
          cache: builder.cachingEnabled && !writesRepartition ? this.config.cache : undefined,
          changelog: builder.loggingEnabled
            ? (key: Buffer, value: Buffer | null, timestamp: number, headers?: Header[]) => this.collector.send({topic: changelogTopic, partition: this.partitionNumber, key, value, timestamp, headers: new Headers(headers)})
            : undefined,
        },
        changelogTopic,
      )
      this.stores.set(s, store)
    }
    for (const m of this.members) {
      const n = this.topology.nodes.get(m)!
      if (n.kind !== 'processor') continue
      const processor = supplied(n.supplier)
      if (typeof processor?.process !== 'function') throw new TopologyError(`processor ${m}: its supplier returned no Processor (an object with process(record))`)
      this.processors.set(m, processor)
      const ctx = this.contextFor(m, n.stores)
      this.contexts.set(m, ctx)
    }
    for (const [m, p] of this.processors) p.init?.(this.contexts.get(m)!)
  }

  process(input: RawRecord): void {
    const source = this.sourceFor(input.topic)
    if (!source) throw new StreamsError(`task ${this.id} reads no topic ${input.topic}`)
    const keySerde = source.keySerde ?? this.config.defaultKeySerde
    const valueSerde = source.valueSerde ?? this.config.defaultValueSerde
    const key = keySerde.deserialize(input.topic, input.key)
    const value = valueSerde.deserialize(input.topic, input.value)
    let timestamp = input.timestamp
    if (source.timestampExtractor) timestamp = source.timestampExtractor({topic: input.topic, partition: input.partition, offset: input.offset, key, value, timestamp: input.timestamp}, this.streamTime)
    // Kafka drops a record whose extracted timestamp is negative (LogAndSkipOnInvalidTimestamp is not the default: it fails); we fail too.
    if (!Number.isFinite(timestamp) || timestamp < 0) throw new StreamsError(`topic ${input.topic} partition ${input.partition} offset ${input.offset}: the timestamp extractor gave ${timestamp}`)
    if (timestamp > this.streamTime) this.streamTime = timestamp
    this.current = {metadata: {topic: input.topic, partition: input.partition, offset: input.offset}, timestamp, headers: input.headers}
    this.forwardFrom(source.name, new Record(key, value, timestamp, input.headers))
    this.punctuate('STREAM_TIME', this.streamTime)
  }

  /** Wall-clock punctuators due at `now`. */
  wallClockAdvanced(now: number): void {
    this.punctuate('WALL_CLOCK_TIME', now)
  }

  currentStreamTime(): number {
    return this.streamTime
  }

  /** A task taking over from a commit starts at the stream time it recorded (Kafka's initializeTaskTime). */
  initStreamTime(t: number): void {
    if (t > this.streamTime) this.streamTime = t
  }

  /** A task taking over from a commit gets the processor metadata it recorded, before init() so processors read it there (Kafka's initializeMetadata). */
  initProcessorMetadata(m: {readonly [key: string]: number}): void {
    for (const [k, v] of Object.entries(m)) this.processorMetadata.set(k, v)
  }

  /** What a commit records of the processors' metadata now. */
  processorMetadataSnapshot(): {[key: string]: number} {
    return Object.fromEntries(this.processorMetadata)
  }

  /** Caching stores log and forward each changed key's latest value: the first step of a commit. */
  flushCaches(): void {
    const saved = this.current
    this.current = {metadata: null, timestamp: this.streamTime, headers: new Headers()}
    try {
      for (const s of this.stores.values()) (s as {flushCache?: () => void}).flushCache?.()
    } finally {
      this.current = saved
    }
  }

  /** Persistent stores write what they hold to disk: called once the input offsets that cover it are committed. */
  flushStores(): void {
    for (const s of this.stores.values()) s.flush()
  }

  /** Writes since the last flushStores are dropped: the records behind them are processed again from the committed offsets. */
  close(): void {
    for (const p of this.processors.values()) p.close?.()
    for (const s of this.stores.values()) s.close()
  }

  private punctuate(type: PunctuationType, now: number): void {
    for (const s of this.schedules) {
      if (s.cancelled || s.type !== type || now < s.next) continue
      // Missed intervals are not made up: one call, then the next boundary after now (Kafka's PunctuationSchedule.next).
      const saved = this.current
      this.current = {metadata: null, timestamp: now, headers: new Headers()}
      try {
        s.punctuator(now)
      } finally {
        this.current = saved
      }
      s.next += s.interval
      if (now >= s.next) s.next += s.interval * (Math.floor((now - s.next) / s.interval) + 1)
    }
  }

  private forwardFrom(node: string, record: Record<unknown, unknown>, childName?: string): void {
    const children = this.children.get(node) ?? []
    if (childName !== undefined && !children.includes(childName)) throw new StreamsError(`${node} has no child ${childName}`, {hint: `its children: ${children.join(', ') || 'none'}`})
    // The record context follows the record forwarded, as Kafka's forward sets it and puts it back after: a store the
    // children write takes its timestamp and headers (a cached write keeps them for the flush).
    const saved = this.current
    if (record.timestamp() === saved.timestamp && record.headers() === saved.headers) return this.forwardTo(children, record, childName)
    this.current = {metadata: saved.metadata, timestamp: record.timestamp(), headers: record.headers()}
    try {
      this.forwardTo(children, record, childName)
    } finally {
      this.current = saved
    }
  }

  private forwardTo(children: readonly string[], record: Record<unknown, unknown>, childName: string | undefined): void {
    if (childName !== undefined) return this.forwardToChild(childName, record)
    for (let i = 0; i < children.length; i++) this.forwardToChild(children[i], record)
  }

  private forwardToChild(name: string, record: Record<unknown, unknown>): void {
    const n = this.topology.nodes.get(name)!
    if (n.kind === 'sink') this.sink(n, record)
    else this.processors.get(name)!.process(record)
  }

  private sink(n: SinkNode, record: Record<unknown, unknown>): void {
    const topic = typeof n.topic === 'string' ? this.config.topicName(n.topic) : n.topic(record.key(), record.value(), {topic: this.current.metadata?.topic ?? null, partition: this.current.metadata?.partition ?? null, offset: this.current.metadata?.offset ?? null})
    const keySerde = n.keySerde ?? this.config.defaultKeySerde
    const valueSerde = n.valueSerde ?? this.config.defaultValueSerde
    let key: Buffer | null
    let value: Buffer | null
    try {
      key = keySerde.serialize(topic, record.key())
      value = valueSerde.serialize(topic, record.value())
    } catch (error) {
      if (error instanceof StreamsError) throw error
      throw new StreamsError(`sink ${n.name}: the serde for topic ${topic} could not write the record (${(error as Error).message})`, {hint: 'set the serdes with Produced.with(keySerde, valueSerde), or default.key.serde/default.value.serde', cause: error})
    }
    let partition: number | undefined
    if (n.partitioner) {
      const count = this.config.partitionsOf?.(topic)
      if (count !== undefined) partition = n.partitioner(topic, record.key(), record.value(), count)
    }
    this.collector.send({topic, partition, key, value, timestamp: record.timestamp(), headers: record.headers()})
  }

  private contextFor(node: string, storeNames: string[]): ProcessorContext {
    const task = this
    return {
      forward(record, childName) {
        task.forwardFrom(node, record as Record<unknown, unknown>, childName)
      },
      schedule(intervalMs, type, punctuator): Cancellable {
        if (!Number.isFinite(intervalMs) || intervalMs < 1) throw new StreamsError(`${node}: a punctuation interval must be at least 1 ms, not ${intervalMs}`)
        if (type !== 'STREAM_TIME' && type !== 'WALL_CLOCK_TIME') throw new StreamsError(`${node}: ${String(type)} is not a PunctuationType`)
        const s: Schedule = {type, interval: intervalMs, next: type === 'WALL_CLOCK_TIME' ? task.config.wallClock() + intervalMs : 0, punctuator, node, cancelled: false}
        task.schedules.push(s)
        return {cancel: () => (s.cancelled = true)}
      },
      commit() {
        task.commitRequested = true
      },
      getStateStore<S extends StateStore>(name: string): S {
        if (task.topology.globalStores.has(name) && !storeNames.includes(name)) {
          const global = task.config.globalStores?.get(name)
          if (!global) throw new StreamsError(`global store ${name} is not available here`, {hint: 'global tables run in the TopologyTestDriver; KafkaStreams does not fill global stores yet'})
          return global as S
        }
        if (!storeNames.includes(name)) throw new StreamsError(`processor ${node} has no access to state store ${name}`, {hint: 'connect it: addStateStore(builder, processorName) or connectProcessorAndStateStores'})
        return task.stores.get(name) as S
      },
      recordMetadata: () => task.current.metadata,
      currentStreamTimeMs: () => task.streamTime,
      currentSystemTimeMs: () => task.config.wallClock(),
      applicationId: () => task.config.applicationId,
      taskId: () => task.id,
      processorMetadataForKey: (key) => task.processorMetadata.get(key) ?? null,
      addProcessorMetadataKeyValue: (key, value) => {
        task.processorMetadata.set(key, value)
      },
    }
  }
}
