/**
 * Session stores (Kafka's SessionStore, in memory like the other stores):
 * an aggregate per key and session window [start, end], kept for the
 * store's retention behind the largest session end put, dropped after.
 * Changelog key as Kafka's SessionKeySchema: the key's bytes, the end
 * (8 bytes), then the start (8 bytes); a removed session logs a tombstone.
 */
import type {Serde} from '../serdes.js'
import type {BytesEntry} from './persistent-bytes-store.js'
import {WriteThroughStore} from './write-through-store.js'
import {LoggedStoreBuilder, type StoreInit} from './state-store.js'

const SUFFIX = 16

export interface SessionEntry<K, V> {
  key: K
  start: number
  end: number
  value: V
}

interface Stored {
  key: Buffer
  start: number
  end: number
  value: Buffer
}

function storeKey(key: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(key.length + SUFFIX)
  key.copy(out, 0)
  out.writeBigInt64BE(BigInt(end), key.length)
  out.writeBigInt64BE(BigInt(start), key.length + 8)
  return out
}

export class SessionStore<K, V> extends WriteThroughStore<K, V> {
  private readonly sessions = new Map<string, Stored>()
  /** Each key's sessions by their store key: findSessions reads one key's, not all. */
  private readonly byKey = new Map<string, Map<string, Stored>>()
  private observed = -1
  constructor(name: string, readonly retentionMs: number, keySerde: Serde<K> | null, valueSerde: Serde<V> | null, persistent = false) {
    // A persistent store's files: every session written through, read back whole at init (the working index stays in memory).
    super(name, keySerde, valueSerde, persistent)
  }

  override changelogValue(key: Buffer): BytesEntry | null {
    const s = this.sessions.get(key.toString('latin1'))
    return s ? {value: s.value, timestamp: s.end} : null
  }

  /**
   * The key's sessions that end at or after earliestSessionEndTime and
   * start at or before latestSessionStartTime (what a new record at t with
   * gap g may merge with: t - g and t + g), by end then start.
   */
  findSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): Array<SessionEntry<K, V>> {
    const own = this.byKey.get(this.keyBytes(key).toString('latin1'))
    if (!own) return []
    return this.live(own.values())
      .filter((s) => s.end >= earliestSessionEndTime && s.start <= latestSessionStartTime)
      .map((s) => this.typed(s))
  }

  fetchSession(key: K, start: number, end: number): V | null {
    const s = this.sessions.get(storeKey(this.keyBytes(key), start, end).toString('latin1'))
    return s === undefined || s.end <= this.observed - this.retentionMs ? null : (this.valueSerde!.deserialize(this.topic, s.value) as V)
  }

  /** Every session of the key, by end then start. */
  fetch(key: K): Array<SessionEntry<K, V>> {
    return this.findSessions(key, 0, Number.MAX_SAFE_INTEGER)
  }

  all(): Array<SessionEntry<K, V>> {
    this.checkOpen()
    return this.live(this.sessions.values()).map((s) => this.typed(s))
  }

  /** A null aggregate removes the session. */
  put(key: K, start: number, end: number, value: V | null): void {
    const kb = this.keyBytes(key)
    if (end > this.observed) {
      this.observed = end
      this.expire()
    }
    if (end <= this.observed - this.retentionMs) return // expired already: Kafka drops the write
    const k = storeKey(kb, start, end)
    const vb = value === null || value === undefined ? null : this.valueSerde!.serialize(this.topic, value)
    if (vb === null) this.drop(k.toString('latin1'))
    else this.keep(k.toString('latin1'), {key: kb, start, end, value: vb})
    this.changelog?.(k, vb, end)
  }

  remove(key: K, start: number, end: number): void {
    this.put(key, start, end, null)
  }

  restore(key: Buffer, value: Buffer | null, _timestamp: number): void {
    if (key.length < SUFFIX) return
    const kb = Buffer.from(key.subarray(0, key.length - SUFFIX))
    const end = Number(key.readBigInt64BE(key.length - SUFFIX))
    const start = Number(key.readBigInt64BE(key.length - 8))
    if (end > this.observed) this.observed = end
    if (value === null) this.drop(key.toString('latin1'))
    else this.keep(key.toString('latin1'), {key: kb, start, end, value})
  }

  private keep(id: string, s: Stored): void {
    this.disk?.put(Buffer.from(id, 'latin1'), {value: s.value, timestamp: s.end})
    this.sessions.set(id, s)
    const k = s.key.toString('latin1')
    let own = this.byKey.get(k)
    if (!own) this.byKey.set(k, (own = new Map()))
    own.set(id, s)
  }

  private drop(id: string): void {
    const s = this.sessions.get(id)
    if (!s) return
    this.disk?.put(Buffer.from(id, 'latin1'), null)
    this.sessions.delete(id)
    const k = s.key.toString('latin1')
    const own = this.byKey.get(k)
    own?.delete(id)
    if (own?.size === 0) this.byKey.delete(k)
  }

  private live(sessions: Iterable<Stored>): Stored[] {
    const cutoff = this.observed - this.retentionMs
    return [...sessions].filter((s) => s.end > cutoff).sort((a, b) => a.end - b.end || a.start - b.start || Buffer.compare(a.key, b.key))
  }

  private typed(s: Stored): SessionEntry<K, V> {
    return {key: this.keySerde!.deserialize(this.topic, s.key) as K, start: s.start, end: s.end, value: this.valueSerde!.deserialize(this.topic, s.value) as V}
  }

  private expire(): void {
    const cutoff = this.observed - this.retentionMs
    for (const [id, s] of this.sessions) if (s.end <= cutoff) this.drop(id)
  }
}

export class SessionStoreBuilder<K, V> extends LoggedStoreBuilder<SessionStore<K, V>> {
  constructor(name: string, private readonly retentionMs: number, private readonly keySerde: Serde<K> | null, private readonly valueSerde: Serde<V> | null, private readonly persistent = false) {
    super(name)
  }

  get retentionPeriodMs(): number {
    return this.retentionMs
  }

  build(): SessionStore<K, V> {
    return new SessionStore(this.name, this.retentionMs, this.keySerde, this.valueSerde, this.persistent)
  }
}
