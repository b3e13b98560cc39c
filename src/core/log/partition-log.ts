/**
 * The writer's side of one partition. It appends only while it holds the
 * partition's write lock; on taking the lock it catches up with whatever
 * other writers appended (recovery.ts) and then writes each batch with a
 * single positional `write` at the log end it has checked.
 *
 * Fencing: before and after every write it checks that the lock is still
 * the one it took (PartitionLock.isCurrent). A write whose second check
 * fails is not acknowledged. A taker that took the lock from a holder that
 * may still be alive (on another host, or an orphaned lock) gives the
 * active segment's files new inodes and starts a new segment before its
 * first write, so whatever the old holder writes through the descriptors it
 * holds lands in files nobody reads (docs/ARCHITECTURE.md, "Fencing").
 */
import {closeSync, fdatasyncSync, ftruncateSync, unlinkSync, writeSync} from 'node:fs'
import {OPEN, openNoFollow} from '../store/fs.js'
import {DamagedLogError, LockError, RecordTooLargeError} from '../errors.js'
import type {BatchBuilder} from '../record/record-batch.js'
import {PartitionLock, type PartitionLockOptions} from '../lock/partition-lock.js'
import {type LogConfig, deletesOldSegments, isCompacted} from './log-config.js'
import {BatchScanner} from './batch-scanner.js'
import {compactPartition} from './compaction.js'
import {type TailState, type Truncation, clearLeftovers, recoverTail} from './recovery.js'
import {readRecoveryPoint, writeRecoveryPoint} from './recovery-point.js'
import {applyRetention} from './retention.js'
import {listSegmentBaseOffsets} from './file-names.js'
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
  /** The topic, for hints that name a command to run. */
  topic?: string
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
      const fenceOut = this.lock.takeover === 'stale-holder' || this.lock.takeover === 'orphan'
      if (fenceOut) this.fenceOutPreviousHolder()
      this.refresh()
      if (fenceOut && this.tail!.size > 0) this.roll(true)
    } catch (error) {
      await this.lock.release()
      throw error
    }
  }

  /**
   * The previous holder may be alive, between a check and a write: its
   * descriptors must reach nothing we will write or read. The active
   * segment's files get new inodes now (before we read the log end), and
   * acquire() then rolls to a segment made by rename.
   */
  private fenceOutPreviousHolder(): void {
    this.closeFd()
    this.tail = null
    const bases = listSegmentBaseOffsets(this.dir)
    if (bases.length > 0) new LogSegment(this.dir, bases[bases.length - 1]).replaceWithCopies()
    this.notice(`${this.label}: took the write lock from ${this.lock.takeover === 'orphan' ? 'a taker that never finished' : 'a holder that stopped refreshing it (on another host)'}; fenced it out`)
  }

  /** Lets go of the lock; a clean release moves the recovery point to the log end. */
  async release(): Promise<void> {
    if (this.tail && this.lock.isCurrent()) writeRecoveryPoint(this.dir, this.tail.nextOffset)
    await this.lock.release()
  }

  get holdsLock(): boolean {
    return this.lock.held
  }

  private refresh(): void {
    if (!this.housekeepingDone) clearLeftovers(this.dir)
    const point = readRecoveryPoint(this.dir)
    if (point.offset === null && point.damaged) this.notice(`${this.label}: ignored a damaged recovery point (${point.damaged}); checked the active segment instead`)
    let r
    try {
      r = recoverTail(this.dir, this.scanner, this.config['index.interval.bytes'], this.tail, point.offset)
    } catch (error) {
      if (!(error instanceof DamagedLogError)) throw error
      const verify = this.options.topic ? `logpipe topic verify ${this.options.topic} --repair` : 'logpipe topic verify TOPIC --repair'
      throw new DamagedLogError(`${this.label}: ${error.message}`, error, {
        hint: `\`${verify}\` cuts the damaged batch and every batch after it, saying what it removed; until then nothing is written here`,
      })
    }
    if (r.truncation) {
      const lost = r.endsBelowPoint ? `; it lay below the recovery point ${r.endsBelowPoint.point}, so the machine lost writes that had not reached the disk` : ''
      this.notice(describeTruncation(this.label, r.truncation) + lost)
    } else if (r.endsBelowPoint) {
      this.notice(`${this.label}: the log ends at offset ${r.endsBelowPoint.offset}, below its recovery point ${r.endsBelowPoint.point}: writes that had not reached the disk were lost (a machine crash without --fsync?)`)
    }
    if (r.droppedSegments.length > 0) {
      this.notice(`${this.label}: recovered: dropped ${r.droppedSegments.length} segment(s) after the cut (${r.droppedSegments.join(', ')})`)
    }
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
    if (!this.lock.held || !this.tail || !this.lock.isCurrent()) {
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
    if (!this.lock.isCurrent()) {
      // Taken from us during the write: the taker fenced our descriptors
      // out, or read our batch as part of the log; either way it is not ours
      // to acknowledge.
      this.tail = null
      this.closeFd()
      throw new LockError(`${this.label}: write lock was lost during the write of offsets ${baseOffset}..${lastOffset}; they are not acknowledged`)
    }
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

  /**
   * Closes the active segment and starts a new one at the log end. Its
   * files are made exclusively: one already there means another writer
   * rolled here, i.e. we lost the lock. `replacing` (fencing a previous
   * holder out) makes them by rename instead, over whatever it left.
   */
  roll(replacing = false): void {
    const t = this.tail!
    const old = t.segment
    // Kafka writes a last time-index entry when a segment goes inactive, so
    // the segment's largest timestamp can be read without a scan.
    if (t.maxTimestamp >= 0) old.timeIndex.maybeAppend(t.maxTimestamp, t.offsetOfMaxTimestamp)
    old.index.close()
    old.timeIndex.close()
    this.closeFd()
    const segment = replacing ? LogSegment.createReplacing(this.dir, t.nextOffset) : this.createNextSegment(t.nextOffset)
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

  private createNextSegment(baseOffset: number): LogSegment {
    try {
      return LogSegment.createExclusive(this.dir, baseOffset)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      if (!this.lock.isCurrent()) {
        this.tail = null
        throw new LockError(`${this.label}: write lock was lost; another writer rolled segment ${baseOffset}`)
      }
      // We hold the lock, so nobody else made them: index files left by a
      // writer killed in the middle of a roll. Only an empty log may go.
      const stray = new LogSegment(this.dir, baseOffset)
      if (stray.size() > 0) throw error
      for (const path of [stray.logPath, stray.index.path, stray.timeIndex.path]) {
        try {
          unlinkSync(path)
        } catch {}
      }
      return LogSegment.createExclusive(this.dir, baseOffset)
    }
  }

  private activeFd(): number {
    const t = this.tail!
    if (this.fd === null || this.fdSegment !== t.segment) {
      this.closeFd()
      this.fd = openNoFollow(t.segment.logPath, OPEN.readWrite)
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
    await this.release()
  }

  private notice(message: string): void {
    this.options.onNotice?.(message)
  }
}

export function describeTruncation(label: string, t: Truncation): string {
  const what = t.reason === 'partial' ? 'a torn batch' : 'bytes that are not a valid batch'
  return `${label}: recovered: truncated ${t.bytes} bytes of ${what} at offset ${t.offset} (segment ${t.segmentBaseOffset}, position ${t.position}); every record before it is intact`
}
