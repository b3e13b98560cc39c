/**
 * The sparse offset index (Kafka's OffsetIndex): 8-byte entries
 *
 *   relativeOffset int32   last offset of the indexed batch minus the segment's base offset
 *   position       int32   file position of that batch in the .log
 *
 * An entry means "the batch starting at `position` ends at this offset", so
 * the floor entry for a target offset is a safe place to start scanning.
 */
import {CorruptIndexError} from '../errors.js'
import {IndexFile} from './index-file.js'

export const OFFSET_INDEX_ENTRY_SIZE = 8

export interface OffsetPosition {
  offset: number
  position: number
}

export class OffsetIndex extends IndexFile {
  readonly entrySize = OFFSET_INDEX_ENTRY_SIZE
  private readonly entryBuf = Buffer.alloc(OFFSET_INDEX_ENTRY_SIZE)

  entry(i: number): OffsetPosition {
    return {
      offset: this.baseOffset + this.data.readInt32BE(i * 8),
      position: this.data.readInt32BE(i * 8 + 4),
    }
  }

  lastEntry(): OffsetPosition | null {
    return this.entryCount === 0 ? null : this.entry(this.entryCount - 1)
  }

  /** Position of the last indexed batch ending at or before `offset`; 0 when none. */
  lookup(offset: number): OffsetPosition {
    const i = this.floorEntry(offset - this.baseOffset, (k) => this.data.readInt32BE(k * 8))
    return i < 0 ? {offset: this.baseOffset, position: 0} : this.entry(i)
  }

  append(offset: number, position: number): void {
    const last = this.lastEntry()
    if (last && (offset <= last.offset || position <= last.position)) {
      throw new CorruptIndexError(`index entry (${offset}, ${position}) is not after the last (${last.offset}, ${last.position})`)
    }
    this.entryBuf.writeInt32BE(this.relativeOffsetOf(offset), 0)
    this.entryBuf.writeInt32BE(position, 4)
    this.appendEntry(this.entryBuf)
  }

  /** Drops entries for batches at or after `position` (the log was cut there). */
  truncateToPosition(position: number): void {
    let keep = this.entryCount
    while (keep > 0 && this.data.readInt32BE((keep - 1) * 8 + 4) >= position) keep--
    if (keep !== this.entryCount) this.truncateToEntries(keep)
  }

  protected checkEntries(): void {
    let lastOffset = -1
    let lastPosition = -1
    for (let i = 0; i < this.entryCount; i++) {
      const rel = this.data.readInt32BE(i * 8)
      const pos = this.data.readInt32BE(i * 8 + 4)
      if (rel <= lastOffset || pos <= lastPosition || rel < 0) {
        throw new CorruptIndexError(`${this.path}: entry ${i} (${rel}, ${pos}) is out of order`)
      }
      lastOffset = rel
      lastPosition = pos
    }
  }
}
