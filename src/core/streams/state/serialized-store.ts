/**
 * What every typed store shares: its serdes (the app's defaults where the
 * builder gave none), the changelog it logs to, the current record's
 * timestamp, and being open only between init and close.
 */
import type {Headers} from '../record.js'
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
  /** The current record's headers, which a cached write keeps for its flush. */
  private headersNow: (() => Headers) | undefined
  private open = false
  private lastKey: unknown = undefined
  private lastKeyBytes: Buffer | null = null
  private lastKeyId: string | null = null
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
    this.headersNow = init.headers
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
  protected cachedWrite(cache: NamedCache, bytes: BytesStore, key: Buffer, value: Buffer | null, timestamp: number, known?: {id: string; value: unknown} | null): CacheEntry[] {
    const id = this.keyId(key)
    let old: unknown = null
    if (!cache.isDirty(id)) {
      if (known?.id === id) old = known.value
      else {
        const was = bytes.get(key, id)
        old = was === undefined ? null : this.valueSerde!.deserialize(this.topic, was.value)
      }
    }
    cache.put(id, key, old, timestamp, value === null ? null : value.length, this.headersNow?.() ?? null)
    bytes.put(key, value === null ? null : {value, timestamp}, id)
    return cache.evict()
  }

  protected keyBytes(key: K): Buffer {
    if (key === null || key === undefined) throw new StreamsError(`store ${this.name}: a key may not be null`)
    this.checkOpen()
    // An aggregation reads a key and then writes it: a string or number key is serialized once for both (an object key may have changed in between).
    if (key === this.lastKey && this.lastKeyBytes !== null) return this.lastKeyBytes
    const kb = this.keySerde!.serialize(this.topic, key)!
    const t = typeof key
    if (t === 'string' || t === 'number' || t === 'bigint' || t === 'boolean') {
      this.lastKey = key
      this.lastKeyBytes = kb
      this.lastKeyId = null
    }
    return kb
  }

  /** The key's bytes as latin1, what the bytes stores and the cache index by; made once for the last key serialized. */
  protected keyId(kb: Buffer): string {
    if (kb !== this.lastKeyBytes) return kb.toString('latin1')
    return (this.lastKeyId ??= kb.toString('latin1'))
  }

  protected checkOpen(): void {
    if (!this.open) throw new StreamsError(`store ${this.name} is not open`, {hint: "stores are open between a processor's init and close"})
  }
}
