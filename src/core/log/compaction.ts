/**
 * Log compaction (cleanup.policy=compact), as Kafka's LogCleaner does it in
 * two passes:
 *
 *   Pass 1. Build the offset map: for every key, the offset of its latest
 *           record, over the whole log (the active segment included).
 *   Pass 2. Rewrite each inactive segment old enough to clean
 *           (min.compaction.lag.ms), keeping a record only if it is the
 *           latest for its key. A tombstone (null value) that is the latest
 *           is kept until delete.retention.ms has passed, then dropped too.
 *           Kept records stay in batches with their original base offset and
 *           offset deltas, so offsets never change. The new segment is
 *           written to `.cleaned`, synced, and renamed over the old one;
 *           its indexes are rebuilt from it.
 */
import {closeSync, fdatasyncSync, fstatSync, renameSync, writeSync} from 'node:fs'
import {OPEN, openNoFollow} from '../store/fs.js'
import {crc32c} from '../codec/crc32c.js'
import * as L from '../record/batch-layout.js'
import {compress} from '../record/compression.js'
import {RecordReader} from '../record/record.js'
import type {LogConfig} from './log-config.js'
import type {BatchScanner} from './batch-scanner.js'
import {CLEANED_SUFFIX, listSegmentBaseOffsets} from './file-names.js'
import {LogSegment} from './segment.js'

export interface CompactionResult {
  segmentsCleaned: number
  recordsRemoved: number
}

export function compactPartition(
  dir: string,
  config: LogConfig,
  now: number,
  activeBaseOffset: number,
  scanner: BatchScanner,
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
  const result: CompactionResult = {segmentsCleaned: 0, recordsRemoved: 0}
  for (const base of bases) {
    if (base >= activeBaseOffset) break
    const segment = new LogSegment(dir, base)
    const out: Buffer[] = []
    let removed = 0
    let tooYoung = false
    forEachBatch(segment, scanner, (buf, pos) => {
      if (now - L.readInt64(buf, pos + L.MAX_TIMESTAMP_OFFSET) < config['min.compaction.lag.ms']) tooYoung = true
      if (tooYoung) {
        out.push(Buffer.from(buf.subarray(pos, pos + buf.readInt32BE(pos + L.LENGTH_OFFSET) + L.LOG_OVERHEAD)))
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
      removed += records - kept.length
      if (kept.length === records) {
        out.push(Buffer.from(buf.subarray(pos, pos + buf.readInt32BE(pos + L.LENGTH_OFFSET) + L.LOG_OVERHEAD)))
      } else if (kept.length > 0) {
        out.push(rebuildBatch(buf, pos, reader.buf, kept, total))
      }
    })
    if (removed === 0) continue
    const cleaned = segment.logPath + CLEANED_SUFFIX
    const fd = openNoFollow(cleaned, OPEN.write)
    try {
      for (const b of out) writeSync(fd, b)
      fdatasyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(cleaned, segment.logPath)
    segment.recover(scanner, config['index.interval.bytes'])
    result.segmentsCleaned++
    result.recordsRemoved += removed
  }
  return result
}

function keyString(reader: RecordReader): string {
  return reader.buf.toString('latin1', reader.keyStart, reader.keyStart + reader.keyLength)
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
