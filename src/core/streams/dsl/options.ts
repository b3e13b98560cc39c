/**
 * The DSL's option objects with Kafka's names and builders: Named,
 * Consumed, Produced, Grouped, Materialized. Each is immutable: every
 * with* returns a new one, as Kafka's do.
 */
import type {Serde} from '../serdes.js'
import type {StreamPartitioner, TimestampExtractor} from '../topology.js'
import {TopologyError} from '../streams-error.js'

export class Named {
  protected constructor(readonly name: string | null) {}
  static as(name: string): Named {
    return new Named(name)
  }
}

export class Consumed<K, V> {
  private constructor(
    readonly keySerde: Serde<K> | null,
    readonly valueSerde: Serde<V> | null,
    readonly timestampExtractor: TimestampExtractor | null,
    readonly name: string | null,
  ) {}
  static with<K, V>(keySerde: Serde<K> | null, valueSerde: Serde<V> | null): Consumed<K, V> {
    return new Consumed(keySerde, valueSerde, null, null)
  }
  static as<K, V>(name: string): Consumed<K, V> {
    return new Consumed<K, V>(null, null, null, name)
  }
  withKeySerde(serde: Serde<K>): Consumed<K, V> {
    return new Consumed(serde, this.valueSerde, this.timestampExtractor, this.name)
  }
  withValueSerde(serde: Serde<V>): Consumed<K, V> {
    return new Consumed(this.keySerde, serde, this.timestampExtractor, this.name)
  }
  withTimestampExtractor(extractor: TimestampExtractor): Consumed<K, V> {
    return new Consumed(this.keySerde, this.valueSerde, extractor, this.name)
  }
  withName(name: string): Consumed<K, V> {
    return new Consumed(this.keySerde, this.valueSerde, this.timestampExtractor, name)
  }
}

export class Produced<K, V> {
  private constructor(
    readonly keySerde: Serde<K> | null,
    readonly valueSerde: Serde<V> | null,
    readonly partitioner: StreamPartitioner<K, V> | null,
    readonly name: string | null,
  ) {}
  static with<K, V>(keySerde: Serde<K> | null, valueSerde: Serde<V> | null): Produced<K, V> {
    return new Produced(keySerde, valueSerde, null, null)
  }
  static as<K, V>(name: string): Produced<K, V> {
    return new Produced<K, V>(null, null, null, name)
  }
  static streamPartitioner<K, V>(partitioner: StreamPartitioner<K, V>): Produced<K, V> {
    return new Produced<K, V>(null, null, partitioner, null)
  }
  static keySerde<K, V>(serde: Serde<K>): Produced<K, V> {
    return new Produced<K, V>(serde, null, null, null)
  }
  static valueSerde<K, V>(serde: Serde<V>): Produced<K, V> {
    return new Produced<K, V>(null, serde, null, null)
  }
  withKeySerde(serde: Serde<K>): Produced<K, V> {
    return new Produced(serde, this.valueSerde, this.partitioner, this.name)
  }
  withValueSerde(serde: Serde<V>): Produced<K, V> {
    return new Produced(this.keySerde, serde, this.partitioner, this.name)
  }
  withStreamPartitioner(partitioner: StreamPartitioner<K, V>): Produced<K, V> {
    return new Produced(this.keySerde, this.valueSerde, partitioner, this.name)
  }
  withName(name: string): Produced<K, V> {
    return new Produced(this.keySerde, this.valueSerde, this.partitioner, name)
  }
}

export class Grouped<K, V> {
  private constructor(
    readonly keySerde: Serde<K> | null,
    readonly valueSerde: Serde<V> | null,
    readonly name: string | null,
  ) {}
  static with<K, V>(keySerde: Serde<K> | null, valueSerde: Serde<V> | null): Grouped<K, V> {
    return new Grouped(keySerde, valueSerde, null)
  }
  static as<K, V>(name: string): Grouped<K, V> {
    return new Grouped<K, V>(null, null, name)
  }
  withKeySerde(serde: Serde<K>): Grouped<K, V> {
    return new Grouped(serde, this.valueSerde, this.name)
  }
  withValueSerde(serde: Serde<V>): Grouped<K, V> {
    return new Grouped(this.keySerde, serde, this.name)
  }
  withName(name: string): Grouped<K, V> {
    return new Grouped(this.keySerde, this.valueSerde, name)
  }
}

export class Materialized<K, V> {
  private constructor(
    readonly storeName: string | null,
    readonly keySerde: Serde<K> | null,
    readonly valueSerde: Serde<V> | null,
    readonly loggingEnabled: boolean,
    readonly logConfig: Record<string, string>,
    readonly cachingEnabled: boolean,
    readonly retentionMs: number | null,
  ) {}
  static as<K, V>(storeName: string): Materialized<K, V> {
    return new Materialized<K, V>(storeName, null, null, true, {}, true, null)
  }
  static with<K, V>(keySerde: Serde<K> | null, valueSerde: Serde<V> | null): Materialized<K, V> {
    return new Materialized(null, keySerde, valueSerde, true, {}, true, null)
  }
  private copy(change: Partial<Materialized<K, V>>): Materialized<K, V> {
    const m = {...this, ...change}
    return new Materialized(m.storeName, m.keySerde, m.valueSerde, m.loggingEnabled, m.logConfig, m.cachingEnabled, m.retentionMs)
  }
  withKeySerde(serde: Serde<K>): Materialized<K, V> {
    return this.copy({keySerde: serde})
  }
  withValueSerde(serde: Serde<V>): Materialized<K, V> {
    return this.copy({valueSerde: serde})
  }
  withLoggingEnabled(config: Record<string, string> = {}): Materialized<K, V> {
    return this.copy({loggingEnabled: true, logConfig: {...config}})
  }
  withLoggingDisabled(): Materialized<K, V> {
    return this.copy({loggingEnabled: false})
  }
  withCachingEnabled(): Materialized<K, V> {
    return this.copy({cachingEnabled: true})
  }
  withCachingDisabled(): Materialized<K, V> {
    return this.copy({cachingEnabled: false})
  }
  withRetention(retentionMs: number): Materialized<K, V> {
    return this.copy({retentionMs})
  }
}

/** Serdes and a name for a join (Kafka's Joined): the key, the stream's value and the other side's value. */
export class Joined<K, V, VO> {
  private constructor(
    readonly keySerde: Serde<K> | null,
    readonly valueSerde: Serde<V> | null,
    readonly otherValueSerde: Serde<VO> | null,
    readonly name: string | null,
  ) {}
  static with<K, V, VO>(keySerde: Serde<K> | null, valueSerde: Serde<V> | null, otherValueSerde: Serde<VO> | null): Joined<K, V, VO> {
    return new Joined(keySerde, valueSerde, otherValueSerde, null)
  }
  static as<K, V, VO>(name: string): Joined<K, V, VO> {
    return new Joined<K, V, VO>(null, null, null, name)
  }
  withName(name: string): Joined<K, V, VO> {
    return new Joined(this.keySerde, this.valueSerde, this.otherValueSerde, name)
  }
}

/**
 * Serdes, a name and a partitioner for `KStream.repartition()` (Kafka's
 * Repartitioned). The topic is `<application.id>-<name>-repartition`; its
 * partition count is the runtime's (as many as the largest source topic),
 * so `withNumberOfPartitions` is kept but not applied.
 */
function partitionCount(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new TopologyError(`Repartitioned: the number of partitions must be a positive integer, not ${n}`)
  return n
}

/**
 * Kafka's TableJoined (KIP-775), for a foreign-key join: the name its
 * internal topics, stores and processors are named after (as Named's),
 * and the partitioners of the two tables' topics when they are not
 * partitioned by murmur2 of the key: `otherPartitioner` places each
 * subscription on the partition of the right table's row (by the foreign
 * key), `partitioner` each answer on the left row's partition (by the
 * primary key; without one the answer goes back to the partition the
 * subscription came from).
 */
export class TableJoined<K, KO> {
  private constructor(
    readonly partitioner: StreamPartitioner<K, null> | null,
    readonly otherPartitioner: StreamPartitioner<KO, null> | null,
    readonly name: string | null,
  ) {}
  static with<K, KO>(partitioner: StreamPartitioner<K, null> | null, otherPartitioner: StreamPartitioner<KO, null> | null): TableJoined<K, KO> {
    return new TableJoined(partitioner, otherPartitioner, null)
  }
  static as<K, KO>(name: string): TableJoined<K, KO> {
    return new TableJoined<K, KO>(null, null, name)
  }
  withPartitioner(partitioner: StreamPartitioner<K, null> | null): TableJoined<K, KO> {
    return new TableJoined(partitioner, this.otherPartitioner, this.name)
  }
  withOtherPartitioner(otherPartitioner: StreamPartitioner<KO, null> | null): TableJoined<K, KO> {
    return new TableJoined(this.partitioner, otherPartitioner, this.name)
  }
  withName(name: string): TableJoined<K, KO> {
    return new TableJoined(this.partitioner, this.otherPartitioner, name)
  }
}

export class Repartitioned<K, V> {
  private constructor(
    readonly name: string | null,
    readonly keySerde: Serde<K> | null,
    readonly valueSerde: Serde<V> | null,
    readonly numberOfPartitions: number | null,
    readonly partitioner: StreamPartitioner<K, V> | null,
  ) {}
  static as<K, V>(name: string): Repartitioned<K, V> {
    return new Repartitioned<K, V>(name, null, null, null, null)
  }
  static with<K, V>(keySerde: Serde<K> | null, valueSerde: Serde<V> | null): Repartitioned<K, V> {
    return new Repartitioned(null, keySerde, valueSerde, null, null)
  }
  /** The repartition topic is created with n partitions (and the sub-topology reading it gets n tasks). */
  static numberOfPartitions<K, V>(n: number): Repartitioned<K, V> {
    return new Repartitioned<K, V>(null, null, null, partitionCount(n), null)
  }
  static streamPartitioner<K, V>(partitioner: StreamPartitioner<K, V>): Repartitioned<K, V> {
    return new Repartitioned<K, V>(null, null, null, null, partitioner)
  }
  withName(name: string): Repartitioned<K, V> {
    return new Repartitioned(name, this.keySerde, this.valueSerde, this.numberOfPartitions, this.partitioner)
  }
  withKeySerde(serde: Serde<K>): Repartitioned<K, V> {
    return new Repartitioned(this.name, serde, this.valueSerde, this.numberOfPartitions, this.partitioner)
  }
  withValueSerde(serde: Serde<V>): Repartitioned<K, V> {
    return new Repartitioned(this.name, this.keySerde, serde, this.numberOfPartitions, this.partitioner)
  }
  withNumberOfPartitions(n: number): Repartitioned<K, V> {
    return new Repartitioned(this.name, this.keySerde, this.valueSerde, partitionCount(n), this.partitioner)
  }
  withStreamPartitioner(partitioner: StreamPartitioner<K, V>): Repartitioned<K, V> {
    return new Repartitioned(this.name, this.keySerde, this.valueSerde, this.numberOfPartitions, partitioner)
  }
}

/**
 * Serdes, names and store settings of a stream-stream join (Kafka's
 * StreamJoined): `withStoreName` names the two window stores
 * `<name>-this-join-store` and `<name>-other-join-store` (and a left or
 * outer join's `<name>-left|outer-shared-join-store`), `withName` the
 * processors.
 */
export class StreamJoined<K, V1, V2> {
  private constructor(
    readonly keySerde: Serde<K> | null,
    readonly valueSerde: Serde<V1> | null,
    readonly otherValueSerde: Serde<V2> | null,
    readonly name: string | null,
    readonly storeName: string | null,
    readonly loggingEnabled: boolean,
    readonly logConfig: Record<string, string>,
  ) {}
  static with<K, V1, V2>(keySerde: Serde<K> | null, valueSerde: Serde<V1> | null, otherValueSerde: Serde<V2> | null): StreamJoined<K, V1, V2> {
    return new StreamJoined(keySerde, valueSerde, otherValueSerde, null, null, true, {})
  }
  static as<K, V1, V2>(storeName: string): StreamJoined<K, V1, V2> {
    return new StreamJoined<K, V1, V2>(null, null, null, null, storeName, true, {})
  }
  private copy(change: Partial<StreamJoined<K, V1, V2>>): StreamJoined<K, V1, V2> {
    const m = {...this, ...change}
    return new StreamJoined(m.keySerde, m.valueSerde, m.otherValueSerde, m.name, m.storeName, m.loggingEnabled, m.logConfig)
  }
  withName(name: string): StreamJoined<K, V1, V2> {
    return this.copy({name})
  }
  withStoreName(storeName: string): StreamJoined<K, V1, V2> {
    return this.copy({storeName})
  }
  withKeySerde(serde: Serde<K>): StreamJoined<K, V1, V2> {
    return this.copy({keySerde: serde})
  }
  withValueSerde(serde: Serde<V1>): StreamJoined<K, V1, V2> {
    return this.copy({valueSerde: serde})
  }
  withOtherValueSerde(serde: Serde<V2>): StreamJoined<K, V1, V2> {
    return this.copy({otherValueSerde: serde})
  }
  withLoggingEnabled(config: Record<string, string> = {}): StreamJoined<K, V1, V2> {
    return this.copy({loggingEnabled: true, logConfig: {...config}})
  }
  withLoggingDisabled(): StreamJoined<K, V1, V2> {
    return this.copy({loggingEnabled: false})
  }
}

export {KeyValue} from '../key-value.js'

/** A key-value a mapper returned: KeyValue.pair(k, v), {key, value} or [k, v]. */
export function toPair<K, V>(v: unknown, what: string): {key: K; value: V} {
  if (Array.isArray(v) && v.length === 2) return {key: v[0] as K, value: v[1] as V}
  if (typeof v === 'object' && v !== null && 'key' in v && 'value' in v) return {key: (v as {key: K}).key, value: (v as {value: V}).value}
  throw new TypeError(`${what} must return KeyValue.pair(key, value), not ${String(v)}`)
}
