/**
 * State stores as Kafka's `state` package has them. A store keeps bytes
 * (keys ordered as their serialized bytes, which is what range queries
 * walk, as RocksDB orders them); the typed store over it applies the
 * serdes. `StoreBuilder` makes a fresh store per task and says whether it
 * is logged to a changelog topic.
 */
import type {Serde} from '../serdes.js'

/** What a store needs from the task that opens it. */
export interface StoreInit {
  defaultKeySerde: Serde<unknown>
  defaultValueSerde: Serde<unknown>
  /** Sends a change to the store's changelog (absent when logging is off). */
  changelog?: (key: Buffer, value: Buffer | null, timestamp: number) => void
  /** The timestamp a write without one gets: the current record's. */
  timestamp: () => number
  /** The task's directory under state.dir (`<state.dir>/<application.id>/<task>`): persistent stores keep their files in `<stateDir>/<store>/`; absent, they stay in memory (the TopologyTestDriver). */
  stateDir?: string
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
  /** Topic configs the changelog gets (cleanup.policy=compact is always set). */
  readonly logConfig: Record<string, string>
  withLoggingEnabled(config?: Record<string, string>): this
  withLoggingDisabled(): this
  /** Caching is accepted for Kafka's sake; every update is forwarded (as with statestore.cache.max.bytes=0). */
  withCachingEnabled(): this
  withCachingDisabled(): this
  build(): S
}

/** What every builder shares: logging on by default with the changelog's topic configs, caching accepted (see StoreBuilder). */
export abstract class LoggedStoreBuilder<S extends StateStore> implements StoreBuilder<S> {
  loggingEnabled = true
  logConfig: Record<string, string> = {}

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
    return this
  }

  withCachingDisabled(): this {
    return this
  }

  abstract build(): S
}
