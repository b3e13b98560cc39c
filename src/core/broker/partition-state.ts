/**
 * One partition as its leader broker keeps it (Kafka's `Partition`): the
 * write lock, held for as long as the broker leads; the leader epoch, a new
 * one each time this broker becomes leader (the partition's last epoch + 1,
 * recorded in leader-epoch-checkpoint at the log end), stamped by
 * `appendAsLeader` into every batch; and the waiters a Fetch leaves to be
 * woken by the next append.
 *
 * A lock that is no longer ours (isCurrent false: a topic deleted under us,
 * a taker on another host) ends the leadership at once: every later append
 * is a NotLeaderError (NOT_LEADER_OR_FOLLOWER), nothing more is written.
 */
import {LockError, NotLeaderError} from '../errors.js'
import {LeaderEpochCache} from '../log/leader-epoch-cache.js'
import {ErrorCode} from '../wire/error-codes.js'
import type {LogConfig} from '../log/log-config.js'
import {LogReader} from '../log/log-reader.js'
import {giveReadBuffer, lend, LEND_MIN, release, takeReadBuffer} from './read-buffer-pool.js'
import {batchLastOffset, batchSize} from '../record/batch-header.js'
import * as L from '../record/batch-layout.js'
import {listSegmentBaseOffsets} from '../log/file-names.js'
import {lastSequence, ProducerState, type ProducerVerdict} from './producer-state.js'
import {RecordReader} from '../record/record.js'
import {type AppendResult, PartitionLog} from '../log/partition-log.js'
import {LogSegment} from '../log/segment.js'
import {mkdirSync} from 'node:fs'
import {FencedEpochError} from '../errors.js'
import {updatePartitionMeta} from '../store/partition-metadata.js'
import {IsrState} from './isr.js'
import {DelayedProduces} from './delayed-produce.js'

export interface PartitionStateOptions {
  brokerId: number
  /** How long to wait for the lock (an embedded producer's burst) before giving up for now. */
  lockTimeoutMs: number
  onNotice: (message: string) => void
  now?: () => number
}

/** Room below which a fetch stops reading rather than read again for a batch that may not fit. */
const LITTLE_ROOM = 64 * 1024

/** Most bytes of its newest batches a replicated leader keeps in memory for its followers' fetches. */
const FOLLOWER_TAIL_MAX_BYTES = 4 << 20
/** Most bytes all the partitions of this process keep so: past it, followers read the log. */
const FOLLOWER_TAILS_MAX_BYTES = 64 << 20
/** A batch smaller than this is copied into the tail rather than kept as a view of the request (which would keep its whole socket chunk). */
const FOLLOWER_TAIL_COPY_BELOW = 64 * 1024
let followerTailsBytes = 0

export class PartitionState {
  readonly topic: string
  readonly partition: number
  readonly dir: string
  private config_: LogConfig
  private readonly log: PartitionLog
  private readonly epochs: LeaderEpochCache
  private readonly reader: LogReader
  private leaderEpoch_ = -1
  private lost = false
  private readonly waiters = new Set<() => void>()
  /** Where the fetch reader stands: the offset after the last batch it handed out, -1 when it must seek. */
  private cursor = -1
  private producers = new ProducerState()
  /** The offset of the newest snapshot on disk, null when there is none. */
  private snapshotAt: number | null = null
  private endAtLead = 0
  /** Set for a replica of a replicated topic (openReplica): its role, its leader's view of the ISR, its high watermark as follower. */
  private replica: ReplicaRole | null = null
  /** acks=all produces waiting for the high watermark (delayed-produce.ts). */
  private readonly delayed = new DelayedProduces(() => this.isLeader)
  /**
   * A replicated leader's newest batches as appended (offsets and epoch
   * stamped), oldest first, until every in-sync follower has fetched past them:
   * the followers' fetches of what was just produced are answered from
   * here, without reading back from the segment what every follower asks
   * for in turn.
   */
  private followerTail: {base: number; end: number; buf: Buffer}[] = []
  private followerTailBytes = 0

  private constructor(topic: string, partition: number, dir: string, config: LogConfig, log: PartitionLog, epochs: LeaderEpochCache) {
    this.topic = topic
    this.partition = partition
    this.dir = dir
    this.config_ = config
    this.log = log
    this.epochs = epochs
    // Lent a pooled buffer for each fetch (read-buffer-pool.ts); between fetches a reader holds none.
    this.reader = new LogReader(dir)
  }

  /**
   * Takes the partition's lock and becomes its leader under a new epoch.
   * A LockError when another live writer holds it past the timeout.
   */
  static async lead(topic: string, partition: number, dir: string, config: LogConfig, options: PartitionStateOptions): Promise<PartitionState> {
    const label = `topic ${topic} partition ${partition}`
    const log = new PartitionLog(dir, config, {
      label,
      topic,
      onNotice: options.onNotice,
      now: options.now,
      leaderEpoch: 0,
      lock: {client: `broker ${options.brokerId}`, timeoutMs: options.lockTimeoutMs, now: options.now},
    })
    await log.acquire()
    try {
      const epochs = LeaderEpochCache.load(dir)
      const state = new PartitionState(topic, partition, dir, config, log, epochs)
      state.becomeLeader()
      state.loadProducers()
      return state
    } catch (error) {
      await log.release()
      throw error
    }
  }

  /**
   * One replica of a replicated partition, in its broker's log dir: the
   * log's own lock is taken (and held while the broker runs, as leader or
   * follower), the replica starts as a follower. Leadership is not the log
   * lock here but the partition's lock in the metadata directory, which
   * the caller holds before makeLeader (election.ts).
   */
  static async openReplica(topic: string, partition: number, dir: string, config: LogConfig, replica: ReplicaIdentity, options: PartitionStateOptions): Promise<PartitionState> {
    mkdirSync(dir, {recursive: true, mode: 0o700})
    if (listSegmentBaseOffsets(dir).length === 0) LogSegment.create(dir, 0)
    const log = new PartitionLog(dir, config, {
      label: `topic ${topic} partition ${partition} (replica of broker ${options.brokerId})`,
      topic,
      onNotice: options.onNotice,
      now: options.now,
      lock: {client: `broker ${options.brokerId}`, timeoutMs: options.lockTimeoutMs, now: options.now},
    })
    await log.acquire()
    try {
      const epochs = LeaderEpochCache.load(dir)
      epochs.truncateFromEnd(log.logEndOffset + 1)
      const state = new PartitionState(topic, partition, dir, config, log, epochs)
      state.leaderEpoch_ = epochs.latestEpoch
      // The high watermark it had before a restart (replication-offset-checkpoint), never past its own log.
      const followerHw = Math.min(replica.highWatermark ?? 0, log.logEndOffset)
      state.replica = {replicas: replica.replicas, metaDir: replica.metaDir, brokerId: options.brokerId, role: 'follower', leadership: null, isr: null, followerHw, now: options.now ?? Date.now}
      return state
    } catch (error) {
      await log.release()
      throw error
    }
  }

  get isReplicated(): boolean {
    return this.replica !== null
  }

  get role(): 'leader' | 'follower' | null {
    return this.replica?.role ?? null
  }

  /** The ISR as this leader keeps it (null when not a replicated leader). */
  get isr(): readonly number[] | null {
    return this.replica?.isr?.isr ?? null
  }

  /** The latest epoch in this replica's leader-epoch-checkpoint. */
  get latestEpoch(): number {
    return this.epochs.latestEpoch
  }

  /**
   * Leader of a replicated partition at `epoch` (just written to
   * partition.json under the leadership lock): the epoch begins at the log
   * end in leader-epoch-checkpoint and is stamped into every batch from now
   * on. Records past the high watermark stay: they are committed once the
   * ISR has them, as in Kafka.
   */
  makeLeader(epoch: number, isr: readonly number[], leadership: {isCurrent(): boolean}): void {
    const r = this.replica!
    this.epochs.assign(epoch, this.log.logEndOffset)
    this.leaderEpoch_ = epoch
    this.log.setLeaderEpoch(epoch)
    r.isr = new IsrState(r.brokerId, r.replicas, isr, Math.min(r.followerHw, this.log.logEndOffset), r.now())
    r.leadership = leadership
    r.role = 'leader'
    this.lost = false
    this.cursor = -1
    this.dropFollowerTail()
    this.loadProducers()
    if (r.isr.advance(this.log.logEndOffset)) this.highWatermarkMoved()
  }

  /** Follower of the leader at `epoch`: appends stop, waiters are woken (and find it no longer leads). */
  makeFollower(epoch: number): void {
    const r = this.replica!
    if (r.role === 'leader' && r.isr) r.followerHw = r.isr.highWatermark
    r.role = 'follower'
    r.isr = null
    r.leadership = null
    this.leaderEpoch_ = Math.max(epoch, this.leaderEpoch_)
    this.cursor = -1
    this.dropFollowerTail()
    this.delayed.failAll()
    this.wake()
  }

  /** A follower's append of its leader's batches, unchanged; a batch of a newer epoch starts it in leader-epoch-checkpoint. */
  appendAsFollower(batches: Buffer): AppendResult[] {
    const results = this.log.appendAsFollower(batches)
    for (let pos = 0, i = 0; pos < batches.length; pos += batchSize(batches, pos), i++) {
      const epoch = batches.readInt32BE(pos + L.PARTITION_LEADER_EPOCH_OFFSET)
      if (epoch > this.epochs.latestEpoch) this.epochs.assign(epoch, results[i].baseOffset)
    }
    return results
  }

  /** The follower learned its leader's high watermark. */
  setFollowerHighWatermark(hw: number): void {
    const r = this.replica!
    r.followerHw = Math.max(r.followerHw, Math.min(hw, this.log.logEndOffset))
  }

  /** A follower's cut to `offset` (found with OffsetForLeaderEpoch); the epochs past it go too. Returns the log end. */
  truncateTo(offset: number): number {
    const end = this.log.truncateTo(offset)
    this.epochs.truncateFromEnd(end)
    this.cursor = -1
    this.dropFollowerTail()
    const r = this.replica
    if (r) r.followerHw = Math.min(r.followerHw, end)
    return end
  }

  /**
   * The leader heard a fetch from follower `id` at `fetchOffset`: the ISR
   * may take it back (written to partition.json), the high watermark may
   * move (waiters woken).
   */
  recordFollowerFetch(id: number, fetchOffset: number): void {
    const r = this.replica
    if (!r || r.role !== 'leader' || !r.isr || !r.isr.isFollower(id)) return
    const end = this.log.logEndOffset
    const epochStart = this.epochs.all.at(-1)?.startOffset ?? 0
    const expand = r.isr.onFetch(id, fetchOffset, end, epochStart, r.now())
    if (expand) this.writeIsr(expand)
    if (r.isr.advance(end)) this.highWatermarkMoved()
    this.trimFollowerTail(r.isr.leastIsrFollowerLogEnd())
  }

  /** Drops ISR members that lagged past `maxLagMs` (written to partition.json); the high watermark may then move. */
  checkIsr(maxLagMs: number): void {
    const r = this.replica
    if (!r || r.role !== 'leader' || !r.isr) return
    const shrink = r.isr.shrinkCandidate(r.now(), maxLagMs)
    if (shrink) this.writeIsr(shrink)
    if (r.isr.advance(this.log.logEndOffset)) this.highWatermarkMoved()
  }

  /** The assignment changed (`topic reassign`): a leader watches the new followers and forgets the ones that left. */
  setReplicas(replicas: readonly number[]): void {
    const r = this.replica!
    r.replicas = [...replicas]
    r.isr?.setReplicas(replicas, r.now())
  }

  /** The follower's log end as this leader last heard it (-1 when not heard yet). */
  followerLogEnd(id: number): number {
    return this.replica?.isr?.followerLogEnd(id) ?? -1
  }

  /** An ISR change, written under this leader's epoch: refused (and leadership ended) when another leader was elected. */
  private writeIsr(next: number[]): void {
    const r = this.replica!
    const epoch = this.leaderEpoch_
    try {
      const isr = [...next].sort((a, b) => a - b)
      const written = updatePartitionMeta(r.metaDir, epoch, (current) => (current.leader === r.brokerId && current.leaderEpoch === epoch ? {...current, isr} : null))
      if (written.leader === r.brokerId && written.leaderEpoch === epoch) {
        r.isr!.setIsr(written.isr)
        return
      }
      this.lost = true
    } catch (error) {
      if (!(error instanceof FencedEpochError)) throw error
      this.lost = true
    }
    this.delayed.failAll()
    this.wake()
  }

  /**
   * acks=all: resolves 'ok' once the high watermark reaches `offset`,
   * 'not-leader' when leadership ends first, 'timeout' after `timeoutMs`.
   */
  waitForHighWatermark(offset: number, timeoutMs: number, signal: AbortSignal): Promise<'ok' | 'not-leader' | 'timeout'> {
    if (!this.isLeader) return Promise.resolve('not-leader')
    if (this.highWatermark >= offset) return Promise.resolve('ok')
    if (timeoutMs <= 0 || signal.aborted) return Promise.resolve('timeout')
    return this.delayed.wait(offset, timeoutMs, signal)
  }

  /** Consumers' fetches may read further, and acks=all produces up to it are answered. */
  private highWatermarkMoved(): void {
    this.wake()
    this.delayed.complete(this.highWatermark)
  }

  /** Batches a follower asks for from `offset`, from the in-memory tail when they are there (else as read). */
  readForFollower(offset: number, maxBytes: number): Buffer | null {
    const tail = this.followerTail
    let i = tail.length - 1
    while (i >= 0 && tail[i].base > offset) i--
    if (i < 0 || tail[i].base !== offset) return this.read(offset, maxBytes)
    // Always the first batch whole, as read() does.
    let j = i + 1
    let total = tail[i].buf.length
    while (j < tail.length && total + tail[j].buf.length <= maxBytes) total += tail[j++].buf.length
    if (j === i + 1) return tail[i].buf
    return Buffer.concat(
      tail.slice(i, j).map((t) => t.buf),
      total,
    )
  }

  /** Every in-sync follower's log reaches `least` (-1: one's is not known; Infinity: none is in sync): what lies below it is not kept for them. */
  private trimFollowerTail(least: number): void {
    const tail = this.followerTail
    let n = 0
    let freed = 0
    while (n < tail.length && (tail[n].end <= least || this.followerTailBytes - freed > FOLLOWER_TAIL_MAX_BYTES)) freed += tail[n++].buf.length
    if (n > 0) tail.splice(0, n)
    this.followerTailBytes -= freed
    followerTailsBytes -= freed
  }

  private dropFollowerTail(): void {
    followerTailsBytes -= this.followerTailBytes
    this.followerTail = []
    this.followerTailBytes = 0
  }

  /** The epoch bump, under the lock: what lies past the log end is forgotten, then a new epoch begins there. */
  private becomeLeader(): void {
    const end = this.log.logEndOffset
    this.epochs.truncateFromEnd(end + 1)
    const start = this.reader.logStartOffset()
    let last = this.epochs.latestEpoch
    // Batches written without brokers carry epoch 0: record it, so the epoch after it is 1.
    if (last < 0 && end > start) {
      this.epochs.assign(0, start)
      last = 0
    }
    this.leaderEpoch_ = last + 1
    this.epochs.assign(this.leaderEpoch_, end)
    this.log.setLeaderEpoch(this.leaderEpoch_)
  }

  /**
   * The producers' state as of the log end: the newest snapshot, then the
   * batch headers past it. With no snapshot (a log no broker led yet) only
   * the active segment is read: before the first batch with a producer id
   * is written, a snapshot is made (one fsync per partition, once), so
   * every later start, after kill -9 too, begins at or before it.
   */
  private loadProducers(): void {
    const end = this.log.logEndOffset
    const loaded = ProducerState.loadSnapshot(this.dir, end)
    const bases = listSegmentBaseOffsets(this.dir)
    const from = Math.max(loaded?.offset ?? bases.at(-1) ?? 0, this.reader.logStartOffset())
    const producers = loaded?.state ?? new ProducerState()
    if (from < end) {
      const reader = new LogReader(this.dir)
      try {
        reader.seek(from)
        for (let range = reader.poll(); range !== null; range = reader.poll()) {
          for (let pos = range.start; pos < range.end; pos += batchSize(range.buf, pos)) {
            const last = batchLastOffset(range.buf, pos)
            if (last < from) continue
            const producerId = L.readInt64(range.buf, pos + L.PRODUCER_ID_OFFSET)
            const firstSeq = range.buf.readInt32BE(pos + L.BASE_SEQUENCE_OFFSET)
            if (producerId < 0 || firstSeq < 0) continue
            const epoch = range.buf.readInt16BE(pos + L.PRODUCER_EPOCH_OFFSET)
            const delta = range.buf.readInt32BE(pos + L.LAST_OFFSET_DELTA_OFFSET)
            producers.record(producerId, epoch, firstSeq, lastSequence(firstSeq, delta), last - delta, last)
          }
        }
      } finally {
        reader.close()
      }
    }
    this.producers = producers
    this.snapshotAt = loaded?.offset ?? null
    this.endAtLead = end
  }

  /** Writes the producers' snapshot at the log end, unless the newest one is there already. */
  private snapshotProducers(): void {
    const end = this.log.logEndOffset
    if (this.snapshotAt === end) return
    this.producers.writeSnapshot(this.dir, end)
    this.snapshotAt = end
  }

  get config(): LogConfig {
    return this.config_
  }

  /** topic.json changed (`topic alter --config`): the next appends follow it. */
  updateConfig(config: LogConfig): void {
    if (JSON.stringify(config) === JSON.stringify(this.config_)) return
    this.config_ = config
    this.log.updateConfig(config)
  }

  get leaderEpoch(): number {
    return this.leaderEpoch_
  }

  /**
   * Kafka's check of the leader epoch a client believes current (-1: no
   * check): an older one is fenced, a newer one not known here yet.
   */
  checkLeaderEpoch(current: number): 'ok' | 'fenced' | 'unknown' {
    if (current < 0 || current === this.leaderEpoch_) return 'ok'
    return current < this.leaderEpoch_ ? 'fenced' : 'unknown'
  }

  /** Still the leader: the lock taken is the one in place. One stat (two for a replicated partition: the log's and the leadership). */
  get isLeader(): boolean {
    if (this.lost) return false
    const r = this.replica
    if (r) return r.role === 'leader' && r.leadership !== null && this.log.holdsLock && this.log.lock.isCurrent() && r.leadership.isCurrent()
    if (this.log.holdsLock && this.log.lock.isCurrent()) return true
    this.lost = true
    return false
  }

  get logEndOffset(): number {
    return this.log.logEndOffset
  }

  /** With one replica, every appended record is committed; with more, what every ISR member has (isr.ts). */
  get highWatermark(): number {
    const r = this.replica
    if (!r) return this.log.logEndOffset
    return r.role === 'leader' && r.isr ? r.isr.highWatermark : r.followerHw
  }

  /**
   * Cached: every Produce and Fetch answer names it, and reading it is a
   * readdir (a tenth of the broker's CPU under kcat at 10,000 records/s).
   * Only our own writer moves it while we lead (retention when a segment
   * rolls), so a roll and each leadership scan read it again.
   */
  logStartOffset(): number {
    return (this.logStart ??= this.reader.logStartOffset())
  }

  private logStart: number | null = null
  private activeSegment = -1

  /**
   * Produce: the batches as the client sent them, offsets assigned and the
   * epoch stamped in (the bytes are changed in place). Waiters are woken.
   */
  appendAsLeader(batches: Buffer): AppendResult[] {
    if (!this.isLeader) throw this.notLeader()
    let results: AppendResult[]
    try {
      results = this.log.appendAsLeader(batches)
    } catch (error) {
      if (error instanceof LockError) {
        this.lost = true
        throw this.notLeader()
      }
      throw error
    }
    const active = results.at(-1)?.segmentBaseOffset ?? this.activeSegment
    if (active !== this.activeSegment) {
      this.activeSegment = active
      this.logStart = null
    }
    // Leadership taken from us during the write (a pause): the batch is in our replica only and will be cut; not acknowledged.
    if (this.replica && !this.replica.leadership?.isCurrent()) {
      this.lost = true
      this.delayed.failAll()
      throw this.notLeader()
    }
    if (this.replica?.isr) {
      // In-sync followers will fetch it next: kept for their fetches, batch by batch as a fetch may stop between any two.
      if (this.replica.isr.isr.length > 1 && followerTailsBytes + batches.length <= FOLLOWER_TAILS_MAX_BYTES) {
        for (let pos = 0, i = 0; pos < batches.length && i < results.length; i++) {
          const size = batchSize(batches, pos)
          const view = batches.subarray(pos, pos + size)
          this.followerTail.push({base: results[i].baseOffset, end: results[i].lastOffset + 1, buf: size < FOLLOWER_TAIL_COPY_BELOW ? Buffer.from(view) : view})
          this.followerTailBytes += size
          followerTailsBytes += size
          pos += size
        }
        if (this.followerTailBytes > FOLLOWER_TAIL_MAX_BYTES) this.trimFollowerTail(-1)
      }
      // An ISR of the leader alone commits at once.
      if (this.replica.isr.advance(this.log.logEndOffset)) this.delayed.complete(this.highWatermark)
    }
    this.wake()
    return results
  }

  /**
   * Produce with Kafka's producer checks: a batch with a producer id is
   * checked against that producer's last batches first (a duplicate is
   * answered with its first offset, nothing written; an out-of-order or
   * fenced one refused). Kafka takes one batch per partition from v3 on;
   * a producer id in a request of several is refused, since the check
   * would have to hold for all of them at once.
   */
  produce(batches: Buffer): {kind: 'appended'; baseOffset: number} | Exclude<ProducerVerdict, {kind: 'append'}> {
    const first = batchSize(batches, 0)
    const producerId = L.readInt64(batches, L.PRODUCER_ID_OFFSET)
    if (producerId < 0) return {kind: 'appended', baseOffset: this.appendAsLeader(batches)[0].baseOffset}
    if (first !== batches.length) {
      return {kind: 'refuse', errorCode: ErrorCode.INVALID_RECORD, message: 'a produce with a producer id carries one record batch per partition'}
    }
    const epoch = batches.readInt16BE(L.PRODUCER_EPOCH_OFFSET)
    const firstSeq = batches.readInt32BE(L.BASE_SEQUENCE_OFFSET)
    if (firstSeq < 0) return {kind: 'refuse', errorCode: ErrorCode.INVALID_RECORD, message: `producer ${producerId}: batch without a base sequence`}
    const lastSeq = lastSequence(firstSeq, batches.readInt32BE(L.LAST_OFFSET_DELTA_OFFSET))
    const verdict = this.producers.check(producerId, epoch, firstSeq, lastSeq)
    if (verdict.kind !== 'append') return verdict
    if (this.snapshotAt === null) this.snapshotProducers()
    const [result] = this.appendAsLeader(batches)
    this.producers.record(producerId, epoch, firstSeq, lastSeq, result.baseOffset, result.lastOffset)
    return {kind: 'appended', baseOffset: result.baseOffset}
  }

  /**
   * Fetch: whole batches from the one holding `offset`, up to `maxBytes`,
   * but always the first batch whole even when it is larger (as Kafka, so a
   * consumer with a small limit still progresses). A copy the caller keeps;
   * null when there is nothing at `offset` yet.
   */
  read(offset: number, maxBytes: number, upTo = Infinity): Buffer | null {
    if (offset !== this.cursor) this.reader.seek(offset)
    // From here the reader stands wherever its polls leave it; set again once we know.
    this.cursor = -1
    const parts: Buffer[] = []
    /** The read buffer under each part: a part's bytes stay put while a later poll reads into another. */
    const under: Buffer[] = []
    let total = 0
    let next = offset
    for (;;) {
      const lent = takeReadBuffer()
      if (!this.reader.giveBuffer(lent)) giveReadBuffer(lent)
      const range = this.reader.poll()
      if (range === null) {
        this.cursor = next
        break
      }
      let start = range.start
      let end = start
      let full = false
      for (let pos = range.start; pos < range.end; ) {
        const size = batchSize(range.buf, pos)
        const last = batchLastOffset(range.buf, pos)
        if (last < offset) {
          // Before the offset asked for (the seek starts at an index entry at or below it).
          pos += size
          start = end = pos
          continue
        }
        // Past the high watermark (a consumer's read): not committed yet, the next fetch seeks.
        if (last >= upTo || (total + (end - start) + size > maxBytes && total + (end - start) > 0)) {
          full = true
          break
        }
        next = last + 1
        pos += size
        end = pos
      }
      if (end > start) {
        parts.push(range.buf.subarray(start, end))
        under.push(this.reader.takeBuffer()!)
        total += end - start
      }
      // The reader went on past what we hand out: the next fetch seeks.
      if (full) break
      // Little room left: another 1 MiB read would most likely be thrown away and sought again.
      if (total >= maxBytes || maxBytes - total < LITTLE_ROOM) {
        this.cursor = next
        break
      }
    }
    const idle = this.reader.takeBuffer()
    if (idle) giveReadBuffer(idle)
    if (total === 0) return null
    // One large run goes out from the read buffer itself; anything else is copied and the buffers reused at once.
    if (parts.length === 1 && total >= LEND_MIN) return lend(parts[0], under[0])
    const out = parts.length === 1 ? Buffer.from(parts[0]) : Buffer.concat(parts, total)
    for (const b of under) giveReadBuffer(b)
    return out
  }

  /** The epoch the record at `offset` was written under (ListOffsets' leaderEpoch). */
  epochAt(offset: number): number {
    return offset >= this.log.logEndOffset ? this.leaderEpoch_ : this.epochs.epochAt(offset)
  }

  /**
   * ListOffsets by time: the first record whose timestamp is at or after
   * `timestamp`, with its own timestamp (what Kafka answers); null when no
   * record is that late.
   */
  offsetForTimestamp(timestamp: number): {offset: number; timestamp: number} | null {
    this.cursor = -1
    const offset = this.reader.offsetForTimestamp(timestamp)
    if (offset >= this.log.logEndOffset) return null
    const batch = this.read(offset, 1)
    if (batch === null) return null
    try {
      const records = new RecordReader()
      records.open(batch, 0)
      while (records.next()) if (records.offset === offset) return {offset, timestamp: records.timestamp}
      return {offset, timestamp}
    } finally {
      release(batch)
    }
  }

  /** ListOffsets -3 (KIP-734): the first record with the log's largest timestamp; null for a log without one. */
  maxTimestampRecord(): {offset: number; timestamp: number} | null {
    this.cursor = -1
    return this.reader.maxTimestampRecord()
  }

  /** Kafka's OffsetForLeaderEpoch answer for `epoch`. */
  endOffsetForEpoch(epoch: number): {epoch: number; endOffset: number} {
    return this.epochs.endOffsetFor(epoch, this.log.logEndOffset)
  }

  /** Retention moved the log start: epochs wholly before it are gone. */
  noteLogStart(): void {
    const start = (this.logStart = this.reader.logStartOffset())
    if (this.epochs.all.length > 0 && this.epochs.all[0].startOffset < start) this.epochs.truncateFromStart(start)
  }

  /** Calls `wake` once at the next append (or release); returns the cancel. */
  onAppend(wake: () => void): () => void {
    this.waiters.add(wake)
    return () => this.waiters.delete(wake)
  }

  private wake(): void {
    if (this.waiters.size === 0) return
    const ws = [...this.waiters]
    this.waiters.clear()
    for (const w of ws) w()
  }

  private notLeader(): NotLeaderError {
    if (this.replica) return new NotLeaderError(`topic ${this.topic} partition ${this.partition}: broker ${this.replica.brokerId} is not its leader (epoch ${this.leaderEpoch_})`)
    return new NotLeaderError(`topic ${this.topic} partition ${this.partition}: this broker no longer holds its write lock`)
  }

  /** Lets go of the lock (a clean release moves the recovery point) and wakes every waiter. */
  async release(): Promise<void> {
    // Only while the lock is ours: after a topic delete the directory is not the partition's any more.
    try {
      // Nothing written since we took it: the next start replays what this one did, no more.
      if (this.isLeader && this.log.logEndOffset !== (this.snapshotAt ?? this.endAtLead)) this.snapshotProducers()
    } catch {
      // The directory is gone or not one (the lock check stats it): the log past the previous snapshot is replayed at the next start.
    }
    this.lost = true
    this.dropFollowerTail()
    this.delayed.failAll()
    this.wake()
    this.reader.close()
    await this.log.close()
  }
}

/** The Kafka error code of a checkLeaderEpoch verdict. */
export function epochErrorCode(verdict: 'ok' | 'fenced' | 'unknown'): number {
  return verdict === 'ok' ? ErrorCode.NONE : verdict === 'fenced' ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH
}

/** Who a replica is: its broker's place in the assignment and where the partition's state lives. */
export interface ReplicaIdentity {
  /** The assignment, the preferred leader first. */
  replicas: readonly number[]
  /** The partition's directory in the metadata (data) directory: partition.json. */
  metaDir: string
  /** Where its high watermark stood when the broker last saved it (replication-offset-checkpoint). */
  highWatermark?: number
}

interface ReplicaRole extends Omit<ReplicaIdentity, 'replicas'> {
  replicas: readonly number[]
  brokerId: number
  role: 'leader' | 'follower'
  leadership: {isCurrent(): boolean} | null
  isr: IsrState | null
  followerHw: number
  now: () => number
}
