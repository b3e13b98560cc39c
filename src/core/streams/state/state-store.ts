/**
 * State stores as Kafka's `state` package has them. A store keeps bytes
 * (keys ordered as their serialized bytes, which is what range queries
 * walk, as RocksDB orders them); the typed store over it applies the
 * serdes. `StoreBuilder` makes a fresh store per task and says whether it
 * is logged to a changelog topic.
 */
export interface StateStore {
  readonly name: string
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
