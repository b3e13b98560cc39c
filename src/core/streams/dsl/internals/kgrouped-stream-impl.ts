/**
 * Kafka Streams' KGroupedStream: count, reduce, aggregate into a KTable
 * whose store is `Materialized`'s name or `KSTREAM-AGGREGATE-STATE-STORE-n`.
 * A stream whose key may have changed is first repartitioned through
 * `<Grouped name or store name>-repartition`, with the node names and
 * counter use of Kafka's (sink, null-key filter, source), so topology
 * descriptions and internal topic names match the Java app's.
 */
import type {Serde} from '../../serdes.js'
import {Serdes} from '../../serdes.js'
import type {AggregateArgs, DslContext, KGroupedStream, KTable, TimeWindowedKStream} from '../interfaces.js'
import {Materialized, Named} from '../options.js'
import {type TimeWindows, type Windowed, WindowedSerdes} from '../windows.js'
import {aggregateProcessor} from './kstream-aggregate.js'
import {windowAggregateProcessor} from './kstream-window-aggregate.js'
import {addRepartition} from './repartition.js'

export class KGroupedStreamImpl<K, V> implements KGroupedStream<K, V> {
  constructor(
    readonly builder: DslContext,
    readonly nodeName: string,
    readonly keySerde: Serde<K> | null,
    readonly valueSerde: Serde<V> | null,
    readonly repartitionName: string | null,
    readonly repartitionRequired: boolean,
  ) {}

  windowedBy(windows: TimeWindows): TimeWindowedKStream<K, V> {
    return new TimeWindowedKStreamImpl(this, windows)
  }

  count(...args: AggregateArgs<K, number>): KTable<K, number> {
    return this.aggregateWith('count', args, Serdes.Long() as Serde<number>, () => 0, (_k, _v, agg) => (agg as number) + 1)
  }

  reduce(reducer: (aggregate: V, value: V) => V, ...args: AggregateArgs<K, V>): KTable<K, V> {
    return this.aggregateWith('reduce', args, this.valueSerde, null, (_k, v, agg) => reducer(agg as V, v as V))
  }

  aggregate<VA>(initializer: () => VA, aggregator: (key: K, value: V, aggregate: VA) => VA, ...args: AggregateArgs<K, VA>): KTable<K, VA> {
    return this.aggregateWith('aggregate', args, null, initializer, aggregator as (k: unknown, v: unknown, a: unknown) => unknown)
  }

  private aggregateWith<VA>(_op: string, args: AggregateArgs<K, VA>, defaultValueSerde: Serde<VA> | null, initializer: (() => unknown) | null, aggregator: (k: unknown, v: unknown, agg: unknown) => unknown): KTable<K, VA> {
    const a = this.aggregationNodes(args, defaultValueSerde)
    this.builder.topology.addProcessor(a.name, aggregateProcessor(a.storeName, initializer, aggregator), a.parent)
    this.builder.addStore(a.storeName, a.keySerde as Serde<unknown> | null, a.valueSerde as Serde<unknown> | null, a.materialized as Materialized<unknown, unknown>, a.name)
    return this.builder.ktable<K, VA>(a.name, a.keySerde, a.valueSerde, a.storeName)
  }

  /** The windowed form of aggregateWith (TimeWindowedKStreamImpl's). @internal */
  windowedAggregate<VA>(windows: TimeWindows, args: AggregateArgs<K, VA>, defaultValueSerde: Serde<VA> | null, initializer: (() => unknown) | null, aggregator: (k: unknown, v: unknown, agg: unknown) => unknown): KTable<Windowed<K>, VA> {
    const a = this.aggregationNodes(args, defaultValueSerde)
    // Kafka's default retention: the window and its grace; a longer one keeps closed windows queryable.
    const retentionMs = Math.max(a.materialized.retentionMs ?? 0, windows.sizeMs + windows.gracePeriodMs())
    this.builder.topology.addProcessor(a.name, windowAggregateProcessor(a.storeName, windows, initializer, aggregator, this.dropped), a.parent)
    this.builder.addStore(a.storeName, a.keySerde as Serde<unknown> | null, a.valueSerde as Serde<unknown> | null, a.materialized as Materialized<unknown, unknown>, a.name, {retentionMs, sizeMs: windows.sizeMs})
    const windowedKeySerde = a.keySerde === null ? null : WindowedSerdes.timeWindowedSerdeFrom(a.keySerde, windows.sizeMs)
    return this.builder.ktable<Windowed<K>, VA>(a.name, windowedKeySerde, a.valueSerde, a.storeName)
  }

  /**
   * The names and serdes of an aggregation, with Kafka's order of counter
   * use: the store's name, then the processor's, then the repartition's
   * three (whose source is the aggregation's parent).
   */
  private aggregationNodes<VA>(args: AggregateArgs<K, VA>, defaultValueSerde: Serde<VA> | null) {
    const named = args.find((a): a is Named => a instanceof Named)
    const materialized = (args.find((a) => a instanceof Materialized) as Materialized<K, VA> | undefined) ?? Materialized.with<K, VA>(null, null)
    const storeName = materialized.storeName ?? this.builder.newStoreName('KSTREAM-AGGREGATE-')
    const keySerde = materialized.keySerde ?? this.keySerde
    const valueSerde = materialized.valueSerde ?? defaultValueSerde
    const name = named?.name ?? this.builder.newProcessorName('KSTREAM-AGGREGATE-')
    const parent = this.repartitionRequired ? this.repartition(this.repartitionName ?? storeName) : this.nodeName
    return {materialized, storeName, keySerde, valueSerde, name, parent}
  }

  /** Records dropped because their window had closed (Kafka's dropped-records metric). */
  readonly dropped = {count: 0}

  private repartition(prefix: string): string {
    return addRepartition(this.builder, {prefix, parent: this.nodeName, keySerde: this.keySerde as Serde<unknown> | null, valueSerde: this.valueSerde as Serde<unknown> | null, dropNullKeys: true})
  }
}

class TimeWindowedKStreamImpl<K, V> implements TimeWindowedKStream<K, V> {
  constructor(private readonly grouped: KGroupedStreamImpl<K, V>, private readonly windows: TimeWindows) {}

  count(...args: AggregateArgs<K, number>): KTable<Windowed<K>, number> {
    return this.grouped.windowedAggregate(this.windows, args, Serdes.Long() as Serde<number>, () => 0, (_k, _v, agg) => (agg as number) + 1)
  }

  reduce(reducer: (aggregate: V, value: V) => V, ...args: AggregateArgs<K, V>): KTable<Windowed<K>, V> {
    return this.grouped.windowedAggregate(this.windows, args, this.grouped.valueSerde, null, (_k, v, agg) => reducer(agg as V, v as V))
  }

  aggregate<VA>(initializer: () => VA, aggregator: (key: K, value: V, aggregate: VA) => VA, ...args: AggregateArgs<K, VA>): KTable<Windowed<K>, VA> {
    return this.grouped.windowedAggregate(this.windows, args, null, initializer, aggregator as (k: unknown, v: unknown, a: unknown) => unknown)
  }
}
