/**
 * The reader's side of one partition. Readers take no locks: they read
 * whole batches whose CRC checks, and treat a short or bad tail as "not yet
 * written" (a writer may be in the middle of its write). Memory is one read
 * buffer, whatever the log size.
 */
import {closeSync, fstatSync, openSync} from 'node:fs'
import {CorruptIndexError} from '../errors.js'
import {CORRUPT, batchLastOffset, batchMaxTimestamp, batchSize, checkBatch} from '../record/batch-header.js'
import * as L from '../record/batch-layout.js'
import {RecordReader} from '../record/record.js'
import {readFully} from './batch-scanner.js'
import {listSegmentBaseOffsets} from './file-names.js'
import {LogSegment} from './segment.js'
import type {TimeIndex} from './time-index.js'

const READ_CHUNK = 1 << 20

/** Size of a reader's buffer: a megabyte, or one largest batch. */
export function readBufferSize(maxBatchSize: number): number {
  return Math.max(READ_CHUNK, maxBatchSize)
}

export interface BatchRange {
  buf: Buffer
  /** Whole batches lie in buf[start, end). */
  start: number
  end: number
}

export interface ReaderStall {
  segmentBaseOffset: number
  position: number
}

export class LogReader {
  readonly dir: string
  private readonly maxBatchSize: number
  private buf: Buffer | null
  private bases: number[] = []
  private segment: LogSegment | null = null
  private fd: number | null = null
  private position = 0
  /** Set when the same bad bytes were seen twice with more data after them. */
  stall: ReaderStall | null = null
  private suspect: {base: number; position: number} | null = null

  /** `buffer`, when given, is the read buffer (e.g. from a MemoryArena shared with the output). */
  constructor(dir: string, maxBatchSize: number, buffer?: Buffer) {
    this.dir = dir
    this.maxBatchSize = maxBatchSize
    // Allocated on the first read: readers made only for their offsets (describe, lag) never need it.
    this.buf = buffer && buffer.length >= readBufferSize(maxBatchSize) ? buffer : null
  }

  /** Base offsets of the segments, re-read from the directory. */
  listSegments(): number[] {
    this.bases = listSegmentBaseOffsets(this.dir)
    return this.bases
  }

  logStartOffset(): number {
    const bases = this.listSegments()
    return bases.length === 0 ? 0 : bases[0]
  }

  /** The offset after the last whole batch. */
  logEndOffset(): number {
    const bases = this.listSegments()
    if (bases.length === 0) return 0
    const active = bases[bases.length - 1]
    // An empty active segment was rolled at the log end: its base is the end.
    return segmentEnd(new LogSegment(this.dir, active), this.maxBatchSize) ?? active
  }

  /**
   * Positions the reader at the batch holding `offset` (or the first batch
   * after it). Offsets below the log start go to the log start.
   */
  seek(offset: number): void {
    const bases = this.listSegments()
    this.closeSegment()
    this.stall = null
    if (bases.length === 0) return
    let i = bases.length - 1
    while (i > 0 && bases[i] > offset) i--
    this.openSegment(bases[i])
    const segment = this.segment!
    const entry = segment.index.load().lookup(offset)
    // Trust the index only if the batch it names is really there.
    if (entry.position > 0 && this.batchAt(entry.position) === entry.offset) this.position = entry.position
    else this.position = 0
  }

  /** First offset whose timestamp is >= `timestamp`, or the log end when none is. */
  offsetForTimestamp(timestamp: number): number {
    const bases = this.listSegments()
    const records = new RecordReader()
    for (let i = 0; i < bases.length; i++) {
      const segment = new LogSegment(this.dir, bases[i])
      const timeIndex = trustedTimeIndex(segment, bases[i + 1], this.maxBatchSize)
      const last = timeIndex?.lastEntry()
      if (i < bases.length - 1 && last && last.timestamp < timestamp) continue
      const from = timeIndex?.lookup(timestamp - 1).offset ?? bases[i]
      this.seek(Math.max(from, bases[i]))
      if (this.segment?.baseOffset !== bases[i]) continue
      for (;;) {
        const range = this.readInSegment()
        if (!range) break
        for (let pos = range.start; pos < range.end; pos += batchSize(range.buf, pos)) {
          if (batchMaxTimestamp(range.buf, pos) < timestamp) continue
          records.open(range.buf, pos)
          while (records.next()) if (records.timestamp >= timestamp) return records.offset
        }
      }
    }
    return this.logEndOffset()
  }

  /**
   * Reads the next run of whole batches, moving to the next segment at the
   * end of this one. Null when nothing new is there yet.
   */
  poll(): BatchRange | null {
    if (!this.segment) {
      const bases = this.listSegments()
      if (bases.length === 0) return null
      this.openSegment(bases[0])
    }
    for (;;) {
      const range = this.readInSegment()
      if (range) return range
      // At the end of this segment: move on only once a later one exists,
      // and read this one once more after seeing it (a batch may have
      // landed just before the roll).
      const current = this.segment!.baseOffset
      const next = this.listSegments().find((b) => b > current)
      if (next === undefined) return null
      const again = this.readInSegment()
      if (again) return again
      this.openSegment(next)
    }
  }

  private readInSegment(): BatchRange | null {
    const fd = this.fd!
    const size = fstatSync(fd).size
    if (this.position >= size) return null
    // The buffer holds the largest batch allowed (checkBatch refuses larger), so
    // a batch that does not fit is never a reason to grow it.
    const buf = (this.buf ??= Buffer.allocUnsafe(readBufferSize(this.maxBatchSize)))
    const want = Math.min(buf.length, size - this.position)
    const got = readFully(fd, buf, want, this.position)
    let pos = 0
    for (;;) {
      const n = checkBatch(buf, pos, got, this.maxBatchSize)
      if (n > 0) {
        pos += n
        continue
      }
      if (n === CORRUPT && pos === 0) this.noteSuspect(size)
      break
    }
    if (pos === 0) return null
    this.suspect = null
    this.position += pos
    return {buf, start: 0, end: pos}
  }

  /** Bad bytes followed by more data, seen twice at the same place: report a stall. */
  private noteSuspect(size: number): void {
    const base = this.segment!.baseOffset
    if (this.suspect && this.suspect.base === base && this.suspect.position === this.position && size > this.position) {
      this.stall = {segmentBaseOffset: base, position: this.position}
    }
    this.suspect = {base, position: this.position}
  }

  private batchAt(position: number): number | null {
    const head = Buffer.alloc(L.RECORDS_OFFSET)
    if (readFully(this.fd!, head, head.length, position) < head.length) return null
    if (head[L.MAGIC_OFFSET] !== L.MAGIC_V2) return null
    return batchLastOffset(head, 0)
  }

  private openSegment(base: number): void {
    this.closeSegment()
    this.segment = new LogSegment(this.dir, base)
    try {
      this.fd = openSync(this.segment.logPath, 'r')
    } catch (error) {
      // Deleted by retention a moment ago: start from what is left.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      const later = this.listSegments().find((b) => b > base)
      if (later === undefined) throw error
      return this.openSegment(later)
    }
    this.position = 0
  }

  private closeSegment(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
    this.segment = null
  }

  close(): void {
    this.closeSegment()
  }
}

/**
 * The segment's time index, or null when it is damaged (torn, out of order,
 * or naming offsets past the segment's end): the caller then scans the log.
 */
function trustedTimeIndex(segment: LogSegment, nextBase: number | undefined, maxBatchSize: number): TimeIndex | null {
  const index = segment.timeIndex.load()
  try {
    index.sanityCheck()
  } catch (error) {
    if (error instanceof CorruptIndexError) return null
    throw error
  }
  const last = index.lastEntry()
  if (!last) return index
  const end = nextBase ?? segmentEnd(segment, maxBatchSize) ?? segment.baseOffset
  return last.offset >= end ? null : index
}

/** Offset after the last whole batch of a segment, or null when it has none. */
export function segmentEnd(segment: LogSegment, maxBatchSize: number): number | null {
  let fd: number
  try {
    fd = openSync(segment.logPath, 'r')
  } catch {
    return null
  }
  try {
    const size = fstatSync(fd).size
    if (size === 0) return null
    const buf = Buffer.allocUnsafe(Math.max(READ_CHUNK, maxBatchSize))
    const entry = segment.index.load().lastEntry()
    // Start at the last index entry when it holds up; else from the start.
    if (entry && entry.position < size) {
      const end = lastOffsetFrom(fd, buf, entry.position, size, maxBatchSize)
      if (end !== null) return end + 1
    }
    const end = lastOffsetFrom(fd, buf, 0, size, maxBatchSize)
    return end === null ? null : end + 1
  } finally {
    closeSync(fd)
  }
}

function lastOffsetFrom(fd: number, buf: Buffer, from: number, size: number, maxBatchSize: number): number | null {
  let position = from
  let last: number | null = null
  while (position < size) {
    const got = readFully(fd, buf, Math.min(buf.length, size - position), position)
    let pos = 0
    for (;;) {
      const n = checkBatch(buf, pos, got, maxBatchSize)
      if (n <= 0) break
      last = batchLastOffset(buf, pos)
      pos += n
    }
    if (pos === 0) break
    position += pos
  }
  return last
}
