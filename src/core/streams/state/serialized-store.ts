/**
 * What every typed store shares: its serdes (the app's defaults where the
 * builder gave none), the changelog it logs to, the current record's
 * timestamp, and being open only between init and close.
 */
import type {Serde} from '../serdes.js'
import {StreamsError} from '../streams-error.js'
import type {BytesEntry, BytesStore} from './persistent-bytes-store.js'
import type {CacheEntry, NamedCache} from './record-cache.js'
import type {StateStore, StoreInit} from './state-store.js'

export abstract class SerializedStore<K, V> implements StateStore {
  readonly name: string
  protected keySerde: Serde<K> | null
  protected valueSerde: Serde<V> | null
  protected changelog?: StoreInit['changelog']
  protected now: () => number = () => 0
  private open = false
  /** The topic name serdes are told (Kafka passes the changelog topic). */
  protected topic: string

  constructor(name: string, keySerde: Serde<K> | null, valueSerde: Serde<V> | null) {
    this.name = name
    this.keySerde = keySerde
    this.valueSerde = valueSerde
    this.topic = name
  }

  init(init: StoreInit, changelogTopic: string): void {
    this.keySerde ??= init.defaultKeySerde as Serde<K>
    this.valueSerde ??= init.defaultValueSerde as Serde<V>
    this.changelog = init.changelog
    this.now = init.timestamp
    this.topic = changelogTopic
    this.open = true
  }

  isOpen(): boolean {
    return this.open
  }

  flush(): void {}

  close(): void {
    this.open = false
  }

  /**
   * What the store holds at a changelog key, as the changelog carries it
   * (null: nothing), so a restarted task can log the state back over
   * changelog records a crash left beyond the last commit; undefined: this
   * store cannot say. @internal
   */
  changelogValue(_key: Buffer): BytesEntry | null | undefined {
    return undefined
  }

  /** Restoring from the changelog: bytes as logged, not logged again. */
  abstract restore(key: Buffer, value: Buffer | null, timestamp: number): void

  /**
   * A write through the record cache (Kafka's caching stores): the value
   * as of the last flush is kept for the flush's old value the first time
   * the key changes after it, the bytes are written, and what the write
   * evicted is returned for the store to forward.
   */
  protected cachedWrite(cache: NamedCache, bytes: BytesStore, key: Buffer, value: Buffer | null, timestamp: number): CacheEntry[] {
    const id = key.toString('latin1')
    let old: unknown = null
    if (!cache.isDirty(id)) {
      const was = bytes.get(key)
      old = was === undefined ? null : this.valueSerde!.deserialize(this.topic, was.value)
    }
    cache.put(id, key, old, timestamp, value === null ? null : value.length)
    bytes.put(key, value === null ? null : {value, timestamp})
    return cache.evict()
  }

  protected keyBytes(key: K): Buffer {
    if (key === null || key === undefined) throw new StreamsError(`store ${this.name}: a key may not be null`)
    this.checkOpen()
    return this.keySerde!.serialize(this.topic, key)!
  }

  protected checkOpen(): void {
    if (!this.open) throw new StreamsError(`store ${this.name} is not open`, {hint: "stores are open between a processor's init and close"})
  }
}
