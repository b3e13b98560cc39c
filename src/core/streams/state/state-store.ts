/**
 * State stores as Kafka's `state` package has them. A store keeps bytes
 * (keys ordered as their serialized bytes, which is what range queries
 * walk, as RocksDB orders them); the typed store over it applies the
 * serdes. `StoreBuilder` makes a fresh store per task and says whether it
 * is logged to a changelog topic.
 */
import type {Header, Headers} from '../record.js'
import type {Serde} from '../serdes.js'
import type {RecordCache} from './record-cache.js'

/** Kafka's ProcessorRecordContext: where the record being processed came from (topic '' and offset -1 outside a record). */
export interface RecordContext {
  timestamp: number
  offset: number
  topic: string
  partition: number
  headers: Header[]
}

/** What a store needs from the task that opens it. */
export interface StoreInit {
  defaultKeySerde: Serde<unknown>
  defaultValueSerde: Serde<unknown>
  /** Sends a change to the store's changelog, with the record headers given (absent when logging is off). */
  changelog?: (key: Buffer, value: Buffer | null, timestamp: number, headers?: Header[]) => void
  /** The timestamp a write without one gets: the current record's. */
  timestamp: () => number
  /** The current record's headers: a cached write keeps them, and its flush forwards them (Kafka's LRUCacheEntry record context). Absent: none. */
  headers?: () => Headers
  /** The current record's context (a suppression buffer logs it with each entry, as Kafka's). */
  recordContext?: () => RecordContext
  /** The task's directory under state.dir (`<state.dir>/<application.id>/<task>`): persistent stores keep their files in `<stateDir>/<store>/`; absent, they stay in memory (the TopologyTestDriver). */
  stateDir?: string
  /** The instance's record cache, given to stores whose builder has caching on (absent: every update logged and forwarded at once). */
  cache?: RecordCache
}

export interface StateStore {
  readonly name: string
  /** Makes the writes so far durable: called at commit, after the input offsets that cover them are committed. */
  flush(): void
  close(): void
  isOpen(): boolean
}

export interface StoreBuilder<S extends StateStore = StateStore> {
  readonly name: string
  readonly loggingEnabled: boolean
  /** Topic configs the changelog gets, over the defaults (runtime/changelog-config.ts). */
  readonly logConfig: Record<string, string>
  /**
   * A window, session or stream-stream join window store's retention
   * (Kafka's StoreFactory.retentionPeriod with isWindowStore): its changelog
   * is then `compact,delete` with this retention plus
   * `windowstore.changelog.additional.retention.ms`. Absent: a key-value
   * store, whose changelog is `compact`.
   */
  readonly retentionPeriodMs?: number
  withLoggingEnabled(config?: Record<string, string>): this
  withLoggingDisabled(): this
  /** Off by default, as Kafka's builders; the DSL's Materialized turns it on unless withCachingDisabled (key-value and window stores: see record-cache.ts). */
  readonly cachingEnabled: boolean
  withCachingEnabled(): this
  withCachingDisabled(): this
  build(): S
}

/** What every builder shares: logging on by default with the changelog's topic configs, caching off by default (see StoreBuilder). */
export abstract class LoggedStoreBuilder<S extends StateStore> implements StoreBuilder<S> {
  loggingEnabled = true
  logConfig: Record<string, string> = {}
  cachingEnabled = false

  constructor(readonly name: string) {}

  withLoggingEnabled(config: Record<string, string> = {}): this {
    this.loggingEnabled = true
    this.logConfig = {...config}
    return this
  }

  withLoggingDisabled(): this {
    this.loggingEnabled = false
    return this
  }

  withCachingEnabled(): this {
    this.cachingEnabled = true
    return this
  }

  withCachingDisabled(): this {
    this.cachingEnabled = false
    return this
  }

  abstract build(): S
}
