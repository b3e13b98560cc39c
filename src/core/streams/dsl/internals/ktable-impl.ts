/**
 * Kafka Streams' KTable: a changelog stream read as a table. Its
 * processors forward Changes (internals/change.ts); toStream gives each
 * update as a record, a delete as a null value. Each table knows how to
 * read its current value for a key (ktable-value-getter.ts), which is what
 * a table-table join looks up.
 */
import type {ProcessorSupplier} from '../../processor.js'
import type {Serde} from '../../serdes.js'
import {Serdes} from '../../serdes.js'
import {Stores} from '../../state/stores.js'
import {SuppressionBufferBuilder} from '../../state/suppression-buffer.js'
import {TopologyError} from '../../streams-error.js'
import {Suppressed} from '../suppressed.js'
import {suppressProcessor} from './ktable-suppress.js'
import type {DslContext, KGroupedTable, KStream, KTable, Pairish, ValueJoiner} from '../interfaces.js'
import {Grouped, Materialized, Named, TableJoined} from '../options.js'
import {KGroupedTableImpl, tableRepartitionMapProcessor} from './kgrouped-table-impl.js'
import {type ValueMapper, valueMapper} from './kstream-stateless.js'
import {fkResultProcessor, fkTopicSerde, type FkSerdes, foreignTableJoinProcessor, responseJoinProcessor, subscriptionReceiveProcessor, subscriptionSendProcessor, toLeftPartition} from './ktable-fk-join.js'
import {tableJoinGetter, tableJoinMergeProcessor, tableJoinProcessor, type TableJoinKind} from './ktable-ktable-join.js'
import {materializingProcessor, tableFilterProcessor, tableMapValuesProcessor, tableToStreamProcessor} from './ktable-processors.js'
import {derivedGetter, type ValueGetterSupplier} from './ktable-value-getter.js'

export class KTableImpl<K, V> implements KTable<K, V> {
  constructor(
    readonly builder: DslContext,
    readonly nodeName: string,
    readonly keySerde: Serde<K> | null,
    readonly valueSerde: Serde<V> | null,
    /** The store that holds the table; null for a table that is not materialized. */
    private readonly storeName: string | null,
    /** How to read the table's value for a key. @internal */
    readonly valueGetter: ValueGetterSupplier | null,
    /** A windowed aggregation's table: how long after a window's end it closes (what untilWindowCloses waits for). */
    private readonly closeGraceMs: number | null = null,
  ) {}

  /** Kafka's names: KTABLE-SUPPRESS-n and its buffer KTABLE-SUPPRESS-STATE-STORE-n, or `<name>` and `<name>-store`. */
  suppress(suppressed: Suppressed): KTable<K, V> {
    if (!(suppressed instanceof Suppressed)) throw new TopologyError('suppress() takes Suppressed.untilWindowCloses(...) or Suppressed.untilTimeLimit(...)')
    if (suppressed.finalResults && this.closeGraceMs === null) throw new TopologyError('suppress(untilWindowCloses) needs a windowed table: the result of windowedBy(...).count/reduce/aggregate')
    const b = this.builder
    const name = suppressed.name ?? b.newProcessorName('KTABLE-SUPPRESS-')
    const storeName = suppressed.name === null ? b.newStoreName('KTABLE-SUPPRESS-') : `${suppressed.name}-store`
    b.topology.addProcessor(name, suppressProcessor(storeName, suppressed, suppressed.finalResults ? this.closeGraceMs! : suppressed.timeLimitMs), this.nodeName)
    b.topology.addStateStore(new SuppressionBufferBuilder(storeName, this.keySerde, this.valueSerde), name)
    return b.ktable<K, V>(name, this.keySerde, this.valueSerde, null, null)
  }

  queryableStoreName(): string | null {
    return this.storeName
  }

  filter(predicate: (key: K, value: V) => boolean, ...args: Array<Named | Materialized<K, V>>): KTable<K, V> {
    return this.add('KTABLE-FILTER-', args, tableFilterProcessor(predicate as (k: unknown, v: unknown) => boolean, false), this.valueSerde, (k, v) => (predicate(k as K, v as V) ? v : null))
  }

  filterNot(predicate: (key: K, value: V) => boolean, ...args: Array<Named | Materialized<K, V>>): KTable<K, V> {
    return this.add('KTABLE-FILTER-', args, tableFilterProcessor(predicate as (k: unknown, v: unknown) => boolean, true), this.valueSerde, (k, v) => (predicate(k as K, v as V) ? null : v))
  }

  mapValues<V2>(mapper: ValueMapper<K, V, V2>, ...args: Array<Named | Materialized<K, V2>>): KTable<K, V2> {
    const f = valueMapper(mapper) as (k: unknown, v: unknown) => unknown
    return this.add<V2>('KTABLE-MAPVALUES-', args, tableMapValuesProcessor(f), null, f)
  }

  toStream<K2 = K>(...args: Array<Named | ((key: K, value: V) => K2)>): KStream<K2, V> {
    const named = args.find((a): a is Named => a instanceof Named)
    const mapper = args.find((a) => typeof a === 'function') as ((key: K, value: V) => K2) | undefined
    const name = named?.name ?? this.builder.newProcessorName('KTABLE-TOSTREAM-')
    this.builder.topology.addProcessor(name, tableToStreamProcessor((mapper ?? null) as ((k: unknown, v: unknown) => unknown) | null), this.nodeName)
    return this.builder.kstream<K2, V>(name, mapper ? null : (this.keySerde as Serde<K2> | null), this.valueSerde, mapper !== undefined)
  }

  // The typed overloads are KTable's (interfaces.ts): a function third argument makes it a foreign-key join.
  join(other: KTable<any, any>, joinerOrExtractor: (...a: any[]) => any, ...rest: any[]): KTable<K, any> {
    if (typeof rest[0] === 'function') return this.joinForeignKey(other, joinerOrExtractor, rest[0], rest.slice(1), false)
    return this.joinTable(other, joinerOrExtractor as never, rest, 'inner')
  }

  leftJoin(other: KTable<any, any>, joinerOrExtractor: (...a: any[]) => any, ...rest: any[]): KTable<K, any> {
    if (typeof rest[0] === 'function') return this.joinForeignKey(other, joinerOrExtractor, rest[0], rest.slice(1), true)
    return this.joinTable(other, joinerOrExtractor as never, rest, 'left')
  }

  /**
   * KIP-213, with the topic, store and processor names of Kafka's
   * doJoinOnForeignKey in its order of counter use (it also names a
   * subscription-join processor that is part of the receiving one here,
   * and a left row without a foreign key is answered through a sink of
   * its own, `<response topic>-no-foreign-key-sink`).
   */
  private joinForeignKey(other: KTable<any, any>, extractor: (...a: any[]) => unknown, joiner: (...a: any[]) => unknown, args: Array<Named | TableJoined<unknown, unknown> | Materialized<K, unknown>>, leftJoin: boolean): KTable<K, unknown> {
    if (!(other instanceof KTableImpl) || other.builder !== this.builder) throw new TopologyError('join(): both tables must come from the same StreamsBuilder')
    const named = args.find((a): a is Named => a instanceof Named)
    const tableJoined = args.find((a): a is TableJoined<unknown, unknown> => a instanceof TableJoined)
    const materialized = (args.find((a) => a instanceof Materialized) as Materialized<K, unknown> | undefined) ?? Materialized.with<K, unknown>(null, null)
    const b = this.builder
    const n = tableJoined?.name ?? named?.name ?? null
    const gen = (suffix: string, prefix: string) => (n === null ? b.newProcessorName(prefix) : `${n}${suffix}`)
    const registrationTopic = `${gen('-subscription-registration', 'KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-')}-topic`
    const send = gen('-subscription-registration-processor', 'KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-')
    const registrationSink = gen('-subscription-registration-sink', 'KSTREAM-SINK-')
    const registrationSource = gen('-subscription-registration-source', 'KSTREAM-SOURCE-')
    const subscriptionStore = gen('-subscription-store', 'KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-')
    const receive = gen('-subscription-receive', 'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-')
    gen('-subscription-join-foreign', 'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-')
    const foreignJoin = gen('-foreign-join-subscription', 'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-')
    const responseTopic = `${gen('-subscription-response', 'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-')}-topic`
    const responseSink = gen('-subscription-response-sink', 'KSTREAM-SINK-')
    const responseSource = gen('-subscription-response-source', 'KSTREAM-SOURCE-')
    const resolver = gen('-subscription-response-resolver', 'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-')
    const result = gen('-result', 'KTABLE-FK-JOIN-OUTPUT-')
    const resultStore = materialized.storeName ?? b.newStoreName('KTABLE-FK-JOIN-OUTPUT-')
    const noFkSink = `${responseTopic}-no-foreign-key-sink`

    const serdes: FkSerdes = {leftKey: this.keySerde as Serde<unknown> | null, leftValue: this.valueSerde as Serde<unknown> | null, rightKey: other.keySerde as Serde<unknown> | null, rightValue: other.valueSerde as Serde<unknown> | null}
    const topicSerde = fkTopicSerde(serdes) as Serde<unknown>
    const mine = this.getterOrThrow()
    const theirs = (other as KTableImpl<unknown, unknown>).getterOrThrow()
    const fk = extractor.length >= 2 ? (k: unknown, v: unknown) => extractor(k, v) : (_k: unknown, v: unknown) => extractor(v)
    const f = joiner.length >= 3 ? (l: unknown, r: unknown, k: unknown) => joiner(l, r, k) : (l: unknown, r: unknown) => joiner(l, r)
    const t = b.topology
    const lKey = (this.keySerde ?? undefined) as Serde<unknown> | undefined
    const rKey = (other.keySerde ?? undefined) as Serde<unknown> | undefined
    t.addProcessor(send, subscriptionSendProcessor(serdes, fk, noFkSink, registrationSink, leftJoin), this.nodeName)
    // TableJoined's partitioners see the key only (Kafka passes a null value), as the tables' own topics are partitioned by it.
    const otherPartitioner = tableJoined?.otherPartitioner
    const partitioner = tableJoined?.partitioner
    const registrationPartitioner = otherPartitioner ? (topic: string, key: unknown, _v: unknown, count: number) => otherPartitioner(topic, key, null, count) : undefined
    const responsePartitioner = partitioner ? (topic: string, key: unknown, _v: unknown, count: number) => partitioner(topic, key, null, count) : toLeftPartition
    t.addSink(registrationSink, registrationTopic, {keySerializer: rKey, valueSerializer: topicSerde, partitioner: registrationPartitioner}, send)
    t.addSink(noFkSink, responseTopic, {keySerializer: lKey, valueSerializer: topicSerde, partitioner: responsePartitioner}, send)
    t.addSource(registrationSource, registrationTopic, {keyDeserializer: rKey, valueDeserializer: topicSerde})
    t.addProcessor(receive, subscriptionReceiveProcessor(serdes, subscriptionStore, theirs), registrationSource)
    t.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(subscriptionStore), Serdes.String(), Serdes.String()), receive)
    if (theirs.storeNames.length > 0) t.connectProcessorAndStateStores(receive, ...theirs.storeNames)
    t.addProcessor(foreignJoin, foreignTableJoinProcessor(serdes, subscriptionStore), other.nodeName)
    t.connectProcessorAndStateStores(foreignJoin, subscriptionStore)
    t.addSink(responseSink, responseTopic, {keySerializer: lKey, valueSerializer: topicSerde, partitioner: responsePartitioner}, receive, foreignJoin)
    t.addSource(responseSource, responseTopic, {keyDeserializer: lKey, valueDeserializer: topicSerde})
    t.addProcessor(resolver, responseJoinProcessor(serdes, mine, f, leftJoin), responseSource)
    if (mine.storeNames.length > 0) t.connectProcessorAndStateStores(resolver, ...mine.storeNames)
    t.addProcessor(result, fkResultProcessor(resultStore), resolver)
    t.internalTopics.add(registrationTopic)
    t.internalTopics.add(responseTopic)
    const keySerde = materialized.keySerde ?? this.keySerde
    b.addStore(resultStore, keySerde as Serde<unknown> | null, materialized.valueSerde as Serde<unknown> | null, materialized as Materialized<unknown, unknown>, result)
    return b.ktable<K, unknown>(result, keySerde, materialized.valueSerde, resultStore)
  }

  outerJoin<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<K, V | null, VO | null, VR>, ...args: Array<Named | Materialized<K, VR>>): KTable<K, VR> {
    return this.joinTable(other, joiner as never, args, 'outer')
  }

  /** Kafka's KTableImpl.doJoin: names (KTABLE-MERGE-n, then KTABLE-JOINTHIS-n, KTABLE-JOINOTHER-n) in its order of counter use. */
  private joinTable<VO, VR>(other: KTable<K, VO>, joiner: (l: unknown, r: unknown, k?: unknown) => unknown, args: Array<Named | Materialized<K, VR>>, kind: TableJoinKind): KTable<K, VR> {
    if (!(other instanceof KTableImpl) || other.builder !== this.builder) throw new TopologyError('join(): both tables must come from the same StreamsBuilder')
    if (typeof joiner !== 'function') throw new TopologyError('join(): the joiner must be a function (value1, value2) => result')
    const named = args.find((a): a is Named => a instanceof Named)
    const materialized = args.find((a) => a instanceof Materialized) as Materialized<K, VR> | undefined
    const b = this.builder
    const storeName = materialized ? (materialized.storeName ?? b.newStoreName('KTABLE-MERGE-')) : null
    const merge = named?.name ?? b.newProcessorName('KTABLE-MERGE-')
    const joinThis = named?.name ? `${named.name}-join-this` : b.newProcessorName('KTABLE-JOINTHIS-')
    const joinOther = named?.name ? `${named.name}-join-other` : b.newProcessorName('KTABLE-JOINOTHER-')
    const mine = this.getterOrThrow()
    const theirs = (other as KTableImpl<K, VO>).getterOrThrow()
    const f = joiner.length >= 3 ? (joiner as (l: unknown, r: unknown, k: unknown) => unknown) : (l: unknown, r: unknown) => joiner(l, r)
    const t = b.topology
    t.addProcessor(joinThis, tableJoinProcessor(theirs, f, true, kind), this.nodeName)
    t.addProcessor(joinOther, tableJoinProcessor(mine, f, false, kind), other.nodeName)
    t.addProcessor(merge, tableJoinMergeProcessor(storeName), joinThis, joinOther)
    if (theirs.storeNames.length > 0) t.connectProcessorAndStateStores(joinThis, ...theirs.storeNames)
    if (mine.storeNames.length > 0) t.connectProcessorAndStateStores(joinOther, ...mine.storeNames)
    const keySerde = materialized?.keySerde ?? this.keySerde
    const valueSerde = materialized?.valueSerde ?? null
    if (storeName !== null) b.addStore(storeName, keySerde as Serde<unknown> | null, valueSerde as Serde<unknown> | null, materialized as Materialized<unknown, unknown>, merge)
    return b.ktable<K, VR>(merge, keySerde, valueSerde, storeName, storeName === null ? tableJoinGetter(mine, theirs, f, kind) : null)
  }

  groupBy<K2, V2>(selector: (key: K, value: V) => Pairish<K2, V2>, grouped: Grouped<K2, V2> = Grouped.with<K2, V2>(null, null)): KGroupedTable<K2, V2> {
    const name = grouped.name ?? this.builder.newProcessorName('KTABLE-SELECT-')
    this.builder.topology.addProcessor(name, tableRepartitionMapProcessor(selector as (k: unknown, v: unknown) => unknown), this.nodeName)
    return new KGroupedTableImpl<K2, V2>(this.builder, name, grouped.keySerde, grouped.valueSerde, grouped.name)
  }

  /** @internal */
  getterOrThrow(): ValueGetterSupplier {
    if (this.valueGetter === null) throw new TopologyError(`table ${this.nodeName} cannot be looked up`, {hint: 'materialize it: Materialized.as(name)'})
    return this.valueGetter
  }

  /** Kafka's order of counter use: a Materialized's generated store name, then the processor's. */
  private add<V2>(prefix: string, args: Array<Named | Materialized<any, any>>, supplier: ProcessorSupplier, valueSerde: Serde<V2> | null, derive: (k: unknown, v: unknown) => unknown): KTable<K, V2> {
    const named = args.find((a): a is Named => a instanceof Named)
    const materialized = args.find((a) => a instanceof Materialized) as Materialized<K, V2> | undefined
    const storeName = materialized ? (materialized.storeName ?? this.builder.newStoreName(prefix)) : null
    const name = named?.name ?? this.builder.newProcessorName(prefix)
    this.builder.topology.addProcessor(name, storeName === null ? supplier : materializingProcessor(supplier, storeName), this.nodeName)
    if (storeName === null) return this.builder.ktable<K, V2>(name, this.keySerde, valueSerde, null, this.valueGetter === null ? null : derivedGetter(this.valueGetter, derive))
    const keySerde = materialized!.keySerde ?? this.keySerde
    const vSerde = materialized!.valueSerde ?? valueSerde
    this.builder.addStore(storeName, keySerde as Serde<unknown> | null, vSerde as Serde<unknown> | null, materialized as Materialized<unknown, unknown>, name)
    return this.builder.ktable<K, V2>(name, keySerde, vSerde, storeName)
  }
}
