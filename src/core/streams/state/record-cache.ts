/**
 * The record cache of caching stores (Kafka's ThreadCache and NamedCache,
 * `statestore.cache.max.bytes`): between commits a caching store
 * remembers which keys changed (and each key's value as of the last
 * flush), and only at a flush (every commit) or when the instance's cache
 * is over its bytes sends the latest value per key to the changelog and
 * forwards it downstream, once: a KTable with caching forwards the latest
 * value per key at commit instead of every update.
 *
 * The store's bytes are written at each put as without a cache, so reads
 * and ranges see every update; what the cache holds back is the changelog
 * record and the forward. The budget is the instance's, shared by every
 * caching store of its tasks. As Kafka's, a store's cache keeps its keys
 * in least-recently-used order (a put or a get makes a key the most
 * recent; a get of a present key not cached yet caches it clean), and a
 * flush leaves the keys cached, clean. Going over the budget evicts the
 * least recently used keys of the store being written: a clean one just
 * leaves; a dirty one flushes the store's cache, that key first, then
 * every other dirty key in the order of their last writes (Kafka's
 * NamedCache.evict). An entry's size is Kafka's LRUNode.size() less the
 * record's topic: the key's, the value's and the headers' bytes plus 45.
 * An entry keeps the headers of the record that last wrote it, and a flush
 * forwards them with the key's latest value, as Kafka's record context.
 */
import type {Headers} from '../record.js'

/** Kafka's per-entry bytes besides the key and the value: three node references, the dirty flag, the record context's timestamp, offset and partition. */
export const ENTRY_OVERHEAD = 8 + 8 + 8 + 1 + 8 + 8 + 4

export interface CacheEntry {
  key: Buffer
  /** The key's value before its first change since the last flush (what the forward gives as the old value). */
  oldValue: unknown
  timestamp: number
  /** The headers of the record whose write this is (Kafka's record context): a flush forwards them; null for a key only read. */
  headers: Headers | null
  bytes: number
  dirty: boolean
  /** The key's latest write was a delete (dropped from the cache once flushed, as Kafka's). */
  deleted: boolean
}

/** What Kafka's LRUCacheEntry counts of a record's headers: each key's UTF-16 units and value's bytes. */
function headerBytes(headers: Headers | null): number {
  if (headers === null || headers.size === 0) return 0
  let n = 0
  for (const h of headers) n += h.key.length + (h.value?.length ?? 0)
  return n
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

interface Node {
  id: string
  entry: CacheEntry
  /** Toward the most recently used. */
  newer: Node | null
  /** Toward the least recently used. */
  older: Node | null
  /** The dirty keys' list, in the order of their last writes (null at its ends, and while clean). */
  laterWrite: Node | null
  earlierWrite: Node | null
}

/** A store's cached keys, in least-recently-used order, and which of them are dirty. */
export class NamedCache {
  private readonly nodes = new Map<string, Node>()
  /** Most recently used. */
  private head: Node | null = null
  /** Least recently used: the next evicted. */
  private tail: Node | null = null
  /**
   * Dirty keys, in the order of their last writes (what a flush forwards
   * in; Kafka's dirtyKeys, a LinkedHashSet): a list through the nodes, so a
   * write moves its key to the end without hashing it twice more.
   */
  private firstDirty: Node | null = null
  private lastDirty: Node | null = null
  private dirtyKeys = 0

  /** The node found last: an aggregation reads a key, asks whether it is dirty and writes it, three look-ups of one key. */
  private last: Node | null = null

  constructor(private readonly budget: RecordCache) {}

  private node(id: string): Node | undefined {
    const last = this.last
    if (last !== null && last.id === id) return last
    const n = this.nodes.get(id)
    if (n !== undefined) this.last = n
    return n
  }

  isDirty(id: string): boolean {
    return this.node(id)?.entry.dirty === true
  }

  /** A key's cached entry (undefined: not cached). */
  entry(id: string): CacheEntry | undefined {
    return this.node(id)?.entry
  }

  /**
   * A read (Kafka's CachingKeyValueStore.get): a cached key becomes the
   * most recently used; a key not cached whose value the store has
   * (`valueBytes` its length; null: absent, nothing cached) is cached
   * clean. Evict after it: a read can push the cache over its budget.
   */
  touch(id: string, key: Buffer, valueBytes: number | null, timestamp: number): void {
    const n = this.node(id)
    if (n) return this.toHead(n)
    if (valueBytes === null) return
    this.insert(id, {key, oldValue: null, timestamp, headers: null, bytes: key.length + valueBytes + ENTRY_OVERHEAD, dirty: false, deleted: false})
  }

  /** Marks a key (`id`: its bytes as latin1) written, the most recently used; `oldValue` counts only when it was clean; `valueBytes` null: a delete. */
  put(id: string, key: Buffer, oldValue: unknown, timestamp: number, valueBytes: number | null, headers: Headers | null = null): void {
    const bytes = key.length + (valueBytes ?? 0) + ENTRY_OVERHEAD + headerBytes(headers)
    let n = this.node(id)
    let wasDirty = false
    if (n) {
      const e = n.entry
      wasDirty = e.dirty
      this.budget.add(bytes - e.bytes)
      if (!e.dirty) e.oldValue = oldValue
      e.timestamp = timestamp
      e.headers = headers
      e.bytes = bytes
      e.dirty = true
      e.deleted = valueBytes === null
      this.toHead(n)
    } else {
      n = this.insert(id, {key, oldValue, timestamp, headers, bytes, dirty: true, deleted: valueBytes === null})
    }
    // To the end of the dirty list: its order is the last writes' order.
    if (!wasDirty) this.linkDirty(n)
    else if (n !== this.lastDirty) {
      this.unlinkDirty(n)
      this.linkDirty(n)
    }
  }

  /** Keys cached, clean or dirty. */
  get size(): number {
    return this.nodes.size
  }

  get dirtyCount(): number {
    return this.dirtyKeys
  }

  /** This store's share of the budget. */
  get bytes(): number {
    let n = 0
    for (const node of this.nodes.values()) n += node.entry.bytes
    return n
  }

  /** Least recently used first. */
  keys(): Buffer[] {
    const out: Buffer[] = []
    for (let n = this.tail; n; n = n.newer) out.push(n.entry.key)
    return out
  }

  /** Every dirty key, in the order of their last writes, each left cached clean (a deleted one dropped): a flush. */
  flush(): CacheEntry[] {
    const out: CacheEntry[] = []
    for (let n = this.firstDirty; n !== null; ) {
      const next = n.laterWrite
      n.laterWrite = n.earlierWrite = null
      out.push({...n.entry})
      n.entry.dirty = false
      if (n.entry.deleted) this.remove(n)
      n = next
    }
    this.firstDirty = this.lastDirty = null
    this.dirtyKeys = 0
    return out
  }

  /**
   * While the budget is exceeded, drops the least recently used key; when
   * it is dirty, what it flushes (that key first, then flush()) is
   * returned, to be logged and forwarded.
   */
  evict(): CacheEntry[] {
    const out: CacheEntry[] = []
    while (this.budget.overBudget && this.tail) {
      const n = this.tail
      this.remove(n)
      if (n.entry.dirty) {
        this.unlinkDirty(n)
        n.entry.dirty = false
        out.push({...n.entry, dirty: true})
        // Not push(...): a flush can hold more keys than a call has room for arguments (RangeError past ~120,000).
        for (const e of this.flush()) out.push(e)
      }
    }
    return out
  }

  /** Forgets every key (a task closed without commit: its records are processed again). */
  clear(): void {
    for (const n of this.nodes.values()) this.budget.add(-n.entry.bytes)
    this.nodes.clear()
    this.firstDirty = this.lastDirty = null
    this.dirtyKeys = 0
    this.head = this.tail = null
    this.last = null
  }

  private insert(id: string, entry: CacheEntry): Node {
    const n: Node = {id, entry, newer: null, older: null, laterWrite: null, earlierWrite: null}
    this.nodes.set(id, n)
    this.last = n
    this.budget.add(entry.bytes)
    this.linkHead(n)
    return n
  }

  private remove(n: Node): void {
    if (this.last === n) this.last = null
    this.unlink(n)
    this.nodes.delete(n.id)
    this.budget.add(-n.entry.bytes)
  }

  private linkDirty(n: Node): void {
    n.earlierWrite = this.lastDirty
    n.laterWrite = null
    if (this.lastDirty) this.lastDirty.laterWrite = n
    else this.firstDirty = n
    this.lastDirty = n
    this.dirtyKeys++
  }

  private unlinkDirty(n: Node): void {
    if (n.laterWrite) n.laterWrite.earlierWrite = n.earlierWrite
    else this.lastDirty = n.earlierWrite
    if (n.earlierWrite) n.earlierWrite.laterWrite = n.laterWrite
    else this.firstDirty = n.laterWrite
    n.laterWrite = n.earlierWrite = null
    this.dirtyKeys--
  }

  private toHead(n: Node): void {
    if (this.head === n) return
    this.unlink(n)
    this.linkHead(n)
  }

  private linkHead(n: Node): void {
    n.older = this.head
    n.newer = null
    if (this.head) this.head.newer = n
    this.head = n
    this.tail ??= n
  }

  private unlink(n: Node): void {
    if (n.newer) n.newer.older = n.older
    else this.head = n.older
    if (n.older) n.older.newer = n.newer
    else this.tail = n.newer
    n.newer = n.older = null
  }
}
