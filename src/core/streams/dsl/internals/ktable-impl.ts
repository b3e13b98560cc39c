/**
 * Kafka Streams' KTable: a changelog stream read as a table. Its
 * processors forward Changes (internals/change.ts); toStream gives each
 * update as a record, a delete as a null value.
 */
import type {ProcessorSupplier} from '../../processor.js'
import type {Serde} from '../../serdes.js'
import type {DslContext, KStream, KTable} from '../interfaces.js'
import {Named} from '../options.js'
import {type ValueMapper, valueMapper} from './kstream-stateless.js'
import {tableFilterProcessor, tableMapValuesProcessor, tableToStreamProcessor} from './ktable-processors.js'

export class KTableImpl<K, V> implements KTable<K, V> {
  constructor(
    readonly builder: DslContext,
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
    return this.builder.kstream<K2, V>(name, mapper ? null : (this.keySerde as Serde<K2> | null), this.valueSerde, mapper !== undefined)
  }

  private add<V2>(prefix: string, named: Named | undefined, supplier: ProcessorSupplier, valueSerde: Serde<V2> | null): KTable<K, V2> {
    const name = named?.name ?? this.builder.newProcessorName(prefix)
    this.builder.topology.addProcessor(name, supplier, this.nodeName)
    return this.builder.ktable<K, V2>(name, this.keySerde, valueSerde, null)
  }
}
