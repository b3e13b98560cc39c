/**
 * Kafka Streams' StreamsBuilder: the DSL's entry point. It builds a
 * Processor API Topology as it goes, naming nodes as Kafka does
 * (`KSTREAM-SOURCE-0000000000`, one counter for processors and stores), so
 * `build().describe()` reads like the Java app's.
 */
import type {Serde} from '../serdes.js'
import {Stores} from '../state/stores.js'
import {TopologyError} from '../streams-error.js'
import {Topology} from '../topology.js'
import type {GlobalKTable, KGroupedStream, KStream, KTable} from './interfaces.js'
import {GlobalKTableImpl} from './internals/global-ktable-impl.js'
import {KGroupedStreamImpl} from './internals/kgrouped-stream-impl.js'
import {KStreamImpl} from './internals/kstream-impl.js'
import {KTableImpl} from './internals/ktable-impl.js'
import {tableSourceProcessor} from './internals/ktable-processors.js'
import {storeGetter, type ValueGetterSupplier} from './internals/ktable-value-getter.js'
import {Consumed, Materialized} from './options.js'

// DslContext's members are internal: the class is one structurally, not by declaration, so the public .d.ts names none of them.
export class StreamsBuilder {
  /** @internal */
  readonly topology = new Topology()
  private index = 0
  private built = false

  /** Kafka's newProcessorName: prefix + a 10-digit counter. @internal */
  newProcessorName(prefix: string): string {
    return `${prefix}${String(this.index++).padStart(10, '0')}`
  }

  /** @internal */
  newStoreName(prefix: string): string {
    return `${prefix}STATE-STORE-${String(this.index++).padStart(10, '0')}`
  }

  stream<K = unknown, V = unknown>(topics: string | string[] | RegExp, consumed: Consumed<K, V> = Consumed.with<K, V>(null, null)): KStream<K, V> {
    this.checkOpen()
    const name = consumed.name ?? this.newProcessorName('KSTREAM-SOURCE-')
    const list = topics instanceof RegExp ? [topics] : Array.isArray(topics) ? topics : [topics]
    if (list.length === 0) throw new TopologyError('stream() needs at least one topic')
    this.topology.addSource(name, ...list, sourceOptions(consumed))
    return this.kstream<K, V>(name, consumed.keySerde, consumed.valueSerde, false)
  }

  table<K = unknown, V = unknown>(topic: string, consumed: Consumed<K, V> = Consumed.with<K, V>(null, null), materialized: Materialized<K, V> = Materialized.with<K, V>(null, null)): KTable<K, V> {
    this.checkOpen()
    const keySerde = materialized.keySerde ?? consumed.keySerde
    const valueSerde = materialized.valueSerde ?? consumed.valueSerde
    const storeName = materialized.storeName ?? this.newStoreName(`${topic}-`)
    const sourceName = consumed.name ?? this.newProcessorName('KSTREAM-SOURCE-')
    const tableSourceName = consumed.name ? `${consumed.name}-table-source` : this.newProcessorName('KTABLE-SOURCE-')
    this.topology.addSource(sourceName, topic, sourceOptions(Consumed.with(keySerde, valueSerde).withTimestampExtractor(consumed.timestampExtractor ?? ((r) => r.timestamp))))
    this.topology.addProcessor(tableSourceName, tableSourceProcessor(storeName), sourceName)
    this.addStore(storeName, keySerde, valueSerde, materialized, tableSourceName)
    return this.ktable<K, V>(tableSourceName, keySerde, valueSerde, storeName)
  }

  /**
   * A table every task has all of (Kafka's globalTable): its store is
   * filled from every partition of the topic before and while the rest
   * runs, and streams join it through a key selector without
   * repartitioning. Names as Kafka's: the store, the source, KTABLE-SOURCE.
   */
  globalTable<K = unknown, V = unknown>(topic: string, consumed: Consumed<K, V> = Consumed.with<K, V>(null, null), materialized: Materialized<K, V> = Materialized.with<K, V>(null, null)): GlobalKTable<K, V> {
    this.checkOpen()
    const keySerde = materialized.keySerde ?? consumed.keySerde
    const valueSerde = materialized.valueSerde ?? consumed.valueSerde
    const storeName = materialized.storeName ?? this.newStoreName(`${topic}-`)
    const sourceName = consumed.name ?? this.newProcessorName('KSTREAM-SOURCE-')
    const processorName = this.newProcessorName('KTABLE-SOURCE-')
    // Persistent, as Kafka's default: under KafkaStreams it restores from its checkpoint (global-state-manager.ts).
    const store = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(storeName), keySerde, valueSerde)
    this.topology.addGlobalStore(store, sourceName, keySerde as Serde<unknown> | null, valueSerde as Serde<unknown> | null, topic, processorName, tableSourceProcessor(storeName))
    return new GlobalKTableImpl<K, V>(keySerde, valueSerde, storeName)
  }

  /** A store the DSL materializes: persistent (as Kafka's default), logged to its changelog unless Materialized says not. @internal */
  addStore(name: string, keySerde: Serde<unknown> | null, valueSerde: Serde<unknown> | null, materialized: Materialized<unknown, unknown>, processorName: string, window?: {retentionMs: number; sizeMs: number}): void {
    const builder = window
      ? Stores.windowStoreBuilder(Stores.persistentWindowStore(name, window.retentionMs, window.sizeMs), keySerde, valueSerde)
      : Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), keySerde, valueSerde)
    if (materialized.loggingEnabled) builder.withLoggingEnabled(materialized.logConfig)
    else builder.withLoggingDisabled()
    if (materialized.cachingEnabled) builder.withCachingEnabled()
    else builder.withCachingDisabled()
    this.topology.addStateStore(builder, processorName)
  }

  /** @internal */
  kstream<K, V>(nodeName: string, keySerde: Serde<K> | null, valueSerde: Serde<V> | null, repartitionRequired: boolean): KStream<K, V> {
    return new KStreamImpl(this, nodeName, keySerde, valueSerde, repartitionRequired)
  }

  /** @internal */
  ktable<K, V>(nodeName: string, keySerde: Serde<K> | null, valueSerde: Serde<V> | null, storeName: string | null, getter: ValueGetterSupplier | null = null, closeGraceMs: number | null = null): KTable<K, V> {
    return new KTableImpl(this, nodeName, keySerde, valueSerde, storeName, getter ?? (storeName === null ? null : storeGetter(storeName)), closeGraceMs)
  }

  /** @internal */
  kgroupedStream<K, V>(nodeName: string, keySerde: Serde<K> | null, valueSerde: Serde<V> | null, repartitionName: string | null, repartitionRequired: boolean): KGroupedStream<K, V> {
    return new KGroupedStreamImpl(this, nodeName, keySerde, valueSerde, repartitionName, repartitionRequired)
  }

  build(): Topology {
    this.built = true
    return this.topology
  }

  private checkOpen(): void {
    if (this.built) throw new TopologyError('this StreamsBuilder was built already: make a new one for another topology')
  }
}

function sourceOptions(c: Consumed<unknown, unknown>) {
  return {keyDeserializer: c.keySerde ?? undefined, valueDeserializer: c.valueSerde ?? undefined, timestampExtractor: c.timestampExtractor ?? undefined}
}
