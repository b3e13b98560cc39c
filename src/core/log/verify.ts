/**
 * `topic verify`: every segment of a partition checked without the lock
 * (every batch's CRC, every record's lengths, every index entry against the
 * log), and `--repair`, the one tool that cuts damage below the recovery
 * point: under the write lock, each damaged segment is recovered (the log
 * cut at the first bad batch, indexes rebuilt), saying which offsets went.
 * Offsets never go back: when the cut removed the log's last offsets, a new
 * segment starts where the log ended, so a consumer's committed offset
 * never points at a different record.
 */
import {closeSync, fstatSync} from 'node:fs'
import {OPEN, openNoFollow} from '../store/fs.js'
import {CorruptIndexError} from '../errors.js'
import {batchBaseOffset, batchLastOffset} from '../record/batch-header.js'
import * as L from '../record/batch-layout.js'
import {BatchScanner, readFully} from './batch-scanner.js'
import {listSegmentBaseOffsets} from './file-names.js'
import type {LogConfig} from './log-config.js'
import {LogReader} from './log-reader.js'
import {PartitionLog} from './partition-log.js'
import {readRecoveryPoint, writeRecoveryPoint} from './recovery-point.js'
import {LogSegment} from './segment.js'

export interface PartitionProblem {
  segment: number
  file: string
  problem: string
  repaired?: string
}

export interface PartitionCheck {
  segments: number
  batches: number
  bytes: number
  problems: PartitionProblem[]
  repaired: boolean
}

/** Checks a partition's segments; changes nothing. */
export function verifyPartition(dir: string): PartitionCheck {
  const scanner = recordCheckingScanner()
  const result: PartitionCheck = {segments: 0, batches: 0, bytes: 0, problems: [], repaired: false}
  for (const base of listSegmentBaseOffsets(dir)) {
    const check = checkSegment(new LogSegment(dir, base), scanner)
    result.segments++
    result.batches += check.batches
    result.bytes += check.validBytes
    for (const f of check.found) result.problems.push({segment: base, ...f})
  }
  return result
}

/** Checks, and under the write lock repairs, a partition's segments. */
export async function repairPartition(dir: string, config: LogConfig, options: {label: string; onNotice?: (m: string) => void}): Promise<PartitionCheck> {
  const log = new PartitionLog(dir, config, {label: options.label, onNotice: options.onNotice})
  await log.lock.acquire()
  try {
    const scanner = recordCheckingScanner()
    const result: PartitionCheck = {segments: 0, batches: 0, bytes: 0, problems: [], repaired: false}
    // The log's end before the repair: the recovery point, or past it where the cut shows more.
    let end = readRecoveryPoint(dir).offset ?? 0
    const bases = listSegmentBaseOffsets(dir)
    for (const base of bases) {
      const segment = new LogSegment(dir, base)
      const check = checkSegment(segment, scanner)
      result.segments++
      result.batches += check.batches
      result.bytes += check.validBytes
      if (check.found.length === 0) continue
      const cut = describeCut(segment, check.validBytes)
      const r = segment.recover(scanner, config['index.interval.bytes'])
      let fixed = 'rebuilt indexes'
      if (r.truncatedBytes > 0) {
        const which = cut.lastOffset !== null ? `offsets ${Math.min(cut.firstOffset!, r.nextOffset)}..${cut.lastOffset}` : `offsets from ${r.nextOffset}`
        fixed = `removed ${which} (${r.truncatedBytes} bytes) from position ${r.validBytes}; rebuilt indexes`
        if (cut.lastOffset !== null) end = Math.max(end, cut.lastOffset + 1)
      }
      for (const f of check.found) result.problems.push({segment: base, ...f, repaired: fixed})
      result.repaired = true
    }
    if (result.repaired) {
      const now = new LogReader(dir).logEndOffset()
      if (end > now) startSegmentAt(dir, end)
      // Everything there now was checked: the next writer starts from it.
      writeRecoveryPoint(dir, Math.max(end, now))
    }
    return result
  } finally {
    await log.lock.release()
  }
}

/** A new, empty active segment at `offset`; an active segment the cut emptied goes. */
function startSegmentAt(dir: string, offset: number): void {
  const last = listSegmentBaseOffsets(dir).at(-1)
  if (last === offset) return
  LogSegment.createExclusive(dir, offset)
  if (last === undefined) return
  const emptied = new LogSegment(dir, last)
  if (emptied.size() === 0) emptied.delete()
}

/** Which offsets the bytes from `from` on held, as far as their headers still tell. */
function describeCut(segment: LogSegment, from: number): {firstOffset: number | null; lastOffset: number | null} {
  const fd = openNoFollow(segment.logPath, OPEN.read)
  try {
    const size = fstatSync(fd).size
    const head = Buffer.alloc(L.RECORDS_OFFSET)
    let firstOffset: number | null = null
    let lastOffset: number | null = null
    let position = from
    while (position < size && readFully(fd, head, head.length, position) === head.length && head[L.MAGIC_OFFSET] === L.MAGIC_V2) {
      const base = batchBaseOffset(head, 0)
      const last = batchLastOffset(head, 0)
      if (base < segment.baseOffset || last < base || (lastOffset !== null && base <= lastOffset)) break
      firstOffset ??= base
      lastOffset = last
      const length = head.readInt32BE(L.LENGTH_OFFSET)
      if (length < L.RECORD_BATCH_OVERHEAD - L.LOG_OVERHEAD) break
      position += length + L.LOG_OVERHEAD
    }
    return {firstOffset, lastOffset}
  } finally {
    closeSync(fd)
  }
}

// Records are decoded too: a batch whose CRC holds may still declare
// lengths its bytes do not have, and --repair must cut it like a bad CRC.
function recordCheckingScanner(): BatchScanner {
  return new BatchScanner({checkRecords: true})
}

interface SegmentCheck {
  batches: number
  validBytes: number
  found: Array<{file: string; problem: string}>
}

function checkSegment(segment: LogSegment, scanner: BatchScanner): SegmentCheck {
  const found: SegmentCheck['found'] = []
  const positions = new Map<number, number>()
  let batches = 0
  const fd = openNoFollow(segment.logPath, OPEN.read)
  let validBytes = 0
  let lastOffset = segment.baseOffset - 1
  try {
    const size = fstatSync(fd).size
    const r = scanner.scan(fd, 0, size, (buf, pos, _size, filePosition) => {
      lastOffset = batchLastOffset(buf, pos)
      positions.set(filePosition, lastOffset)
      batches++
    })
    validBytes = r.position
    if (r.corruptRecord) {
      found.push({
        file: segment.logPath,
        problem: `corrupt record at offset ${r.corruptRecord.offset} (batch at position ${r.position}): ${r.corruptRecord.what}; ${size - r.position} bytes from there are unreadable`,
      })
    } else if (r.position < size) {
      found.push({
        file: segment.logPath,
        problem: `${size - r.position} bytes at position ${r.position} are ${r.stop === 'corrupt' ? 'not a valid batch (bad length, magic or CRC)' : 'a torn batch'}`,
      })
    }
  } finally {
    closeSync(fd)
  }
  try {
    segment.loadIndexes()
    const index = segment.index
    for (let i = 0; i < index.entries; i++) {
      const e = index.entry(i)
      if (positions.get(e.position) !== e.offset) {
        found.push({file: index.path, problem: `entry ${i} (offset ${e.offset}, position ${e.position}) does not match the log`})
        break
      }
    }
    const timeIndex = segment.timeIndex
    for (let i = 0; i < timeIndex.entries; i++) {
      const e = timeIndex.entry(i)
      if (e.offset > lastOffset) {
        found.push({file: timeIndex.path, problem: `entry ${i} points at offset ${e.offset}, past the log's last offset ${lastOffset}`})
        break
      }
    }
  } catch (error) {
    if (!(error instanceof CorruptIndexError)) throw error
    found.push({file: segment.index.path, problem: error.message})
  }
  return {batches, validBytes, found}
}
