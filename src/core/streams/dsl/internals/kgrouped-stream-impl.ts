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
import type {AggregateArgs, CogroupedKStream, DslContext, KGroupedStream, KTable, SessionWindowedKStream, TimeWindowedKStream} from '../interfaces.js'
import {Materialized, Named} from '../options.js'
import {defaultInnerWindowedSerde, SessionWindows, SlidingWindows, type TimeWindows, type Windowed, WindowedSerdes} from '../windows.js'
import {slidingWindowAggregateProcessor} from './kstream-sliding-window-aggregate.js'
import {SessionStoreBuilder} from '../../state/session-store.js'
import {sessionGetter, sessionWindowAggregateProcessor} from './kstream-session-window-aggregate.js'

const AGGREGATE = 'KSTREAM-AGGREGATE-'
const REDUCE = 'KSTREAM-REDUCE-'
import {aggregateProcessor} from './kstream-aggregate.js'
import {windowAggregateProcessor} from './kstream-window-aggregate.js'
import {addRepartition} from './repartition.js'
import {CogroupedKStreamImpl} from './cogrouped-kstream-impl.js'
import {emitOnWindowClose} from './window-close-emitter.js'
import type {EmitStrategy} from '../emit-strategy.js'

export class KGroupedStreamImpl<K, V> implements KGroupedStream<K, V> {
  constructor(
    readonly builder: DslContext,
    readonly nodeName: string,
    readonly keySerde: Serde<K> | null,
    readonly valueSerde: Serde<V> | null,
    readonly repartitionName: string | null,
    readonly repartitionRequired: boolean,
  ) {}

  windowedBy(windows: TimeWindows): TimeWindowedKStream<K, V>
  windowedBy(windows: SlidingWindows): TimeWindowedKStream<K, V>
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>
  windowedBy(windows: TimeWindows | SlidingWindows | SessionWindows): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    if (windows instanceof SessionWindows) return new SessionWindowedKStreamImpl(this, windows)
    return new TimeWindowedKStreamImpl(this, windows)
  }

  count(...args: AggregateArgs<K, number>): KTable<K, number> {
    return this.aggregateWith(AGGREGATE, args, Serdes.Long() as Serde<number>, () => 0, (_k, _v, agg) => (agg as number) + 1)
  }

  reduce(reducer: (aggregate: V, value: V) => V, ...args: AggregateArgs<K, V>): KTable<K, V> {
    return this.aggregateWith(REDUCE, args, this.valueSerde, null, (_k, v, agg) => reducer(agg as V, v as V))
  }

  aggregate<VA>(initializer: () => VA, aggregator: (key: K, value: V, aggregate: VA) => VA, ...args: AggregateArgs<K, VA>): KTable<K, VA> {
    return this.aggregateWith(AGGREGATE, args, null, initializer, aggregator as (k: unknown, v: unknown, a: unknown) => unknown)
  }

  cogroup<VOut>(aggregator: (key: K, value: V, aggregate: VOut) => VOut): CogroupedKStream<K, VOut> {
    return new CogroupedKStreamImpl<K, VOut>(this as never, aggregator as (k: unknown, v: unknown, a: unknown) => unknown)
  }

  private aggregateWith<VA>(prefix: string, args: AggregateArgs<K, VA>, defaultValueSerde: Serde<VA> | null, initializer: (() => unknown) | null, aggregator: (k: unknown, v: unknown, agg: unknown) => unknown): KTable<K, VA> {
    const a = this.aggregationNodes(args, defaultValueSerde, prefix)
    this.builder.topology.addProcessor(a.name, aggregateProcessor(a.storeName, initializer, aggregator), a.parent)
    this.builder.addStore(a.storeName, a.keySerde as Serde<unknown> | null, a.valueSerde as Serde<unknown> | null, a.materialized as Materialized<unknown, unknown>, a.name)
    return this.builder.ktable<K, VA>(a.name, a.keySerde, a.valueSerde, a.storeName)
  }

  /** The windowed form of aggregateWith (TimeWindowedKStreamImpl's). @internal */
  windowedAggregate<VA>(prefix: string, windows: TimeWindows | SlidingWindows, args: AggregateArgs<K, VA>, defaultValueSerde: Serde<VA> | null, initializer: (() => unknown) | null, aggregator: (k: unknown, v: unknown, agg: unknown) => unknown, emit: EmitStrategy | null = null): KTable<Windowed<K>, VA> {
    if (windows instanceof SlidingWindows) return this.slidingAggregate(prefix, windows, args, defaultValueSerde, initializer, aggregator, emit)
    const a = this.aggregationNodes(args, defaultValueSerde, prefix)
    // Kafka's default retention: the window and its grace; a longer one keeps closed windows queryable.
    const retentionMs = Math.max(a.materialized.retentionMs ?? 0, windows.sizeMs + windows.gracePeriodMs())
    let supplier = windowAggregateProcessor(a.storeName, windows, initializer, aggregator, this.dropped)
    // A window [start, start + size) is closed once its end is at or before stream time minus the grace.
    if (emit?.type() === 'ON_WINDOW_CLOSE') supplier = emitOnWindowClose(supplier, a.storeName, {sizeMs: windows.sizeMs, graceMs: windows.gracePeriodMs(), lastClosedStart: (close) => close - windows.sizeMs})
    this.builder.topology.addProcessor(a.name, supplier, a.parent)
    this.builder.addStore(a.storeName, a.keySerde as Serde<unknown> | null, a.valueSerde as Serde<unknown> | null, a.materialized as Materialized<unknown, unknown>, a.name, {retentionMs, sizeMs: windows.sizeMs})
    const windowedKeySerde = a.keySerde === null ? this.withDefaults(defaultInnerWindowedSerde<K>((k) => WindowedSerdes.timeWindowedSerdeFrom(k, windows.sizeMs))) : WindowedSerdes.timeWindowedSerdeFrom(a.keySerde, windows.sizeMs)
    return this.builder.ktable<Windowed<K>, VA>(a.name, windowedKeySerde, a.valueSerde, a.storeName, null, windows.gracePeriodMs())
  }

  /**
   * The names and serdes of an aggregation, with Kafka's order of counter
   * use: the store's name, then the processor's, then the repartition's
   * three (whose source is the aggregation's parent).
   */
  private slidingAggregate<VA>(prefix: string, windows: SlidingWindows, args: AggregateArgs<K, VA>, defaultValueSerde: Serde<VA> | null, initializer: (() => unknown) | null, aggregator: (k: unknown, v: unknown, agg: unknown) => unknown, emit: EmitStrategy | null): KTable<Windowed<K>, VA> {
    const a = this.aggregationNodes(args, defaultValueSerde, prefix)
    const d = windows.timeDifferenceMs()
    // Kafka's default retention for sliding windows: twice the difference and the grace.
    const retentionMs = Math.max(a.materialized.retentionMs ?? 0, 2 * d + windows.gracePeriodMs())
    // reduce has no initializer: a window's first value is its aggregate (Kafka's () -> null and a reducer that takes the value when the aggregate is null).
    const agg = initializer === null ? (k: unknown, v: unknown, acc: unknown) => (acc === null ? v : aggregator(k, v, acc)) : aggregator
    let supplier = slidingWindowAggregateProcessor(a.storeName, windows, initializer ?? (() => null), agg, this.dropped)
    // A sliding window [start, start + d] has both ends in it: closed once its end is before stream time minus the grace.
    if (emit?.type() === 'ON_WINDOW_CLOSE') supplier = emitOnWindowClose(supplier, a.storeName, {sizeMs: d, graceMs: windows.gracePeriodMs(), lastClosedStart: (close) => close - d - 1})
    this.builder.topology.addProcessor(a.name, supplier, a.parent)
    this.builder.addStore(a.storeName, a.keySerde as Serde<unknown> | null, a.valueSerde as Serde<unknown> | null, a.materialized as Materialized<unknown, unknown>, a.name, {retentionMs, sizeMs: d})
    const windowedKeySerde = a.keySerde === null ? this.withDefaults(defaultInnerWindowedSerde<K>((k) => WindowedSerdes.timeWindowedSerdeFrom(k, d))) : WindowedSerdes.timeWindowedSerdeFrom(a.keySerde, d)
    return this.builder.ktable<Windowed<K>, VA>(a.name, windowedKeySerde, a.valueSerde, a.storeName, null, windows.gracePeriodMs())
  }

  /** The session-window form (SessionWindowedKStreamImpl's). @internal */
  sessionAggregate<VA>(prefix: string, windows: SessionWindows, args: AggregateArgs<K, VA>, defaultValueSerde: Serde<VA> | null, initializer: () => unknown, aggregator: (k: unknown, v: unknown, agg: unknown) => unknown, merger: (k: unknown, a: unknown, b: unknown) => unknown): KTable<Windowed<K>, VA> {
    const a = this.aggregationNodes(args, defaultValueSerde, prefix)
    // Kafka's default retention: the gap and the grace; a longer one keeps closed sessions queryable.
    const retentionMs = Math.max(a.materialized.retentionMs ?? 0, windows.inactivityGap() + windows.gracePeriodMs())
    this.builder.topology.addProcessor(a.name, sessionWindowAggregateProcessor(a.storeName, windows, initializer, aggregator, merger, this.dropped), a.parent)
    const builder = new SessionStoreBuilder(a.storeName, retentionMs, a.keySerde as Serde<unknown> | null, a.valueSerde as Serde<unknown> | null, true)
    if (a.materialized.loggingEnabled) builder.withLoggingEnabled(a.materialized.logConfig)
    else builder.withLoggingDisabled()
    this.builder.topology.addStateStore(builder, a.name)
    const windowedKeySerde = a.keySerde === null ? this.withDefaults(defaultInnerWindowedSerde<K>((k) => WindowedSerdes.sessionWindowedSerdeFrom(k))) : WindowedSerdes.sessionWindowedSerdeFrom(a.keySerde)
    return this.builder.ktable<Windowed<K>, VA>(a.name, windowedKeySerde, a.valueSerde, a.storeName, sessionGetter(a.storeName), windows.inactivityGap() + windows.gracePeriodMs())
  }

  private withDefaults<S extends {setIfUnset(k: Serde<unknown>, v: Serde<unknown>): void}>(serde: S): S {
    this.builder.topology.serdesNeedingDefaults.add(serde)
    return serde
  }

  private aggregationNodes<VA>(args: AggregateArgs<K, VA>, defaultValueSerde: Serde<VA> | null, prefix: string) {
    const named = args.find((a): a is Named => a instanceof Named)
    const materialized = (args.find((a) => a instanceof Materialized) as Materialized<K, VA> | undefined) ?? Materialized.with<K, VA>(null, null)
    const storeName = materialized.storeName ?? this.builder.newStoreName(prefix)
    const keySerde = materialized.keySerde ?? this.keySerde
    const valueSerde = materialized.valueSerde ?? defaultValueSerde
    const name = named?.name ?? this.builder.newProcessorName(prefix)
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
  constructor(private readonly grouped: KGroupedStreamImpl<K, V>, private readonly windows: TimeWindows | SlidingWindows, private readonly emit: EmitStrategy | null = null) {}

  emitStrategy(strategy: EmitStrategy): TimeWindowedKStream<K, V> {
    return new TimeWindowedKStreamImpl(this.grouped, this.windows, strategy)
  }

  count(...args: AggregateArgs<K, number>): KTable<Windowed<K>, number> {
    return this.grouped.windowedAggregate(AGGREGATE, this.windows, args, Serdes.Long() as Serde<number>, () => 0, (_k, _v, agg) => (agg as number) + 1, this.emit)
  }

  reduce(reducer: (aggregate: V, value: V) => V, ...args: AggregateArgs<K, V>): KTable<Windowed<K>, V> {
    return this.grouped.windowedAggregate(REDUCE, this.windows, args, this.grouped.valueSerde, null, (_k, v, agg) => reducer(agg as V, v as V), this.emit)
  }

  aggregate<VA>(initializer: () => VA, aggregator: (key: K, value: V, aggregate: VA) => VA, ...args: AggregateArgs<K, VA>): KTable<Windowed<K>, VA> {
    return this.grouped.windowedAggregate(AGGREGATE, this.windows, args, null, initializer, aggregator as (k: unknown, v: unknown, a: unknown) => unknown, this.emit)
  }
}

class SessionWindowedKStreamImpl<K, V> implements SessionWindowedKStream<K, V> {
  constructor(private readonly grouped: KGroupedStreamImpl<K, V>, private readonly windows: SessionWindows) {}

  count(...args: AggregateArgs<K, number>): KTable<Windowed<K>, number> {
    return this.grouped.sessionAggregate(AGGREGATE, this.windows, args, Serdes.Long() as Serde<number>, () => 0, (_k, _v, agg) => (agg as number) + 1, (_k, a, b) => (a as number) + (b as number))
  }

  /** No initializer: the first value is the session's aggregate, and merging reduces two sessions' aggregates. */
  reduce(reducer: (aggregate: V, value: V) => V, ...args: AggregateArgs<K, V>): KTable<Windowed<K>, V> {
    const r = (a: unknown, b: unknown) => (a === null ? b : b === null ? a : reducer(a as V, b as V))
    return this.grouped.sessionAggregate(REDUCE, this.windows, args, this.grouped.valueSerde, () => null, (_k, v, agg) => r(agg, v), (_k, a, b) => r(a, b))
  }

  aggregate<VA>(initializer: () => VA, aggregator: (key: K, value: V, aggregate: VA) => VA, merger: (key: K, aggregate1: VA, aggregate2: VA) => VA, ...args: AggregateArgs<K, VA>): KTable<Windowed<K>, VA> {
    return this.grouped.sessionAggregate(AGGREGATE, this.windows, args, null, initializer, aggregator as (k: unknown, v: unknown, a: unknown) => unknown, merger as (k: unknown, a: unknown, b: unknown) => unknown)
  }
}
