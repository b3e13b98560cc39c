/**
 * The bytes under a persistent store (Kafka's RocksDBStore), in an lmdb
 * environment in the store's directory (`<state.dir>/<application.id>/
 * <task>/<store>/`): keys as the serialized key bytes, ordered
 * lexicographically as lmdb orders them (what range, window and session
 * fetches walk), values as the entry's timestamp (8 bytes) then the value.
 *
 * Writes wait in memory until `flush()` (the commit, once the input
 * offsets that cover them are committed) and go to disk in one
 * transaction, so what is on disk is always the state as of a commit:
 * never ahead of what the group committed (docs/STREAMS.md says why that
 * matters after a kill -9). Reads see the waiting writes first.
 *
 * lmdb is loaded the first time a persistent store opens: apps with only
 * in-memory stores, and the TopologyTestDriver, never load the native module.
 */
import {mkdirSync, rmSync} from 'node:fs'
import {createRequire} from 'node:module'
import {readSafeInt64BE, writeSafeInt64BE} from '../serdes.js'
import {StreamsError} from '../streams-error.js'

export interface BytesEntry {
  value: Buffer
  timestamp: number
}

/** What a key-value or window store keeps its bytes in: memory, or an lmdb environment. */
export interface BytesStore {
  /** `id`, when the caller has it: the key's bytes as latin1 (what both stores index their entries by), not made again. */
  get(key: Buffer, id?: string): BytesEntry | undefined
  put(key: Buffer, entry: BytesEntry | null, id?: string): void
  readonly size: number
  /** Entries with from <= key <= to (either bound may be null: open), in key order. */
  range(from: Buffer | null, to: Buffer | null, reverse?: boolean): Generator<[Buffer, BytesEntry]>
  clear(): void
  /** Makes the writes so far durable (nothing to do in memory). */
  flush(): void
  /** Drops writes not flushed and lets the files go. */
  close(): void
}

/** lmdb's own limit on a key (its default page size). */
export const MAX_KEY_BYTES = 1978

interface LmdbDatabase {
  get(key: Buffer): Buffer | undefined
  getRange(options: {start?: Buffer; end?: Buffer; reverse?: boolean}): Iterable<{key: Buffer; value: Buffer}>
  putSync(key: Buffer, value: Buffer): boolean
  removeSync(key: Buffer): boolean
  transactionSync<T>(action: () => T): T
  clearSync(): void
  getStats(): {entryCount?: number}
  close(): Promise<void>
}

type LmdbOpen = (options: Record<string, unknown>) => LmdbDatabase
let lmdbOpen: LmdbOpen | null = null

function openLmdb(options: Record<string, unknown>): LmdbDatabase {
  if (!lmdbOpen) {
    try {
      const require = createRequire(import.meta.url)
      lmdbOpen = (require('lmdb') as {open: LmdbOpen}).open
    } catch (error) {
      throw new StreamsError(`persistent state stores need the lmdb package, which did not load (${(error as Error).message})`, {hint: 'reinstall logpipe (npm ci), or use Stores.inMemoryKeyValueStore for this store', cause: error})
    }
  }
  return lmdbOpen(options)
}

export function encodeEntry(e: BytesEntry): Buffer {
  const out = Buffer.allocUnsafe(8 + e.value.length)
  if (Number.isSafeInteger(e.timestamp)) writeSafeInt64BE(out, e.timestamp, 0)
  else out.writeBigInt64BE(BigInt(e.timestamp), 0)
  e.value.copy(out, 8)
  return out
}

export function decodeEntry(b: Buffer, where: string): BytesEntry {
  if (b.length < 8) throw new StreamsError(`${where}: a stored value of ${b.length} bytes has no timestamp`, {hint: 'the store is damaged: stop the app and remove its state directory (it is restored from the changelog)'})
  return {timestamp: readSafeInt64BE(b, 0) ?? Number(b.readBigInt64BE(0)), value: Buffer.from(b.subarray(8))}
}

/** The smallest key after `k` in lmdb's order: `k` with a zero byte after it. */
function after(k: Buffer): Buffer {
  return Buffer.concat([k, Buffer.alloc(1)])
}

export class PersistentBytesStore implements BytesStore {
  readonly dir: string
  private db: LmdbDatabase | null
  private readonly pending = new Map<string, BytesEntry | null>()
  /**
   * Nothing is on disk yet (a new store, its state removed, before its first
   * flush): a key not waiting is not there, without asking lmdb (a native
   * call per key of a new store, a tenth of a new WordCount's time). Only a
   * writer knows: a read-only store (an interactive query) may be read
   * while another process writes it.
   */
  private diskEmpty = false

  constructor(dir: string, options: {readOnly?: boolean} = {}) {
    this.dir = dir
    if (!options.readOnly) mkdirSync(dir, {recursive: true})
    try {
      this.db = openLmdb({path: dir, keyEncoding: 'binary', encoding: 'binary', compression: false, readOnly: options.readOnly === true})
    } catch (error) {
      if (error instanceof StreamsError) throw error
      throw new StreamsError(`state store ${dir} could not be opened (${(error as Error).message})`, {hint: 'remove the directory: the store is restored from its changelog', cause: error})
    }
    if (!options.readOnly) this.diskEmpty = (this.db.getStats().entryCount ?? 0) === 0
  }

  /** Removes a store's files (it is restored from the changelog then). */
  static wipe(dir: string): void {
    rmSync(dir, {recursive: true, force: true})
  }

  private open(): LmdbDatabase {
    if (!this.db) throw new StreamsError(`state store ${this.dir} is closed`)
    return this.db
  }

  get(key: Buffer, id?: string): BytesEntry | undefined {
    // One look-up: undefined is not waiting, null a waiting delete.
    const db = this.open()
    const waiting = this.pending.get(id ?? key.toString('latin1'))
    if (waiting !== undefined) return waiting ?? undefined
    if (this.diskEmpty) return undefined
    const b = db.get(key)
    return b === undefined ? undefined : decodeEntry(b, this.dir)
  }

  put(key: Buffer, entry: BytesEntry | null, id?: string): void {
    if (key.length > MAX_KEY_BYTES) throw new StreamsError(`state store ${this.dir}: a key of ${key.length} bytes is over lmdb's ${MAX_KEY_BYTES}`, {hint: 'use an in-memory store (Stores.inMemoryKeyValueStore) for keys this long'})
    // The entry is kept as given: the stores hand over buffers of their own (restore copies what it reads).
    this.pending.set(id ?? key.toString('latin1'), entry)
  }

  get size(): number {
    const db = this.open()
    let n = db.getStats().entryCount ?? 0
    for (const [k, e] of this.pending) {
      const onDisk = db.get(Buffer.from(k, 'latin1')) !== undefined
      if (e !== null && !onDisk) n++
      if (e === null && onDisk) n--
    }
    return n
  }

  *range(from: Buffer | null, to: Buffer | null, reverse = false): Generator<[Buffer, BytesEntry]> {
    const db = this.open()
    // Waiting writes in the range, in key order, merged into lmdb's walk: they win over what is on disk.
    const waiting: Array<[Buffer, BytesEntry | null]> = []
    for (const [k, e] of this.pending) {
      const kb = Buffer.from(k, 'latin1')
      if (from !== null && Buffer.compare(kb, from) < 0) continue
      if (to !== null && Buffer.compare(kb, to) > 0) continue
      waiting.push([kb, e])
    }
    waiting.sort((a, b) => Buffer.compare(a[0], b[0]))
    const onDisk: Array<[Buffer, BytesEntry]> = []
    for (const {key, value} of db.getRange({...(from === null ? {} : {start: from}), ...(to === null ? {} : {end: after(to)})})) {
      onDisk.push([Buffer.from(key), decodeEntry(value, this.dir)])
    }
    const merged: Array<[Buffer, BytesEntry]> = []
    let i = 0
    let j = 0
    while (i < onDisk.length || j < waiting.length) {
      const c = i >= onDisk.length ? 1 : j >= waiting.length ? -1 : Buffer.compare(onDisk[i][0], waiting[j][0])
      if (c < 0) merged.push(onDisk[i++])
      else {
        if (c === 0) i++
        const [k, e] = waiting[j++]
        if (e !== null) merged.push([k, e])
      }
    }
    if (reverse) merged.reverse()
    yield* merged
  }

  clear(): void {
    this.pending.clear()
    this.open().clearSync()
    this.diskEmpty = true
  }

  flush(): void {
    if (this.pending.size === 0) return
    const db = this.open()
    db.transactionSync(() => {
      for (const [k, e] of this.pending) {
        const kb = Buffer.from(k, 'latin1')
        if (e === null) db.removeSync(kb)
        else {
          this.diskEmpty = false
          db.putSync(kb, encodeEntry(e))
        }
      }
    })
    this.pending.clear()
  }

  close(): void {
    this.pending.clear()
    const db = this.db
    this.db = null
    void db?.close()
  }
}
