/**
 * Kafka Streams' KTable: a changelog stream read as a table. Its
 * processors forward Changes (internals/change.ts); toStream gives each
 * update as a record, a delete as a null value.
 */
import type {Serde} from '../serdes.js'
import {tableFilterProcessor, tableMapValuesProcessor, tableToStreamProcessor} from './internals/ktable-processors.js'
import {type ValueMapper, valueMapper} from './internals/kstream-stateless.js'
import {KStream} from './kstream.js'
import {Named} from './options.js'
import type {StreamsBuilder} from './streams-builder.js'

export class KTable<K, V> {
  /** @internal */
  constructor(
    readonly builder: StreamsBuilder,
    readonly nodeName: string,
    readonly keySerde: Serde<K> | null,
    readonly valueSerde: Serde<V> | null,
    /** The store that holds the table; null for a table that is not materialized. */
    private readonly storeName: string | null,
  ) {}

  queryableStoreName(): string | null {
    return this.storeName
  }

  filter(predicate: (key: K, value: V) => boolean, named?: Named): KTable<K, V> {
    return this.add('KTABLE-FILTER-', named, tableFilterProcessor(predicate as (k: unknown, v: unknown) => boolean, false), this.valueSerde)
  }

  filterNot(predicate: (key: K, value: V) => boolean, named?: Named): KTable<K, V> {
    return this.add('KTABLE-FILTER-', named, tableFilterProcessor(predicate as (k: unknown, v: unknown) => boolean, true), this.valueSerde)
  }

  mapValues<V2>(mapper: ValueMapper<K, V, V2>, named?: Named): KTable<K, V2> {
    return this.add<V2>('KTABLE-MAPVALUES-', named, tableMapValuesProcessor(valueMapper(mapper) as (k: unknown, v: unknown) => unknown), null)
  }

  toStream<K2 = K>(...args: Array<Named | ((key: K, value: V) => K2)>): KStream<K2, V> {
    const named = args.find((a): a is Named => a instanceof Named)
    const mapper = args.find((a) => typeof a === 'function') as ((key: K, value: V) => K2) | undefined
    const name = named?.name ?? this.builder.newProcessorName('KTABLE-TOSTREAM-')
    this.builder.topology.addProcessor(name, tableToStreamProcessor((mapper ?? null) as ((k: unknown, v: unknown) => unknown) | null), this.nodeName)
    return new KStream<K2, V>(this.builder, name, mapper ? null : (this.keySerde as Serde<K2> | null), this.valueSerde, mapper !== undefined)
  }

  private add<V2>(prefix: string, named: Named | undefined, supplier: ReturnType<typeof tableFilterProcessor>, valueSerde: Serde<V2> | null): KTable<K, V2> {
    const name = named?.name ?? this.builder.newProcessorName(prefix)
    this.builder.topology.addProcessor(name, supplier, this.nodeName)
    return new KTable<K, V2>(this.builder, name, this.keySerde, valueSerde, null)
  }
}
