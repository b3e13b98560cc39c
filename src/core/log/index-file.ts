/**
 * What the offset index and the time index share: fixed-size entries holding
 * offsets relative to the segment's base offset, appended in order, searched
 * by binary search, truncated with the log. Subclasses give the entry size
 * and the sanity rule (Kafka's AbstractIndex).
 *
 * Indexes are accelerators. A reader that finds one short, torn or out of
 * order falls back to scanning the log; the writer rebuilds it.
 */
import {closeSync, existsSync, fstatSync, ftruncateSync, readSync, statSync, writeSync} from 'node:fs'
import {CorruptIndexError} from '../errors.js'
import {OPEN, openNoFollow, readFileNoFollow} from '../store/fs.js'

export abstract class IndexFile {
  readonly path: string
  readonly baseOffset: number
  abstract readonly entrySize: number
  /** Entries as last loaded; the file is the truth. */
  protected data: Buffer = Buffer.alloc(0)
  protected entryCount = 0
  private fd: number | null = null

  constructor(path: string, baseOffset: number) {
    this.path = path
    this.baseOffset = baseOffset
  }

  get entries(): number {
    return this.entryCount
  }

  get sizeInBytes(): number {
    return this.entryCount * this.entrySize
  }

  /** Reads the file. A torn last entry (a writer at work) is ignored. */
  load(): this {
    this.data = existsSync(this.path) ? readFileNoFollow(this.path) : Buffer.alloc(0)
    this.entryCount = Math.floor(this.data.length / this.entrySize)
    return this
  }

  /**
   * Catches up with entries other writers appended since the last load,
   * reading only the new bytes. A file that shrank is read again whole.
   */
  refresh(): this {
    let size: number
    try {
      size = statSync(this.path).size
    } catch {
      return this.load()
    }
    const known = this.entryCount * this.entrySize
    if (size < known || this.data.length < known) return this.load()
    const entries = Math.floor(size / this.entrySize)
    if (entries === this.entryCount) return this
    const want = entries * this.entrySize
    if (this.data.length < want) {
      const grown = Buffer.allocUnsafe(Math.max(1024, want * 2))
      this.data.copy(grown, 0, 0, known)
      this.data = grown
    }
    const fd = openNoFollow(this.path, OPEN.read)
    try {
      readSync(fd, this.data, known, want - known, known)
    } finally {
      closeSync(fd)
    }
    this.entryCount = entries
    return this
  }

  /** Throws CorruptIndexError unless the file is whole and ordered. */
  sanityCheck(): void {
    // The file's size, not `data`'s: after an append or refresh that buffer has spare room.
    const size = existsSync(this.path) ? statSync(this.path).size : 0
    if (size % this.entrySize !== 0) {
      throw new CorruptIndexError(`${this.path}: size ${size} is not a multiple of ${this.entrySize}`)
    }
    this.checkEntries()
  }

  protected abstract checkEntries(): void

  protected relativeOffsetOf(absoluteOffset: number): number {
    const relative = absoluteOffset - this.baseOffset
    if (relative < 0 || relative > 0x7fffffff) {
      throw new CorruptIndexError(`offset ${absoluteOffset} does not fit an index based at ${this.baseOffset}`)
    }
    return relative
  }

  /** Index of the last entry whose key is <= target, or -1. */
  protected floorEntry(target: number, keyOf: (i: number) => number): number {
    let lo = 0
    let hi = this.entryCount - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (keyOf(mid) <= target) {
        found = mid
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found
  }

  protected appendEntry(entry: Buffer): void {
    if (this.fd === null) this.fd = openNoFollow(this.path, OPEN.append)
    writeSync(this.fd, entry)
    if (this.data.length < (this.entryCount + 1) * this.entrySize) {
      const grown = Buffer.allocUnsafe(Math.max(1024, this.data.length * 2, (this.entryCount + 1) * this.entrySize))
      this.data.copy(grown, 0, 0, this.entryCount * this.entrySize)
      this.data = grown
    }
    entry.copy(this.data, this.entryCount * this.entrySize)
    this.entryCount++
  }

  /** Keeps the first `entries` entries, dropping the rest from the file. */
  truncateToEntries(entries: number): void {
    const fd = openNoFollow(this.path, existsSync(this.path) ? OPEN.readWrite : OPEN.readWriteNew)
    try {
      if (fstatSync(fd).size !== entries * this.entrySize) ftruncateSync(fd, entries * this.entrySize)
    } finally {
      closeSync(fd)
    }
    this.entryCount = Math.min(this.entryCount, entries)
  }

  /** Empties the index, for a rebuild. */
  reset(): void {
    this.truncateToEntries(0)
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
  }
}
