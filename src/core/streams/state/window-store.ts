/**
 * Window stores (Kafka's WindowStore, as the DSL's windowed aggregations
 * use them): a value per key and window start, kept for the store's
 * retention behind stream time and dropped after. Changes are logged with
 * Kafka's window-store changelog key: the key's bytes, the window start
 * (8 bytes) and a sequence number (4 bytes, 0: no duplicates kept).
 */
import {join} from 'node:path'
import type {Headers} from '../record.js'
import type {Serde} from '../serdes.js'
import {InMemoryBytesStore} from './key-value-store.js'
import {type BytesEntry, type BytesStore, PersistentBytesStore} from './persistent-bytes-store.js'
import {type CacheEntry, NamedCache} from './record-cache.js'
import {SerializedStore} from './serialized-store.js'
import {LoggedStoreBuilder, type StoreInit} from './state-store.js'

const SUFFIX = 12

function storeKey(key: Buffer, start: number): Buffer {
  const out = Buffer.allocUnsafe(key.length + SUFFIX)
  key.copy(out, 0)
  out.writeBigInt64BE(BigInt(start), key.length)
  out.writeInt32BE(0, key.length + 8)
  return out
}

function splitKey(k: Buffer): {key: Buffer; start: number} {
  return {key: k.subarray(0, k.length - SUFFIX), start: Number(k.readBigInt64BE(k.length - SUFFIX))}
}

/** What a window store is made from: Kafka's WindowBytesStoreSupplier's name, retention and window size, and whether it lives on disk. */
export interface WindowStoreSpec {
  name: string
  retentionMs: number
  windowSizeMs: number
  persistent?: boolean
}

export class WindowStore<K, V> extends SerializedStore<K, V> {
  readonly retentionMs: number
  readonly windowSizeMs: number
  private bytes: BytesStore = new InMemoryBytesStore()
  /** The largest window start put: what retention is counted back from. */
  private observed = -1

  readonly persistent: boolean

  readonly cachingEnabled: boolean
  private cache: NamedCache | null = null
  private flushListener: ((key: K, windowStart: number, newValue: V | null, oldValue: V | null, timestamp: number, headers: Headers | null) => void) | null = null

  constructor(spec: WindowStoreSpec, keySerde: Serde<K> | null, valueSerde: Serde<V> | null, cachingEnabled = false) {
    super(spec.name, keySerde, valueSerde)
    this.retentionMs = spec.retentionMs
    this.windowSizeMs = spec.windowSizeMs
    this.persistent = spec.persistent === true
    this.cachingEnabled = cachingEnabled
  }

  override init(init: StoreInit, changelogTopic: string): void {
    super.init(init, changelogTopic)
    if (this.cachingEnabled && init.cache && init.cache.maxBytes > 0) this.cache = new NamedCache(init.cache)
    if (!this.persistent || init.stateDir === undefined) return
    this.bytes = new PersistentBytesStore(join(init.stateDir, this.name))
    // Retention counts back from the largest window start, which the files keep only as their keys.
    for (const [k] of this.bytes.range(null, null)) if (k.length >= SUFFIX) this.observed = Math.max(this.observed, splitKey(k).start)
  }

  /**
   * Kafka's CachingWindowStore.setFlushListener: with the cache on, the
   * store forwards each windowed key's latest value (and its value as of
   * the last flush) when it flushes or evicts; false when the store has no
   * cache (the processor forwards every update itself). @internal
   */
  setFlushListener(listener: (key: K, windowStart: number, newValue: V | null, oldValue: V | null, timestamp: number, headers: Headers | null) => void): boolean {
    this.flushListener = listener
    return this.cache !== null
  }

  /** Logs and forwards the latest value of each window changed since the last flush (at commit). @internal */
  flushCache(): void {
    if (this.cache) this.emit(this.cache.flush())
  }

  private emit(entries: CacheEntry[]): void {
    for (const e of entries) {
      const {key, start} = splitKey(e.key)
      // A window the store dropped meanwhile (out of retention) is neither logged nor forwarded: its write would be dropped too.
      if (start <= this.observed - this.retentionMs) continue
      const now = this.bytes.get(e.key)
      if (now === undefined && e.oldValue === null) continue
      this.changelog?.(e.key, now?.value ?? null, e.timestamp)
      this.flushListener?.(this.keySerde!.deserialize(this.topic, key) as K, start, now === undefined ? null : (this.valueSerde!.deserialize(this.topic, now.value) as V), e.oldValue as V | null, e.timestamp, e.headers)
    }
  }

  override flush(): void {
    this.bytes.flush()
  }

  override close(): void {
    this.cache?.clear()
    this.bytes.close()
    super.close()
  }

  override changelogValue(key: Buffer): BytesEntry | null {
    return this.bytes.get(key) ?? null
  }

  /** A null value deletes the window's entry. */
  put(key: K, value: V | null, windowStart: number, timestamp = this.now()): void {
    const k = storeKey(this.keyBytes(key), windowStart)
    if (windowStart > this.observed) {
      this.observed = windowStart
      this.expire()
    }
    if (windowStart <= this.observed - this.retentionMs) return // expired already: Kafka drops the write
    const v = value === null || value === undefined ? null : this.valueSerde!.serialize(this.topic, value)
    if (this.cache) {
      this.emit(this.cachedWrite(this.cache, this.bytes, k, v, timestamp))
      return
    }
    this.bytes.put(k, v === null ? null : {value: v, timestamp})
    this.changelog?.(k, v, timestamp)
  }

  fetch(key: K, windowStart: number): V | null {
    return this.fetchWithTimestamp(key, windowStart)?.value ?? null
  }

  fetchWithTimestamp(key: K, windowStart: number): {value: V; timestamp: number} | null {
    const k = storeKey(this.keyBytes(key), windowStart)
    const e = this.bytes.get(k)
    if (this.cache) {
      this.cache.touch(k.toString('latin1'), k, e === undefined ? null : e.value.length, e?.timestamp ?? 0)
      this.emit(this.cache.evict())
    }
    return e === undefined ? null : {value: this.valueSerde!.deserialize(this.topic, e.value) as V, timestamp: e.timestamp}
  }

  /** Windows of `key` starting in [timeFrom, timeTo], oldest first. */
  fetchRange(key: K, timeFrom: number, timeTo: number): Array<{windowStart: number; value: V}> {
    const kb = this.keyBytes(key)
    return this.entries()
      .filter((e) => e.key.equals(kb) && e.start >= timeFrom && e.start <= timeTo)
      .map((e) => ({windowStart: e.start, value: this.valueSerde!.deserialize(this.topic, e.value) as V}))
  }

  /** Every window starting in [timeFrom, timeTo], by start then key. */
  fetchAll(timeFrom = 0, timeTo = Number.MAX_SAFE_INTEGER): Array<{key: K; windowStart: number; windowEnd: number; value: V}> {
    return this.entries()
      .filter((e) => e.start >= timeFrom && e.start <= timeTo)
      .map((e) => ({key: this.keySerde!.deserialize(this.topic, e.key) as K, windowStart: e.start, windowEnd: e.start + this.windowSizeMs, value: this.valueSerde!.deserialize(this.topic, e.value) as V}))
  }

  all(): Array<{key: K; windowStart: number; windowEnd: number; value: V}> {
    return this.fetchAll()
  }

  /** Restoring from the changelog. */
  restore(key: Buffer, value: Buffer | null, timestamp: number): void {
    if (key.length < SUFFIX) return
    const {start} = splitKey(key)
    if (start > this.observed) this.observed = start
    this.bytes.put(key, value === null ? null : {value, timestamp})
  }

  private entries(): Array<{key: Buffer; start: number; value: Buffer}> {
    const out: Array<{key: Buffer; start: number; value: Buffer}> = []
    for (const [k, e] of this.bytes.range(null, null)) {
      const {key, start} = splitKey(k)
      if (start > this.observed - this.retentionMs) out.push({key, start, value: e.value})
    }
    return out.sort((a, b) => a.start - b.start || Buffer.compare(a.key, b.key))
  }

  private expire(): void {
    for (const [k] of [...this.bytes.range(null, null)]) {
      if (splitKey(k).start <= this.observed - this.retentionMs) this.bytes.put(k, null)
    }
  }
}

export class WindowStoreBuilder<K, V> extends LoggedStoreBuilder<WindowStore<K, V>> {
  /** As Kafka's WindowStoreBuilder(storeSupplier, keySerde, valueSerde). */
  constructor(
    private readonly spec: WindowStoreSpec,
    private readonly keySerde: Serde<K> | null,
    private readonly valueSerde: Serde<V> | null,
  ) {
    super(spec.name)
  }

  get retentionPeriodMs(): number {
    return this.spec.retentionMs
  }

  build(): WindowStore<K, V> {
    return new WindowStore({...this.spec, name: this.name}, this.keySerde, this.valueSerde, this.cachingEnabled)
  }
}
