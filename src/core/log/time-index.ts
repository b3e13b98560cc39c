/**
 * The sparse time index (Kafka's TimeIndex): 12-byte entries
 *
 *   timestamp      int64   largest timestamp seen in the segment so far
 *   relativeOffset int32   offset (minus base) from which that timestamp is reached
 *
 * Timestamps only grow along the index, so the floor entry for a target time
 * gives an offset at or before the first record at that time.
 */
import {CorruptIndexError} from '../errors.js'
import {readInt64, writeInt64} from '../record/batch-layout.js'
import {IndexFile} from './index-file.js'

export const TIME_INDEX_ENTRY_SIZE = 12

export interface TimestampOffset {
  timestamp: number
  offset: number
}

export class TimeIndex extends IndexFile {
  readonly entrySize = TIME_INDEX_ENTRY_SIZE
  private readonly entryBuf = Buffer.alloc(TIME_INDEX_ENTRY_SIZE)

  entry(i: number): TimestampOffset {
    return {timestamp: readInt64(this.data, i * 12), offset: this.baseOffset + this.data.readInt32BE(i * 12 + 8)}
  }

  lastEntry(): TimestampOffset | null {
    return this.entryCount === 0 ? null : this.entry(this.entryCount - 1)
  }

  /** The last entry with timestamp <= target, or the segment's base when none. */
  lookup(timestamp: number): TimestampOffset {
    const i = this.floorEntry(timestamp, (k) => readInt64(this.data, k * 12))
    return i < 0 ? {timestamp: -1, offset: this.baseOffset} : this.entry(i)
  }

  /** Appends only when the timestamp moves forward, as Kafka's maybeAppend does. */
  maybeAppend(timestamp: number, offset: number): void {
    const last = this.lastEntry()
    if (last && timestamp <= last.timestamp) return
    if (last && offset < last.offset) {
      throw new CorruptIndexError(`time index entry offset ${offset} is before the last (${last.offset})`)
    }
    writeInt64(this.entryBuf, 0, timestamp)
    this.entryBuf.writeInt32BE(this.relativeOffsetOf(offset), 8)
    this.appendEntry(this.entryBuf)
  }

  /** Drops entries pointing at offsets >= `offset`. */
  truncateToOffset(offset: number): void {
    let keep = this.entryCount
    while (keep > 0 && this.baseOffset + this.data.readInt32BE((keep - 1) * 12 + 8) >= offset) keep--
    if (keep !== this.entryCount) this.truncateToEntries(keep)
  }

  protected checkEntries(): void {
    let lastTs = -Infinity
    let lastOffset = -1
    for (let i = 0; i < this.entryCount; i++) {
      const ts = readInt64(this.data, i * 12)
      const rel = this.data.readInt32BE(i * 12 + 8)
      if (ts < lastTs || rel < lastOffset || rel < 0) {
        throw new CorruptIndexError(`${this.path}: entry ${i} (${ts}, ${rel}) is out of order`)
      }
      lastTs = ts
      lastOffset = rel
    }
  }
}
