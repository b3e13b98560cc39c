/**
 * Kafka Streams' `Topology` (the Processor API): sources read topics,
 * processors get records from their parents and forward to their
 * children, sinks write topics; state stores are added and connected to
 * the processors that use them. The DSL (dsl/streams-builder.ts) builds one
 * of these too.
 *
 * Nodes that are connected, directly or through a store they share, form a
 * sub-topology; a record crosses from one to another only through a topic
 * (a repartition topic, for the DSL). A runtime makes one task per
 * sub-topology and input partition (task.ts).
 */
import type {ProcessorSupplier} from './processor.js'
import type {Serde} from './serdes.js'
import type {StateStore, StoreBuilder} from './state/state-store.js'
import {TopologyError} from './streams-error.js'
import {describeTopology, type TopologyDescription} from './topology-description.js'
import type {SinkNode, SourceNode, StreamPartitioner, TimestampExtractor, TopicNameExtractor, TopologyNode} from './topology-node.js'

export type {ProcessorNode, SinkNode, SourceNode, StreamPartitioner, TimestampExtractor, TopicNameExtractor, TopologyNode} from './topology-node.js'

export interface SourceOptions {
  keyDeserializer?: Serde<unknown>
  valueDeserializer?: Serde<unknown>
  timestampExtractor?: TimestampExtractor
}

export interface SinkOptions {
  keySerializer?: Serde<unknown>
  valueSerializer?: Serde<unknown>
  partitioner?: StreamPartitioner<unknown, unknown>
}

function isSerde(v: unknown): v is Serde<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as Serde<unknown>).serialize === 'function'
}

export class Topology {
  /** In the order added: children are forwarded to in this order. @internal */
  readonly nodes = new Map<string, TopologyNode>()
  /** @internal */
  readonly stores = new Map<string, StoreBuilder<StateStore>>()
  /** Topics the app owns (repartition topics): the runtime names them `<application.id>-<name>`. @internal */
  readonly internalTopics = new Set<string>()
  /** Partition counts the topology sets for internal topics (Repartitioned.numberOfPartitions); others get the runtime's. @internal */
  readonly internalTopicPartitions = new Map<string, number>()
  /** Serdes the DSL made over the app's defaults (a windowed key over the default key serde): every task sets them before it builds its stores. @internal */
  readonly serdesNeedingDefaults = new Set<{setIfUnset(defaultKey: Serde<unknown>, defaultValue: Serde<unknown>): void}>()
  /** Global stores: filled from all of their topic by their own processor, readable by every processor of every task. @internal */
  readonly globalStores = new Set<string>()

  /**
   * Kafka's addGlobalStore: a store filled from every partition of `topic`
   * by `processorName` (a source `sourceName` before it), and readable by
   * any processor without being connected to it. It has no changelog: the
   * topic is one.
   */
  addGlobalStore(storeBuilder: StoreBuilder<any>, sourceName: string, keyDeserializer: Serde<unknown> | null, valueDeserializer: Serde<unknown> | null, topic: string, processorName: string, stateUpdateSupplier: ProcessorSupplier<any, any, any, any>): this {
    storeBuilder.withLoggingDisabled()
    this.addSource(sourceName, {keyDeserializer: keyDeserializer ?? undefined, valueDeserializer: valueDeserializer ?? undefined}, topic)
    this.addProcessor(processorName, stateUpdateSupplier, sourceName)
    this.addStateStore(storeBuilder, processorName)
    this.globalStores.add(storeBuilder.name)
    return this
  }

  /**
   * addSource(name, ...topics), addSource(name, /pattern/), or with
   * deserializers first as Kafka's overloads have them:
   * addSource(name, keyDeserializer, valueDeserializer, ...topics), or an
   * options object: addSource(name, {timestampExtractor}, ...topics).
   */
  addSource(name: string, ...rest: Array<string | RegExp | Serde<unknown> | SourceOptions>): this {
    this.checkNewName(name)
    const options: SourceOptions = {}
    const serdes: Array<Serde<unknown>> = []
    const topics: string[] = []
    let pattern: RegExp | null = null
    for (const r of rest) {
      if (typeof r === 'string') topics.push(r)
      else if (r instanceof RegExp) pattern = r
      else if (isSerde(r)) serdes.push(r)
      else if (typeof r === 'object' && r !== null) Object.assign(options, r)
      else throw new TopologyError(`source ${name}: ${String(r)} is not a topic, pattern, deserializer or options`)
    }
    if (serdes.length === 1 || serdes.length > 2) throw new TopologyError(`source ${name}: give both a key and a value deserializer, or neither`)
    if (pattern !== null && topics.length > 0) throw new TopologyError(`source ${name}: topics or a pattern, not both`)
    if (pattern === null && topics.length === 0) throw new TopologyError(`source ${name} must have at least one topic or a pattern`)
    for (const t of topics) {
      for (const n of this.nodes.values()) {
        if (n.kind === 'source' && n.topics.includes(t)) throw new TopologyError(`topic ${t} is already read by source ${n.name}`, {hint: 'one source per topic: add more processors under that source'})
      }
    }
    this.nodes.set(name, {
      kind: 'source',
      name,
      topics,
      pattern,
      keySerde: serdes[0] ?? options.keyDeserializer ?? null,
      valueSerde: serdes[1] ?? options.valueDeserializer ?? null,
      timestampExtractor: options.timestampExtractor ?? null,
    })
    return this
  }

  addProcessor(name: string, supplier: ProcessorSupplier<any, any, any, any>, ...parentNames: string[]): this {
    this.checkNewName(name)
    if (typeof supplier !== 'function' && typeof (supplier as {get?: unknown})?.get !== 'function') throw new TopologyError(`processor ${name}: the supplier must be a function returning a Processor, or have get()`)
    this.checkParents(name, parentNames)
    this.nodes.set(name, {kind: 'processor', name, parents: parentNames, supplier: supplier as ProcessorSupplier, stores: []})
    return this
  }

  /**
   * addSink(name, topic, ...parents), addSink(name, topic, keySerializer,
   * valueSerializer, ...parents), or with an options object; `topic` may be
   * a TopicNameExtractor function.
   */
  addSink(name: string, topic: string | TopicNameExtractor<any, any>, ...rest: Array<string | Serde<unknown> | SinkOptions>): this {
    this.checkNewName(name)
    if (typeof topic !== 'string' && typeof topic !== 'function') throw new TopologyError(`sink ${name}: topic must be a name or a TopicNameExtractor`)
    const options: SinkOptions = {}
    const serdes: Array<Serde<unknown>> = []
    const parents: string[] = []
    for (const r of rest) {
      if (typeof r === 'string') parents.push(r)
      else if (isSerde(r)) serdes.push(r)
      else if (typeof r === 'object' && r !== null) Object.assign(options, r)
      else throw new TopologyError(`sink ${name}: ${String(r)} is not a parent name, serializer or options`)
    }
    if (serdes.length === 1 || serdes.length > 2) throw new TopologyError(`sink ${name}: give both a key and a value serializer, or neither`)
    this.checkParents(name, parents)
    this.nodes.set(name, {
      kind: 'sink',
      name,
      parents,
      topic: topic as SinkNode['topic'],
      keySerde: serdes[0] ?? options.keySerializer ?? null,
      valueSerde: serdes[1] ?? options.valueSerializer ?? null,
      partitioner: options.partitioner ?? null,
    })
    return this
  }

  addStateStore(storeBuilder: StoreBuilder<any>, ...processorNames: string[]): this {
    if (this.stores.has(storeBuilder.name)) throw new TopologyError(`state store ${storeBuilder.name} is already added`)
    this.stores.set(storeBuilder.name, storeBuilder)
    if (processorNames.length > 0) this.connectProcessorAndStateStores(processorNames[0], storeBuilder.name)
    for (const p of processorNames.slice(1)) this.connectProcessorAndStateStores(p, storeBuilder.name)
    return this
  }

  connectProcessorAndStateStores(processorName: string, ...storeNames: string[]): this {
    const node = this.nodes.get(processorName)
    if (!node) throw new TopologyError(`processor ${processorName} is not added yet`)
    if (node.kind !== 'processor') throw new TopologyError(`${processorName} is a ${node.kind}: only processors have state stores`)
    for (const s of storeNames) {
      if (!this.stores.has(s)) throw new TopologyError(`state store ${s} is not added yet`)
      if (!node.stores.includes(s)) node.stores.push(s)
    }
    return this
  }

  /** Whether a sub-topology (as subtopologies() gives it) is a global store's, which makes no tasks. @internal */
  isGlobal(members: string[]): boolean {
    return members.some((m) => {
      const n = this.nodes.get(m)
      return n?.kind === 'processor' && n.parents.length === 1 && n.stores.some((s) => this.globalStores.has(s)) && this.nodes.get(n.parents[0])?.kind === 'source'
    })
  }

  describe(): TopologyDescription {
    return describeTopology(this)
  }

  /** Children of each node, in the order they were added. @internal */
  children(name: string): string[] {
    const out: string[] = []
    for (const n of this.nodes.values()) if (n.kind !== 'source' && n.parents.includes(name)) out.push(n.name)
    return out
  }

  /**
   * The sub-topologies: node names per group, numbered as Kafka numbers
   * them (groups reached from the sources in name order first, then the
   * rest in the order added). @internal
   */
  subtopologies(): string[][] {
    const parent = new Map<string, string>()
    const find = (x: string): string => {
      let r = x
      while (parent.get(r) !== r) r = parent.get(r)!
      parent.set(x, r)
      return r
    }
    const union = (a: string, b: string) => parent.set(find(a), find(b))
    for (const n of this.nodes.keys()) parent.set(n, n)
    const byStore = new Map<string, string>()
    for (const n of this.nodes.values()) {
      if (n.kind === 'source') continue
      for (const p of n.parents) union(n.name, p)
      if (n.kind === 'processor') {
        for (const s of n.stores) {
          // A global store is shared by all tasks: reading it does not join its group.
          if (this.globalStores.has(s)) continue
          const other = byStore.get(s)
          if (other !== undefined) union(n.name, other)
          else byStore.set(s, n.name)
        }
      }
    }
    const order: string[] = []
    const sources = [...this.nodes.values()].filter((n) => n.kind === 'source').map((n) => n.name).sort()
    for (const name of [...sources, ...this.nodes.keys()]) {
      const root = find(name)
      if (!order.includes(root)) order.push(root)
    }
    return order.map((root) => [...this.nodes.keys()].filter((n) => find(n) === root))
  }

  private checkNewName(name: string): void {
    if (typeof name !== 'string' || name.length === 0) throw new TopologyError('a node needs a name')
    if (this.nodes.has(name)) throw new TopologyError(`a node named ${name} is already added`)
  }

  private checkParents(name: string, parents: string[]): void {
    if (parents.length === 0) throw new TopologyError(`${name} needs at least one parent`)
    for (const p of parents) {
      if (p === name) throw new TopologyError(`${name} cannot be its own parent`)
      const node = this.nodes.get(p)
      if (!node) throw new TopologyError(`parent ${p} of ${name} is not added yet`)
      if (node.kind === 'sink') throw new TopologyError(`sink ${p} cannot be a parent of ${name}`)
    }
  }
}
