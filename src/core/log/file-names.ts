/**
 * Segment file names: the base offset zero-padded to 20 digits, as Kafka's
 * LogFileUtils names them. The only place that knows the pattern.
 */
import {readdirSync} from 'node:fs'
import {join} from 'node:path'

export const LOG_SUFFIX = '.log'
export const INDEX_SUFFIX = '.index'
export const TIME_INDEX_SUFFIX = '.timeindex'
/** A compacted group of segments is built under this suffix first (its log and indexes); uncommitted, it is discarded. */
export const CLEANED_SUFFIX = '.cleaned'
/** A segment file being replaced by a new inode (fencing a writer out) is made here, then renamed in place. */
export const REPLACING_SUFFIX = '.replacing'
/** A compacted group of segments, committed: finished into place by the next writer (Kafka's `.swap`). */
export const SWAP_SUFFIX = '.swap'

const SEGMENT_LOG = /^(\d{20})\.log$/

export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix
}

export function segmentPath(dir: string, baseOffset: number, suffix: string): string {
  return join(dir, segmentFileName(baseOffset, suffix))
}

/** The base offset a segment, index or time index file is named for, or null. */
export function baseOffsetOf(fileName: string): number | null {
  const m = /^(\d{20})\.(log|index|timeindex)$/.exec(fileName)
  return m ? Number(m[1]) : null
}

/** Base offsets of the partition's segments, ascending. */
export function listSegmentBaseOffsets(dir: string): number[] {
  const bases: number[] = []
  for (const name of readdirSync(dir)) {
    const m = SEGMENT_LOG.exec(name)
    if (m) bases.push(Number(m[1]))
  }
  return bases.sort((a, b) => a - b)
}
