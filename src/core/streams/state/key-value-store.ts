/**
 * Key-value stores: `Stores.inMemoryKeyValueStore(name)` supplies the bytes
 * store, `Stores.keyValueStoreBuilder(supplier, keySerde, valueSerde)` the
 * typed store over it (serdes left null take the app's defaults at init),
 * logged by default to `<application.id>-<name>-changelog` as Kafka logs
 * it: each put or delete sends the key's and value's bytes (null for a
 * delete) with the record's timestamp.
 *
 * Each entry keeps the timestamp of the record that wrote it (Kafka's
 * timestamped stores, which the DSL's aggregations use); `get` gives the
 * value, `getWithTimestamp` both.
 */
import {join} from 'node:path'
import {KeyValue} from '../key-value.js'
import type {Headers} from '../record.js'
import {type Serde} from '../serdes.js'
import {type BytesEntry, type BytesStore, PersistentBytesStore} from './persistent-bytes-store.js'
import {type CacheEntry, NamedCache} from './record-cache.js'
import {SerializedStore} from './serialized-store.js'
import {LoggedStoreBuilder, type StoreInit} from './state-store.js'

export interface ValueAndTimestamp<V> {
  value: V
  timestamp: number
}

type Entry = BytesEntry

/** The bytes underneath, ordered by key bytes. */
export class InMemoryBytesStore implements BytesStore {
  private readonly map = new Map<string, Entry>()
  private sorted: string[] | null = null

  get(key: Buffer, id?: string): Entry | undefined {
    return this.map.get(id ?? key.toString('latin1'))
  }

  put(key: Buffer, entry: Entry | null, id?: string): void {
    const k = id ?? key.toString('latin1')
    if (entry === null) {
      if (this.map.delete(k)) this.sorted = null
      return
    }
    if (!this.map.has(k)) this.sorted = null
    this.map.set(k, entry)
  }

  get size(): number {
    return this.map.size
  }

  /** Entries with from <= key <= to (either bound may be null: open), in key order. */
  *range(from: Buffer | null, to: Buffer | null, reverse = false): Generator<[Buffer, Entry]> {
    this.sorted ??= [...this.map.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')))
    const keys = reverse ? [...this.sorted].reverse() : this.sorted
    for (const k of keys) {
      const kb = Buffer.from(k, 'latin1')
      if (from !== null && Buffer.compare(kb, from) < 0) continue
      if (to !== null && Buffer.compare(kb, to) > 0) continue
      const e = this.map.get(k)
      if (e) yield [kb, e]
    }
  }

  clear(): void {
    this.map.clear()
    this.sorted = null
  }

  flush(): void {}

  close(): void {}
}

export class KeyValueStore<K, V> extends SerializedStore<K, V> {
  private bytes: BytesStore
  /** Kept under the task's state directory when the task has one (not in the TopologyTestDriver). */
  readonly persistent: boolean

  readonly cachingEnabled: boolean
  private cache: NamedCache | null = null
  private flushListener: ((key: K, newValue: V | null, oldValue: V | null, timestamp: number, headers: Headers | null) => void) | null = null

  /** Stores are made by their builders (Stores.keyValueStoreBuilder). @internal */
  constructor(name: string, bytes: BytesStore, keySerde: Serde<K> | null, valueSerde: Serde<V> | null, persistent = false, cachingEnabled = false) {
    super(name, keySerde, valueSerde)
    this.bytes = bytes
    this.persistent = persistent
    this.cachingEnabled = cachingEnabled
  }

  override init(init: StoreInit, changelogTopic: string): void {
    super.init(init, changelogTopic)
    if (this.persistent && init.stateDir !== undefined) this.bytes = new PersistentBytesStore(join(init.stateDir, this.name))
    if (this.cachingEnabled && init.cache && init.cache.maxBytes > 0) this.cache = new NamedCache(init.cache)
  }

  /**
   * Kafka's setFlushListener: with the cache on, the processor writing the
   * store leaves forwarding to the store, which calls `listener` with each
   * key's latest value (and its value as of the last flush) when it
   * flushes or evicts; false when the store has no cache (the processor
   * forwards every update itself). @internal
   */
  setFlushListener(listener: (key: K, newValue: V | null, oldValue: V | null, timestamp: number, headers: Headers | null) => void): boolean {
    this.flushListener = listener
    return this.cache !== null
  }

  /** Logs and forwards the latest value of each key changed since the last flush (at commit). @internal */
  flushCache(): void {
    if (this.cache) this.emit(this.cache.flush())
  }

  /** What the store's cache holds, least recently used first (tests). @internal */
  cachedKeys(): K[] {
    return this.cache?.keys().map((k) => this.keySerde!.deserialize(this.topic, k) as K) ?? []
  }

  private emit(entries: CacheEntry[]): void {
    for (const e of entries) {
      const now = this.bytes.get(e.key)
      if (now === undefined && e.oldValue === null) continue // added and removed again between flushes: nothing happened
      this.changelog?.(e.key, now?.value ?? null, e.timestamp)
      this.flushListener?.(this.keySerde!.deserialize(this.topic, e.key) as K, now === undefined ? null : (this.valueSerde!.deserialize(this.topic, now.value) as V), e.oldValue as V | null, e.timestamp, e.headers)
    }
  }

  /** Writes since the last flush go to disk (a persistent store; nothing in memory). */
  override flush(): void {
    this.bytes.flush()
  }

  override close(): void {
    this.cache?.clear()
    this.bytes.close()
    super.close()
  }

  /** The store's bytes at a changelog key, as the changelog would carry them (null: absent). @internal */
  override changelogValue(key: Buffer): BytesEntry | null {
    return this.bytes.get(key) ?? null
  }

  get(key: K): V | null {
    return this.getWithTimestamp(key)?.value ?? null
  }

  /** An interactive query's read: not a use of the cache, which only the task's processing moves (Kafka's: only the stream thread). @internal */
  query(key: K): V | null {
    const e = this.bytes.get(this.keyBytes(key))
    return e === undefined ? null : (this.valueSerde!.deserialize(this.topic, e.value) as V)
  }

  getWithTimestamp(key: K): ValueAndTimestamp<V> | null {
    const kb = this.keyBytes(key)
    const id = this.keyId(kb)
    const e = this.bytes.get(kb, id)
    const value = e === undefined ? null : (this.valueSerde!.deserialize(this.topic, e.value) as V)
    if (this.cache) {
      // A read is a use: the key becomes the cache's most recent (a present one cached clean), which can evict others.
      this.cache.touch(id, kb, e === undefined ? null : e.value.length, e?.timestamp ?? 0)
      // An aggregation writes the key it just read: the value read is the old one the cache keeps (when it cannot be
      // changed in place). Set before the eviction's forwards, so a write they make to this store clears it.
      this.lastRead = value === null || typeof value !== 'object' ? {id, value} : null
      this.emit(this.cache.evict())
    }
    return e === undefined ? null : {value: value as V, timestamp: e.timestamp}
  }

  /** The key getWithTimestamp read last and its value, until the next write. */
  private lastRead: {id: string; value: unknown} | null = null

  /** A null value deletes, as in Kafka. */
  put(key: K, value: V | null, timestamp = this.now()): void {
    const kb = this.keyBytes(key)
    const vb = value === null || value === undefined ? null : this.valueSerde!.serialize(this.topic, value)
    if (this.cache) {
      const known = this.lastRead
      this.lastRead = null
      this.emit(this.cachedWrite(this.cache, this.bytes, kb, vb, timestamp, known))
      return
    }
    this.bytes.put(kb, vb === null ? null : {value: vb, timestamp}, this.keyId(kb))
    this.changelog?.(kb, vb, timestamp)
  }

  putIfAbsent(key: K, value: V): V | null {
    const old = this.get(key)
    if (old === null) this.put(key, value)
    return old
  }

  putAll(entries: Iterable<KeyValue<K, V | null>>): void {
    for (const e of entries) this.put(e.key, e.value)
  }

  delete(key: K): V | null {
    const old = this.get(key)
    if (old !== null) this.put(key, null)
    return old
  }

  range(from: K | null, to: K | null): Array<KeyValue<K, V>> {
    return this.collect(from, to, false)
  }

  reverseRange(from: K | null, to: K | null): Array<KeyValue<K, V>> {
    return this.collect(from, to, true)
  }

  all(): Array<KeyValue<K, V>> {
    return this.collect(null, null, false)
  }

  /** Restoring from the changelog: bytes as logged, not logged again. */
  restore(key: Buffer, value: Buffer | null, timestamp: number): void {
    this.bytes.put(Buffer.from(key), value === null ? null : {value: Buffer.from(value), timestamp})
  }

  approximateNumEntries(): number {
    return this.bytes.size
  }

  private collect(from: K | null, to: K | null, reverse: boolean): Array<KeyValue<K, V>> {
    this.checkOpen()
    const fb = from === null ? null : this.keyBytes(from)
    const tb = to === null ? null : this.keyBytes(to)
    const out: Array<KeyValue<K, V>> = []
    for (const [k, e] of this.bytes.range(fb, tb, reverse)) {
      out.push(KeyValue.pair(this.keySerde!.deserialize(this.topic, k) as K, this.valueSerde!.deserialize(this.topic, e.value) as V))
    }
    return out
  }
}

export interface KeyValueBytesStoreSupplier {
  readonly name: string
  /** Stores.persistentKeyValueStore's: on disk under the task's state directory. */
  readonly persistent?: boolean
  /** A new bytes store for a task (a persistent one opens its files at init). @internal */
  get(): BytesStore
}

export class KeyValueStoreBuilder<K, V> extends LoggedStoreBuilder<KeyValueStore<K, V>> {
  constructor(
    private readonly supplier: KeyValueBytesStoreSupplier,
    private readonly keySerde: Serde<K> | null,
    private readonly valueSerde: Serde<V> | null,
  ) {
    super(supplier.name)
  }

  build(): KeyValueStore<K, V> {
    return new KeyValueStore(this.name, this.supplier.get(), this.keySerde, this.valueSerde, this.supplier.persistent === true, this.cachingEnabled)
  }
}
