/**
 * The two stores a stream-stream join keeps (Kafka's window store with
 * retainDuplicates, and the ListValueStore behind the left/outer join's
 * "shared" store). Both are persistent, as Kafka's join stores are by
 * default: under KafkaStreams every change is written through to an lmdb
 * environment in the task's directory (state/persistent-bytes-store.ts,
 * flushed at commit, so the `.checkpoint` covers them and a restart
 * restores only the changelog past it) and the working index stays in
 * memory, read back whole at init, as the session store does. Without a
 * task directory (the TopologyTestDriver) they live in memory only.
 *
 * JoinWindowStore: every record of one side by key and timestamp, two
 * records with the same key and timestamp both kept (Kafka's sequence
 * number), dropped once their timestamp is a retention behind the largest
 * put. Changelog key as Kafka's WindowKeySchema: key bytes, timestamp (8
 * bytes), sequence number (4 bytes, 1 and up, wrapping within 31 bits as
 * Kafka's); the value is the value's bytes. The sequence goes on after the
 * largest one restored, so a restarted task does not reuse a changelog key
 * (compaction would drop the earlier record of the two).
 *
 * OuterJoinStore: the records that found no partner yet, keyed as Kafka's
 * TimestampedKeyAndJoinSide (timestamp, 1 for the left side and 0 for the
 * right, key bytes: so `all()` walks them oldest first), each key holding a
 * list (a put appends, a remove drops the list and logs a tombstone). Its
 * changelog value is the list as Kafka's ListValueStore writes it
 * (`Serdes.ListSerde(ArrayList, ByteArray)`, variable size: the strategy
 * byte 1, a count, then per value its length and bytes), each value a
 * LeftOrRightValue (1 for a left value, 0 for a right one, then the value's
 * bytes). The list format of logpipe before this one (a count first, no
 * strategy byte) is still read.
 */
import type {Serde} from '../serdes.js'
import {StreamsError} from '../streams-error.js'
import {WriteThroughStore} from './write-through-store.js'
import {LoggedStoreBuilder, type StoreInit} from './state-store.js'

interface Timed {
  timestamp: number
  seq: number
  value: Buffer
}

const SUFFIX = 12

function windowKey(kb: Buffer, timestamp: number, seq: number): Buffer {
  const ck = Buffer.allocUnsafe(kb.length + SUFFIX)
  kb.copy(ck, 0)
  ck.writeBigInt64BE(BigInt(timestamp), kb.length)
  ck.writeInt32BE(seq, kb.length + 8)
  return ck
}

/** Opens a join store's files in the task directory, or none (in memory: no task directory, or not persistent). */
export class JoinWindowStore<K, V> extends WriteThroughStore<K, V> {
  private readonly byKey = new Map<string, Timed[]>()
  private observed = -1
  private seq = 0
  constructor(name: string, readonly retentionMs: number, keySerde: Serde<K> | null, valueSerde: Serde<V> | null, persistent = false) {
    // Persistent: every record written through to files under the task directory, read back whole at init.
    super(name, keySerde, valueSerde, persistent)
  }

  put(key: K, value: V, timestamp: number): void {
    const kb = this.keyBytes(key)
    if (timestamp > this.observed) this.observed = timestamp
    if (timestamp <= this.observed - this.retentionMs) return // expired already: Kafka drops the write
    const vb = this.valueSerde!.serialize(this.topic, value)
    if (vb === null) return
    this.seq = (this.seq + 1) & 0x7fffffff
    const e = {timestamp, seq: this.seq, value: vb}
    this.add(kb, e)
    const ck = windowKey(kb, timestamp, this.seq)
    this.disk?.put(ck, {value: vb, timestamp})
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
    if (key.length < SUFFIX) return null
    const ts = Number(key.readBigInt64BE(key.length - SUFFIX))
    const seq = key.readInt32BE(key.length - 4)
    const e = this.byKey.get(key.subarray(0, key.length - SUFFIX).toString('latin1'))?.find((x) => x.timestamp === ts && x.seq === seq)
    return e ? {value: e.value, timestamp: e.timestamp} : null
  }

  /** Restoring (from the changelog, or the files at init): a record as logged; a tombstone removes it. */
  restore(key: Buffer, value: Buffer | null, timestamp: number): void {
    if (key.length < SUFFIX) return
    const kb = key.subarray(0, key.length - SUFFIX)
    const ts = Number(key.readBigInt64BE(key.length - SUFFIX))
    const seq = key.readInt32BE(key.length - 4)
    // A restored sequence number is one the changelog holds: new records go on after the largest.
    if (seq > this.seq) this.seq = seq
    const list = this.byKey.get(kb.toString('latin1'))
    const at = list?.findIndex((x) => x.timestamp === ts && x.seq === seq) ?? -1
    if (at >= 0) list!.splice(at, 1)
    if (value === null) {
      if (list?.length === 0) this.byKey.delete(kb.toString('latin1'))
      this.disk?.put(Buffer.from(key), null)
      return
    }
    if (ts > this.observed) this.observed = ts
    const e = {timestamp: ts, seq, value: Buffer.from(value)}
    this.disk?.put(Buffer.from(key), {value: e.value, timestamp})
    this.add(Buffer.from(kb), e)
  }

  private add(kb: Buffer, e: Timed): void {
    const k = kb.toString('latin1')
    let list = this.byKey.get(k)
    if (!list) this.byKey.set(k, (list = []))
    let i = list.length
    while (i > 0 && (list[i - 1].timestamp > e.timestamp || (list[i - 1].timestamp === e.timestamp && list[i - 1].seq > e.seq))) i--
    list.splice(i, 0, e)
    // Expiry as the store is written: what the retention no longer covers goes (from the files too).
    const cutoff = this.observed - this.retentionMs
    while (list.length > 0 && list[0].timestamp <= cutoff) {
      const gone = list.shift()!
      this.disk?.put(windowKey(kb, gone.timestamp, gone.seq), null)
    }
    if (list.length === 0) this.byKey.delete(k)
  }
}

export interface OuterJoinEntry<K> {
  timestamp: number
  left: boolean
  key: K
  values: Array<{left: boolean; value: unknown}>
}

export class OuterJoinStore<K> extends WriteThroughStore<K, unknown> {
  private readonly entries = new Map<string, {timestamp: number; left: boolean; key: Buffer; values: Array<{left: boolean; value: Buffer}>}>()
  private leftSerde: Serde<unknown> | null
  private rightSerde: Serde<unknown> | null
  /** The keys in order, kept until a key comes or goes (all() runs on most records of a left or outer join). */
  private sorted: string[] | null = null

  constructor(name: string, keySerde: Serde<K> | null, leftSerde: Serde<unknown> | null, rightSerde: Serde<unknown> | null, persistent = false) {
    // Persistent: every list written through to files under the task directory, read back whole at init.
    super(name, keySerde, leftSerde, persistent)
    this.leftSerde = leftSerde
    this.rightSerde = rightSerde
  }

  override init(init: StoreInit, changelogTopic: string): void {
    this.leftSerde ??= init.defaultValueSerde
    this.rightSerde ??= init.defaultValueSerde
    super.init(init, changelogTopic)
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
    const list = encodeList(e.values)
    this.disk?.put(sk, {value: list, timestamp})
    this.changelog?.(sk, list, timestamp)
  }

  /** Drops the list at (timestamp, side, key), if there is one (Kafka's putIfAbsent(key, null) on a ListValueStore). */
  remove(timestamp: number, left: boolean, key: K): void {
    const sk = this.storeKey(timestamp, left, this.keyBytes(key))
    if (this.entries.delete(sk.toString('latin1'))) {
      this.sorted = null
      this.disk?.put(sk, null)
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

  restore(key: Buffer, value: Buffer | null, timestamp: number): void {
    if (key.length < 9) return
    const id = key.toString('latin1')
    this.sorted = null
    if (value === null) {
      this.entries.delete(id)
      this.disk?.put(Buffer.from(key), null)
      return
    }
    const values = decodeList(value, this.name)
    this.entries.set(id, {timestamp: Number(key.readBigInt64BE(0)), left: key[8] === 1, key: Buffer.from(key.subarray(9)), values})
    this.disk?.put(Buffer.from(key), {value: encodeList(values), timestamp})
  }

  private storeKey(timestamp: number, left: boolean, kb: Buffer): Buffer {
    const out = Buffer.allocUnsafe(9 + kb.length)
    out.writeBigInt64BE(BigInt(timestamp), 0)
    out[8] = left ? 1 : 0
    kb.copy(out, 9)
    return out
  }
}

/** Kafka's ListSerde strategy byte for a list of variable-size values (SerializationStrategy.VARIABLE_SIZE). */
const VARIABLE_SIZE = 1

/** The list as Kafka's ListValueStore logs it: strategy byte, count, then per LeftOrRightValue its length, side byte and bytes. */
function encodeList(values: Array<{left: boolean; value: Buffer}>): Buffer {
  let size = 5
  for (const v of values) size += 5 + v.value.length
  const out = Buffer.allocUnsafe(size)
  out[0] = VARIABLE_SIZE
  out.writeInt32BE(values.length, 1)
  let p = 5
  for (const v of values) {
    out.writeInt32BE(1 + v.value.length, p)
    out[p + 4] = v.left ? 1 : 0
    p += 5 + v.value.copy(out, p + 5)
  }
  return out
}

function decodeList(b: Buffer, store: string): Array<{left: boolean; value: Buffer}> {
  const bad = () => new StreamsError(`store ${store}: a changelog value of ${b.length} bytes is not a list of join values`)
  // logpipe's earlier list: a count first (its top byte 0), each value a side byte, a length and the bytes.
  const legacy = b.length >= 4 && b[0] === 0
  if (!legacy && (b.length < 5 || b[0] !== VARIABLE_SIZE)) throw bad()
  let p = legacy ? 0 : 1
  const n = b.readInt32BE(p)
  p += 4
  if (n < 0 || n > (b.length - p) / 5) throw bad()
  const out: Array<{left: boolean; value: Buffer}> = []
  for (let i = 0; i < n; i++) {
    if (p + 5 > b.length) throw bad()
    const len = legacy ? b.readInt32BE(p + 1) : b.readInt32BE(p) - 1
    if (len < 0 || p + 5 + len > b.length) throw bad()
    out.push({left: b[legacy ? p : p + 4] === 1, value: Buffer.from(b.subarray(p + 5, p + 5 + len))})
    p += 5 + len
  }
  if (p !== b.length) throw bad()
  return out
}

/** `persistent`: files under the task directory, as Kafka's default join stores (the DSL's); false: memory only, restored from the changelog's start. */
export class JoinWindowStoreBuilder<K, V> extends LoggedStoreBuilder<JoinWindowStore<K, V>> {
  constructor(name: string, private readonly retentionMs: number, private readonly keySerde: Serde<K> | null, private readonly valueSerde: Serde<V> | null, private readonly persistent = false) {
    super(name)
  }

  /** The join windows and their grace: its changelog is windowed, as Kafka's join window stores'. */
  get retentionPeriodMs(): number {
    return this.retentionMs
  }

  build(): JoinWindowStore<K, V> {
    return new JoinWindowStore(this.name, this.retentionMs, this.keySerde, this.valueSerde, this.persistent)
  }
}

/** A key-value store in Kafka too (its ListValueStore, isWindowStore false): its changelog is compact only. */
export class OuterJoinStoreBuilder<K> extends LoggedStoreBuilder<OuterJoinStore<K>> {
  constructor(name: string, private readonly keySerde: Serde<K> | null, private readonly leftSerde: Serde<unknown> | null, private readonly rightSerde: Serde<unknown> | null, private readonly persistent = false) {
    super(name)
  }

  build(): OuterJoinStore<K> {
    return new OuterJoinStore(this.name, this.keySerde, this.leftSerde, this.rightSerde, this.persistent)
  }
}
