/**
 * What the write-lock holder does before its first append of a burst: bring
 * its view of the partition up to date and repair a torn tail. Written as
 * plain passes, after Kafka's LogLoader:
 *
 *   Pass 1. Clear leftovers: `.cleaned` files of an interrupted compaction,
 *           index files whose `.log` is gone.
 *   Pass 2. List the segments; create segment 0 if the partition is empty.
 *   Pass 3. Load the active (last) segment's indexes; a damaged one is
 *           rebuilt by a full recovery of that segment.
 *   Pass 4. Walk the batches past the last known-good position, checking
 *           every CRC; stop at the first short or bad one and cut the log
 *           and indexes there. Returns the log end and what was cut.
 */
import {closeSync, fstatSync, ftruncateSync, openSync, readdirSync, unlinkSync} from 'node:fs'
import {join} from 'node:path'
import {CorruptIndexError} from '../errors.js'
import {batchBaseOffset, batchLastOffset, batchMaxTimestamp} from '../record/batch-header.js'
import {BatchScanner, readFully} from './batch-scanner.js'
import {CLEANED_SUFFIX, baseOffsetOf, listSegmentBaseOffsets} from './file-names.js'
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
}

/** Pass 1: leftovers of interrupted work. */
export function clearLeftovers(dir: string): void {
  const names = readdirSync(dir)
  const logs = new Set(names.filter((n) => n.endsWith('.log')).map((n) => baseOffsetOf(n)))
  for (const name of names) {
    const orphanIndex = (name.endsWith('.index') || name.endsWith('.timeindex')) && !logs.has(baseOffsetOf(name))
    if (name.endsWith(CLEANED_SUFFIX) || orphanIndex) unlinkSync(join(dir, name))
  }
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
    return {bases, tail: known, truncation: null, indexRebuilt: false}
  }

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
  const fd = openSync(segment.logPath, 'r+')
  try {
    const result = scanner.scan(fd, t.size, fileSize, (buf, pos) => {
      const lastOffset = batchLastOffset(buf, pos)
      const maxTs = batchMaxTimestamp(buf, pos)
      if (maxTs > t.maxTimestamp) {
        t.maxTimestamp = maxTs
        t.offsetOfMaxTimestamp = lastOffset
      }
      t.nextOffset = lastOffset + 1
    })
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
      return {bases, tail: t, truncation, indexRebuilt: false}
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
  const fd = openSync(segment.logPath, 'r')
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
