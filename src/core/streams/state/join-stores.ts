/**
 * The two stores a stream-stream join keeps (Kafka's window store with
 * retainDuplicates, and the ListValueStore behind the left/outer join's
 * "shared" store), in memory like the other stores.
 *
 * JoinWindowStore: every record of one side by key and timestamp, two
 * records with the same key and timestamp both kept (Kafka's sequence
 * number), dropped once their timestamp is a retention behind the largest
 * put. Changelog key as Kafka's: key bytes, timestamp (8 bytes), sequence
 * number (4 bytes).
 *
 * OuterJoinStore: the records that found no partner yet, keyed as Kafka's
 * TimestampedKeyAndJoinSide (timestamp, 1 for the left side and 0 for the
 * right, key bytes: so `all()` walks them oldest first), each key holding a
 * list (a put appends, a remove drops the list). Its changelog value is the
 * list: a count, then per value its side byte and length-prefixed bytes.
 */
import type {Serde} from '../serdes.js'
import {StreamsError} from '../streams-error.js'
import {SerializedStore} from './serialized-store.js'
import {LoggedStoreBuilder, type StoreInit} from './state-store.js'

interface Timed {
  timestamp: number
  seq: number
  value: Buffer
}

export class JoinWindowStore<K, V> extends SerializedStore<K, V> {
  private readonly byKey = new Map<string, Timed[]>()
  private observed = -1
  private seq = 0

  constructor(name: string, readonly retentionMs: number, keySerde: Serde<K> | null, valueSerde: Serde<V> | null) {
    super(name, keySerde, valueSerde)
  }

  put(key: K, value: V, timestamp: number): void {
    const kb = this.keyBytes(key)
    if (timestamp > this.observed) this.observed = timestamp
    if (timestamp <= this.observed - this.retentionMs) return // expired already: Kafka drops the write
    const vb = this.valueSerde!.serialize(this.topic, value)
    if (vb === null) return
    this.seq = (this.seq + 1) | 0
    this.add(kb, {timestamp, seq: this.seq, value: vb})
    const ck = Buffer.allocUnsafe(kb.length + 12)
    kb.copy(ck, 0)
    ck.writeBigInt64BE(BigInt(timestamp), kb.length)
    ck.writeInt32BE(this.seq, kb.length + 8)
    this.changelog?.(ck, vb, timestamp)
  }

  /** The key's records with timeFrom <= timestamp <= timeTo, oldest first, the same timestamp in the order put. */
  fetch(key: K, timeFrom: number, timeTo: number): Array<{timestamp: number; value: V}> {
    const list = this.byKey.get(this.keyBytes(key).toString('latin1'))
    if (!list) return []
    const from = Math.max(timeFrom, this.observed - this.retentionMs + 1)
    const out: Array<{timestamp: number; value: V}> = []
    for (const e of list) if (e.timestamp >= from && e.timestamp <= timeTo) out.push({timestamp: e.timestamp, value: this.valueSerde!.deserialize(this.topic, e.value) as V})
    return out
  }

  override changelogValue(key: Buffer): {value: Buffer; timestamp: number} | null {
    if (key.length < 12) return null
    const ts = Number(key.readBigInt64BE(key.length - 12))
    const seq = key.readInt32BE(key.length - 8)
    const e = this.byKey.get(key.subarray(0, key.length - 12).toString('latin1'))?.find((x) => x.timestamp === ts && x.seq === seq)
    return e ? {value: e.value, timestamp: e.timestamp} : null
  }

  restore(key: Buffer, value: Buffer | null, _timestamp: number): void {
    if (key.length < 12 || value === null) return
    const ts = Number(key.readBigInt64BE(key.length - 12))
    if (ts > this.observed) this.observed = ts
    this.add(key.subarray(0, key.length - 12), {timestamp: ts, seq: key.readInt32BE(key.length - 8), value})
  }

  private add(kb: Buffer, e: Timed): void {
    const k = kb.toString('latin1')
    let list = this.byKey.get(k)
    if (!list) this.byKey.set(k, (list = []))
    let i = list.length
    while (i > 0 && (list[i - 1].timestamp > e.timestamp || (list[i - 1].timestamp === e.timestamp && list[i - 1].seq > e.seq))) i--
    list.splice(i, 0, e)
    // Expiry as the store is written: what the retention no longer covers goes.
    const cutoff = this.observed - this.retentionMs
    while (list.length > 0 && list[0].timestamp <= cutoff) list.shift()
    if (list.length === 0) this.byKey.delete(k)
  }
}

export interface OuterJoinEntry<K> {
  timestamp: number
  left: boolean
  key: K
  values: Array<{left: boolean; value: unknown}>
}

export class OuterJoinStore<K> extends SerializedStore<K, unknown> {
  private readonly entries = new Map<string, {timestamp: number; left: boolean; key: Buffer; values: Array<{left: boolean; value: Buffer}>}>()
  private leftSerde: Serde<unknown> | null
  private rightSerde: Serde<unknown> | null
  /** The keys in order, kept until a key comes or goes (all() runs on most records of a left or outer join). */
  private sorted: string[] | null = null

  constructor(name: string, keySerde: Serde<K> | null, leftSerde: Serde<unknown> | null, rightSerde: Serde<unknown> | null) {
    super(name, keySerde, leftSerde)
    this.leftSerde = leftSerde
    this.rightSerde = rightSerde
  }

  override init(init: StoreInit, changelogTopic: string): void {
    super.init(init, changelogTopic)
    this.leftSerde ??= init.defaultValueSerde
    this.rightSerde ??= init.defaultValueSerde
  }

  /** Appends a value to the list at (timestamp, side, key). */
  add(timestamp: number, left: boolean, key: K, value: unknown): void {
    const sk = this.storeKey(timestamp, left, this.keyBytes(key))
    const vb = (left ? this.leftSerde! : this.rightSerde!).serialize(this.topic, value)
    if (vb === null) return
    const id = sk.toString('latin1')
    let e = this.entries.get(id)
    if (!e) {
      this.entries.set(id, (e = {timestamp, left, key: sk.subarray(9), values: []}))
      this.sorted = null
    }
    e.values.push({left, value: vb})
    this.changelog?.(sk, encodeList(e.values), timestamp)
  }

  /** Drops the list at (timestamp, side, key), if there is one (Kafka's putIfAbsent(key, null) on a ListValueStore). */
  remove(timestamp: number, left: boolean, key: K): void {
    const sk = this.storeKey(timestamp, left, this.keyBytes(key))
    if (this.entries.delete(sk.toString('latin1'))) {
      this.sorted = null
      this.changelog?.(sk, null, timestamp)
    }
  }

  /** Every list, by timestamp, then the right side before the left, then key bytes. */
  all(): Array<OuterJoinEntry<K>> {
    return [...this.scan()]
  }

  /** all(), read as it is walked: the join stops at the first list whose window is still open. */
  *scan(): Generator<OuterJoinEntry<K>> {
    this.checkOpen()
    this.sorted ??= [...this.entries.keys()].sort()
    for (const id of this.sorted) {
      const e = this.entries.get(id)
      if (!e) continue // removed while walking
      yield {
        timestamp: e.timestamp,
        left: e.left,
        key: this.keySerde!.deserialize(this.topic, e.key) as K,
        values: e.values.map((v) => ({left: v.left, value: (v.left ? this.leftSerde! : this.rightSerde!).deserialize(this.topic, v.value)})),
      }
    }
  }

  override changelogValue(key: Buffer): {value: Buffer; timestamp: number} | null {
    const e = this.entries.get(key.toString('latin1'))
    return e ? {value: encodeList(e.values), timestamp: e.timestamp} : null
  }

  restore(key: Buffer, value: Buffer | null, _timestamp: number): void {
    if (key.length < 9) return
    const id = key.toString('latin1')
    this.sorted = null
    if (value === null) {
      this.entries.delete(id)
      return
    }
    this.entries.set(id, {timestamp: Number(key.readBigInt64BE(0)), left: key[8] === 1, key: Buffer.from(key.subarray(9)), values: decodeList(value, this.name)})
  }

  private storeKey(timestamp: number, left: boolean, kb: Buffer): Buffer {
    const out = Buffer.allocUnsafe(9 + kb.length)
    out.writeBigInt64BE(BigInt(timestamp), 0)
    out[8] = left ? 1 : 0
    kb.copy(out, 9)
    return out
  }
}

function encodeList(values: Array<{left: boolean; value: Buffer}>): Buffer {
  const parts: Buffer[] = [Buffer.alloc(4)]
  parts[0].writeInt32BE(values.length, 0)
  for (const v of values) {
    const h = Buffer.allocUnsafe(5)
    h[0] = v.left ? 1 : 0
    h.writeInt32BE(v.value.length, 1)
    parts.push(h, v.value)
  }
  return Buffer.concat(parts)
}

function decodeList(b: Buffer, store: string): Array<{left: boolean; value: Buffer}> {
  const bad = () => new StreamsError(`store ${store}: a changelog value of ${b.length} bytes is not a list of join values`)
  if (b.length < 4) throw bad()
  const n = b.readInt32BE(0)
  if (n < 0 || n > (b.length - 4) / 5) throw bad()
  const out: Array<{left: boolean; value: Buffer}> = []
  let p = 4
  for (let i = 0; i < n; i++) {
    if (p + 5 > b.length) throw bad()
    const len = b.readInt32BE(p + 1)
    if (len < 0 || p + 5 + len > b.length) throw bad()
    out.push({left: b[p] === 1, value: Buffer.from(b.subarray(p + 5, p + 5 + len))})
    p += 5 + len
  }
  return out
}

export class JoinWindowStoreBuilder<K, V> extends LoggedStoreBuilder<JoinWindowStore<K, V>> {
  constructor(name: string, private readonly retentionMs: number, private readonly keySerde: Serde<K> | null, private readonly valueSerde: Serde<V> | null) {
    super(name)
  }

  build(): JoinWindowStore<K, V> {
    return new JoinWindowStore(this.name, this.retentionMs, this.keySerde, this.valueSerde)
  }
}

export class OuterJoinStoreBuilder<K> extends LoggedStoreBuilder<OuterJoinStore<K>> {
  constructor(name: string, private readonly keySerde: Serde<K> | null, private readonly leftSerde: Serde<unknown> | null, private readonly rightSerde: Serde<unknown> | null) {
    super(name)
  }

  build(): OuterJoinStore<K> {
    return new OuterJoinStore(this.name, this.keySerde, this.leftSerde, this.rightSerde)
  }
}
