/**
 * The record cache of caching key-value stores (Kafka's ThreadCache and
 * NamedCache, `statestore.cache.max.bytes`): between commits a caching
 * store remembers which keys changed (and each key's value as of the last
 * flush), and only at a flush (every commit) or when the instance's cache
 * is over its bytes sends the latest value per key to the changelog and
 * forwards it downstream, once: a KTable with caching forwards the latest
 * value per key at commit instead of every update.
 *
 * The store's bytes are written at each put as without a cache, so reads
 * and ranges see every update; what the cache holds back is the changelog
 * record and the forward. The budget is the instance's, shared by every
 * caching store of its tasks; going over it flushes the keys of the store
 * being written that changed first since its last flush (Kafka evicts the
 * least recently written).
 */

export interface CacheEntry {
  key: Buffer
  /** The key's value before its first change since the last flush (what the forward gives as the old value). */
  oldValue: unknown
  timestamp: number
  bytes: number
}

/** The instance-wide budget. */
export class RecordCache {
  private used = 0

  constructor(readonly maxBytes: number) {}

  add(n: number): void {
    this.used += n
  }

  get overBudget(): boolean {
    return this.used > this.maxBytes
  }

  get usedBytes(): number {
    return this.used
  }
}

/** A store's dirty keys, least recently written first. */
export class NamedCache {
  private readonly dirty = new Map<string, CacheEntry>()

  constructor(private readonly budget: RecordCache) {}

  isDirty(id: string): boolean {
    return this.dirty.has(id)
  }

  /** Marks a key (`id`: its bytes as latin1) changed; `oldValue` counts only for its first change since the last flush. */
  put(id: string, key: Buffer, oldValue: unknown, timestamp: number, valueBytes: number): void {
    const bytes = key.length * 2 + valueBytes + 64
    const e = this.dirty.get(id)
    if (e) {
      // Kept in its place: eviction takes the keys first changed longest ago (moving each key on every write costs the Map a slot each time).
      this.budget.add(bytes - e.bytes)
      e.timestamp = timestamp
      e.bytes = bytes
    } else {
      this.budget.add(bytes)
      this.dirty.set(id, {key, oldValue, timestamp, bytes})
    }
  }

  get size(): number {
    return this.dirty.size
  }

  /** Takes every dirty key (flush), or only the least recent ones while the budget is exceeded (eviction). */
  take(evictOnly: boolean): CacheEntry[] {
    const out: CacheEntry[] = []
    // Checked before walking: a Map walked from its start passes the slots of every key written again since it last rehashed.
    if (evictOnly && !this.budget.overBudget) return out
    for (const [id, e] of this.dirty) {
      if (evictOnly && !this.budget.overBudget) break
      this.dirty.delete(id)
      this.budget.add(-e.bytes)
      out.push(e)
    }
    return out
  }

  /** Forgets every dirty key (a task closed without commit: its records are processed again). */
  clear(): void {
    for (const e of this.dirty.values()) this.budget.add(-e.bytes)
    this.dirty.clear()
  }
}
