/**
 * The buffer behind KTable.suppress (Kafka's
 * InMemoryTimeOrderedKeyValueChangeBuffer): one entry per key, ordered by
 * the time it was buffered at (a window's end, or the first update's
 * timestamp); a later update of a buffered key replaces its values but
 * keeps its place and the value from before it was buffered (the "prior"
 * value, emitted as the old value).
 *
 * Logged like the other stores, so what waits in it survives a restart:
 * the changelog key is the key's bytes, the value the buffer time and the
 * latest record's timestamp (8 bytes each), then the prior and new values
 * (4-byte length, -1 for none, then the bytes); a tombstone when it is
 * emitted.
 *
 * Its size in bytes (what BufferConfig.maxBytes bounds) is Kafka's
 * estimate of an entry: the key, prior and new value bytes, plus 28 for
 * the buffer time and the record's timestamp, offset and partition.
 */
import type {Serde} from '../serdes.js'
import {StreamsError} from '../streams-error.js'
import {SerializedStore} from './serialized-store.js'
import {LoggedStoreBuilder} from './state-store.js'

interface Entry {
  id: string
  time: number
  key: Buffer
  prior: Buffer | null
  value: Buffer | null
  timestamp: number
}

export interface Evicted<K, V> {
  key: K
  newValue: V | null
  oldValue: V | null
  timestamp: number
}

function sizeOf(e: Entry): number {
  return 28 + e.key.length + (e.prior?.length ?? 0) + (e.value?.length ?? 0)
}

export class SuppressionBuffer<K, V> extends SerializedStore<K, V> {
  private readonly byKey = new Map<string, Entry>()
  /** By time, then key bytes: the eviction order. */
  private sorted: Entry[] = []
  private bytes = 0

  numRecords(): number {
    return this.byKey.size
  }

  bufferSize(): number {
    return this.bytes
  }

  minTimestamp(): number {
    return this.sorted.length === 0 ? Number.MAX_SAFE_INTEGER : this.sorted[0].time
  }

  put(time: number, key: K, newValue: V | null, oldValue: V | null, timestamp: number): void {
    const kb = this.keyBytes(key)
    const id = kb.toString('latin1')
    const ser = (v: V | null) => (v === null || v === undefined ? null : this.valueSerde!.serialize(this.topic, v))
    const found = this.byKey.get(id)
    if (found) {
      this.bytes -= sizeOf(found)
      found.value = ser(newValue)
      this.bytes += sizeOf(found)
      found.timestamp = timestamp
      this.log(found)
      return
    }
    const e: Entry = {id, time, key: kb, prior: ser(oldValue), value: ser(newValue), timestamp}
    this.insert(e)
    this.log(e)
  }

  /** Emits (and removes) the oldest entries while `more()` says so. */
  evictWhile(more: () => boolean, emit: (e: Evicted<K, V>) => void): void {
    while (this.sorted.length > 0 && more()) {
      const e = this.sorted.shift()!
      this.byKey.delete(e.id)
      this.bytes -= sizeOf(e)
      this.changelog?.(e.key, null, e.timestamp)
      const de = (b: Buffer | null) => (b === null ? null : (this.valueSerde!.deserialize(this.topic, b) as V))
      emit({key: this.keySerde!.deserialize(this.topic, e.key) as K, newValue: de(e.value), oldValue: de(e.prior), timestamp: e.timestamp})
    }
  }

  restore(key: Buffer, value: Buffer | null, _timestamp: number): void {
    const id = key.toString('latin1')
    const old = this.byKey.get(id)
    if (old) {
      this.byKey.delete(id)
      this.bytes -= sizeOf(old)
      this.sorted = this.sorted.filter((e) => e !== old)
    }
    if (value === null) return
    const bad = () => new StreamsError(`store ${this.name}: a changelog value of ${value.length} bytes is not a suppression buffer entry`)
    if (value.length < 24) throw bad()
    let p = 16
    const part = (): Buffer | null => {
      if (p + 4 > value.length) throw bad()
      const n = value.readInt32BE(p)
      p += 4
      if (n === -1) return null
      if (n < 0 || p + n > value.length) throw bad()
      const out = Buffer.from(value.subarray(p, p + n))
      p += n
      return out
    }
    const prior = part()
    const v = part()
    this.insert({id, time: Number(value.readBigInt64BE(0)), key: Buffer.from(key), prior, value: v, timestamp: Number(value.readBigInt64BE(8))})
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

  override changelogValue(key: Buffer): {value: Buffer; timestamp: number} | null {
    const e = this.byKey.get(key.toString('latin1'))
    return e ? {value: this.encode(e), timestamp: e.timestamp} : null
  }

  private log(e: Entry): void {
    if (!this.changelog) return
    this.changelog(e.key, this.encode(e), e.timestamp)
  }

  private encode(e: Entry): Buffer {
    const len = (b: Buffer | null) => 4 + (b?.length ?? 0)
    const out = Buffer.alloc(16 + len(e.prior) + len(e.value))
    out.writeBigInt64BE(BigInt(e.time), 0)
    out.writeBigInt64BE(BigInt(e.timestamp), 8)
    let p = 16
    for (const b of [e.prior, e.value]) {
      out.writeInt32BE(b === null ? -1 : b.length, p)
      p += 4
      if (b !== null) p += b.copy(out, p)
    }
    return out
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
