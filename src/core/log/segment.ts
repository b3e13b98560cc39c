/**
 * One segment: a `.log` of RecordBatch v2 plus its sparse `.index` and
 * `.timeindex`, all named for the segment's base offset.
 */
import {closeSync, existsSync, fstatSync, ftruncateSync, readSync, renameSync, statSync, unlinkSync} from 'node:fs'
import {CorruptIndexError} from '../errors.js'
import {OPEN, copyFileNoFollow, openNoFollow} from '../store/fs.js'
import {batchLastOffset, batchMaxTimestamp} from '../record/batch-header.js'
import * as L from '../record/batch-layout.js'
import {BatchScanner, type ScanStop, readFully} from './batch-scanner.js'
import {INDEX_SUFFIX, LOG_SUFFIX, REPLACING_SUFFIX, TIME_INDEX_SUFFIX, segmentPath} from './file-names.js'
import {OffsetIndex} from './offset-index.js'
import {TimeIndex} from './time-index.js'

export interface SegmentRecovery {
  /** Bytes of whole, CRC-valid batches from the start of the segment. */
  validBytes: number
  /** Bytes cut off the end (a torn or garbage tail). */
  truncatedBytes: number
  stop: ScanStop
  /** Offset after the last valid batch; the base offset when empty. */
  nextOffset: number
  maxTimestamp: number
  offsetOfMaxTimestamp: number
  bytesSinceLastIndexEntry: number
  batches: number
}

/** Bytes of log since the last indexed batch's start: more than the interval means this batch gets an entry. */
function needsIndexEntry(bytesSinceLastEntry: number, indexIntervalBytes: number): boolean {
  return bytesSinceLastEntry > indexIntervalBytes
}

export class LogSegment {
  readonly dir: string
  readonly baseOffset: number
  readonly logPath: string
  readonly index: OffsetIndex
  readonly timeIndex: TimeIndex

  /**
   * `tempSuffix` names the files of a segment being built under temporary
   * names (compaction's `.cleaned`), so the same code writes its indexes.
   */
  constructor(dir: string, baseOffset: number, tempSuffix = '') {
    this.dir = dir
    this.baseOffset = baseOffset
    this.logPath = segmentPath(dir, baseOffset, LOG_SUFFIX + tempSuffix)
    this.index = new OffsetIndex(segmentPath(dir, baseOffset, INDEX_SUFFIX + tempSuffix), baseOffset)
    this.timeIndex = new TimeIndex(segmentPath(dir, baseOffset, TIME_INDEX_SUFFIX + tempSuffix), baseOffset)
  }

  /** Creates the empty files of a new segment; an existing one is left as it is. */
  static create(dir: string, baseOffset: number): LogSegment {
    const segment = new LogSegment(dir, baseOffset)
    for (const path of [segment.logPath, segment.index.path, segment.timeIndex.path]) {
      if (!existsSync(path)) closeSync(openNoFollow(path, OPEN.append))
    }
    return segment
  }

  /**
   * A new segment's files, each created exclusively: one already there means
   * another writer rolled here first, so the caller has lost the lock.
   */
  static createExclusive(dir: string, baseOffset: number): LogSegment {
    const segment = new LogSegment(dir, baseOffset)
    for (const path of [segment.index.path, segment.timeIndex.path, segment.logPath]) closeSync(openNoFollow(path, OPEN.createExclusive))
    return segment
  }

  /**
   * A new, empty segment whose files replace whatever is at their names
   * (each made under a temporary name and renamed in place), so descriptors
   * a fenced-out writer opened on files of that name reach nothing visible.
   */
  static createReplacing(dir: string, baseOffset: number): LogSegment {
    const segment = new LogSegment(dir, baseOffset)
    for (const path of [segment.index.path, segment.timeIndex.path, segment.logPath]) {
      const tmp = `${path}${REPLACING_SUFFIX}`
      closeSync(openNoFollow(tmp, OPEN.write))
      renameSync(tmp, path)
    }
    return segment
  }

  /**
   * Gives the segment's files new inodes with the same bytes (copy, then
   * rename over). A writer that may still be alive holds descriptors on the
   * old inodes: whatever it writes through them from now on lands in files
   * nobody can see.
   */
  replaceWithCopies(): void {
    for (const path of [this.index.path, this.timeIndex.path, this.logPath]) {
      if (!existsSync(path)) continue
      const tmp = `${path}${REPLACING_SUFFIX}`
      copyFileNoFollow(path, tmp)
      renameSync(tmp, path)
    }
  }

  /**
   * The sparse index entries after a batch was appended at `position`, by
   * the one rule the writer and recovery share (Kafka's LogSegment.append):
   * an entry once more than `indexIntervalBytes` of log lie between the
   * last indexed batch's start (or the segment's) and this batch.
   */
  indexAppended(position: number, lastOffset: number, maxTimestamp: number, offsetOfMaxTimestamp: number, indexIntervalBytes: number): void {
    const lastIndexed = this.index.lastEntry()?.position ?? 0
    if (!needsIndexEntry(position - lastIndexed, indexIntervalBytes)) return
    this.index.append(lastOffset, position)
    this.timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp)
  }

  /**
   * Going inactive: Kafka writes a last time-index entry, so the segment's
   * largest timestamp can be read without a scan, and closes the indexes.
   */
  closeForRoll(maxTimestamp: number, offsetOfMaxTimestamp: number): void {
    if (maxTimestamp >= 0) this.timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp)
    this.index.close()
    this.timeIndex.close()
  }

  size(): number {
    try {
      return statSync(this.logPath).size
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
      throw error
    }
  }

  /** Loads both indexes and checks them; throws CorruptIndexError when either is damaged or missing. */
  loadIndexes(): void {
    if (!existsSync(this.index.path)) throw new CorruptIndexError(`${this.index.path} is missing`)
    if (!existsSync(this.timeIndex.path)) throw new CorruptIndexError(`${this.timeIndex.path} is missing`)
    this.index.load().sanityCheck()
    this.timeIndex.load().sanityCheck()
  }

  /**
   * Kafka's LogSegment.recover: empty the indexes, walk every batch checking
   * its CRC, add an index entry every `indexIntervalBytes`, stop at the first
   * bad batch and cut the log there. With `truncate` false nothing is
   * changed on disk (a check, for `topic verify`).
   */
  recover(scanner: BatchScanner, indexIntervalBytes: number, truncate = true): SegmentRecovery {
    return this.walk(scanner, indexIntervalBytes, truncate, truncate)
  }

  /**
   * Rebuilds the indexes from the log without cutting it: they end at the
   * first bad batch, which stays for readers to report and `topic verify
   * --repair` to cut (damage before the recovery point).
   */
  rebuildIndexes(scanner: BatchScanner, indexIntervalBytes: number): SegmentRecovery {
    return this.walk(scanner, indexIntervalBytes, true, false)
  }

  private walk(scanner: BatchScanner, indexIntervalBytes: number, writeIndexes: boolean, cutLog: boolean): SegmentRecovery {
    const fd = openNoFollow(this.logPath, cutLog ? OPEN.readWrite : OPEN.read)
    try {
      const fileSize = fstatSync(fd).size
      if (writeIndexes) {
        this.index.reset()
        this.timeIndex.reset()
      }
      const r: SegmentRecovery = {
        validBytes: 0,
        truncatedBytes: 0,
        stop: 'end',
        nextOffset: this.baseOffset,
        maxTimestamp: -1,
        offsetOfMaxTimestamp: this.baseOffset,
        bytesSinceLastIndexEntry: 0,
        batches: 0,
      }
      const result = scanner.scan(fd, 0, fileSize, (buf, pos, size, filePosition) => {
        const lastOffset = batchLastOffset(buf, pos)
        const maxTs = batchMaxTimestamp(buf, pos)
        if (maxTs > r.maxTimestamp) {
          r.maxTimestamp = maxTs
          r.offsetOfMaxTimestamp = lastOffset
        }
        if (writeIndexes && needsIndexEntry(r.bytesSinceLastIndexEntry, indexIntervalBytes)) {
          this.index.append(lastOffset, filePosition)
          this.timeIndex.maybeAppend(r.maxTimestamp, r.offsetOfMaxTimestamp)
          r.bytesSinceLastIndexEntry = 0
        }
        r.bytesSinceLastIndexEntry += size
        r.nextOffset = lastOffset + 1
        r.batches++
      })
      r.validBytes = result.position
      r.stop = result.stop
      r.truncatedBytes = fileSize - result.position
      if (cutLog && r.truncatedBytes > 0) ftruncateSync(fd, result.position)
      // As Kafka's recover does: end the time index with the largest
      // timestamp, as a closed segment's always ends (roll() writes it), so
      // readers may skip a segment by its last time-index entry.
      if (writeIndexes && r.maxTimestamp >= 0) this.timeIndex.maybeAppend(r.maxTimestamp, r.offsetOfMaxTimestamp)
      return r
    } finally {
      closeSync(fd)
      if (writeIndexes) {
        this.index.close()
        this.timeIndex.close()
      }
    }
  }

  /** Timestamp of the first batch, or null for an empty segment (drives segment.ms). */
  firstBatchTimestamp(): number | null {
    const fd = openNoFollow(this.logPath, OPEN.read)
    try {
      const head = Buffer.alloc(L.RECORDS_OFFSET)
      if (readFully(fd, head, head.length, 0) < head.length) return null
      return L.readInt64(head, L.BASE_TIMESTAMP_OFFSET)
    } finally {
      closeSync(fd)
    }
  }

  delete(): void {
    for (const path of [this.logPath, this.index.path, this.timeIndex.path]) {
      try {
        unlinkSync(path)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
    }
  }
}

const COUNT_CHUNK = 64 * 1024

/**
 * The records in a segment, from the batch headers alone (no record is
 * decoded, no CRC checked): one read per 64 KiB of small batches, one per
 * large batch. Counting stops at the first header that is not a whole v2
 * batch (a torn tail or damage, which `topic verify` reports).
 */
export function countRecords(logPath: string): number {
  let fd: number
  try {
    fd = openNoFollow(logPath, OPEN.read)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw error
  }
  const buf = Buffer.allocUnsafe(COUNT_CHUNK)
  let records = 0
  try {
    const size = fstatSync(fd).size
    let bufStart = 0
    let bufEnd = 0
    let pos = 0
    while (pos + L.RECORD_BATCH_OVERHEAD <= size) {
      if (pos < bufStart || pos + L.RECORD_BATCH_OVERHEAD > bufEnd) {
        bufStart = pos
        bufEnd = pos + readSync(fd, buf, 0, COUNT_CHUNK, pos)
        if (pos + L.RECORD_BATCH_OVERHEAD > bufEnd) break
      }
      const at = pos - bufStart
      const total = L.LOG_OVERHEAD + buf.readInt32BE(at + L.LENGTH_OFFSET)
      if (buf[at + L.MAGIC_OFFSET] !== L.MAGIC_V2 || total < L.RECORD_BATCH_OVERHEAD || pos + total > size) break
      const count = buf.readInt32BE(at + L.RECORDS_COUNT_OFFSET)
      if ((buf.readInt16BE(at + L.ATTRIBUTES_OFFSET) & L.CONTROL_FLAG_MASK) === 0 && count > 0) records += count
      pos += total
    }
  } finally {
    closeSync(fd)
  }
  return records
}
