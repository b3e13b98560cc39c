/**
 * Log compaction (cleanup.policy=compact), as Kafka's LogCleaner does it in
 * two passes:
 *
 *   Pass 1. Build the offset map: for every key, the offset of its latest
 *           record, over the whole log (the active segment included).
 *   Pass 2. Clean the inactive segments old enough to clean
 *           (min.compaction.lag.ms), keeping a record only if it is the
 *           latest for its key. A tombstone (null value) that is the latest
 *           is kept until delete.retention.ms has passed, then dropped too.
 *           Kept records stay in batches with their original base offset and
 *           offset deltas, so offsets never change. Consecutive segments are
 *           cleaned as groups that fit one segment (LogCleaner's
 *           groupSegmentsBySize: cleaned bytes within segment.bytes, offsets
 *           within an index's int32 relative offsets, index sizes within
 *           Kafka's segment.index.bytes), each written as ONE segment named
 *           for the group's first base offset, so segments emptied by
 *           cleaning disappear into their group.
 *
 * A group is swapped in the way Kafka's LogCleaner and LogLoader do it, so
 * a kill at any point leaves either the old segments or the new one:
 *
 *   1. `<X>.log.cleaned`, then its `.index.cleaned` and `.timeindex.cleaned`
 *      (built from it), each synced.
 *   2. The index files renamed `.cleaned` -> `.swap`.
 *   3. `<X>.log.cleaned` renamed to `<X>.log.swap`: the commit point.
 *   4. `<X>.log.swap` renamed over `<X>.log`; the group's other segments
 *      deleted; the index `.swap` files renamed over `<X>.index` and
 *      `<X>.timeindex`, last, so that until the end a `.swap` file says the
 *      swap is committed.
 *
 * The next writer's leftovers pass (recoverSwaps) finishes a committed swap
 * (a `.log.swap`, or index `.swap` files with no `.log.cleaned` beside them)
 * and discards an uncommitted one (`.cleaned` files).
 */
import {closeSync, existsSync, fdatasyncSync, fstatSync, fsyncSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync} from 'node:fs'
import {basename} from 'node:path'
import {OPEN, openNoFollow} from '../store/fs.js'
import {crc32c} from '../codec/crc32c.js'
import {batchLastOffset} from '../record/batch-header.js'
import * as L from '../record/batch-layout.js'
import {compress} from '../record/compression.js'
import {RecordReader} from '../record/record.js'
import type {LogConfig} from './log-config.js'
import {BatchScanner} from './batch-scanner.js'
import {CLEANED_SUFFIX, SWAP_SUFFIX, baseOffsetOf, listSegmentBaseOffsets} from './file-names.js'
import {LogSegment} from './segment.js'

/** Kafka's default segment.index.bytes: the most a group's indexes may hold. */
const MAX_INDEX_BYTES = 10 * 1024 * 1024
/** Index entries hold offsets relative to the segment's base as an int32. */
const MAX_RELATIVE_OFFSET = 0x7fffffff

/** The steps of a group's swap, in order ('log-swap' is the commit point). */
export type SwapStep =
  | 'cleaned-log'
  | 'cleaned-indexes'
  | 'index-swap'
  | 'timeindex-swap'
  | 'log-swap'
  | 'log-in-place'
  | 'segment-deleted'
  | 'timeindex-in-place'
  | 'index-in-place'

export interface CompactionOptions {
  /** Called after each step of a swap; crash tests kill the process there. */
  onStep?: (step: SwapStep, baseOffset: number) => void
}

export interface CompactionResult {
  /** Segments rewritten, counting every member of a merged group. */
  segmentsCleaned: number
  /** Segments merged into the first of their group, and so gone. */
  segmentsMerged: number
  recordsRemoved: number
}

export function compactPartition(
  dir: string,
  config: LogConfig,
  now: number,
  activeBaseOffset: number,
  scanner: BatchScanner,
  options: CompactionOptions = {},
): CompactionResult {
  const bases = listSegmentBaseOffsets(dir)
  const reader = new RecordReader()

  // Pass 1
  const latest = new Map<string, number>()
  for (const base of bases) {
    forEachBatch(new LogSegment(dir, base), scanner, (buf, pos) => {
      reader.open(buf, pos)
      while (reader.next()) {
        if (reader.keyLength >= 0) latest.set(keyString(reader), reader.offset)
      }
    })
  }

  // Pass 2
  const result: CompactionResult = {segmentsCleaned: 0, segmentsMerged: 0, recordsRemoved: 0}
  const finish = (group: Group) => {
    if (!group.swapIn(scanner, config['index.interval.bytes'], options.onStep)) return
    result.segmentsCleaned += group.members.length
    result.segmentsMerged += group.members.length - 1
    result.recordsRemoved += group.removed
  }
  let group: Group | null = null
  for (const base of bases) {
    if (base >= activeBaseOffset) break
    const cleaned = cleanSegment(new LogSegment(dir, base), scanner, reader, latest, config, now)
    if (group && !group.fits(cleaned, config['segment.bytes'])) {
      finish(group)
      group = null
    }
    group ??= new Group(dir, base)
    group.add(cleaned)
    // Kafka's first uncleanable offset: nothing after a segment still too young is touched.
    if (cleaned.young) break
  }
  if (group) finish(group)
  return result
}

/** One segment as cleaning leaves it, before it joins a group. */
interface CleanedSegment {
  baseOffset: number
  batches: Buffer[]
  bytes: number
  removed: number
  /** The last offset of its last kept batch; null when nothing is kept. */
  lastOffset: number | null
  /** It holds a batch younger than min.compaction.lag.ms (kept, with all after it, as it is). */
  young: boolean
  indexBytes: number
  timeIndexBytes: number
}

function cleanSegment(
  segment: LogSegment,
  scanner: BatchScanner,
  reader: RecordReader,
  latest: Map<string, number>,
  config: LogConfig,
  now: number,
): CleanedSegment {
  const c: CleanedSegment = {
    baseOffset: segment.baseOffset,
    batches: [],
    bytes: 0,
    removed: 0,
    lastOffset: null,
    young: false,
    indexBytes: fileSize(segment.index.path),
    timeIndexBytes: fileSize(segment.timeIndex.path),
  }
  const keep = (batch: Buffer) => {
    c.batches.push(batch)
    c.bytes += batch.length
    c.lastOffset = batchLastOffset(batch, 0)
  }
  forEachBatch(segment, scanner, (buf, pos) => {
    if (now - L.readInt64(buf, pos + L.MAX_TIMESTAMP_OFFSET) < config['min.compaction.lag.ms']) c.young = true
    if (c.young) {
      keep(copyBatch(buf, pos))
      return
    }
    reader.open(buf, pos)
    const kept: Array<{start: number; end: number}> = []
    let total = 0
    let records = 0
    while (reader.next()) {
      records++
      if (reader.keyLength >= 0) {
        if (latest.get(keyString(reader)) !== reader.offset) continue
        if (reader.valueLength < 0 && now - reader.timestamp > config['delete.retention.ms']) continue
      }
      kept.push({start: reader.recordStart, end: reader.headersEnd})
      total += reader.headersEnd - reader.recordStart
    }
    c.removed += records - kept.length
    if (kept.length === records) keep(copyBatch(buf, pos))
    else if (kept.length > 0) keep(rebuildBatch(buf, pos, reader.buf, kept, total))
  })
  return c
}

/**
 * Consecutive cleaned segments written as one. While it is a single segment
 * with nothing removed it costs no write; otherwise its batches stream into
 * `<base>.log.cleaned` as members join, so memory holds one segment at most.
 */
class Group {
  readonly members: number[] = []
  bytes = 0
  removed = 0
  private indexBytes = 0
  private timeIndexBytes = 0
  private pending: Buffer[] = []
  private fd: number | null = null
  private readonly cleaned: LogSegment

  constructor(
    readonly dir: string,
    readonly baseOffset: number,
  ) {
    this.cleaned = new LogSegment(dir, baseOffset, CLEANED_SUFFIX)
  }

  /** LogCleaner.groupSegmentsBySize's rule, on cleaned sizes. */
  fits(next: CleanedSegment, segmentBytes: number): boolean {
    return (
      this.bytes + next.bytes <= segmentBytes &&
      (next.lastOffset === null || next.lastOffset - this.baseOffset <= MAX_RELATIVE_OFFSET) &&
      this.indexBytes + next.indexBytes <= MAX_INDEX_BYTES &&
      this.timeIndexBytes + next.timeIndexBytes <= MAX_INDEX_BYTES
    )
  }

  add(segment: CleanedSegment): void {
    this.members.push(segment.baseOffset)
    this.bytes += segment.bytes
    this.removed += segment.removed
    this.indexBytes += segment.indexBytes
    this.timeIndexBytes += segment.timeIndexBytes
    if (this.members.length === 1 && segment.removed === 0) {
      this.pending = segment.batches
      return
    }
    this.fd ??= openNoFollow(this.cleaned.logPath, OPEN.write)
    for (const b of this.pending) writeSync(this.fd, b)
    for (const b of segment.batches) writeSync(this.fd, b)
    this.pending = []
  }

  /** Steps 1-4 of the swap; false when there was nothing to rewrite. */
  swapIn(scanner: BatchScanner, indexIntervalBytes: number, onStep?: CompactionOptions['onStep']): boolean {
    if (this.fd === null) return false
    const step = (s: SwapStep) => onStep?.(s, this.baseOffset)
    try {
      fdatasyncSync(this.fd)
    } finally {
      closeSync(this.fd)
      this.fd = null
    }
    step('cleaned-log')
    this.cleaned.rebuildIndexes(scanner, indexIntervalBytes)
    syncFile(this.cleaned.index.path)
    syncFile(this.cleaned.timeIndex.path)
    step('cleaned-indexes')
    const target = new LogSegment(this.dir, this.baseOffset)
    renameSync(this.cleaned.index.path, target.index.path + SWAP_SUFFIX)
    step('index-swap')
    renameSync(this.cleaned.timeIndex.path, target.timeIndex.path + SWAP_SUFFIX)
    step('timeindex-swap')
    renameSync(this.cleaned.logPath, target.logPath + SWAP_SUFFIX)
    syncDir(this.dir)
    step('log-swap')
    finishSwap(this.dir, this.baseOffset, {others: this.members.slice(1), onStep})
    return true
  }
}

/**
 * Step 4 of a committed swap, from wherever it stopped: the log in place,
 * the group's other segments deleted, the indexes in place. `others` are
 * the group's other segments; the leftovers pass does not know them and
 * takes every segment whose base offset lies inside the new log's offsets
 * (Kafka's LogLoader does the same; a last member emptied by cleaning lies
 * past them and stays, holding only records a later compaction removes).
 */
export function finishSwap(dir: string, baseOffset: number, options: {others?: number[]; onStep?: CompactionOptions['onStep']} = {}): void {
  const step = (s: SwapStep) => options.onStep?.(s, baseOffset)
  const segment = new LogSegment(dir, baseOffset)
  if (existsSync(segment.logPath + SWAP_SUFFIX)) {
    renameSync(segment.logPath + SWAP_SUFFIX, segment.logPath)
    step('log-in-place')
  }
  const others = options.others ?? segmentsInside(dir, baseOffset, lastOffsetIn(segment))
  for (const other of others) {
    new LogSegment(dir, other).delete()
    step('segment-deleted')
  }
  for (const [index, s] of [
    [segment.timeIndex.path, 'timeindex-in-place'],
    [segment.index.path, 'index-in-place'],
  ] as const) {
    if (!existsSync(index + SWAP_SUFFIX)) continue
    renameSync(index + SWAP_SUFFIX, index)
    step(s)
  }
  syncDir(dir)
}

export interface InterruptedSwap {
  baseOffset: number
  /** True when it was committed and has now been finished; false when it was discarded. */
  finished: boolean
}

/**
 * The swaps a killed compaction left, settled: a committed one (a
 * `.log.swap`, or index `.swap` files with no `.log.cleaned` beside them:
 * the log was already swapped in) is finished, an uncommitted one (its
 * `.cleaned` files, and index `.swap` files made before the commit) is
 * removed. Only for the lock holder, before anything reads the segments.
 */
export function recoverSwaps(dir: string): InterruptedSwap[] {
  const names = new Set(readdirSync(dir))
  const bases = new Set<number>()
  for (const name of names) {
    for (const suffix of [CLEANED_SUFFIX, SWAP_SUFFIX]) {
      const base = name.endsWith(suffix) ? baseOffsetOf(name.slice(0, -suffix.length)) : null
      if (base !== null) bases.add(base)
    }
  }
  const out: InterruptedSwap[] = []
  for (const base of [...bases].sort((a, b) => a - b)) {
    const segment = new LogSegment(dir, base)
    const has = (path: string) => names.has(basename(path))
    const committed =
      has(segment.logPath + SWAP_SUFFIX) ||
      (!has(segment.logPath + CLEANED_SUFFIX) && (has(segment.index.path + SWAP_SUFFIX) || has(segment.timeIndex.path + SWAP_SUFFIX)))
    const leftovers = [segment.logPath, segment.index.path, segment.timeIndex.path].map((p) => p + CLEANED_SUFFIX)
    if (committed) {
      finishSwap(dir, base)
    } else {
      leftovers.push(segment.index.path + SWAP_SUFFIX, segment.timeIndex.path + SWAP_SUFFIX)
    }
    for (const path of leftovers) unlinkIfThere(path)
    out.push({baseOffset: base, finished: committed})
  }
  return out
}

/** Base offsets of the segments (any of whose files are there) in (base, end]. */
function segmentsInside(dir: string, base: number, end: number | null): number[] {
  if (end === null) return []
  const inside = new Set<number>()
  for (const name of readdirSync(dir)) {
    const b = baseOffsetOf(name)
    if (b !== null && b > base && b <= end) inside.add(b)
  }
  return [...inside].sort((a, b) => a - b)
}

function lastOffsetIn(segment: LogSegment): number | null {
  let last: number | null = null
  forEachBatch(segment, new BatchScanner(), (buf, pos) => {
    last = batchLastOffset(buf, pos)
  })
  return last
}

function keyString(reader: RecordReader): string {
  return reader.buf.toString('latin1', reader.keyStart, reader.keyStart + reader.keyLength)
}

function copyBatch(buf: Buffer, pos: number): Buffer {
  return Buffer.from(buf.subarray(pos, pos + buf.readInt32BE(pos + L.LENGTH_OFFSET) + L.LOG_OVERHEAD))
}

/**
 * A batch holding only the kept records, copied byte for byte (length
 * prefix included), under the original header: same base offset, base
 * timestamp and lastOffsetDelta, as Kafka keeps them.
 */
function rebuildBatch(
  batch: Buffer,
  pos: number,
  records: Buffer,
  kept: Array<{start: number; end: number}>,
  total: number,
): Buffer {
  let body: Buffer = Buffer.allocUnsafe(total)
  let p = 0
  for (const k of kept) p += records.copy(body, p, k.start, k.end)
  const codec = batch.readInt16BE(pos + L.ATTRIBUTES_OFFSET) & L.COMPRESSION_CODEC_MASK
  if (codec !== 0) body = compress(codec, body)
  const out = Buffer.allocUnsafe(L.RECORDS_OFFSET + body.length)
  batch.copy(out, 0, pos, pos + L.RECORDS_OFFSET)
  body.copy(out, L.RECORDS_OFFSET)
  out.writeInt32BE(out.length - L.LOG_OVERHEAD, L.LENGTH_OFFSET)
  out.writeInt32BE(kept.length, L.RECORDS_COUNT_OFFSET)
  out.writeUInt32BE(crc32c(out.subarray(L.ATTRIBUTES_OFFSET)), L.CRC_OFFSET)
  return out
}

function forEachBatch(segment: LogSegment, scanner: BatchScanner, visit: (buf: Buffer, pos: number) => void): void {
  let fd: number
  try {
    fd = openNoFollow(segment.logPath, OPEN.read)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  try {
    scanner.scan(fd, 0, fstatSync(fd).size, (buf, pos) => {
      visit(buf, pos)
    })
  } finally {
    closeSync(fd)
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw error
  }
}

function syncFile(path: string): void {
  const fd = openNoFollow(path, OPEN.read)
  try {
    fdatasyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Makes the renames durable: a machine crash must not undo a commit the group's deletions follow. */
function syncDir(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

function unlinkIfThere(path: string): void {
  try {
    unlinkSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}
