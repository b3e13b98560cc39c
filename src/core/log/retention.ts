/**
 * Time and size retention: whole inactive segments are deleted from the
 * oldest on, as Kafka's deleteOldSegments does. The active segment is never
 * deleted. A segment's age is its largest timestamp, read from the last
 * entry of its time index (written when the segment rolled).
 */
import {BatchScanner} from './batch-scanner.js'
import {listSegmentBaseOffsets} from './file-names.js'
import {LogSegment} from './segment.js'
import type {LogConfig} from './log-config.js'

export interface DeletedSegment {
  baseOffset: number
  bytes: number
  reason: 'retention.ms' | 'retention.bytes'
  /** Base offset of the segment after it: the new log start. */
  nextBaseOffset: number
}

export function applyRetention(dir: string, config: LogConfig, now: number, activeBaseOffset: number): DeletedSegment[] {
  const all = listSegmentBaseOffsets(dir)
  if (!all.some((b) => b < activeBaseOffset)) return []
  const segments = all.map((b) => new LogSegment(dir, b))
  const sizes = segments.map((s) => s.size())
  let total = sizes.reduce((a, b) => a + b, 0)
  const retentionMs = config['retention.ms']
  const retentionBytes = config['retention.bytes']
  const deleted: DeletedSegment[] = []
  for (let i = 0; i < segments.length - 1 && segments[i].baseOffset < activeBaseOffset; i++) {
    const segment = segments[i]
    let reason: DeletedSegment['reason'] | null = null
    if (retentionBytes >= 0 && total - sizes[i] >= retentionBytes) reason = 'retention.bytes'
    else if (retentionMs >= 0 && largestTimestamp(segment, config) < now - retentionMs) reason = 'retention.ms'
    if (!reason) break
    segment.delete()
    total -= sizes[i]
    deleted.push({baseOffset: segment.baseOffset, bytes: sizes[i], reason, nextBaseOffset: segments[i + 1].baseOffset})
  }
  return deleted
}

function largestTimestamp(segment: LogSegment, config: LogConfig): number {
  const last = segment.timeIndex.load().lastEntry()
  if (last) return last.timestamp
  // No entry (an index lost or never written): read the log itself.
  const r = segment.recover(new BatchScanner(), config['index.interval.bytes'], false)
  return r.batches === 0 ? -1 : r.maxTimestamp
}
