/**
 * The buffer behind KTable.suppress (Kafka's
 * InMemoryTimeOrderedKeyValueChangeBuffer): one entry per key, ordered by
 * the time it was buffered at (a window's end, or the first update's
 * timestamp); a later update of a buffered key replaces its values but
 * keeps its place and the value from before it was buffered (the "prior"
 * value, emitted as the old value).
 *
 * In memory, as Kafka's, and logged, so what waits in it survives a
 * restart (restored from its changelog's start, up to what the last commit
 * recorded). As Kafka's, it logs at the commit, not at each update: each
 * key changed since the last commit once, as it is then (the first step of
 * a commit, with the record caches' flush: `flushCache`), so a window
 * updated many times between commits costs one changelog record. The
 * changelog key is the key's bytes; the value Kafka's
 * version 3 (the record header `v` = 3): the record context of the
 * entry's latest update (timestamp and offset, 8 bytes each; the topic as
 * a 4-byte length and UTF-8; partition; a header count, then per header
 * its key and value, length-prefixed, -1 for a null value), then the prior,
 * old and new values (4-byte length, -1 for none; the old one -2 when it
 * is the prior's bytes), then the buffer time (8 bytes); a tombstone when
 * the entry is emitted. Records without the header are logpipe's earlier
 * value (buffer time, timestamp, prior and new values) and still read;
 * Kafka's versions 1 and 2 are refused.
 *
 * Its size in bytes (what BufferConfig.maxBytes bounds) is Kafka's
 * estimate of an entry: the buffer time (8) and the key, the prior, old
 * (unless the prior's) and new value bytes, and the record context (16,
 * the topic's characters, 4, each header's key characters and value
 * bytes).
 */
import type {Serde} from '../serdes.js'
import {StreamsError} from '../streams-error.js'
import type {Header} from '../record.js'
import {SerializedStore} from './serialized-store.js'
import {LoggedStoreBuilder, type RecordContext, type StoreInit} from './state-store.js'

/** Kafka's changelog header naming the value's version. */
export const SUPPRESS_VERSION_HEADER = 'v'
const V3 = 3
const NULL = -1
const SAME_AS_PRIOR = -2

interface Entry {
  id: string
  time: number
  key: Buffer
  prior: Buffer | null
  old: Buffer | null
  value: Buffer | null
  context: RecordContext
}

export interface Evicted<K, V> {
  key: K
  newValue: V | null
  oldValue: V | null
  timestamp: number
}

const same = (a: Buffer | null, b: Buffer | null) => (a === null ? b === null : b !== null && a.equals(b))

function sizeOf(e: Entry): number {
  let n = 8 + e.key.length + (e.prior?.length ?? 0) + (e.old === null || same(e.old, e.prior) ? 0 : e.old.length) + (e.value?.length ?? 0)
  n += 8 + 8 + e.context.topic.length + 4
  for (const h of e.context.headers) n += h.key.length + (h.value?.length ?? 0)
  return n
}

export class SuppressionBuffer<K, V> extends SerializedStore<K, V> {
  private readonly byKey = new Map<string, Entry>()
  /** By time, then key bytes: the eviction order. */
  private sorted: Entry[] = []
  private bytes = 0
  /** Keys changed since the last commit (put, or emitted: then the timestamp its tombstone gets). */
  private readonly dirty = new Map<string, {key: Buffer; timestamp: number}>()
  private context: () => RecordContext = () => ({timestamp: this.now(), offset: -1, topic: '', partition: -1, headers: []})

  override init(init: StoreInit, changelogTopic: string): void {
    super.init(init, changelogTopic)
    if (init.recordContext) this.context = init.recordContext
  }

  numRecords(): number {
    return this.byKey.size
  }

  bufferSize(): number {
    return this.bytes
  }

  minTimestamp(): number {
    return this.sorted.length === 0 ? Number.MAX_SAFE_INTEGER : this.sorted[0].time
  }

  /** Buffers an update of `key` at `time` (its place, if the key is new); `timestamp` is the update's. */
  put(time: number, key: K, newValue: V | null, oldValue: V | null, timestamp: number): void {
    const kb = this.keyBytes(key)
    const id = kb.toString('latin1')
    const ser = (v: V | null) => (v === null || v === undefined ? null : this.valueSerde!.serialize(this.topic, v))
    const context = {...this.context(), timestamp}
    const old = ser(oldValue)
    const found = this.byKey.get(id)
    if (found) {
      this.bytes -= sizeOf(found)
      found.old = old
      found.value = ser(newValue)
      found.context = context
      this.bytes += sizeOf(found)
      this.changed(found.key, timestamp)
      return
    }
    const e: Entry = {id, time, key: kb, prior: old, old, value: ser(newValue), context}
    this.insert(e)
    this.changed(kb, timestamp)
  }

  /** Emits (and removes) the oldest entries while `more()` says so. */
  evictWhile(more: () => boolean, emit: (e: Evicted<K, V>) => void): void {
    while (this.sorted.length > 0 && more()) {
      const e = this.sorted.shift()!
      this.byKey.delete(e.id)
      this.bytes -= sizeOf(e)
      this.changed(e.key, e.context.timestamp)
      const de = (b: Buffer | null) => (b === null ? null : (this.valueSerde!.deserialize(this.topic, b) as V))
      emit({key: this.keySerde!.deserialize(this.topic, e.key) as K, newValue: de(e.value), oldValue: de(e.prior), timestamp: e.context.timestamp})
    }
  }

  restore(key: Buffer, value: Buffer | null, timestamp: number, headers: Header[] = []): void {
    const id = key.toString('latin1')
    const old = this.byKey.get(id)
    if (old) {
      this.byKey.delete(id)
      this.bytes -= sizeOf(old)
      this.sorted = this.sorted.filter((e) => e !== old)
    }
    if (value === null) return
    let version: Header | null = null
    for (const h of headers) if (h.key === SUPPRESS_VERSION_HEADER) version = h
    const read = new ValueReader(value, this.name)
    if (version === null) {
      // logpipe's earlier value: buffer time, timestamp, prior and new values.
      const time = read.int64()
      const ts = read.int64()
      const prior = read.bytes()
      const v = read.bytes()
      read.end()
      this.insert({id, time, key: Buffer.from(key), prior, old: prior, value: v, context: {timestamp: ts, offset: -1, topic: '', partition: -1, headers: []}})
      return
    }
    if (version.value === null || version.value.length !== 1 || version.value[0] !== V3) {
      throw new StreamsError(`store ${this.name}: a changelog record of version ${version.value?.toString('hex') ?? 'null'} (only Kafka's version 3 is read)`, {hint: 'reset the application (logpipe stream reset) to start its buffer over'})
    }
    const context: RecordContext = {timestamp: read.int64(), offset: read.int64(), topic: '', partition: 0, headers: []}
    context.topic = (read.bytes() ?? read.fail()).toString('utf8')
    context.partition = read.int32()
    const n = read.int32()
    if (n < -1 || n > value.length) read.fail()
    for (let i = 0; i < n; i++) context.headers.push({key: (read.bytes() ?? read.fail()).toString('utf8'), value: read.bytes()})
    const prior = read.bytes()
    const oldLength = read.int32()
    const oldValue = oldLength === SAME_AS_PRIOR ? prior : read.bytes(oldLength)
    const v = read.bytes()
    const time = read.int64()
    read.end()
    this.insert({id, time, key: Buffer.from(key), prior, old: oldValue, value: v, context})
  }

  private insert(e: Entry): void {
    this.byKey.set(e.id, e)
    this.bytes += sizeOf(e)
    let lo = 0
    let hi = this.sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const m = this.sorted[mid]
      if (m.time < e.time || (m.time === e.time && Buffer.compare(m.key, e.key) < 0)) lo = mid + 1
      else hi = mid
    }
    this.sorted.splice(lo, 0, e)
  }

  override changelogValue(key: Buffer): {value: Buffer; timestamp: number; headers: Header[]} | null {
    const e = this.byKey.get(key.toString('latin1'))
    return e ? {value: encode(e), timestamp: e.context.timestamp, headers: versionHeaders()} : null
  }

  private changed(key: Buffer, timestamp: number): void {
    if (this.changelog) this.dirty.set(key.toString('latin1'), {key, timestamp})
  }

  /** The commit's first step (Kafka's commit(changelogOffsets)): each key changed since the last one logged as it is now, a tombstone if it was emitted. @internal */
  flushCache(): void {
    for (const [id, d] of this.dirty) {
      const e = this.byKey.get(id)
      if (e) this.changelog?.(e.key, encode(e), e.context.timestamp, versionHeaders())
      else this.changelog?.(d.key, null, d.timestamp)
    }
    this.dirty.clear()
  }

  override close(): void {
    this.dirty.clear()
    super.close()
  }
}

function versionHeaders(): Header[] {
  return [{key: SUPPRESS_VERSION_HEADER, value: Buffer.from([V3])}]
}

/** Kafka's version 3 value (see the top of this file). */
function encode(e: Entry): Buffer {
  const c = e.context
  const topic = Buffer.from(c.topic, 'utf8')
  const headers = c.headers.map((h) => ({key: Buffer.from(h.key, 'utf8'), value: h.value}))
  const oldSame = e.old !== null && same(e.old, e.prior)
  let size = 8 + 8 + 4 + topic.length + 4 + 4
  for (const h of headers) size += 8 + h.key.length + (h.value?.length ?? 0)
  size += 4 + (e.prior?.length ?? 0) + 4 + (e.old === null || oldSame ? 0 : e.old.length) + 4 + (e.value?.length ?? 0) + 8
  const out = Buffer.allocUnsafe(size)
  let p = out.writeBigInt64BE(BigInt(c.timestamp), 0)
  p = out.writeBigInt64BE(BigInt(c.offset), p)
  const put = (b: Buffer | null) => {
    p = out.writeInt32BE(b === null ? NULL : b.length, p)
    if (b !== null) p += b.copy(out, p)
  }
  put(topic)
  p = out.writeInt32BE(c.partition, p)
  p = out.writeInt32BE(headers.length, p)
  for (const h of headers) {
    put(h.key)
    put(h.value)
  }
  put(e.prior)
  if (oldSame) p = out.writeInt32BE(SAME_AS_PRIOR, p)
  else put(e.old)
  put(e.value)
  out.writeBigInt64BE(BigInt(e.time), p)
  return out
}

/** Reads a changelog value, refusing one that ends early or runs on. */
class ValueReader {
  private p = 0

  constructor(private readonly b: Buffer, private readonly store: string) {}

  fail(): never {
    throw new StreamsError(`store ${this.store}: a changelog value of ${this.b.length} bytes is not a suppression buffer entry`)
  }

  int32(): number {
    if (this.p + 4 > this.b.length) this.fail()
    const v = this.b.readInt32BE(this.p)
    this.p += 4
    return v
  }

  int64(): number {
    if (this.p + 8 > this.b.length) this.fail()
    const v = Number(this.b.readBigInt64BE(this.p))
    this.p += 8
    return v
  }

  /** A length-prefixed array (-1: null); `length` when it was read already. */
  bytes(length = this.int32()): Buffer | null {
    if (length === NULL) return null
    if (length < 0 || this.p + length > this.b.length) this.fail()
    const out = Buffer.from(this.b.subarray(this.p, this.p + length))
    this.p += length
    return out
  }

  end(): void {
    if (this.p !== this.b.length) this.fail()
  }
}

export class SuppressionBufferBuilder<K, V> extends LoggedStoreBuilder<SuppressionBuffer<K, V>> {
  constructor(name: string, private readonly keySerde: Serde<K> | null, private readonly valueSerde: Serde<V> | null) {
    super(name)
  }

  build(): SuppressionBuffer<K, V> {
    return new SuppressionBuffer(this.name, this.keySerde, this.valueSerde)
  }
}
