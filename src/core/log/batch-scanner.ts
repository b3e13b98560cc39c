/**
 * Walks the batches of a segment file from a position, reading it in large
 * chunks so a scan costs one read per megabyte, not per batch. Stops at the
 * end of the file, or at the first batch that is short (PARTIAL) or not a
 * batch (CORRUPT), and says which.
 */
import {readSync} from 'node:fs'
import {CORRUPT, PARTIAL, checkBatch} from '../record/batch-header.js'

export type ScanStop = 'end' | 'partial' | 'corrupt' | 'stopped'

export interface ScanResult {
  /** File position after the last whole batch visited. */
  position: number
  stop: ScanStop
}

/** Return false to stop the scan after this batch. */
export type BatchVisitor = (buf: Buffer, pos: number, size: number, filePosition: number) => boolean | void

const CHUNK = 1 << 20

export class BatchScanner {
  private buf: Buffer
  readonly maxBatchSize: number

  constructor(maxBatchSize: number) {
    this.maxBatchSize = maxBatchSize
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, maxBatchSize))
  }

  scan(fd: number, from: number, fileSize: number, visit: BatchVisitor, verifyCrc = true): ScanResult {
    let position = from
    while (position < fileSize) {
      const want = Math.min(this.buf.length, fileSize - position)
      const got = readFully(fd, this.buf, want, position)
      let pos = 0
      let progressed = false
      while (pos < got) {
        const size = checkBatch(this.buf, pos, got, this.maxBatchSize, verifyCrc)
        if (size === PARTIAL) break
        if (size === CORRUPT) return {position: position + pos, stop: 'corrupt'}
        progressed = true
        if (visit(this.buf, pos, size, position + pos) === false) {
          return {position: position + pos + size, stop: 'stopped'}
        }
        pos += size
      }
      if (!progressed) {
        // Not even one batch fits in what we read: it is short, or its
        // declared size is beyond the buffer (checkBatch caps it at maxBatchSize).
        return {position, stop: got < want || position + got >= fileSize ? 'partial' : 'corrupt'}
      }
      position += pos
      if (got < want) break
    }
    return {position, stop: position >= fileSize ? 'end' : 'partial'}
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
