/**
 * The DSL's public types (Kafka's `kstream` package: KStream, KTable,
 * KGroupedStream), with their implementations in internals/. They refer
 * to each other (groupBy gives a KGroupedStream, count a KTable, toStream a
 * KStream), so they live in one file, and the implementations make each
 * other through the builder (DslContext) rather than by importing each
 * other.
 */
import type {ProcessorSupplier} from '../processor.js'
import type {Serde} from '../serdes.js'
import type {Topology} from '../topology.js'
import type {TopicNameExtractor} from '../topology-node.js'
import type {ValueMapper} from './internals/kstream-stateless.js'
import type {ValueGetterSupplier} from './internals/ktable-value-getter.js'
import type {EmitStrategy} from './emit-strategy.js'
import type {JoinWindows} from './join-windows.js'
import type {Grouped, Joined, KeyValue, Materialized, Named, Produced, Repartitioned, StreamJoined, TableJoined} from './options.js'
import type {Suppressed} from './suppressed.js'
import type {SessionWindows, SlidingWindows, TimeWindows, Windowed} from './windows.js'

export type {Predicate, ValueMapper} from './internals/kstream-stateless.js'

/** What a key-value mapper may return: KeyValue.pair(k, v), {key, value} or [k, v]. */
export type Pairish<K, V> = KeyValue<K, V> | {key: K; value: V} | [K, V]

export interface KStream<K, V> {
  readonly nodeName: string
  readonly keySerde: Serde<K> | null
  readonly valueSerde: Serde<V> | null
  filter(predicate: (key: K, value: V) => boolean, named?: Named): KStream<K, V>
  filterNot(predicate: (key: K, value: V) => boolean, named?: Named): KStream<K, V>
  map<K2, V2>(mapper: (key: K, value: V) => Pairish<K2, V2>, named?: Named): KStream<K2, V2>
  mapValues<V2>(mapper: ValueMapper<K, V, V2>, named?: Named): KStream<K, V2>
  selectKey<K2>(mapper: (key: K, value: V) => K2, named?: Named): KStream<K2, V>
  flatMap<K2, V2>(mapper: (key: K, value: V) => Iterable<Pairish<K2, V2>>, named?: Named): KStream<K2, V2>
  flatMapValues<V2>(mapper: ValueMapper<K, V, Iterable<V2>>, named?: Named): KStream<K, V2>
  peek(action: (key: K, value: V) => void, named?: Named): KStream<K, V>
  foreach(action: (key: K, value: V) => void, named?: Named): void
  merge(other: KStream<K, V>, named?: Named): KStream<K, V>
  process<K2, V2>(supplier: ProcessorSupplier<K, V, K2, V2>, ...storeNamesOrNamed: Array<string | Named>): KStream<K2, V2>
  processValues<V2>(supplier: ProcessorSupplier<K, V, K, V2>, ...storeNamesOrNamed: Array<string | Named>): KStream<K, V2>
  to(topic: string | TopicNameExtractor<K, V>, produced?: Produced<K, V>): void
  groupByKey(grouped?: Grouped<K, V>): KGroupedStream<K, V>
  groupBy<K2>(selector: (key: K, value: V) => K2, grouped?: Grouped<K2, V>): KGroupedStream<K2, V>
  toTable(...namedOrMaterialized: Array<Named | Materialized<K, V>>): KTable<K, V>
  /**
   * Joined with a table on the key (the table looked up as it is; the
   * joiner gets (streamValue, tableValue), or with the key when it declares
   * three parameters), or with another stream within JoinWindows.
   */
  join<VT, VR>(table: KTable<K, VT>, joiner: ValueJoiner<K, V, VT, VR>, joined?: Joined<K, V, VT>): KStream<K, VR>
  join<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<K, V, VO, VR>, windows: JoinWindows, streamJoined?: StreamJoined<K, V, VO>): KStream<K, VR>
  /** Joined with a global table: the key selector gives each record the table key to look up. */
  join<GK, GV, VR>(table: GlobalKTable<GK, GV>, keySelector: (key: K, value: V) => GK, joiner: ValueJoiner<K, V, GV, VR>, named?: Named): KStream<K, VR>
  leftJoin<VT, VR>(table: KTable<K, VT>, joiner: ValueJoiner<K, V, VT | null, VR>, joined?: Joined<K, V, VT>): KStream<K, VR>
  leftJoin<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<K, V, VO | null, VR>, windows: JoinWindows, streamJoined?: StreamJoined<K, V, VO>): KStream<K, VR>
  leftJoin<GK, GV, VR>(table: GlobalKTable<GK, GV>, keySelector: (key: K, value: V) => GK, joiner: ValueJoiner<K, V, GV | null, VR>, named?: Named): KStream<K, VR>
  /** Both sides' records without a partner in the window are emitted with a null for it once the window closes. */
  outerJoin<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<K, V | null, VO | null, VR>, windows: JoinWindows, streamJoined?: StreamJoined<K, V, VO>): KStream<K, VR>
  /** Each record to the first branch whose predicate it matches (Kafka's split/BranchedKStream). */
  split(named?: Named): BranchedKStream<K, V>
  /** Through `<application.id>-<name>-repartition`, partitioned by the key (or the Repartitioned's partitioner). */
  repartition(repartitioned?: Repartitioned<K, V>): KStream<K, V>
}

/** What a Branched (branched.ts) gives a branch: its name, and what to do with it. */
export interface BranchSpec<K, V> {
  readonly name: string | null
  readonly chainFunction: ((branch: KStream<K, V>) => KStream<K, V> | null | undefined) | null
  readonly chainConsumer: ((branch: KStream<K, V>) => void) | null
}

export interface BranchedKStream<K, V> {
  branch(predicate: (key: K, value: V) => boolean, branched?: BranchSpec<K, V>): BranchedKStream<K, V>
  defaultBranch(branched?: BranchSpec<K, V>): Map<string, KStream<K, V>>
  noDefaultBranch(): Map<string, KStream<K, V>>
}

/** A table every task has all of (builder.globalTable): joined from a stream through a key selector. */
export interface GlobalKTable<K, V> {
  readonly keySerde: Serde<K> | null
  readonly valueSerde: Serde<V> | null
  queryableStoreName(): string
}

/** Kafka's ValueJoiner, or ValueJoinerWithKey (key last here, so (v1, v2) => ... ports as it is). */
export type ValueJoiner<K, V1, V2, VR> = ((value1: V1, value2: V2) => VR) | ((value1: V1, value2: V2, key: K) => VR)

export interface KTable<K, V> {
  readonly nodeName: string
  readonly keySerde: Serde<K> | null
  readonly valueSerde: Serde<V> | null
  queryableStoreName(): string | null
  /** With Materialized.as(name) the filtered or mapped table gets a store of its own (queryable, and what joins read). */
  filter(predicate: (key: K, value: V) => boolean, ...namedOrMaterialized: Array<Named | Materialized<K, V>>): KTable<K, V>
  filterNot(predicate: (key: K, value: V) => boolean, ...namedOrMaterialized: Array<Named | Materialized<K, V>>): KTable<K, V>
  mapValues<V2>(mapper: ValueMapper<K, V, V2>, ...namedOrMaterialized: Array<Named | Materialized<K, V2>>): KTable<K, V2>
  toStream<K2 = K>(...namedOrKeyMapper: Array<Named | ((key: K, value: V) => K2)>): KStream<K2, V>
  /** Joined with another table on the key: an ever-updating table of the joiner's results (a null result deletes). */
  join<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<K, V, VO, VR>, ...namedOrMaterialized: Array<Named | Materialized<K, VR>>): KTable<K, VR>
  leftJoin<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<K, V, VO | null, VR>, ...namedOrMaterialized: Array<Named | Materialized<K, VR>>): KTable<K, VR>
  /** A foreign-key join (KIP-213): each row's foreignKeyExtractor(value) (or (key, value)) names the other table's row it joins; TableJoined (KIP-775) names it and sets the tables' partitioners. */
  join<KO, VO, VR>(other: KTable<KO, VO>, foreignKeyExtractor: ((value: V) => KO | null) | ((key: K, value: V) => KO | null), joiner: ValueJoiner<K, V, VO, VR>, ...namedOrMaterialized: Array<Named | TableJoined<K, KO> | Materialized<K, VR>>): KTable<K, VR>
  leftJoin<KO, VO, VR>(other: KTable<KO, VO>, foreignKeyExtractor: ((value: V) => KO | null) | ((key: K, value: V) => KO | null), joiner: ValueJoiner<K, V, VO | null, VR>, ...namedOrMaterialized: Array<Named | TableJoined<K, KO> | Materialized<K, VR>>): KTable<K, VR>
  outerJoin<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<K, V | null, VO | null, VR>, ...namedOrMaterialized: Array<Named | Materialized<K, VR>>): KTable<K, VR>
  /** Holds updates back: a windowed table's final results (untilWindowCloses), or each key's latest value for a time (untilTimeLimit). */
  suppress(suppressed: Suppressed): KTable<K, V>
  /** Re-keys each row (the selector returns KeyValue.pair(newKey, newValue)) for count/reduce/aggregate with a subtractor. */
  groupBy<K2, V2>(selector: (key: K, value: V) => Pairish<K2, V2>, grouped?: Grouped<K2, V2>): KGroupedTable<K2, V2>
}

/** A re-keyed table: each update subtracts the row's old value from its old group and adds the new one to its new group. */
export interface KGroupedTable<K, V> {
  count(...args: AggregateArgs<K, number>): KTable<K, number>
  reduce(adder: (aggregate: V, value: V) => V, subtractor: (aggregate: V, value: V) => V, ...args: AggregateArgs<K, V>): KTable<K, V>
  aggregate<VA>(initializer: () => VA, adder: (key: K, value: V, aggregate: VA) => VA, subtractor: (key: K, value: V, aggregate: VA) => VA, ...args: AggregateArgs<K, VA>): KTable<K, VA>
}

export type AggregateArgs<K, VA> = Array<Named | Materialized<K, VA>>

export interface KGroupedStream<K, V> {
  windowedBy(windows: TimeWindows): TimeWindowedKStream<K, V>
  windowedBy(windows: SlidingWindows): TimeWindowedKStream<K, V>
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>
  count(...args: AggregateArgs<K, number>): KTable<K, number>
  reduce(reducer: (aggregate: V, value: V) => V, ...args: AggregateArgs<K, V>): KTable<K, V>
  aggregate<VA>(initializer: () => VA, aggregator: (key: K, value: V, aggregate: VA) => VA, ...args: AggregateArgs<K, VA>): KTable<K, VA>
  /** Starts a cogroup (KIP-150): this stream's records go into one aggregate with the other streams cogrouped after it. */
  cogroup<VOut>(aggregator: (key: K, value: V, aggregate: VOut) => VOut): CogroupedKStream<K, VOut>
}

/** Several grouped streams aggregated into one table, each with its own aggregator (Kafka's CogroupedKStream). */
export interface CogroupedKStream<K, VOut> {
  /** Adds a stream (of any value type) with its aggregator; returns this cogroup, as Kafka's does. */
  cogroup<VIn>(groupedStream: KGroupedStream<K, VIn>, aggregator: (key: K, value: VIn, aggregate: VOut) => VOut): CogroupedKStream<K, VOut>
  aggregate(initializer: () => VOut, ...args: AggregateArgs<K, VOut>): KTable<K, VOut>
  windowedBy(windows: TimeWindows): TimeWindowedCogroupedKStream<K, VOut>
  windowedBy(windows: SlidingWindows): TimeWindowedCogroupedKStream<K, VOut>
  windowedBy(windows: SessionWindows): SessionWindowedCogroupedKStream<K, VOut>
}

export interface TimeWindowedCogroupedKStream<K, VOut> {
  aggregate(initializer: () => VOut, ...args: AggregateArgs<K, VOut>): KTable<Windowed<K>, VOut>
}

export interface SessionWindowedCogroupedKStream<K, VOut> {
  aggregate(initializer: () => VOut, merger: (key: K, aggregate1: VOut, aggregate2: VOut) => VOut, ...args: AggregateArgs<K, VOut>): KTable<Windowed<K>, VOut>
}

/** A grouped stream cut into time windows: each aggregate is per key and window. */
export interface TimeWindowedKStream<K, V> {
  /** EmitStrategy.onWindowClose(): each window's final result only, once it closes (KIP-825). */
  emitStrategy(strategy: EmitStrategy): TimeWindowedKStream<K, V>
  count(...args: AggregateArgs<K, number>): KTable<Windowed<K>, number>
  reduce(reducer: (aggregate: V, value: V) => V, ...args: AggregateArgs<K, V>): KTable<Windowed<K>, V>
  aggregate<VA>(initializer: () => VA, aggregator: (key: K, value: V, aggregate: VA) => VA, ...args: AggregateArgs<K, VA>): KTable<Windowed<K>, VA>
}

/** A grouped stream cut into sessions: each aggregate is per key and session; merging sessions merges their aggregates. */
export interface SessionWindowedKStream<K, V> {
  count(...args: AggregateArgs<K, number>): KTable<Windowed<K>, number>
  reduce(reducer: (aggregate: V, value: V) => V, ...args: AggregateArgs<K, V>): KTable<Windowed<K>, V>
  aggregate<VA>(initializer: () => VA, aggregator: (key: K, value: V, aggregate: VA) => VA, merger: (key: K, aggregate1: VA, aggregate2: VA) => VA, ...args: AggregateArgs<K, VA>): KTable<Windowed<K>, VA>
}

/** What the implementations need of the builder. */
export interface DslContext {
  readonly topology: Topology
  newProcessorName(prefix: string): string
  newStoreName(prefix: string): string
  addStore(name: string, keySerde: Serde<unknown> | null, valueSerde: Serde<unknown> | null, materialized: Materialized<unknown, unknown>, processorName: string, window?: {retentionMs: number; sizeMs: number}): void
  kstream<K, V>(nodeName: string, keySerde: Serde<K> | null, valueSerde: Serde<V> | null, repartitionRequired: boolean): KStream<K, V>
  ktable<K, V>(nodeName: string, keySerde: Serde<K> | null, valueSerde: Serde<V> | null, storeName: string | null, getter?: ValueGetterSupplier | null, closeGraceMs?: number | null): KTable<K, V>
  kgroupedStream<K, V>(nodeName: string, keySerde: Serde<K> | null, valueSerde: Serde<V> | null, repartitionName: string | null, repartitionRequired: boolean): KGroupedStream<K, V>
}
