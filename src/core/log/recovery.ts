/**
 * What the write-lock holder does before its first append of a burst: bring
 * its view of the partition up to date and repair a torn tail. Written as
 * plain passes, after Kafka's LogLoader:
 *
 *   Pass 1. Clear leftovers: an interrupted compaction's swap is finished
 *           (committed) or discarded (not); index files whose `.log` is
 *           gone and temporary files are removed.
 *   Pass 2. List the segments; create segment 0 if the partition is empty.
 *   Pass 3. Find the recovery point (recovery-point.ts) in the log: the
 *           batch headers below it are walked, not checked (a holder that
 *           let go cleanly wrote them), and a header that does not hold up
 *           there is damage a writer must not cut (DamagedLogError).
 *   Pass 4. Check every batch past the recovery point, CRC included; cut
 *           the log at the first short or bad one (a segment after it is
 *           dropped, as Kafka's LogLoader drops segments after a
 *           truncation). The active segment's indexes are loaded, trimmed
 *           to the cut, and rebuilt without cutting the log when damaged.
 *           Returns the log end and what was cut.
 *
 * A partition with no recovery point yet (a store of an earlier logpipe)
 * takes the older way: the active segment is checked from its last index
 * entry.
 */
import {closeSync, fstatSync, ftruncateSync, readdirSync, unlinkSync} from 'node:fs'
import {OPEN, openNoFollow} from '../store/fs.js'
import {join} from 'node:path'
import {CorruptIndexError, DamagedLogError} from '../errors.js'
import {batchBaseOffset, batchLastOffset, batchMaxTimestamp} from '../record/batch-header.js'
import {BatchScanner, readFully} from './batch-scanner.js'
import {recoverSwaps} from './compaction.js'
import {CLEANED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX, baseOffsetOf, listSegmentBaseOffsets} from './file-names.js'
import {LogSegment} from './segment.js'
import * as L from '../record/batch-layout.js'

export interface TailState {
  segment: LogSegment
  /** Bytes of valid batches in the active segment (where the next batch goes). */
  size: number
  nextOffset: number
  maxTimestamp: number
  offsetOfMaxTimestamp: number
}

export interface Truncation {
  segmentBaseOffset: number
  position: number
  bytes: number
  /** The offset the cut batch would have started at. */
  offset: number
  reason: 'partial' | 'corrupt'
}

export interface RecoveredTail {
  bases: number[]
  tail: TailState
  truncation: Truncation | null
  indexRebuilt: boolean
  /** Segments dropped because the log was cut before them. */
  droppedSegments: number[]
  /** The log ended below its recovery point (the machine lost writes not yet on disk): where it ends instead. */
  endsBelowPoint: {point: number; offset: number} | null
}

/** Temporary files of a writer that died mid-rename: `<name>.<pid>.tmp`, `.replacing`. */
const TEMP_FILE = /(\.\d+\.tmp|\.replacing)$/

/** Moves a walk's log end and largest timestamp past the batch at `pos`. */
function followBatch(t: {nextOffset: number; maxTimestamp: number; offsetOfMaxTimestamp: number}, buf: Buffer, pos: number): void {
  const lastOffset = batchLastOffset(buf, pos)
  const maxTs = batchMaxTimestamp(buf, pos)
  if (maxTs > t.maxTimestamp) {
    t.maxTimestamp = maxTs
    t.offsetOfMaxTimestamp = lastOffset
  }
  t.nextOffset = lastOffset + 1
}

/**
 * Pass 1: leftovers of interrupted work. Runs under the lock, so no live
 * writer owns them. A compaction's swap is settled first (finished when it
 * was committed, discarded when not: compaction.ts), then stray `.cleaned`
 * files, index files whose `.log` is gone and temporary files go. Returns
 * a line for each compaction it settled.
 */
export function clearLeftovers(dir: string): string[] {
  const said = recoverSwaps(dir).map((s) =>
    s.finished
      ? `finished a compaction that was interrupted after its commit (segment ${s.baseOffset})`
      : `rolled back a compaction that was interrupted before its commit (segment ${s.baseOffset}); the log is as it was`,
  )
  const names = readdirSync(dir)
  const logs = new Set(names.filter((n) => n.endsWith(LOG_SUFFIX)).map((n) => baseOffsetOf(n)))
  for (const name of names) {
    const orphanIndex = (name.endsWith(INDEX_SUFFIX) || name.endsWith(TIME_INDEX_SUFFIX)) && !logs.has(baseOffsetOf(name))
    if (name.endsWith(CLEANED_SUFFIX) || orphanIndex || TEMP_FILE.test(name)) unlinkSync(join(dir, name))
  }
  return said
}

/**
 * Passes 2-4. `known` is the state the caller had at the end of its last
 * burst; when the active segment is the same one and only grew, only the
 * new bytes are checked.
 */
export function recoverTail(
  dir: string,
  scanner: BatchScanner,
  indexIntervalBytes: number,
  known: TailState | null,
  recoveryPoint: number | null = null,
): RecoveredTail {
  // Pass 2
  let bases = listSegmentBaseOffsets(dir)
  if (bases.length === 0) {
    LogSegment.create(dir, 0)
    bases = [0]
  }
  const activeBase = bases[bases.length - 1]
  const segment = known && known.segment.baseOffset === activeBase ? known.segment : new LogSegment(dir, activeBase)
  const fileSize = segment.size()

  if (known && known.segment === segment && known.size === fileSize) {
    return {bases, tail: known, truncation: null, indexRebuilt: false, droppedSegments: [], endsBelowPoint: null}
  }
  if (recoveryPoint !== null) return recoverFromPoint(dir, bases, scanner, indexIntervalBytes, recoveryPoint)
  return legacyTail(bases, segment, fileSize, scanner, indexIntervalBytes, known)
}

/** Passes 3 and 4 from the recovery point. */
function recoverFromPoint(dir: string, bases: number[], scanner: BatchScanner, indexIntervalBytes: number, point: number): RecoveredTail {
  // Pass 3: the segment holding the recovery point, and where in it.
  let i = bases.length - 1
  while (i > 0 && bases[i] > point) i--
  const found = locate(new LogSegment(dir, bases[i]), point, scanner.maxBatchSize, i === bases.length - 1)

  // Pass 4
  let truncation: Truncation | null = null
  let indexRebuilt = false
  const dropped: number[] = []
  let end = {position: found.position, nextOffset: found.nextOffset, maxTimestamp: -1, offsetOfMaxTimestamp: found.nextOffset}
  for (let j = i; j < bases.length; j++) {
    const segment = new LogSegment(dir, bases[j])
    if (j === i) {
      const r = checkFrom(segment, scanner, found.position, found.nextOffset)
      end = r.end
      truncation = r.truncation
    } else {
      const r = segment.recover(scanner, indexIntervalBytes)
      indexRebuilt = true
      end = {position: r.validBytes, nextOffset: r.nextOffset, maxTimestamp: r.maxTimestamp, offsetOfMaxTimestamp: r.offsetOfMaxTimestamp}
      if (r.truncatedBytes > 0) {
        truncation = {segmentBaseOffset: bases[j], position: r.validBytes, bytes: r.truncatedBytes, offset: r.nextOffset, reason: r.stop === 'corrupt' ? 'corrupt' : 'partial'}
      }
    }
    if (truncation && j < bases.length - 1) {
      // Offsets after a cut cannot follow on: the later segments go (Kafka's rule).
      for (const later of bases.slice(j + 1)) {
        new LogSegment(dir, later).delete()
        dropped.push(later)
      }
      bases = bases.slice(0, j + 1)
      break
    }
    if (truncation) break
  }

  // The active segment's indexes, trimmed to the valid log, rebuilt when damaged.
  const active = new LogSegment(dir, bases[bases.length - 1])
  const tail: TailState = {segment: active, size: end.position, nextOffset: end.nextOffset, maxTimestamp: -1, offsetOfMaxTimestamp: end.nextOffset}
  if (bases.length - 1 === i) {
    let sound = true
    try {
      active.loadIndexes()
    } catch (error) {
      if (!(error instanceof CorruptIndexError)) throw error
      sound = false
    }
    if (sound && (truncation || found.belowPoint)) {
      active.index.truncateToPosition(tail.size)
      active.timeIndex.truncateToOffset(tail.nextOffset)
    }
    // Entries past the valid log, or one naming the wrong batch, without a cut to explain them: damaged.
    if (sound && !indexesMatch(active, tail)) sound = false
    if (!sound) {
      // Damage below the point stays where it is (the rebuilt indexes end
      // there); appends go on after the valid end found above.
      active.rebuildIndexes(scanner, indexIntervalBytes)
      indexRebuilt = true
      active.index.load()
      active.timeIndex.load()
    }
  } else {
    active.index.load()
    active.timeIndex.load()
  }
  const lastTime = active.timeIndex.lastEntry()
  tail.maxTimestamp = Math.max(lastTime?.timestamp ?? -1, end.maxTimestamp)
  tail.offsetOfMaxTimestamp = tail.maxTimestamp === end.maxTimestamp && end.maxTimestamp >= 0 ? end.offsetOfMaxTimestamp : (lastTime?.offset ?? tail.nextOffset)
  const endsBelowPoint = found.belowPoint ? {point, offset: truncation ? truncation.offset : tail.nextOffset} : null
  return {bases, tail, truncation, indexRebuilt, droppedSegments: dropped, endsBelowPoint}
}

/** The last entry of each index names a batch of the valid log, as the appends wrote them. */
function indexesMatch(segment: LogSegment, tail: TailState): boolean {
  const lastTime = segment.timeIndex.lastEntry()
  if (lastTime && lastTime.offset >= tail.nextOffset) return false
  const last = segment.index.lastEntry()
  if (!last) return true
  if (last.position >= tail.size) return false
  const head = Buffer.alloc(L.RECORDS_OFFSET)
  const fd = openNoFollow(segment.logPath, OPEN.read)
  try {
    if (readFully(fd, head, head.length, last.position) < head.length) return false
  } finally {
    closeSync(fd)
  }
  return head[L.MAGIC_OFFSET] === L.MAGIC_V2 && batchLastOffset(head, 0) === last.offset
}

/**
 * Where the recovery point lies in a segment: the position of the first
 * batch at or after it (or the end). Headers are walked from the last index
 * entry that holds up; below the point they are trusted for their lengths
 * and offsets only, and one that does not hold up is damage a writer must
 * not cut.
 */
function locate(segment: LogSegment, point: number, maxBatchSize: number, isLast: boolean): {position: number; nextOffset: number; belowPoint: boolean} {
  const fd = openNoFollow(segment.logPath, OPEN.read)
  try {
    const fileSize = fstatSync(fd).size
    const head = Buffer.alloc(L.RECORDS_OFFSET)
    let position = 0
    let nextOffset = segment.baseOffset
    try {
      const entry = segment.index.load().lookup(point)
      if (entry.position > 0 && entry.position < fileSize && readFully(fd, head, head.length, entry.position) === head.length) {
        if (head[L.MAGIC_OFFSET] === L.MAGIC_V2 && batchLastOffset(head, 0) === entry.offset && entry.offset < point) {
          position = entry.position
          nextOffset = batchBaseOffset(head, 0)
        }
      }
    } catch (error) {
      if (!(error instanceof CorruptIndexError)) throw error
    }
    for (;;) {
      if (position >= fileSize) break
      const got = readFully(fd, head, head.length, position)
      if (got === head.length && head[L.MAGIC_OFFSET] === L.MAGIC_V2 && batchBaseOffset(head, 0) >= point) {
        return {position, nextOffset: batchBaseOffset(head, 0), belowPoint: false}
      }
      if (nextOffset >= point) return {position, nextOffset, belowPoint: false}
      const size = got === head.length ? head.readInt32BE(L.LENGTH_OFFSET) + L.LOG_OVERHEAD : 0
      const plausible = got === head.length && head[L.MAGIC_OFFSET] === L.MAGIC_V2 && size >= L.RECORD_BATCH_OVERHEAD && size <= maxBatchSize
      // A batch cut short at the very end lost its tail in a crash of the
      // machine (writes not yet on disk): nothing intact follows it, so
      // pass 4 may cut it like any torn tail.
      if (got < head.length || (plausible && position + size > fileSize)) return {position, nextOffset, belowPoint: true}
      if (!plausible || batchBaseOffset(head, 0) < nextOffset) throw damaged(segment, position, nextOffset, point, 'a batch header there does not hold up')
      nextOffset = batchLastOffset(head, 0) + 1
      position += size
    }
    // The last segment ending below the point lost its last writes the same
    // way; an earlier one may end below it when compaction removed its last records.
    return {position, nextOffset, belowPoint: isLast && nextOffset < point}
  } finally {
    closeSync(fd)
  }
}

function damaged(segment: LogSegment, position: number, offset: number, point: number, what: string): DamagedLogError {
  return new DamagedLogError(
    `damaged below the recovery point ${point}: at offset ${offset} (segment ${segment.baseOffset}, position ${position}) ${what}; nothing was cut`,
    {segmentBaseOffset: segment.baseOffset, position, offset},
  )
}

/** Pass 4 in the segment holding the recovery point: every batch from `position` on is checked, and the log cut at the first bad one. */
function checkFrom(segment: LogSegment, scanner: BatchScanner, position: number, nextOffset: number) {
  const fd = openNoFollow(segment.logPath, OPEN.readWrite)
  try {
    const fileSize = fstatSync(fd).size
    const end = {position, nextOffset, maxTimestamp: -1, offsetOfMaxTimestamp: nextOffset}
    const result = scanner.scan(fd, position, fileSize, (buf, pos) => followBatch(end, buf, pos))
    end.position = result.position
    let truncation: Truncation | null = null
    if (result.position < fileSize) {
      truncation = {
        segmentBaseOffset: segment.baseOffset,
        position: result.position,
        bytes: fileSize - result.position,
        offset: end.nextOffset,
        reason: result.stop === 'corrupt' ? 'corrupt' : 'partial',
      }
      ftruncateSync(fd, result.position)
    }
    return {end, truncation}
  } finally {
    closeSync(fd)
  }
}

/** Passes 3 and 4 for a partition with no recovery point: the active segment from its last index entry. */
function legacyTail(
  bases: number[],
  segment: LogSegment,
  fileSize: number,
  scanner: BatchScanner,
  indexIntervalBytes: number,
  known: TailState | null,
): RecoveredTail {
  const activeBase = segment.baseOffset

  // Pass 3
  let start: TailState | null
  if (known && known.segment === segment && known.size < fileSize) {
    // Other writers appended since our last burst; pick up their index entries.
    segment.index.refresh()
    segment.timeIndex.refresh()
    start = {...known}
  } else {
    start = startFromIndex(segment, scanner.maxBatchSize, fileSize)
  }
  if (start === null) return rebuild(bases, segment, scanner, indexIntervalBytes)

  // Pass 4
  const t = start
  const fd = openNoFollow(segment.logPath, OPEN.readWrite)
  try {
    const result = scanner.scan(fd, t.size, fileSize, (buf, pos) => followBatch(t, buf, pos))
    // The time index may run ahead of the offset index (recover() ends it
    // with the largest timestamp, as Kafka's does), but never past the
    // valid log; if it does, the maximum it gave us is wrong too: rebuild.
    const lastTime = segment.timeIndex.lastEntry()
    if (!lastTime || lastTime.offset < t.nextOffset) {
      t.size = result.position
      let truncation: Truncation | null = null
      if (result.position < fileSize) {
        truncation = {
          segmentBaseOffset: activeBase,
          position: result.position,
          bytes: fileSize - result.position,
          offset: t.nextOffset,
          reason: result.stop === 'corrupt' ? 'corrupt' : 'partial',
        }
        ftruncateSync(fd, result.position)
        segment.index.truncateToPosition(result.position)
        segment.timeIndex.truncateToOffset(t.nextOffset)
      }
      return {bases, tail: t, truncation, indexRebuilt: false, droppedSegments: [], endsBelowPoint: null}
    }
  } finally {
    closeSync(fd)
  }
  return rebuild(bases, segment, scanner, indexIntervalBytes)
}

/** Pass 3 when the indexes cannot be trusted: Kafka's full segment recovery. */
function rebuild(bases: number[], segment: LogSegment, scanner: BatchScanner, indexIntervalBytes: number): RecoveredTail {
  const r = segment.recover(scanner, indexIntervalBytes)
  const truncation: Truncation | null =
    r.truncatedBytes > 0
      ? {segmentBaseOffset: segment.baseOffset, position: r.validBytes, bytes: r.truncatedBytes, offset: r.nextOffset, reason: r.stop === 'corrupt' ? 'corrupt' : 'partial'}
      : null
  segment.index.load()
  segment.timeIndex.load()
  return {
    bases,
    tail: {
      segment,
      size: r.validBytes,
      nextOffset: r.nextOffset,
      maxTimestamp: r.maxTimestamp,
      offsetOfMaxTimestamp: r.offsetOfMaxTimestamp,
    },
    truncation,
    indexRebuilt: true,
    droppedSegments: [],
    endsBelowPoint: null,
  }
}

/**
 * A starting point for pass 4 from the last offset-index entry, verified
 * against the log it points into. Null when the index cannot be trusted.
 */
function startFromIndex(segment: LogSegment, maxBatchSize: number, fileSize: number): TailState | null {
  try {
    segment.loadIndexes()
  } catch (error) {
    if (error instanceof CorruptIndexError) return null
    throw error
  }
  const last = segment.index.lastEntry()
  const lastTime = segment.timeIndex.lastEntry()
  const base: TailState = {
    segment,
    size: 0,
    nextOffset: segment.baseOffset,
    maxTimestamp: lastTime?.timestamp ?? -1,
    offsetOfMaxTimestamp: lastTime?.offset ?? segment.baseOffset,
  }
  if (!last) return base
  if (last.position >= fileSize) return null
  // The entry must name a batch that starts there and ends at its offset.
  const head = Buffer.alloc(L.RECORDS_OFFSET)
  const fd = openNoFollow(segment.logPath, OPEN.read)
  try {
    if (readFully(fd, head, head.length, last.position) < head.length) return null
    if (head[L.MAGIC_OFFSET] !== L.MAGIC_V2 || batchLastOffset(head, 0) !== last.offset) return null
    const size = head.readInt32BE(L.LENGTH_OFFSET) + L.LOG_OVERHEAD
    if (size > maxBatchSize || last.position + size > fstatSync(fd).size) return null
  } finally {
    closeSync(fd)
  }
  // Scan from the indexed batch itself so its CRC is checked too; should it
  // fail, the log ends where that batch begins.
  return {...base, size: last.position, nextOffset: batchBaseOffset(head, 0)}
}
