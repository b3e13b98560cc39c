/**
 * The reader's side of one partition. Readers take no locks: they read
 * whole batches whose CRC checks, and treat a short or bad tail as "not yet
 * written" (a writer may be in the middle of its write). Memory is one read
 * buffer, whatever the log size.
 */
import {closeSync, fstatSync, lstatSync, statSync} from 'node:fs'
import {basename} from 'node:path'
import {OPEN, openNoFollow} from '../store/fs.js'
import {CorruptIndexError, CorruptRecordError, StoreError} from '../errors.js'
import {CORRUPT, PARTIAL, batchBaseOffset, batchLastOffset, batchMaxTimestamp, batchSize, checkBatch} from '../record/batch-header.js'
import * as L from '../record/batch-layout.js'
import {RecordReader} from '../record/record.js'
import {BatchScanner, readFully} from './batch-scanner.js'
import {LOG_SUFFIX, listSegmentBaseOffsets, segmentPath} from './file-names.js'
import {readRecoveryPoint} from './recovery-point.js'
import {LogSegment} from './segment.js'
import type {TimeIndex} from './time-index.js'
import {type Clock, systemClock} from '../clock.js'

/**
 * A reader's first buffer. It grows to hold a larger batch when one is
 * really in the file (up to the format's MAX_BATCH_SIZE), never to a size a
 * length field merely claims, and never by a topic's max.message.bytes,
 * which limits new writes only.
 */
export const READ_BUFFER_SIZE = 1 << 20

export interface BatchRange {
  buf: Buffer
  /** Whole batches lie in buf[start, end). */
  start: number
  end: number
  /** The segment they were read from, and the file position of buf[start]. */
  segmentBaseOffset: number
  filePosition: number
}

/** Where in a partition's log something is damaged. */
export interface LogPlace {
  /** The offset of the damaged record, or the first offset after the last good batch. */
  offset: number
  segmentBaseOffset: number
  /** File position of the damaged batch in its segment. */
  position: number
}

export interface ReaderStall extends LogPlace {
  /**
   * Below the partition's recovery point: damage no writer will cut. Past
   * it, a torn tail a crashed writer left, which the next writer cuts.
   */
  belowRecoveryPoint: boolean
}

/**
 * The one report of damage a reader meets, for a bad batch (a stall) and
 * for a record that does not decode: a line naming the topic, partition,
 * offset and file position, and the command that cuts the damage.
 */
export function corruptionError(topic: string, partition: number, at: LogPlace, what: string): CorruptRecordError {
  return new CorruptRecordError(
    `topic ${topic} partition ${partition}: corrupt record at offset ${at.offset} (segment ${at.segmentBaseOffset}, position ${at.position}): ${what}`,
    {hint: `run \`logpipe topic verify ${topic} --repair\` to cut the log before it`},
  )
}

/** How long bad bytes must stay bad to be damage rather than a batch being written. */
const SUSPECT_MS = 50

export interface LogReaderOptions {
  /**
   * Lists the segments' base offsets, ascending (the directory by default).
   * Tests stand in a listing that misses a segment made while it ran, as
   * readdir may.
   */
  listSegments?: (dir: string) => number[]
  /** Judges how long bad bytes stayed bad (SUSPECT_MS). */
  clock?: Clock
}

export class LogReader {
  readonly dir: string
  private buf: Buffer | null
  private bases: number[] = []
  private segment: LogSegment | null = null
  private fd: number | null = null
  private position = 0
  /** The offset after the last batch read (the segment's base before any). */
  private nextOffset = 0
  /**
   * Set when bad bytes are damage, not a writer at work: they lie below the
   * partition's recovery point, or were seen at the same place twice at
   * least SUSPECT_MS apart (a writer's one write of a batch takes far less).
   */
  stall: ReaderStall | null = null
  private suspect: {base: number; position: number; at: number} | null = null

  private readonly list: (dir: string) => number[]
  private readonly clock: Clock
  /**
   * While a watcher of `dir` reports each change to it (watched()), the end
   * of the active segment is checked against a new listing only after a
   * change to some other segment file; else after every poll that finds
   * nothing. That readdir was a fifth of a tailing consumer's CPU at 10,000
   * records/s, and its garbage one more scavenge in the middle of a tail.
   */
  private watchedDir = false
  private listingStale = true
  /** The active segment's file name, for telling its appends from a roll. */
  private segmentFile: string | null = null

  /** `buffer`, when given, is the read buffer (e.g. from a MemoryArena shared with the output). */
  constructor(dir: string, buffer?: Buffer, options: LogReaderOptions = {}) {
    this.dir = dir
    this.list = options.listSegments ?? listSegmentBaseOffsets
    this.clock = options.clock ?? systemClock
    // Allocated on the first read: readers made only for their offsets (describe, lag) never need it.
    this.buf = buffer && buffer.length >= READ_BUFFER_SIZE ? buffer : null
  }

  /**
   * Hands the read buffer over (null when there is none): the bytes of the
   * last poll are the caller's to reuse. A reader without a buffer makes
   * one on its next read, unless given one first.
   */
  takeBuffer(): Buffer | null {
    const buf = this.buf
    this.buf = null
    return buf
  }

  /** Gives the reader a read buffer; false (and the buffer not kept) when it has one or this one is too small. */
  giveBuffer(buffer: Buffer): boolean {
    if (this.buf !== null || buffer.length < READ_BUFFER_SIZE) return false
    this.buf = buffer
    return true
  }

  /**
   * `on`: every change to `dir` from now on is told to changed(), as an
   * fs.watch of it reports them. Turned off (a watcher error), the reader
   * lists the directory at every segment end again.
   */
  watched(on: boolean): void {
    this.watchedDir = on
    this.listingStale = true
  }

  /**
   * A change to `name` in `dir` (fs.watch's 'rename' or 'change'; null name
   * when the watcher could not say, or a poll interval passed with no word
   * from it). Only an append to the active segment leaves the last
   * listing good: a new, renamed or removed file may be the next segment.
   */
  changed(event: string, name: string | null): void {
    if (event !== 'change' || name === null || name !== this.segmentFile) this.listingStale = true
  }

  /**
   * Base offsets of the segments, re-read from the directory. readdir is no
   * snapshot: a listing made while a writer rolls may miss a segment made
   * during it and still show a later one (under load this made a tailing
   * consumer skip a whole segment). Callers that must not miss one check
   * what they found (nextSegmentAfter, logEndOffset).
   */
  listSegments(): number[] {
    this.bases = this.list(this.dir)
    return this.bases
  }

  /**
   * The segment after `current`, none missed. One that starts where the
   * reader's records ended is the next for certain; any other (a gap, as
   * compaction leaves, or a segment the listing missed) is looked for in a
   * second listing. Segments are made in offset order, so every one before
   * a segment the first listing showed was made before that listing ended,
   * and the second one, started after it, shows them all.
   */
  private nextSegmentAfter(current: number): number | undefined {
    // Nothing but appends to this segment since the listing that found no later one.
    if (this.watchedDir && !this.listingStale) return undefined
    // Cleared before the listing: a change during it is told after it, and marks it stale again.
    this.listingStale = false
    const next = this.listSegments().find((b) => b > current)
    if (next === undefined || next === this.nextOffset) return next
    return this.listSegments().find((b) => b > current)
  }

  logStartOffset(): number {
    const bases = this.listSegments()
    return bases.length === 0 ? 0 : bases[0]
  }

  /** The offset after the last whole batch. */
  logEndOffset(): number {
    const bases = this.listSegments()
    if (bases.length === 0) return 0
    let active = bases[bases.length - 1]
    // An empty active segment was rolled at the log end: its base is the end.
    let end = segmentEnd(new LogSegment(this.dir, active)) ?? active
    // A segment the listing missed (see listSegments) starts where the one before it ends.
    while (end !== active && lstatSync(segmentPath(this.dir, end, LOG_SUFFIX), {throwIfNoEntry: false}) !== undefined) {
      active = end
      end = segmentEnd(new LogSegment(this.dir, active)) ?? active
    }
    return end
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
    const base = entry.position > 0 ? this.batchAt(entry.position, entry.offset) : null
    if (base !== null) {
      this.position = entry.position
      this.nextOffset = base
    }
  }

  /** First offset whose timestamp is >= `timestamp`, or the log end when none is. */
  offsetForTimestamp(timestamp: number): number {
    const bases = this.listSegments()
    const records = new RecordReader()
    for (let i = 0; i < bases.length; i++) {
      const segment = new LogSegment(this.dir, bases[i])
      const timeIndex = trustedTimeIndex(segment, bases[i + 1])
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
   * The first record carrying the log's largest timestamp (ListOffsets -3,
   * KIP-734), or null when no record has a timestamp. As Kafka, a sealed
   * segment's largest timestamp is its time index's last entry (a roll
   * writes it); only the active segment, whose index lags, is read past its
   * last entry. Then the one segment holding the largest is read from its
   * index entry below that time, to the first record that has it.
   */
  maxTimestampRecord(): {offset: number; timestamp: number} | null {
    const bases = this.listSegments()
    let best = -1
    let bestBase = -1
    let bestFrom = 0
    for (let i = 0; i < bases.length; i++) {
      const timeIndex = trustedTimeIndex(new LogSegment(this.dir, bases[i]), bases[i + 1])
      const last = timeIndex?.lastEntry() ?? null
      let max = last?.timestamp ?? -1
      if (i === bases.length - 1 || timeIndex === null || last === null) {
        this.eachBatchOf(bases[i], last?.offset ?? bases[i], (buf, pos) => {
          max = Math.max(max, batchMaxTimestamp(buf, pos))
          return false
        })
      }
      if (max > best) {
        best = max
        bestBase = bases[i]
        bestFrom = timeIndex?.lookup(max - 1).offset ?? bases[i]
      }
    }
    if (best < 0) return null
    const records = new RecordReader()
    let found: {offset: number; timestamp: number} | null = null
    this.eachBatchOf(bestBase, bestFrom, (buf, pos) => {
      if (batchMaxTimestamp(buf, pos) !== best) return false
      records.open(buf, pos)
      while (records.next()) {
        if (records.timestamp === best) {
          found = {offset: records.offset, timestamp: best}
          return true
        }
      }
      return false
    })
    return found
  }

  /** Visits the batches of one segment from the index entry at or below `from`, until `visit` says stop. */
  private eachBatchOf(base: number, from: number, visit: (buf: Buffer, pos: number) => boolean): void {
    this.seek(Math.max(from, base))
    if (this.segment?.baseOffset !== base) return
    for (;;) {
      const range = this.readInSegment()
      if (!range) return
      for (let pos = range.start; pos < range.end; pos += batchSize(range.buf, pos)) if (visit(range.buf, pos)) return
    }
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
      const next = this.nextSegmentAfter(current)
      if (next === undefined) return null
      const again = this.readInSegment()
      if (again) return again
      // Compaction merged this segment with the ones around it: into a new
      // file of the same name, or (a later member of the group) into the
      // group's first segment, deleting this one. Either way the records we
      // have not read moved; find them by offset. (Retention deleting it
      // lands here too, and seeks on from the new log start.)
      if (this.replacedUnderUs()) {
        this.seek(this.nextOffset)
        continue
      }
      this.openSegment(next)
    }
  }

  private replacedUnderUs(): boolean {
    const now = statSync(this.segment!.logPath, {throwIfNoEntry: false})
    return now === undefined || now.ino !== fstatSync(this.fd!).ino
  }

  private readInSegment(): BatchRange | null {
    const fd = this.fd!
    // A reader with no buffer (one made for offsets, or between loans) makes one only for bytes that are there.
    if (this.buf === null && fstatSync(fd).size <= this.position) return null
    let buf = (this.buf ??= Buffer.allocUnsafe(READ_BUFFER_SIZE))
    // No fstat first: reading to the end of the file (or the buffer) says
    // as much, and a tail at its end then costs one read that finds
    // nothing, not a stat and a Stats object to collect, twice per wake-up.
    let got = readFully(fd, buf, buf.length, this.position)
    if (got === 0) return null
    let pos = 0
    let last = -1
    for (;;) {
      const n = checkBatch(buf, pos, got, L.MAX_BATCH_SIZE)
      if (n > 0) {
        last = pos
        pos += n
        continue
      }
      if (n === CORRUPT && pos === 0) this.noteSuspect(this.position + got)
      if (n === PARTIAL && pos === 0 && got >= L.LOG_OVERHEAD) {
        // A batch larger than the buffer that is all there in the file:
        // grow to it (and keep the larger buffer for the next one).
        const need = batchSize(buf, 0)
        if (need > buf.length && this.position + need <= fstatSync(fd).size) {
          buf = this.buf = Buffer.allocUnsafe(need)
          got = readFully(fd, buf, need, this.position)
          continue
        }
      }
      break
    }
    if (pos === 0) return null
    this.suspect = null
    const range = {buf, start: 0, end: pos, segmentBaseOffset: this.segment!.baseOffset, filePosition: this.position}
    this.position += pos
    this.nextOffset = batchLastOffset(buf, last) + 1
    return range
  }

  /** True while the read stops at bad bytes not yet known to be damage: read again before calling it the end. */
  get suspecting(): boolean {
    return this.suspect !== null && this.stall === null
  }

  /** Bad bytes at the read position: damage once proved so (see `stall`). */
  private noteSuspect(size: number): void {
    const base = this.segment!.baseOffset
    const now = this.clock.now()
    const same = this.suspect !== null && this.suspect.base === base && this.suspect.position === this.position
    const point = readRecoveryPoint(this.dir).offset
    const belowPoint = point !== null && this.nextOffset < point
    if (belowPoint || (same && size > this.position && now - this.suspect!.at >= SUSPECT_MS)) {
      this.stall = {offset: this.nextOffset, segmentBaseOffset: base, position: this.position, belowRecoveryPoint: belowPoint}
    }
    if (!same) this.suspect = {base, position: this.position, at: now}
  }

  /** The base offset of the v2 batch at `position` when it ends at `lastOffset`, else null. */
  private batchAt(position: number, lastOffset: number): number | null {
    const head = Buffer.alloc(L.RECORDS_OFFSET)
    if (readFully(this.fd!, head, head.length, position) < head.length) return null
    if (head[L.MAGIC_OFFSET] !== L.MAGIC_V2 || batchLastOffset(head, 0) !== lastOffset) return null
    return batchBaseOffset(head, 0)
  }

  private openSegment(base: number): void {
    this.closeSegment()
    this.segment = new LogSegment(this.dir, base)
    try {
      this.fd = openNoFollow(this.segment.logPath, OPEN.read)
    } catch (error) {
      // Deleted by retention a moment ago: start from what is left.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      const later = this.listSegments().find((b) => b > base)
      if (later === undefined) throw error
      return this.openSegment(later)
    }
    this.position = 0
    this.nextOffset = this.segment.baseOffset
    this.segmentFile = basename(this.segment.logPath)
    // The listing that led here may hold later segments still.
    this.listingStale = true
  }

  private closeSegment(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
    this.segment = null
    this.segmentFile = null
    this.listingStale = true
  }

  close(): void {
    this.closeSegment()
  }
}

/**
 * The segment's time index, or null when it is damaged (torn, out of order,
 * or naming offsets past the segment's end): the caller then scans the log.
 */
function trustedTimeIndex(segment: LogSegment, nextBase: number | undefined): TimeIndex | null {
  const index = segment.timeIndex.load()
  try {
    index.sanityCheck()
  } catch (error) {
    if (error instanceof CorruptIndexError) return null
    throw error
  }
  const last = index.lastEntry()
  if (!last) return index
  const end = nextBase ?? segmentEnd(segment) ?? segment.baseOffset
  return last.offset >= end ? null : index
}

/** Offset after the last whole batch of a segment, or null when it has none. */
export function segmentEnd(segment: LogSegment): number | null {
  let fd: number
  try {
    fd = openNoFollow(segment.logPath, OPEN.read)
  } catch (error) {
    if (error instanceof StoreError) throw error
    return null
  }
  try {
    const size = fstatSync(fd).size
    if (size === 0) return null
    const scanner = new BatchScanner()
    const entry = segment.index.load().lastEntry()
    // Start at the last index entry when it holds up; else from the start.
    if (entry && entry.position < size) {
      const end = lastOffsetFrom(fd, scanner, entry.position, size)
      if (end !== null) return end + 1
    }
    const end = lastOffsetFrom(fd, scanner, 0, size)
    return end === null ? null : end + 1
  } finally {
    closeSync(fd)
  }
}

function lastOffsetFrom(fd: number, scanner: BatchScanner, from: number, size: number): number | null {
  let last: number | null = null
  scanner.scan(fd, from, size, (buf, pos) => {
    last = batchLastOffset(buf, pos)
  })
  return last
}
