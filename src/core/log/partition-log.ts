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
import {closeSync, fdatasyncSync, fstatSync, ftruncateSync, lstatSync, readSync, unlinkSync, writeSync} from 'node:fs'
import {OPEN, openNoFollow, symlinkError} from '../store/fs.js'
import {CorruptRecordError, DamagedLogError, LockError, RecordTooLargeError, StoreError} from '../errors.js'
import {CORRUPT, PARTIAL, checkBatch} from '../record/batch-header.js'
import * as L from '../record/batch-layout.js'
import type {BatchBuilder} from '../record/record-batch.js'
import {PartitionLock, type PartitionLockOptions} from '../lock/partition-lock.js'
import {type LogConfig, deletesOldSegments, isCompacted} from './log-config.js'
import {BatchScanner} from './batch-scanner.js'
import {LeaderEpochCache} from './leader-epoch-cache.js'
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
  /**
   * The epoch stamped into appended batches. A broker sets it (setLeaderEpoch)
   * once it holds the lock; an embedded writer, given none, writes under the
   * partition's latest epoch in its leader-epoch-checkpoint (0 without one).
   */
  leaderEpoch?: number
  now?: () => number
}

export class PartitionLog {
  readonly dir: string
  private config_: LogConfig
  readonly lock: PartitionLock
  private readonly scanner: BatchScanner
  private readonly options: PartitionLogOptions
  private tail: TailState | null = null
  private fd: number | null = null
  private fdSegment: LogSegment | null = null
  private firstBatchTimestamp: number | null = null
  private housekeepingDone = false
  private readonly now: () => number
  private leaderEpoch_: number

  constructor(dir: string, config: LogConfig, options: PartitionLogOptions = {}) {
    this.dir = dir
    this.config_ = config
    this.options = options
    this.now = options.now ?? Date.now
    this.lock = new PartitionLock(dir, {label: options.label, ...options.lock})
    this.scanner = new BatchScanner()
    this.leaderEpoch_ = options.leaderEpoch ?? 0
  }

  /** The epoch the next appended batch is stamped with. */
  get leaderEpoch(): number {
    return this.leaderEpoch_
  }

  /** A broker learns its epoch only once it holds the lock (the partition's last epoch + 1). */
  setLeaderEpoch(epoch: number): void {
    this.leaderEpoch_ = epoch
  }

  get config(): LogConfig {
    return this.config_
  }

  /** A long-lived writer (a broker) takes a topic's changed configs (`topic alter --config`) from its next append on. */
  updateConfig(config: LogConfig): void {
    this.config_ = config
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
      if (this.options.leaderEpoch === undefined) this.leaderEpoch_ = this.latestRecordedEpoch()
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

  othersWaiting(): string[] {
    return this.lock.othersWaiting()
  }

  /** release() for the waiters named, who then get their turn first. */
  async yieldTo(waiters: string[]): Promise<void> {
    if (this.tail && this.lock.isCurrent()) writeRecoveryPoint(this.dir, this.tail.nextOffset)
    await this.lock.yieldTo(waiters)
  }

  get holdsLock(): boolean {
    return this.lock.held
  }

  private refresh(): void {
    if (!this.housekeepingDone) for (const said of clearLeftovers(this.dir)) this.notice(`${this.label}: ${said}`)
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
   * their offsets. The caller must hold the lock (acquire()). This is the
   * embedded producer's path: the batch is sealed at the offset the lock
   * holder checked, under this writer's leader epoch.
   */
  append(builder: BatchBuilder): AppendResult {
    this.checkWritable()
    if (this.shouldRoll(builder.sizeInBytes, this.now())) this.roll()
    const batch = builder.seal(this.tail!.nextOffset, this.leaderEpoch)
    this.checkSize(batch.length, 'batch')
    return this.writeBatch(batch, 0, batch.length, builder.recordCount - 1, builder.baseTimestampMs, builder.maxTimestampMs, builder.recordCount)
  }

  /**
   * A leader's append of RecordBatch bytes as a producer sent them (a
   * broker's Produce): each batch is checked whole (length, magic, CRC),
   * gets the next offsets and this writer's leader epoch stamped in (both
   * lie outside the CRC, so the batch stays valid), and is written as
   * received, compressed or not. The bytes are changed in place.
   */
  appendAsLeader(batches: Buffer): AppendResult[] {
    this.checkWritable()
    const results: AppendResult[] = []
    for (const b of splitBatches(batches, this.label)) {
      this.checkSize(b.size, 'batch')
      if (this.shouldRoll(b.size, this.now())) this.roll()
      L.writeInt64(batches, b.start + L.BASE_OFFSET_OFFSET, this.tail!.nextOffset)
      batches.writeInt32BE(this.leaderEpoch, b.start + L.PARTITION_LEADER_EPOCH_OFFSET)
      results.push(this.writeBatch(batches, b.start, b.size, b.lastOffsetDelta, b.baseTimestamp, b.maxTimestamp, b.records))
    }
    return results
  }

  /**
   * A follower's append of its leader's batches, unchanged: offsets and
   * epochs are the leader's. Each must start at or after the log end
   * (compaction on the leader may leave gaps, never overlaps); a batch
   * that would start a new segment starts it at its own base offset.
   */
  appendAsFollower(batches: Buffer): AppendResult[] {
    this.checkWritable()
    const results: AppendResult[] = []
    for (const b of splitBatches(batches, this.label)) {
      const base = L.readInt64(batches, b.start + L.BASE_OFFSET_OFFSET)
      if (base < this.tail!.nextOffset) {
        throw new CorruptRecordError(`${this.label}: a follower's batch at offset ${base} overlaps the log, which ends at ${this.tail!.nextOffset}`)
      }
      if (this.shouldRoll(b.size, this.now())) this.roll(false, base)
      else this.tail!.nextOffset = base
      results.push(this.writeBatch(batches, b.start, b.size, b.lastOffsetDelta, b.baseTimestamp, b.maxTimestamp, b.records))
    }
    return results
  }

  /**
   * A follower's cut back to `offset` (Kafka's leader-epoch rule, KIP-101):
   * every batch that ends at or past it goes, with the segments that begin
   * at or after it; a log cut to before its first segment starts again,
   * empty, at `offset`. A follower holds its leader's batches, so the cut
   * lands between batches. Returns the log end after the cut.
   */
  truncateTo(offset: number): number {
    this.checkWritable()
    if (offset >= this.tail!.nextOffset) return this.tail!.nextOffset
    this.closeFd()
    this.tail!.segment.index.close()
    this.tail!.segment.timeIndex.close()
    this.tail = null
    const bases = listSegmentBaseOffsets(this.dir)
    for (const base of bases.slice().reverse()) {
      if (base < offset) break
      new LogSegment(this.dir, base).delete()
    }
    const kept = bases.filter((b) => b < offset)
    if (kept.length === 0) {
      LogSegment.createReplacing(this.dir, offset)
    } else {
      const segment = new LogSegment(this.dir, kept[kept.length - 1])
      const position = positionOfFirstBatchEndingAtOrAfter(segment.logPath, offset)
      const fd = openNoFollow(segment.logPath, OPEN.readWrite)
      try {
        ftruncateSync(fd, position)
      } finally {
        closeSync(fd)
      }
      segment.index.load()
      segment.index.truncateToPosition(position)
      segment.index.close()
      segment.timeIndex.load()
      segment.timeIndex.truncateToOffset(offset)
      segment.timeIndex.close()
    }
    const point = readRecoveryPoint(this.dir).offset
    if (point !== null && point > offset) writeRecoveryPoint(this.dir, offset)
    this.refresh()
    return this.tail!.nextOffset
  }

  /** The partition's current epoch as brokers recorded it; 0 when none did. */
  private latestRecordedEpoch(): number {
    try {
      return Math.max(0, LeaderEpochCache.load(this.dir).latestEpoch)
    } catch (error) {
      if (!(error instanceof StoreError)) throw error
      this.notice(`${this.label}: ${error.message}; writing under epoch 0`)
      return 0
    }
  }

  private checkWritable(): void {
    if (!this.lock.held || !this.tail || !this.lock.isCurrent()) {
      throw new LockError(`${this.label}: write lock ${this.lock.compromised ? 'was lost' : 'is not held'}`)
    }
  }

  private checkSize(bytes: number, what: string): void {
    if (bytes > this.config['max.message.bytes']) {
      throw new RecordTooLargeError(`${what} of ${bytes} bytes is over max.message.bytes ${this.config['max.message.bytes']}`)
    }
  }

  /**
   * The one write: a whole batch, with one positional write at the log end,
   * fenced by a lock check before (checkWritable) and after it.
   */
  private writeBatch(buf: Buffer, start: number, size: number, lastOffsetDelta: number, baseTimestamp: number, maxTimestamp: number, records: number): AppendResult {
    const t = this.tail!
    const baseOffset = t.nextOffset
    const fd = this.activeFd()
    const position = t.size
    try {
      let written = 0
      while (written < size) {
        written += writeSync(fd, buf, start + written, size - written, position + written)
      }
    } catch (error) {
      // Leave no partial batch behind (ENOSPC, EIO).
      try {
        ftruncateSync(fd, position)
      } catch {}
      throw error
    }
    if (this.options.fsync || this.config['flush.messages'] <= records) fdatasyncSync(fd)
    const lastOffset = baseOffset + lastOffsetDelta
    if (!this.lock.isCurrent()) {
      // Taken from us during the write: the taker fenced our descriptors
      // out, or read our batch as part of the log; either way it is not ours
      // to acknowledge.
      this.tail = null
      this.closeFd()
      throw new LockError(`${this.label}: write lock was lost during the write of offsets ${baseOffset}..${lastOffset}; they are not acknowledged`)
    }
    t.size += size
    t.nextOffset = lastOffset + 1
    if (maxTimestamp > t.maxTimestamp) {
      t.maxTimestamp = maxTimestamp
      t.offsetOfMaxTimestamp = lastOffset
    }
    if (this.firstBatchTimestamp === null) this.firstBatchTimestamp = baseTimestamp
    t.segment.indexAppended(position, lastOffset, t.maxTimestamp, t.offsetOfMaxTimestamp, this.config['index.interval.bytes'])
    return {baseOffset, lastOffset, position, segmentBaseOffset: t.segment.baseOffset}
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
  roll(replacing = false, baseOffset = this.tail!.nextOffset): void {
    const t = this.tail!
    t.segment.closeForRoll(t.maxTimestamp, t.offsetOfMaxTimestamp)
    this.closeFd()
    const segment = replacing ? LogSegment.createReplacing(this.dir, baseOffset) : this.createNextSegment(baseOffset)
    segment.index.load()
    segment.timeIndex.load()
    this.tail = {segment, size: 0, nextOffset: baseOffset, maxTimestamp: -1, offsetOfMaxTimestamp: baseOffset}
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
      for (const path of [stray.logPath, stray.index.path, stray.timeIndex.path]) {
        if (lstatSync(path, {throwIfNoEntry: false})?.isSymbolicLink()) throw symlinkError(path)
      }
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

/** Where the first batch whose last offset is at or past `offset` begins (the file's size when none does). */
function positionOfFirstBatchEndingAtOrAfter(logPath: string, offset: number): number {
  const fd = openNoFollow(logPath, OPEN.read)
  try {
    const size = fstatSync(fd).size
    const head = Buffer.alloc(L.RECORDS_OFFSET)
    let position = 0
    while (position + head.length <= size) {
      if (readSync(fd, head, 0, head.length, position) !== head.length) break
      if (L.readInt64(head, L.BASE_OFFSET_OFFSET) + head.readInt32BE(L.LAST_OFFSET_DELTA_OFFSET) >= offset) return position
      position += head.readInt32BE(L.LENGTH_OFFSET) + L.LOG_OVERHEAD
    }
    return Math.min(position, size)
  } finally {
    closeSync(fd)
  }
}

interface ReceivedBatch {
  start: number
  size: number
  lastOffsetDelta: number
  baseTimestamp: number
  maxTimestamp: number
  records: number
}

/**
 * The batches in bytes that came from outside (a client, a leader), each
 * checked whole before anything is written: a short or bad one refuses the
 * lot, so no partial request lands.
 */
function splitBatches(buf: Buffer, label: string): ReceivedBatch[] {
  const out: ReceivedBatch[] = []
  let pos = 0
  while (pos < buf.length) {
    const size = checkBatch(buf, pos, buf.length, L.MAX_BATCH_SIZE)
    if (size === PARTIAL || size === CORRUPT) {
      throw new CorruptRecordError(`${label}: the batch at byte ${pos} of what was received is ${size === PARTIAL ? 'cut short' : 'not a valid batch (bad length, magic or CRC)'}; nothing was written`)
    }
    const lastOffsetDelta = buf.readInt32BE(pos + L.LAST_OFFSET_DELTA_OFFSET)
    const records = buf.readInt32BE(pos + L.RECORDS_COUNT_OFFSET)
    if (lastOffsetDelta < 0 || records < 0) {
      throw new CorruptRecordError(`${label}: the batch at byte ${pos} of what was received declares ${records} records and last offset delta ${lastOffsetDelta}; nothing was written`)
    }
    out.push({
      start: pos,
      size,
      lastOffsetDelta,
      baseTimestamp: L.readInt64(buf, pos + L.BASE_TIMESTAMP_OFFSET),
      maxTimestamp: L.readInt64(buf, pos + L.MAX_TIMESTAMP_OFFSET),
      records,
    })
    pos += size
  }
  return out
}
