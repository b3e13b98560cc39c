/**
 * KTable.groupBy and its aggregations (Kafka's KTableRepartitionMap,
 * KGroupedTableImpl, KTableAggregate, KTableReduce). The selector gives
 * each table row a new key and value; an update sends the old row's pair
 * to be subtracted and the new row's to be added (in one record when the
 * key stays the same, old first otherwise) through
 * `<Grouped name or store name>-repartition`, written by the change serde.
 * After it, the aggregation subtracts the old value, adds the new one, and
 * forwards the aggregate's change. A pair whose key or value is null is
 * not sent. With the store's record cache on, the subtraction and the
 * addition of one update (and every update of the key until the commit or
 * an eviction) are merged: the store forwards the key's latest aggregate
 * once, with its aggregate as of the last flush (Kafka's KTableAggregate
 * over a caching store).
 */
import type {ProcessorContext, ProcessorSupplier} from '../../processor.js'
import {Record} from '../../record.js'
import type {Serde} from '../../serdes.js'
import {Serdes} from '../../serdes.js'
import type {KeyValueStore} from '../../state/key-value-store.js'
import {StreamsError} from '../../streams-error.js'
import type {AggregateArgs, DslContext, KGroupedTable, KTable} from '../interfaces.js'
import {Materialized, Named, toPair} from '../options.js'
import type {Change} from './change.js'
import {ChangedSerde} from './changed-serde.js'
import {stateless} from './kstream-stateless.js'

export function tableRepartitionMapProcessor(selector: (key: unknown, value: unknown) => unknown): ProcessorSupplier {
  const pair = (k: unknown, v: unknown | null) => {
    if (v === null) return null
    const p = toPair<unknown, unknown>(selector(k, v), 'groupBy()')
    return p.key === null || p.key === undefined || p.value === null || p.value === undefined ? null : p
  }
  return stateless((ctx, r) => {
    if (r.key() === null || r.key() === undefined) throw new StreamsError('the key of a record of a table being grouped is null')
    const c = r.value() as Change<unknown>
    const n = pair(r.key(), c.newValue)
    const o = pair(r.key(), c.oldValue)
    if (n !== null && o !== null && keyEquals(n.key, o.key)) return ctx.forward(r.withKey(o.key).withValue({newValue: n.value, oldValue: o.value}))
    if (o !== null) ctx.forward(r.withKey(o.key).withValue({newValue: null, oldValue: o.value}))
    if (n !== null) ctx.forward(r.withKey(n.key).withValue({newValue: n.value, oldValue: null}))
  })
}

function keyEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b)
  // Keys are compared as Java compares them with equals(): by value, which for records means their JSON.
  return typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b)
}

type Agg = (key: unknown, value: unknown, aggregate: unknown) => unknown

/** KTableAggregate (initializer given) and KTableReduce (none: the first value is the aggregate). */
export function tableAggregateProcessor(storeName: string, initializer: (() => unknown) | null, adder: Agg, subtractor: Agg): ProcessorSupplier {
  return () => {
    let ctx: ProcessorContext<unknown, Change<unknown>>
    let store: KeyValueStore<unknown, unknown>
    let cached = false
    return {
      init(c) {
        ctx = c as ProcessorContext<unknown, Change<unknown>>
        store = ctx.getStateStore(storeName)
        cached = store.setFlushListener?.((key, newValue, oldValue, timestamp, headers) => ctx.forward(new Record(key, {newValue, oldValue}, timestamp, headers ?? undefined))) ?? false
      },
      process(r) {
        const key = r.key()
        if (key === null || key === undefined) throw new StreamsError(`a record for the table aggregation with store ${storeName} has a null key`)
        const change = r.value() as Change<unknown>
        const old = store.getWithTimestamp(key)
        const oldAgg = old?.value ?? null
        let timestamp = r.timestamp()
        let agg: unknown = oldAgg
        if (change.oldValue !== null && oldAgg !== null) {
          agg = subtractor(key, change.oldValue, oldAgg)
          timestamp = Math.max(r.timestamp(), old!.timestamp)
        }
        if (change.newValue !== null) {
          agg = agg === null ? (initializer === null ? change.newValue : adder(key, change.newValue, initializer())) : adder(key, change.newValue, agg)
          if (old !== null) timestamp = Math.max(r.timestamp(), old.timestamp)
        }
        store.put(key, agg, timestamp)
        if (!cached) ctx.forward(r.withValue({newValue: agg, oldValue: oldAgg}).withTimestamp(timestamp))
      },
    }
  }
}

export class KGroupedTableImpl<K, V> implements KGroupedTable<K, V> {
  constructor(
    private readonly builder: DslContext,
    private readonly nodeName: string,
    private readonly keySerde: Serde<K> | null,
    private readonly valueSerde: Serde<V> | null,
    private readonly repartitionName: string | null,
  ) {}

  count(...args: AggregateArgs<K, number>): KTable<K, number> {
    return this.doAggregate('KTABLE-AGGREGATE-', args, Serdes.Long() as Serde<number>, () => 0, (_k, _v, a) => (a as number) + 1, (_k, _v, a) => (a as number) - 1)
  }

  reduce(adder: (aggregate: V, value: V) => V, subtractor: (aggregate: V, value: V) => V, ...args: AggregateArgs<K, V>): KTable<K, V> {
    return this.doAggregate('KTABLE-REDUCE-', args, this.valueSerde, null, (_k, v, a) => adder(a as V, v as V), (_k, v, a) => subtractor(a as V, v as V))
  }

  aggregate<VA>(initializer: () => VA, adder: (key: K, value: V, aggregate: VA) => VA, subtractor: (key: K, value: V, aggregate: VA) => VA, ...args: AggregateArgs<K, VA>): KTable<K, VA> {
    return this.doAggregate('KTABLE-AGGREGATE-', args, null, initializer, adder as Agg, subtractor as Agg)
  }

  /** Kafka's order of counter use: the store's name, then the sink's, the source's and the aggregation's. */
  private doAggregate<VA>(prefix: string, args: AggregateArgs<K, VA>, defaultValueSerde: Serde<VA> | null, initializer: (() => unknown) | null, adder: Agg, subtractor: Agg): KTable<K, VA> {
    const b = this.builder
    const named = args.find((a): a is Named => a instanceof Named)
    const materialized = (args.find((a) => a instanceof Materialized) as Materialized<K, VA> | undefined) ?? Materialized.with<K, VA>(null, null)
    const storeName = materialized.storeName ?? b.newStoreName('KTABLE-AGGREGATE-')
    const sink = named?.name ? `${named.name}-sink` : b.newProcessorName('KSTREAM-SINK-')
    const source = named?.name ? `${named.name}-source` : b.newProcessorName('KSTREAM-SOURCE-')
    const name = named?.name ?? b.newProcessorName(prefix)
    const topic = `${this.repartitionName ?? storeName}-repartition`
    const changed = new ChangedSerde(this.valueSerde as Serde<unknown> | null) as Serde<unknown>
    const t = b.topology
    t.addSink(sink, topic, {keySerializer: (this.keySerde ?? undefined) as Serde<unknown> | undefined, valueSerializer: changed}, this.nodeName)
    t.addSource(source, topic, {keyDeserializer: (this.keySerde ?? undefined) as Serde<unknown> | undefined, valueDeserializer: changed})
    t.internalTopics.add(topic)
    t.addProcessor(name, tableAggregateProcessor(storeName, initializer, adder, subtractor), source)
    const keySerde = materialized.keySerde ?? this.keySerde
    const valueSerde = materialized.valueSerde ?? defaultValueSerde
    b.addStore(storeName, keySerde as Serde<unknown> | null, valueSerde as Serde<unknown> | null, materialized as Materialized<unknown, unknown>, name)
    return b.ktable<K, VA>(name, keySerde, valueSerde, storeName)
  }
}
