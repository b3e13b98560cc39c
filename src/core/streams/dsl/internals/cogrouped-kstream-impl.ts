/**
 * Kafka Streams' CogroupedKStream (KIP-150): several grouped streams of
 * one key type, each with its own aggregator, aggregated into one store
 * and one table, without a join between per-stream tables. Each stream
 * gets an aggregate processor (`COGROUPKSTREAM-AGGREGATE-n`, or
 * `<name>-cogroup-agg-<i>`) on the shared store, after its repartition
 * when its key may have changed (`<Grouped name or store name>-repartition`),
 * and their updates meet in `COGROUPKSTREAM-MERGE-n` (`<name>-cogroup-merge`),
 * the table's node: Kafka's names and order of counter use (store, the
 * repartitions, the aggregates, the merge). As in Kafka, `cogroup` adds to
 * this object and returns it; the streams must be co-partitioned, as they
 * share a store.
 */
import type {Serde} from '../../serdes.js'
import {SessionStoreBuilder} from '../../state/session-store.js'
import {TopologyError} from '../../streams-error.js'
import type {AggregateArgs, CogroupedKStream, DslContext, KGroupedStream, KTable, SessionWindowedCogroupedKStream, TimeWindowedCogroupedKStream} from '../interfaces.js'
import {Materialized, Named} from '../options.js'
import {defaultInnerWindowedSerde, SessionWindows, SlidingWindows, type TimeWindows, type Windowed, WindowedSerdes} from '../windows.js'
import {aggregateProcessor} from './kstream-aggregate.js'
import {sessionGetter, sessionWindowAggregateProcessor} from './kstream-session-window-aggregate.js'
import {slidingWindowAggregateProcessor} from './kstream-sliding-window-aggregate.js'
import {passThroughProcessor} from './kstream-stateless.js'
import {windowAggregateProcessor} from './kstream-window-aggregate.js'
import {addRepartition} from './repartition.js'
import type {ProcessorSupplier} from '../../processor.js'

const AGGREGATE = 'COGROUPKSTREAM-AGGREGATE-'
const MERGE = 'COGROUPKSTREAM-MERGE-'

type Aggregator = (key: unknown, value: unknown, aggregate: unknown) => unknown

/** What a cogroup needs of a KGroupedStreamImpl (its fields are public, read-only). */
interface GroupedSide {
  readonly builder: DslContext
  readonly nodeName: string
  readonly keySerde: Serde<unknown> | null
  readonly valueSerde: Serde<unknown> | null
  readonly repartitionName: string | null
  readonly repartitionRequired: boolean
}

export class CogroupedKStreamImpl<K, VOut> implements CogroupedKStream<K, VOut> {
  private readonly patterns = new Map<GroupedSide, Aggregator>()
  private readonly builder: DslContext
  private readonly keySerde: Serde<K> | null

  constructor(first: GroupedSide, aggregator: Aggregator) {
    this.builder = first.builder
    this.keySerde = first.keySerde as Serde<K> | null
    this.patterns.set(first, aggregator)
  }

  cogroup<VIn>(groupedStream: KGroupedStream<K, VIn>, aggregator: (key: K, value: VIn, aggregate: VOut) => VOut): CogroupedKStream<K, VOut> {
    const side = groupedStream as unknown as GroupedSide
    if (typeof aggregator !== 'function') throw new TopologyError('cogroup(): the aggregator must be a function (key, value, aggregate) => aggregate')
    if (side?.builder !== this.builder) throw new TopologyError('cogroup(): the grouped stream must come from the same StreamsBuilder')
    this.patterns.set(side, aggregator as Aggregator)
    return this
  }

  aggregate(initializer: () => VOut, ...args: AggregateArgs<K, VOut>): KTable<K, VOut> {
    const {named, materialized, storeName} = this.options(args)
    const aggs = this.aggregates(named, storeName, (aggregator) => aggregateProcessor(storeName, initializer, aggregator))
    this.builder.addStore(storeName, (materialized.keySerde ?? this.keySerde) as Serde<unknown> | null, materialized.valueSerde as Serde<unknown> | null, materialized as Materialized<unknown, unknown>, aggs[0])
    return this.merge(named, aggs, storeName, materialized.keySerde ?? this.keySerde, materialized.valueSerde, null)
  }

  windowedBy(windows: TimeWindows): TimeWindowedCogroupedKStream<K, VOut>
  windowedBy(windows: SlidingWindows): TimeWindowedCogroupedKStream<K, VOut>
  windowedBy(windows: SessionWindows): SessionWindowedCogroupedKStream<K, VOut>
  windowedBy(windows: TimeWindows | SlidingWindows | SessionWindows): TimeWindowedCogroupedKStream<K, VOut> | SessionWindowedCogroupedKStream<K, VOut> {
    if (windows instanceof SessionWindows) {
      const session: SessionWindowedCogroupedKStream<K, VOut> = {aggregate: (initializer, merger, ...args) => this.sessionAggregate(windows, initializer, merger as (k: unknown, a: unknown, b: unknown) => unknown, args)}
      return session
    }
    const timed: TimeWindowedCogroupedKStream<K, VOut> = {aggregate: (initializer, ...args) => this.windowedAggregate(windows, initializer, args)}
    return timed
  }

  private windowedAggregate(windows: TimeWindows | SlidingWindows, initializer: () => VOut, args: AggregateArgs<K, VOut>): KTable<Windowed<K>, VOut> {
    const {named, materialized, storeName} = this.options(args)
    const sliding = windows instanceof SlidingWindows
    const sizeMs = sliding ? windows.timeDifferenceMs() : windows.sizeMs
    // Kafka's default retentions: a time window and its grace; twice a sliding window's difference and the grace.
    const retentionMs = Math.max(materialized.retentionMs ?? 0, (sliding ? 2 * sizeMs : sizeMs) + windows.gracePeriodMs())
    const dropped = {count: 0}
    const supplier = (aggregator: Aggregator): ProcessorSupplier =>
      sliding ? slidingWindowAggregateProcessor(storeName, windows, initializer, aggregator, dropped) : windowAggregateProcessor(storeName, windows, initializer, aggregator, dropped)
    const aggs = this.aggregates(named, storeName, supplier)
    const keySerde = materialized.keySerde ?? this.keySerde
    this.builder.addStore(storeName, keySerde as Serde<unknown> | null, materialized.valueSerde as Serde<unknown> | null, materialized as Materialized<unknown, unknown>, aggs[0], {retentionMs, sizeMs})
    const windowedKeySerde = keySerde === null ? this.withDefaults(defaultInnerWindowedSerde<K>((k) => WindowedSerdes.timeWindowedSerdeFrom(k, sizeMs))) : WindowedSerdes.timeWindowedSerdeFrom(keySerde, sizeMs)
    return this.merge(named, aggs, storeName, windowedKeySerde, materialized.valueSerde, windows.gracePeriodMs()) as KTable<Windowed<K>, VOut>
  }

  private sessionAggregate(windows: SessionWindows, initializer: () => VOut, merger: (k: unknown, a: unknown, b: unknown) => unknown, args: AggregateArgs<K, VOut>): KTable<Windowed<K>, VOut> {
    const {named, materialized, storeName} = this.options(args)
    const retentionMs = Math.max(materialized.retentionMs ?? 0, windows.inactivityGap() + windows.gracePeriodMs())
    const dropped = {count: 0}
    const aggs = this.aggregates(named, storeName, (aggregator) => sessionWindowAggregateProcessor(storeName, windows, initializer, aggregator, merger, dropped))
    const keySerde = materialized.keySerde ?? this.keySerde
    const store = new SessionStoreBuilder(storeName, retentionMs, keySerde as Serde<unknown> | null, materialized.valueSerde as Serde<unknown> | null)
    if (materialized.loggingEnabled) store.withLoggingEnabled(materialized.logConfig)
    else store.withLoggingDisabled()
    this.builder.topology.addStateStore(store, aggs[0])
    for (const a of aggs.slice(1)) this.builder.topology.connectProcessorAndStateStores(a, storeName)
    const windowedKeySerde = keySerde === null ? this.withDefaults(defaultInnerWindowedSerde<K>((k) => WindowedSerdes.sessionWindowedSerdeFrom(k))) : WindowedSerdes.sessionWindowedSerdeFrom(keySerde)
    const mergeName = this.mergeNode(named, aggs)
    return this.builder.ktable<Windowed<K>, VOut>(mergeName, windowedKeySerde, materialized.valueSerde, storeName, sessionGetter(storeName), windows.inactivityGap() + windows.gracePeriodMs())
  }

  /** The repartitions, then one aggregate processor per stream; returns the processors' names, the first owning the store. */
  private aggregates(named: Named | undefined, storeName: string, supplier: (aggregator: Aggregator) => ProcessorSupplier): string[] {
    const parents = new Map<GroupedSide, string>()
    for (const side of this.patterns.keys()) {
      parents.set(side, side.repartitionRequired ? addRepartition(this.builder, {prefix: side.repartitionName ?? storeName, parent: side.nodeName, keySerde: side.keySerde, valueSerde: side.valueSerde, dropNullKeys: true}) : side.nodeName)
    }
    const names: string[] = []
    let i = 0
    for (const [side, aggregator] of this.patterns) {
      // Kafka's suffixWithOrElseGet uses a counter value even for a Named name (KAFKA-8526): the numbers after stay Kafka's.
      const generated = this.builder.newProcessorName(AGGREGATE)
      const name = named?.name ? `${named.name}-cogroup-agg-${i}` : generated
      i++
      this.builder.topology.addProcessor(name, supplier(aggregator), parents.get(side)!)
      names.push(name)
    }
    return names
  }

  private merge(named: Named | undefined, aggs: string[], storeName: string, keySerde: Serde<unknown> | null, valueSerde: Serde<unknown> | null, closeGraceMs: number | null): KTable<K, VOut> {
    for (const a of aggs.slice(1)) this.builder.topology.connectProcessorAndStateStores(a, storeName)
    const mergeName = this.mergeNode(named, aggs)
    return this.builder.ktable<K, VOut>(mergeName, keySerde as Serde<K> | null, valueSerde as Serde<VOut> | null, storeName, null, closeGraceMs)
  }

  private mergeNode(named: Named | undefined, aggs: string[]): string {
    const generated = this.builder.newProcessorName(MERGE)
    const name = named?.name ? `${named.name}-cogroup-merge` : generated
    this.builder.topology.addProcessor(name, passThroughProcessor(), ...aggs)
    return name
  }

  private withDefaults<S extends {setIfUnset(k: Serde<unknown>, v: Serde<unknown>): void}>(serde: S): S {
    this.builder.topology.serdesNeedingDefaults.add(serde)
    return serde
  }

  private options(args: AggregateArgs<K, VOut>) {
    if (this.patterns.size === 0) throw new TopologyError('cogroup: no grouped stream to aggregate')
    const named = args.find((a): a is Named => a instanceof Named)
    const materialized = (args.find((a) => a instanceof Materialized) as Materialized<K, VOut> | undefined) ?? Materialized.with<K, VOut>(null, null)
    const storeName = materialized.storeName ?? this.builder.newStoreName(AGGREGATE)
    return {named, materialized, storeName}
  }
}
