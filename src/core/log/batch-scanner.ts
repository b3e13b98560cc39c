/**
 * Walks the batches of a segment file from a position, reading it in large
 * chunks so a scan costs one read per megabyte, not per batch. Stops at the
 * end of the file, or at the first batch that is short (PARTIAL) or not a
 * batch (CORRUPT), and says which.
 *
 * The only bound on a batch is the format's (MAX_BATCH_SIZE) and the end of
 * the file: the buffer grows to hold the largest batch that is really
 * there, never to what a length field merely claims.
 */
import {readSync} from 'node:fs'
import {CorruptRecordError} from '../errors.js'
import {CORRUPT, PARTIAL, batchSize, checkBatch} from '../record/batch-header.js'
import * as L from '../record/batch-layout.js'
import {RecordReader} from '../record/record.js'

export type ScanStop = 'end' | 'partial' | 'corrupt' | 'stopped'

export interface ScanResult {
  /** File position after the last whole batch visited. */
  position: number
  stop: ScanStop
  /** With `checkRecords`, why the batch at `position` was refused when its CRC held. */
  corruptRecord?: {offset: number; what: string}
}

/** Return false to stop the scan after this batch. */
export type BatchVisitor = (buf: Buffer, pos: number, size: number, filePosition: number) => boolean | void

export interface BatchScannerOptions {
  /**
   * Also decode every record and stop at the first batch holding one that
   * does not decode (`topic verify`, and its --repair). Writers and readers
   * leave this off: a CRC-checked batch is decoded when it is read.
   */
  checkRecords?: boolean
}

const CHUNK = 1 << 20
const EMPTY = Buffer.alloc(0)

export class BatchScanner {
  /** Made on the first scan: every partition a producer opens has a scanner, and most never scan. */
  private buf: Buffer = EMPTY
  /** The largest batch accepted: the format's bound, whatever the topic's current limit. */
  readonly maxBatchSize = L.MAX_BATCH_SIZE
  private readonly records: RecordReader | null

  constructor(options: BatchScannerOptions = {}) {
    this.records = options.checkRecords ? new RecordReader() : null
  }

  scan(fd: number, from: number, fileSize: number, visit: BatchVisitor, verifyCrc = true): ScanResult {
    let position = from
    if (position < fileSize && this.buf.length === 0) this.buf = Buffer.allocUnsafe(CHUNK)
    while (position < fileSize) {
      const want = Math.min(this.buf.length, fileSize - position)
      const got = readFully(fd, this.buf, want, position)
      let pos = 0
      let progressed = false
      while (pos < got) {
        const size = checkBatch(this.buf, pos, got, this.maxBatchSize, verifyCrc)
        if (size === PARTIAL) break
        if (size === CORRUPT) return {position: position + pos, stop: 'corrupt'}
        if (this.records) {
          const what = recordProblem(this.records, this.buf, pos)
          if (what) return {position: position + pos, stop: 'corrupt', corruptRecord: what}
        }
        progressed = true
        if (visit(this.buf, pos, size, position + pos) === false) {
          return {position: position + pos + size, stop: 'stopped'}
        }
        pos += size
      }
      if (!progressed) {
        // Not even one batch in what we read. When its declared size is
        // all there in the file, the buffer was too small: grow it to that
        // batch and read again; otherwise the batch is torn.
        const size = got >= L.LOG_OVERHEAD ? batchSize(this.buf, 0) : 0
        if (size > this.buf.length && position + size <= fileSize) {
          this.buf = Buffer.allocUnsafe(size)
          continue
        }
        return {position, stop: 'partial'}
      }
      position += pos
      if (got < want) break
    }
    return {position, stop: position >= fileSize ? 'end' : 'partial'}
  }
}

/** Why the records of the batch at buf[pos] do not decode, or null when they all do. */
function recordProblem(reader: RecordReader, buf: Buffer, pos: number): {offset: number; what: string} | null {
  try {
    reader.open(buf, pos)
    while (reader.next());
    return null
  } catch (error) {
    if (!(error instanceof CorruptRecordError)) throw error
    return {offset: reader.failedOffset, what: error.message}
  }
}

export function readFully(fd: number, buf: Buffer, length: number, position: number): number {
  let got = 0
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got)
    if (n === 0) break
    got += n
  }
  return got
}
