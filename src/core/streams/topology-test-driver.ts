/**
 * Kafka's TopologyTestDriver (kafka-streams-test-utils) for logpipe:
 * a topology run in memory, one task per sub-topology on partition 0, no
 * files and no threads. Records piped into an input topic are processed at
 * once; what sinks write is kept per topic for output topics to read, and
 * records written to a topic the topology reads (a repartition topic, or
 * any source topic) are processed next, until none are left, as Kafka's
 * driver does. Wall-clock time moves only when told (advanceWallClockTime).
 */
import {Headers, type Header} from './record.js'
import type {Serde} from './serdes.js'
import type {KeyValue} from './key-value.js'
import type {KeyValueStore} from './state/key-value-store.js'
import type {StateStore} from './state/state-store.js'
import {streamsSettings, type StreamsProperties} from './streams-config.js'
import {StreamsError} from './streams-error.js'
import {type RawRecord, StreamTask} from './task.js'
import type {Topology} from './topology.js'

export interface TestRecord<K, V> {
  key: K | null
  value: V | null
  timestamp: number
  headers: Header[]
}

export class TopologyTestDriver {
  private readonly tasks: StreamTask[] = []
  private readonly output = new Map<string, RawRecord[]>()
  private readonly offsets = new Map<string, number>()
  private readonly pending: RawRecord[] = []
  private readonly internal: Set<string>
  private wallClock: number
  private processing = false
  private closed = false
  readonly applicationId: string

  constructor(topology: Topology, props: StreamsProperties = {}, initialWallClockTimeMs = Date.now()) {
    const settings = streamsSettings(props, {applicationId: 'dummy-topology-test-driver-app-id'})
    this.applicationId = settings.applicationId
    this.wallClock = initialWallClockTimeMs
    this.internal = new Set([...topology.internalTopics].map((t) => `${settings.applicationId}-${t}`))
    const topicName = (t: string) => (topology.internalTopics.has(t) ? `${settings.applicationId}-${t}` : t)
    // Global stores are filled by their own task and read by every other: that task starts first.
    const globalStores = new Map<string, StateStore>()
    for (const [i, members] of topology.subtopologies().entries()) {
      const task = new StreamTask(`${i}_0`, topology, members, {
        applicationId: settings.applicationId,
        defaultKeySerde: settings.defaultKeySerde,
        defaultValueSerde: settings.defaultValueSerde,
        topicName,
        partitionsOf: () => 1,
        wallClock: () => this.wallClock,
        globalStores,
      }, {
        send: (r) => {
          const rec: RawRecord = {topic: r.topic, partition: 0, offset: this.nextOffset(r.topic), key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers.copy()}
          let list = this.output.get(r.topic)
          if (!list) this.output.set(r.topic, (list = []))
          list.push(rec)
          if (this.tasks.some((t) => t.reads(r.topic))) this.pending.push(rec)
        },
      })
      this.tasks.push(task)
    }
    const groups = topology.subtopologies()
    const globalTasks = this.tasks.filter((_t, i) => topology.isGlobal(groups[i]))
    for (const t of globalTasks) {
      t.init()
      for (const [n, st] of t.stores) globalStores.set(n, st)
    }
    for (const t of this.tasks) if (!globalTasks.includes(t)) t.init()
  }

  createInputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>, startTimestampMs = this.wallClock, autoAdvanceMs = 0): TestInputTopic<K, V> {
    if (!this.tasks.some((t) => t.reads(topic))) throw new StreamsError(`the topology reads no topic ${topic}`, {hint: `it reads ${this.tasks.flatMap((t) => t.sourceTopics()).join(', ') || 'nothing'}`})
    return new TestInputTopic(this, topic, keySerde, valueSerde, startTimestampMs, autoAdvanceMs)
  }

  createOutputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestOutputTopic<K, V> {
    return new TestOutputTopic(this, topic, keySerde, valueSerde)
  }

  /** @internal */
  pipe(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers: Headers): void {
    this.checkOpen()
    this.pending.push({topic, partition: 0, offset: this.nextOffset(`in:${topic}`), key, value, timestamp, headers})
    this.drain()
  }

  /** @internal */
  take(topic: string): RawRecord | undefined {
    return this.output.get(topic)?.shift()
  }

  /** @internal */
  queued(topic: string): number {
    return this.output.get(topic)?.length ?? 0
  }

  advanceWallClockTime(ms: number): void {
    this.checkOpen()
    if (!Number.isFinite(ms) || ms < 0) throw new StreamsError(`advanceWallClockTime: ${ms} is not a non-negative number of ms`)
    this.wallClock += ms
    for (const t of this.tasks) {
      t.wallClockAdvanced(this.wallClock)
      t.flushCaches()
    }
    this.drain()
  }

  getStateStore<S extends StateStore = StateStore>(name: string): S | null {
    for (const t of this.tasks) {
      const s = t.stores.get(name)
      if (s) return s as S
    }
    return null
  }

  getKeyValueStore<K, V>(name: string): KeyValueStore<K, V> | null {
    return this.getStateStore<KeyValueStore<K, V>>(name)
  }

  getAllStateStores(): Map<string, StateStore> {
    const all = new Map<string, StateStore>()
    for (const t of this.tasks) for (const [n, s] of t.stores) all.set(n, s)
    return all
  }

  /** Topics the app owns, with their full names (`<application.id>-...-repartition`). */
  producedTopicNames(): string[] {
    return [...this.output.keys()]
  }

  isInternalTopic(topic: string): boolean {
    return this.internal.has(topic)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    for (const t of this.tasks) t.close()
  }

  private drain(): void {
    // A record piped from inside a punctuator or processor waits for the loop already running.
    if (this.processing) return
    this.processing = true
    try {
      for (let r = this.pending.shift(); r !== undefined; r = this.pending.shift()) {
        for (const t of this.tasks) {
          if (!t.reads(r.topic)) continue
          t.process(r)
          // Kafka's driver commits after every record: what a store logs at commit (a suppression buffer) is logged now.
          t.flushCaches()
        }
      }
    } finally {
      this.processing = false
    }
  }

  private nextOffset(key: string): number {
    const n = this.offsets.get(key) ?? 0
    this.offsets.set(key, n + 1)
    return n
  }

  private checkOpen(): void {
    if (this.closed) throw new StreamsError('this TopologyTestDriver is closed')
  }
}

export class TestInputTopic<K, V> {
  private nextTimestamp: number

  /** @internal */
  constructor(
    private readonly driver: TopologyTestDriver,
    readonly topic: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    startTimestampMs: number,
    private readonly autoAdvanceMs: number,
  ) {
    this.nextTimestamp = startTimestampMs
  }

  /** pipeInput(value), pipeInput(key, value), pipeInput(key, value, timestampMs). */
  pipeInput(...args: [V] | [K | null, V | null] | [K | null, V | null, number]): void {
    if (args.length === 1) return this.pipeRecord({key: null, value: args[0], timestamp: undefined, headers: []})
    this.pipeRecord({key: args[0], value: args[1], timestamp: args[2], headers: []})
  }

  pipeRecord(record: {key: K | null; value: V | null; timestamp?: number; headers?: Header[]}): void {
    let timestamp = record.timestamp
    if (timestamp === undefined) {
      timestamp = this.nextTimestamp
      this.nextTimestamp += this.autoAdvanceMs
    }
    this.driver.pipe(this.topic, this.keySerde.serialize(this.topic, record.key), this.valueSerde.serialize(this.topic, record.value), timestamp, new Headers(record.headers ?? []))
  }

  pipeValueList(values: Iterable<V>): void {
    for (const v of values) this.pipeInput(v)
  }

  pipeKeyValueList(pairs: Iterable<KeyValue<K, V>>): void {
    for (const p of pairs) this.pipeInput(p.key, p.value)
  }

  pipeRecordList(records: Iterable<{key: K | null; value: V | null; timestamp?: number; headers?: Header[]}>): void {
    for (const r of records) this.pipeRecord(r)
  }

  advanceTime(ms: number): void {
    this.nextTimestamp += ms
  }
}

export class TestOutputTopic<K, V> {
  /** @internal */
  constructor(
    private readonly driver: TopologyTestDriver,
    readonly topic: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {}

  readRecord(): TestRecord<K, V> {
    const r = this.driver.take(this.topic)
    if (!r) throw new StreamsError(`output topic ${this.topic} is empty`, {hint: 'check isEmpty() first'})
    return {key: this.keySerde.deserialize(this.topic, r.key), value: this.valueSerde.deserialize(this.topic, r.value), timestamp: r.timestamp, headers: r.headers.toArray()}
  }

  readValue(): V | null {
    return this.readRecord().value
  }

  readKeyValue(): KeyValue<K | null, V | null> {
    const r = this.readRecord()
    return {key: r.key, value: r.value}
  }

  readRecordsToList(): Array<TestRecord<K, V>> {
    const out: Array<TestRecord<K, V>> = []
    while (!this.isEmpty()) out.push(this.readRecord())
    return out
  }

  readValuesToList(): Array<V | null> {
    return this.readRecordsToList().map((r) => r.value)
  }

  readKeyValuesToList(): Array<KeyValue<K | null, V | null>> {
    return this.readRecordsToList().map((r) => ({key: r.key, value: r.value}))
  }

  /** The latest value per key; a null value removes the key, as a table would. */
  readKeyValuesToMap(): Map<K, V> {
    const m = new Map<K, V>()
    for (const r of this.readRecordsToList()) {
      if (r.key === null) throw new StreamsError(`output topic ${this.topic} has a record with a null key: readKeyValuesToMap needs keys`)
      if (r.value === null) m.delete(r.key)
      else m.set(r.key, r.value)
    }
    return m
  }

  getQueueSize(): number {
    return this.driver.queued(this.topic)
  }

  isEmpty(): boolean {
    return this.getQueueSize() === 0
  }
}
