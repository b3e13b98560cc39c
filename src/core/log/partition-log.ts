/**
 * The writer's side of one partition. It appends only while it holds the
 * partition's write lock; on taking the lock it catches up with whatever
 * other writers appended (recovery.ts) and then writes each batch with a
 * single positional `write` at the log end it has checked.
 */
import {closeSync, fdatasyncSync, ftruncateSync, openSync, writeSync} from 'node:fs'
import {LockError, RecordTooLargeError} from '../errors.js'
import type {BatchBuilder} from '../record/record-batch.js'
import {PartitionLock, type PartitionLockOptions} from '../lock/partition-lock.js'
import {type LogConfig, deletesOldSegments, isCompacted} from '../store/topic-config.js'
import {BatchScanner} from './batch-scanner.js'
import {compactPartition} from './compaction.js'
import {type TailState, type Truncation, clearLeftovers, recoverTail} from './recovery.js'
import {applyRetention} from './retention.js'
import {LogSegment} from './segment.js'

export interface AppendResult {
  baseOffset: number
  lastOffset: number
  position: number
  segmentBaseOffset: number
}

export interface PartitionLogOptions {
  /** Told, in one line, about truncations and deletions (the CLI prints it on stderr). */
  onNotice?: (message: string) => void
  /** Label for notices, e.g. "topic t partition 0". */
  label?: string
  fsync?: boolean
  lock?: PartitionLockOptions
  leaderEpoch?: number
  now?: () => number
}

export class PartitionLog {
  readonly dir: string
  readonly config: LogConfig
  readonly lock: PartitionLock
  private readonly scanner: BatchScanner
  private readonly options: PartitionLogOptions
  private tail: TailState | null = null
  private fd: number | null = null
  private fdSegment: LogSegment | null = null
  private firstBatchTimestamp: number | null = null
  private housekeepingDone = false
  private readonly now: () => number

  constructor(dir: string, config: LogConfig, options: PartitionLogOptions = {}) {
    this.dir = dir
    this.config = config
    this.options = options
    this.now = options.now ?? Date.now
    this.lock = new PartitionLock(dir, {label: options.label, ...options.lock})
    this.scanner = new BatchScanner()
  }

  get label(): string {
    return this.options.label ?? this.dir
  }

  /** The offset the next appended record gets; valid while the lock is held. */
  get logEndOffset(): number {
    if (!this.tail) throw new LockError(`${this.label}: not open for writing`)
    return this.tail.nextOffset
  }

  /** Takes the write lock and brings the log end up to date, repairing a torn tail. */
  async acquire(): Promise<void> {
    await this.lock.acquire()
    try {
      this.refresh()
    } catch (error) {
      await this.lock.release()
      throw error
    }
  }

  async release(): Promise<void> {
    await this.lock.release()
  }

  get holdsLock(): boolean {
    return this.lock.held
  }

  private refresh(): void {
    if (!this.housekeepingDone) clearLeftovers(this.dir)
    const r = recoverTail(this.dir, this.scanner, this.config['index.interval.bytes'], this.tail)
    if (r.truncation) this.notice(describeTruncation(this.label, r.truncation))
    if (r.indexRebuilt && !r.truncation && this.tail === null && r.tail.size > 0) {
      this.notice(`${this.label}: rebuilt the indexes of segment ${r.tail.segment.baseOffset} from the log`)
    }
    if (!this.tail || this.tail.segment !== r.tail.segment) {
      this.closeFd()
      this.firstBatchTimestamp = r.tail.size > 0 ? r.tail.segment.firstBatchTimestamp() : null
    }
    this.tail = r.tail
    if (!this.housekeepingDone) {
      this.housekeepingDone = true
      this.housekeeping(false)
    }
  }

  /**
   * Appends the builder's records as one batch at the log end and returns
   * their offsets. The caller must hold the lock (acquire()).
   */
  append(builder: BatchBuilder): AppendResult {
    if (!this.lock.held || !this.tail) {
      throw new LockError(`${this.label}: write lock ${this.lock.compromised ? 'was lost' : 'is not held'}`)
    }
    const now = this.now()
    if (this.shouldRoll(builder.sizeInBytes, now)) this.roll()
    const t = this.tail
    const baseOffset = t.nextOffset
    const batch = builder.seal(baseOffset, this.options.leaderEpoch ?? 0)
    if (batch.length > this.config['max.message.bytes']) {
      throw new RecordTooLargeError(`batch of ${batch.length} bytes is over max.message.bytes ${this.config['max.message.bytes']}`)
    }
    const fd = this.activeFd()
    const position = t.size
    try {
      let written = 0
      while (written < batch.length) {
        written += writeSync(fd, batch, written, batch.length - written, position + written)
      }
    } catch (error) {
      // Leave no partial batch behind (ENOSPC, EIO).
      try {
        ftruncateSync(fd, position)
      } catch {}
      throw error
    }
    if (this.options.fsync || this.config['flush.messages'] <= builder.recordCount) fdatasyncSync(fd)
    const lastOffset = baseOffset + builder.recordCount - 1
    t.size += batch.length
    t.nextOffset = lastOffset + 1
    if (builder.maxTimestampMs > t.maxTimestamp) {
      t.maxTimestamp = builder.maxTimestampMs
      t.offsetOfMaxTimestamp = lastOffset
    }
    if (this.firstBatchTimestamp === null) this.firstBatchTimestamp = builder.baseTimestampMs
    const segment = t.segment
    const lastIndexed = segment.index.lastEntry()?.position ?? 0
    if (position - lastIndexed > this.config['index.interval.bytes']) {
      segment.index.append(lastOffset, position)
      segment.timeIndex.maybeAppend(t.maxTimestamp, t.offsetOfMaxTimestamp)
    }
    return {baseOffset, lastOffset, position, segmentBaseOffset: segment.baseOffset}
  }

  private shouldRoll(incoming: number, now: number): boolean {
    const t = this.tail!
    if (t.size === 0) return false
    if (t.size + incoming > this.config['segment.bytes']) return true
    return this.firstBatchTimestamp !== null && now - this.firstBatchTimestamp > this.config['segment.ms']
  }

  /** Closes the active segment and starts a new one at the log end. */
  roll(): void {
    const t = this.tail!
    const old = t.segment
    // Kafka writes a last time-index entry when a segment goes inactive, so
    // the segment's largest timestamp can be read without a scan.
    if (t.maxTimestamp >= 0) old.timeIndex.maybeAppend(t.maxTimestamp, t.offsetOfMaxTimestamp)
    old.index.close()
    old.timeIndex.close()
    this.closeFd()
    const segment = LogSegment.create(this.dir, t.nextOffset)
    segment.index.load()
    segment.timeIndex.load()
    this.tail = {segment, size: 0, nextOffset: t.nextOffset, maxTimestamp: -1, offsetOfMaxTimestamp: t.nextOffset}
    this.firstBatchTimestamp = null
    this.housekeeping(true)
  }

  /** Retention and compaction of inactive segments; the active one is never touched. */
  private housekeeping(rolled: boolean): void {
    const now = this.now()
    if (deletesOldSegments(this.config)) {
      const deleted = applyRetention(this.dir, this.config, now, this.tail!.segment.baseOffset)
      if (deleted.length > 0) {
        this.notice(`${this.label}: retention deleted ${deleted.length} segment(s), log now starts at ${deleted.at(-1)!.nextBaseOffset}`)
      }
    }
    // Compaction reads every inactive segment, so it runs when a segment
    // closes rather than each time a writer starts.
    if (rolled && isCompacted(this.config)) {
      compactPartition(this.dir, this.config, now, this.tail!.segment.baseOffset, this.scanner)
    }
  }

  private activeFd(): number {
    const t = this.tail!
    if (this.fd === null || this.fdSegment !== t.segment) {
      this.closeFd()
      this.fd = openSync(t.segment.logPath, 'r+')
      this.fdSegment = t.segment
    }
    return this.fd
  }

  private closeFd(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
    this.fdSegment = null
  }

  async close(): Promise<void> {
    this.closeFd()
    this.tail?.segment.index.close()
    this.tail?.segment.timeIndex.close()
    await this.lock.release()
  }

  private notice(message: string): void {
    this.options.onNotice?.(message)
  }
}

export function describeTruncation(label: string, t: Truncation): string {
  const what = t.reason === 'partial' ? 'a torn batch' : 'bytes that are not a valid batch'
  return `${label}: recovered: truncated ${t.bytes} bytes of ${what} at offset ${t.offset} (segment ${t.segmentBaseOffset}, position ${t.position}); every record before it is intact`
}
