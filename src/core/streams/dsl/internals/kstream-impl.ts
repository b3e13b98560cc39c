/**
 * Kafka Streams' KStream: a record stream. Every operation adds a node to
 * the builder's topology and returns a new KStream (or KGroupedStream,
 * KTable) over it. An operation that may change the key (map, flatMap,
 * selectKey, groupBy) marks the stream for repartitioning, so a later
 * aggregation first sends its records through `<name>-repartition`, where
 * equal keys meet in one partition (kgrouped-stream.ts).
 */
import type {ProcessorSupplier} from '../../processor.js'
import type {Serde} from '../../serdes.js'
import {TopologyError} from '../../streams-error.js'
import type {TopicNameExtractor} from '../../topology-node.js'
import type {BranchedKStream, DslContext, GlobalKTable, KGroupedStream, KStream, KTable, Pairish, ValueJoiner} from '../interfaces.js'
import {JoinWindows} from '../join-windows.js'
import {Grouped, Joined, Materialized, Named, Produced, Repartitioned, StreamJoined} from '../options.js'
import {joinStreams} from './kstream-kstream-join-builder.js'
import {BranchedKStreamImpl} from './branched-kstream-impl.js'
import {GlobalKTableImpl} from './global-ktable-impl.js'
import {KTableImpl} from './ktable-impl.js'
import {streamGlobalTableJoinProcessor} from './kstream-global-ktable-join.js'
import {addRepartition} from './repartition.js'
import {streamTableJoinProcessor} from './kstream-ktable-join.js'
import {nullKeyFilterProcessor, tableSourceProcessor} from './ktable-processors.js'
import {
  filterProcessor,
  flatMapProcessor,
  flatMapValuesProcessor,
  mapProcessor,
  mapValuesProcessor,
  passThroughProcessor,
  peekProcessor,
  type Predicate,
  selectKeyProcessor,
  type ValueMapper,
  valueMapper,
} from './kstream-stateless.js'

export class KStreamImpl<K, V> implements KStream<K, V> {
  constructor(
    readonly builder: DslContext,
    readonly nodeName: string,
    readonly keySerde: Serde<K> | null,
    readonly valueSerde: Serde<V> | null,
    readonly repartitionRequired: boolean,
  ) {}

  private add<K2, V2>(prefix: string, named: Named | undefined, supplier: ProcessorSupplier, keySerde: Serde<K2> | null, valueSerde: Serde<V2> | null, repartition: boolean): KStream<K2, V2> {
    const name = named?.name ?? this.builder.newProcessorName(prefix)
    this.builder.topology.addProcessor(name, supplier, this.nodeName)
    return this.builder.kstream<K2, V2>(name, keySerde, valueSerde, repartition)
  }

  filter(predicate: Predicate<K, V>, named?: Named): KStream<K, V> {
    return this.add('KSTREAM-FILTER-', named, filterProcessor(predicate as Predicate<unknown, unknown>, false), this.keySerde, this.valueSerde, this.repartitionRequired)
  }

  filterNot(predicate: Predicate<K, V>, named?: Named): KStream<K, V> {
    return this.add('KSTREAM-FILTER-', named, filterProcessor(predicate as Predicate<unknown, unknown>, true), this.keySerde, this.valueSerde, this.repartitionRequired)
  }

  map<K2, V2>(mapper: (key: K, value: V) => Pairish<K2, V2>, named?: Named): KStream<K2, V2> {
    return this.add('KSTREAM-MAP-', named, mapProcessor(mapper as (k: unknown, v: unknown) => unknown), null, null, true)
  }

  mapValues<V2>(mapper: ValueMapper<K, V, V2>, named?: Named): KStream<K, V2> {
    const f = valueMapper(mapper)
    return this.add('KSTREAM-MAPVALUES-', named, mapValuesProcessor(f as (k: unknown, v: unknown) => unknown), this.keySerde, null, this.repartitionRequired)
  }

  selectKey<K2>(mapper: (key: K, value: V) => K2, named?: Named): KStream<K2, V> {
    return this.add('KSTREAM-KEY-SELECT-', named, selectKeyProcessor(mapper as (k: unknown, v: unknown) => unknown), null, this.valueSerde, true)
  }

  flatMap<K2, V2>(mapper: (key: K, value: V) => Iterable<Pairish<K2, V2>>, named?: Named): KStream<K2, V2> {
    return this.add('KSTREAM-FLATMAP-', named, flatMapProcessor(mapper as (k: unknown, v: unknown) => Iterable<unknown>), null, null, true)
  }

  flatMapValues<V2>(mapper: ValueMapper<K, V, Iterable<V2>>, named?: Named): KStream<K, V2> {
    const f = valueMapper(mapper)
    return this.add('KSTREAM-FLATMAPVALUES-', named, flatMapValuesProcessor(f as (k: unknown, v: unknown) => Iterable<unknown>), this.keySerde, null, this.repartitionRequired)
  }

  peek(action: (key: K, value: V) => void, named?: Named): KStream<K, V> {
    return this.add('KSTREAM-PEEK-', named, peekProcessor(action as (k: unknown, v: unknown) => void, true), this.keySerde, this.valueSerde, this.repartitionRequired)
  }

  foreach(action: (key: K, value: V) => void, named?: Named): void {
    this.add('KSTREAM-FOREACH-', named, peekProcessor(action as (k: unknown, v: unknown) => void, false), null, null, false)
  }

  merge(other: KStream<K, V>, named?: Named): KStream<K, V> {
    if (!(other instanceof KStreamImpl) || other.builder !== this.builder) throw new TopologyError('merge(): both streams must come from the same StreamsBuilder')
    const name = named?.name ?? this.builder.newProcessorName('KSTREAM-MERGE-')
    this.builder.topology.addProcessor(name, passThroughProcessor(), this.nodeName, other.nodeName)
    const same = <T>(a: T | null, b: T | null) => (a === b ? a : null)
    return this.builder.kstream<K, V>(name, same(this.keySerde, other.keySerde), same(this.valueSerde, other.valueSerde), this.repartitionRequired || other.repartitionRequired)
  }

  /** The Processor API inside the DSL: a processor of yours, with the stores it names connected. */
  process<K2, V2>(supplier: ProcessorSupplier<K, V, K2, V2>, ...rest: Array<string | Named>): KStream<K2, V2> {
    const named = rest.find((r): r is Named => r instanceof Named)
    const stores = rest.filter((r): r is string => typeof r === 'string')
    const out = this.add<K2, V2>('KSTREAM-PROCESSOR-', named, supplier as ProcessorSupplier, null, null, true)
    if (stores.length > 0) this.builder.topology.connectProcessorAndStateStores(out.nodeName, ...stores)
    return out
  }

  /** Each value goes through the ValueMapper-like processor of yours; the key stays. */
  processValues<V2>(supplier: ProcessorSupplier<K, V, K, V2>, ...rest: Array<string | Named>): KStream<K, V2> {
    const named = rest.find((r): r is Named => r instanceof Named)
    const stores = rest.filter((r): r is string => typeof r === 'string')
    const out = this.add<K, V2>('KSTREAM-PROCESSVALUES-', named, supplier as ProcessorSupplier, this.keySerde, null, this.repartitionRequired)
    if (stores.length > 0) this.builder.topology.connectProcessorAndStateStores(out.nodeName, ...stores)
    return out
  }

  to(topic: string | TopicNameExtractor<K, V>, produced: Produced<K, V> = Produced.with<K, V>(null, null)): void {
    const name = produced.name ?? this.builder.newProcessorName('KSTREAM-SINK-')
    this.builder.topology.addSink(name, topic as string, {
      keySerializer: (produced.keySerde ?? this.keySerde ?? undefined) as Serde<unknown> | undefined,
      valueSerializer: (produced.valueSerde ?? this.valueSerde ?? undefined) as Serde<unknown> | undefined,
      partitioner: (produced.partitioner ?? undefined) as never,
    }, this.nodeName)
  }

  groupByKey(grouped: Grouped<K, V> = Grouped.with<K, V>(null, null)): KGroupedStream<K, V> {
    return this.builder.kgroupedStream<K, V>(this.nodeName, grouped.keySerde ?? this.keySerde, grouped.valueSerde ?? this.valueSerde, grouped.name, this.repartitionRequired)
  }

  groupBy<K2>(selector: (key: K, value: V) => K2, grouped: Grouped<K2, V> = Grouped.with<K2, V>(null, null)): KGroupedStream<K2, V> {
    const name = grouped.name ?? this.builder.newProcessorName('KSTREAM-KEY-SELECT-')
    this.builder.topology.addProcessor(name, selectKeyProcessor(selector as (k: unknown, v: unknown) => unknown), this.nodeName)
    return this.builder.kgroupedStream<K2, V>(name, grouped.keySerde, grouped.valueSerde ?? this.valueSerde, grouped.name, true)
  }

  split(named?: Named): BranchedKStream<K, V> {
    return new BranchedKStreamImpl<K, V>(this.builder, this, this.repartitionRequired, named?.name ?? null)
  }

  repartition(repartitioned: Repartitioned<K, V> = Repartitioned.with<K, V>(null, null)): KStream<K, V> {
    const prefix = repartitioned.name ?? this.builder.newProcessorName('KSTREAM-REPARTITION-')
    const keySerde = repartitioned.keySerde ?? this.keySerde
    const valueSerde = repartitioned.valueSerde ?? this.valueSerde
    const source = addRepartition(this.builder, {prefix, parent: this.nodeName, keySerde: keySerde as Serde<unknown> | null, valueSerde: valueSerde as Serde<unknown> | null, dropNullKeys: false, partitioner: repartitioned.partitioner as never, numberOfPartitions: repartitioned.numberOfPartitions})
    return this.builder.kstream<K, V>(source, keySerde, valueSerde, false)
  }

  /** The stream as a table: each record updates its key (a null value deletes it). */
  toTable(...args: Array<Named | Materialized<K, V>>): KTable<K, V> {
    const named = args.find((a): a is Named => a instanceof Named)
    const materialized = (args.find((a) => a instanceof Materialized) as Materialized<K, V> | undefined) ?? Materialized.with<K, V>(null, null)
    const name = named?.name ?? this.builder.newProcessorName('KSTREAM-TOTABLE-')
    const storeName = materialized.storeName ?? this.builder.newStoreName('KSTREAM-TOTABLE-')
    const keySerde = materialized.keySerde ?? this.keySerde
    const valueSerde = materialized.valueSerde ?? this.valueSerde
    this.builder.topology.addProcessor(name, tableSourceProcessor(storeName), this.nodeName)
    this.builder.addStore(storeName, keySerde, valueSerde, materialized as Materialized<unknown, unknown>, name)
    return this.builder.ktable<K, V>(name, keySerde, valueSerde, storeName)
  }

  // The typed overloads are KStream's (interfaces.ts); this one body tells them apart by the other side's class.
  join(other: KTable<K, any> | KStream<K, any> | GlobalKTable<any, any>, joinerOrSelector: any, third?: any, fourth?: any): KStream<K, any> {
    if (other instanceof GlobalKTableImpl) return this.joinGlobal(other, joinerOrSelector, third, fourth, false)
    return this.joinAny(other as KTable<K, unknown>, joinerOrSelector, third, fourth, 'inner')
  }

  leftJoin(other: KTable<K, any> | KStream<K, any> | GlobalKTable<any, any>, joinerOrSelector: any, third?: any, fourth?: any): KStream<K, any> {
    if (other instanceof GlobalKTableImpl) return this.joinGlobal(other, joinerOrSelector, third, fourth, true)
    return this.joinAny(other as KTable<K, unknown>, joinerOrSelector, third, fourth, 'left')
  }

  /** Kafka's globalTableJoin: one processor, `KSTREAM-JOIN-n` or the Named name; the stream is not repartitioned. */
  private joinGlobal(table: GlobalKTableImpl<unknown, unknown>, keySelector: (k: K, v: V) => unknown, joiner: ValueJoiner<K, V, unknown, unknown>, named: Named | undefined, left: boolean): KStream<K, unknown> {
    if (typeof keySelector !== 'function' || typeof joiner !== 'function') throw new TopologyError('a global table join takes a key selector (key, value) => tableKey and a joiner')
    const name = named?.name ?? this.builder.newProcessorName('KSTREAM-JOIN-')
    const f = joiner.length >= 3 ? (joiner as (a: unknown, b: unknown, k: unknown) => unknown) : (a: unknown, b: unknown) => (joiner as (a: unknown, b: unknown) => unknown)(a, b)
    this.builder.topology.addProcessor(name, streamGlobalTableJoinProcessor(table.queryableStoreName(), keySelector as (k: unknown, v: unknown) => unknown, f, left), this.nodeName)
    return this.builder.kstream<K, unknown>(name, this.keySerde, null, this.repartitionRequired)
  }

  outerJoin<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<K, V | null, VO | null, VR>, windows: JoinWindows, streamJoined?: StreamJoined<K, V, VO>): KStream<K, VR> {
    return this.joinAny(other, joiner as ValueJoiner<K, V, VO | null, VR>, windows, streamJoined, 'outer')
  }

  private joinAny<VO, VR>(other: KTable<K, VO> | KStream<K, VO>, joiner: ValueJoiner<K, V, VO | null, VR>, third: JoinWindows | Joined<K, V, VO> | undefined, streamJoined: StreamJoined<K, V, VO> | undefined, kind: 'inner' | 'left' | 'outer'): KStream<K, VR> {
    if (typeof joiner !== 'function') throw new TopologyError('join(): the joiner must be a function (value1, value2) => result')
    if (other instanceof KStreamImpl) {
      if (!(third instanceof JoinWindows)) throw new TopologyError('a stream-stream join needs JoinWindows', {hint: 'stream.join(other, joiner, JoinWindows.ofTimeDifferenceWithNoGrace(ms))'})
      if (other.builder !== this.builder) throw new TopologyError('join(): both streams must come from the same StreamsBuilder')
      return joinStreams(this.builder, this, other as KStreamImpl<K, VO>, joiner as (a: unknown, b: unknown, k: unknown) => unknown, third, streamJoined ?? StreamJoined.with<K, V, VO>(null, null, null), kind) as KStream<K, VR>
    }
    if (kind === 'outer') throw new TopologyError('outerJoin() joins two streams; a stream and a table have join and leftJoin')
    if (third instanceof JoinWindows) throw new TopologyError('a stream-table join takes no JoinWindows: the table is looked up as it is')
    return this.joinTable(other as KTable<K, VO>, joiner, third ?? Joined.with<K, V, VO>(null, null, null), kind === 'left')
  }

  /** The stream's key may have changed: the join repartitions it through `<prefix>-repartition` first (Kafka's repartitionForJoin). @internal */
  repartitionedForJoin(prefix: string, keySerde: Serde<K> | null, valueSerde: Serde<V> | null): string {
    if (!this.repartitionRequired) return this.nodeName
    return addRepartition(this.builder, {prefix, parent: this.nodeName, keySerde: (keySerde ?? this.keySerde) as Serde<unknown> | null, valueSerde: (valueSerde ?? this.valueSerde) as Serde<unknown> | null, dropNullKeys: false})
  }

  private joinTable<VT, VR>(table: KTable<K, VT>, joiner: ValueJoiner<K, V, VT | null, VR>, joined: Joined<K, V, VT>, left: boolean): KStream<K, VR> {
    if (!(table instanceof KTableImpl)) throw new TopologyError('join(): the other side must be a KTable, a KStream (with JoinWindows) or a GlobalKTable of this builder')
    // The table is looked up through its value getter: its store, or a filtered/mapped table's parent's, as Kafka's.
    const getter = (table as KTableImpl<K, VT>).getterOrThrow()
    const name = joined.name ?? this.builder.newProcessorName('KSTREAM-JOIN-')
    // A stream whose key may have changed meets the table in the table's partitioning: repartition it first.
    const parent = this.repartitionRequired ? this.repartitionForJoin(joined.name ?? name, joined) : this.nodeName
    const f = joiner.length >= 3 ? (joiner as (a: unknown, b: unknown, k: unknown) => unknown) : (a: unknown, b: unknown) => (joiner as (a: unknown, b: unknown) => unknown)(a, b)
    this.builder.topology.addProcessor(name, streamTableJoinProcessor(getter, f, left), parent)
    this.builder.topology.connectProcessorAndStateStores(name, ...getter.storeNames)
    return this.builder.kstream<K, VR>(name, this.keySerde ?? joined.keySerde, null, false)
  }

  private repartitionForJoin(prefix: string, joined: Joined<K, V, unknown>): string {
    const topic = `${prefix}-repartition`
    const b = this.builder
    const t = b.topology
    const filter = `${topic}-filter`
    const sink = `${topic}-sink`
    const source = `${topic}-source`
    const keySerializer = (joined.keySerde ?? this.keySerde ?? undefined) as Serde<unknown> | undefined
    const valueSerializer = (joined.valueSerde ?? this.valueSerde ?? undefined) as Serde<unknown> | undefined
    t.addProcessor(filter, nullKeyFilterProcessor(), this.nodeName)
    t.addSink(sink, topic, {keySerializer, valueSerializer}, filter)
    t.addSource(source, topic, {keyDeserializer: keySerializer, valueDeserializer: valueSerializer})
    t.internalTopics.add(topic)
    return source
  }
}
