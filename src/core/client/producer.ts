/**
 * Producing to a topic on the store. Records are gathered per partition in
 * BatchBuilders; a full batch is queued and written by `flush()` under the
 * partition's write lock. The lock is held for a burst: taken for the first
 * batch, kept while batches keep coming and nobody else waits for it, let go
 * for a waiter (checked every `maxHoldMs`, so concurrent producers
 * interleave fairly) or when the producer goes idle.
 */
import {statSync} from 'node:fs'
import {LockError, type LogpipeError, ReplicatedTopicError, TopicDeletedError, UsageError} from '../errors.js'
import type {PartitionFactory, PartitionWriter} from '../log/partition.js'
import {MemoryArena} from '../codec/memory-arena.js'
import {BatchBuilder, type BatchBuilderOptions, capacityFor} from '../record/record-batch.js'
import {encodeHeaders, NO_HEADERS, type RecordHeader} from '../record/header.js'
import {Compression} from '../record/compression.js'
import type {Store} from '../store/store.js'
import {type LogConfig, resolveConfig} from '../log/log-config.js'
import {changedPartitionCount, topicMetadataVersion} from './metadata-version.js'
import {StickyPartitioner, partitionForKey} from './partitioner.js'
import {type Clock, systemClock} from '../clock.js'
import type {ProduceSender} from './produce-sender.js'

/**
 * A topic behind a broker instead of the store's files: its partition
 * count from the metadata, and the sender its batches go out through.
 */
export interface RemoteTopic {
  partitions: number
  sender: ProduceSender
}

export interface ProducerOptions {
  /** Send the batches to the topic's leaders through a broker (ProduceSender) instead of writing the files. @internal */
  remote?: RemoteTopic
  /** Where the partitions are written: the store's files unless a broker client stands in. @internal */
  partitionFactory?: PartitionFactory
  /** Send every record to this partition. */
  partition?: number
  compression?: number
  /** A batch is sealed at this size (batch.size). */
  batchBytes?: number
  /** Open batches take about this much memory at most (buffer.memory; MAX_BUFFERED_BYTES by default). @internal */
  bufferMemory?: number
  /** fsync each batch before acknowledging it. */
  fsync?: boolean
  /** Longest hold of a partition's lock, while batches keep coming, once another writer waits for it. */
  maxHoldMs?: number
  /** Idle time after which held locks that another writer waits for are let go (all of them after IDLE_RELEASE_ALL_MS). */
  idleReleaseMs?: number
  /** One-line notices (recovery, retention) for the user. */
  onNotice?: (message: string) => void
  /** Told the offsets of every batch written, in write order. */
  onAck?: (partition: number, baseOffset: number, count: number) => void
  lockStaleMs?: number
  /** Judges lock hold times, lock staleness and segment age, and stamps records sent without a timestamp. */
  clock?: Clock
}

export interface ProducerRecord {
  key?: Buffer | string | null
  value: Buffer | string | null
  headers?: Record<string, Buffer | string | null> | RecordHeader[]
  partition?: number
  timestamp?: number
}

export interface RecordMetadata {
  topic: string
  partition: number
  offset: number
}

/**
 * Records of one `send` call in one batch: the batch's records first ..
 * first+count-1. A batch can hold records of several overlapping sends, and
 * each is told only about its own.
 */
interface AckRun {
  first: number
  count: number
  send: SendAcks
}

/** A batch in the log whose records are not acknowledged yet. */
interface Written {
  partition: number
  baseOffset: number
  count: number
  runs: AckRun[] | null
}

interface PendingBatch {
  partition: number
  builder: BatchBuilder
  /** null when no `send` call has records in the batch (the CLI's path). */
  runs: AckRun[] | null
}

/** One `send` call's acknowledgements: per partition, its records' indexes in send order. */
class SendAcks {
  readonly metadata: RecordMetadata[] = []
  private readonly slots = new Map<number, number[]>()
  private readonly acked = new Map<number, number>()

  constructor(private readonly topic: string) {}

  expect(partition: number, index: number): void {
    const list = this.slots.get(partition)
    if (list) list.push(index)
    else this.slots.set(partition, [index])
  }

  ack(partition: number, baseOffset: number, count: number): void {
    const slots = this.slots.get(partition) ?? []
    let next = this.acked.get(partition) ?? 0
    for (let i = 0; i < count && next < slots.length; i++) this.metadata[slots[next++]] = {topic: this.topic, partition, offset: baseOffset + i}
    this.acked.set(partition, next)
  }
}

export const DEFAULT_BATCH_BYTES = 1_000_000
export const DEFAULT_MAX_HOLD_MS = 50
/**
 * Open batches take at most about this much memory (Kafka's buffer.memory):
 * with many partitions each batch gets its share (see batchBytesFor). 8 MiB
 * keeps 1,000 keyed partitions under 100 MB of peak RSS (32 MiB: 146 MB,
 * 16 MiB: 104 MB) and still gives 12 partitions 700 KB batches.
 */
export const MAX_BUFFERED_BYTES = 8 << 20
/**
 * Through a broker, batches wait for their Produce answers in memory, and
 * the input reads ahead while they do: with the 8 MiB budget, five 1 MB
 * batches in flight left room for three more, so the client stopped
 * encoding until the broker had answered all five, and the two took turns.
 * This is Kafka's buffer.memory default (32 MiB). Batch sizes still come
 * from MAX_BUFFERED_BYTES, so many partitions do not make larger batches.
 */
export const REMOTE_READ_AHEAD_BYTES = 32 << 20
/** The smallest batch a partition's share of the budget makes (Kafka's batch.size is 16 KiB; half keeps 1,000 partitions in 8 MiB). */
const MIN_SHARED_BATCH_BYTES = 8 << 10
/** Memory of the input's arena for batch builders (two per partition); builders beyond get plain memory. */
const ARENA_BUILDER_BYTES = 64 << 20
/** An idle producer keeps the locks nobody waits for this long, then lets go of all. */
const IDLE_RELEASE_ALL_MS = 1000
/** Spacing of the waiter checks per held lock (a readdir is ~20 µs): 1,000 locks are looked at every 250 ms. */
const CHECK_MS_PER_LOCK = 0.25

export class Producer {
  readonly topic: string
  readonly config: LogConfig
  private readonly store: Store | null
  private partitionCount: number
  private readonly options: ProducerOptions
  private readonly logs: PartitionWriter[]
  private readonly open: (BatchBuilder | null)[]
  /** Per partition, the `send` calls with records in the open batch. */
  private readonly openRuns: (AckRun[] | null)[]
  private readonly ready: PendingBatch[] = []
  /** Batches written as they were sealed (writeSealed), acknowledged by the next flush. */
  private unacked: Written[] = []
  /** What stopped writeSealed, for the next flush to report. */
  private writeError: unknown = null
  /** Lock work in progress (serial): batches are then written by it, not as they are sealed. */
  private busy = 0
  private readonly spare: BatchBuilder[] = []
  private readonly sticky: StickyPartitioner
  private readonly builderOptions: BatchBuilderOptions
  private readonly lockedSince = new Map<number, number>()
  /** The producer's time; DelimitedInput stamps the records it splits with it too. */
  readonly clock: Clock
  private idleTimer: NodeJS.Timeout | null = null
  private chain: Promise<void> = Promise.resolve()
  private closed = false
  private readonly topicDir: string
  /** The topic directory the producer opened: deleting a topic renames it away, creating one makes another. */
  private readonly topicId: string | null
  /** Records written and acknowledged so far. */
  acknowledged = 0

  /** `store` is null when options.remote says where the topic is. */
  constructor(store: Store | null, topic: string, options: ProducerOptions = {}) {
    this.topic = topic
    // A copy: the caller's object is theirs, and later changes to it must not reach a running producer.
    this.options = {...options}
    this.clock = options.clock ?? systemClock
    this.store = store
    if (options.remote) {
      // The broker holds the topic's settings and checks max.message.bytes itself; batches are cut at the default.
      this.topicDir = ''
      this.topicId = null
      this.metadataId = null
      this.partitionCount = options.remote.partitions
      this.config = resolveConfig({})
    } else {
      if (!store) throw new Error('a Producer needs a store or a remote topic')
      this.topicDir = store.topicDir(topic)
      this.topicId = directoryIdentity(this.topicDir)
      this.metadataId = topicMetadataVersion(store, this.topic)
      const meta = store.readTopic(topic)
      // Appending to one replica behind the brokers' backs would give it records no other replica has, under no epoch.
      if (meta.replicas) {
        throw new ReplicatedTopicError(`topic '${topic}' is replicated (replication factor ${meta.replicationFactor}): it is written through its brokers, and none is running`, {
          hint: 'start its brokers (`logpipe broker start --id N --log-dir DIR`); produce then goes through them by itself, or give --bootstrap-server',
        })
      }
      this.partitionCount = meta.partitions
      this.config = resolveConfig(meta.config)
    }
    if (options.partition !== undefined) this.checkPartition(options.partition, '-p/--partition')
    this.logs = options.remote ? [] : Array.from({length: this.partitions}, (_, p) => this.openLog(p))
    this.open = new Array(this.partitions).fill(null)
    this.openRuns = new Array(this.partitions).fill(null)
    this.sticky = new StickyPartitioner(this.partitions)
    this.bufferMemory = options.bufferMemory ?? MAX_BUFFERED_BYTES
    this.readAheadBytes = options.remote ? Math.max(this.bufferMemory, REMOTE_READ_AHEAD_BYTES) : this.bufferMemory
    this.builderOptions = {
      batchBytes: batchBytesFor(
        Math.min(options.batchBytes ?? DEFAULT_BATCH_BYTES, this.config['max.message.bytes']),
        options.partition === undefined ? this.partitions : 1,
        this.bufferMemory,
      ),
      maxBatchBytes: this.config['max.message.bytes'],
      compression: options.compression ?? Compression.none,
    }
  }

  /** The topic's partition count as last read from topic.json; it grows when `topic alter --partitions` adds some. */
  get partitions(): number {
    return this.partitionCount
  }

  private openLog(p: number): PartitionWriter {
    const now = () => this.clock.now()
    return (this.options.partitionFactory ?? this.store!.partitions).writer(this.topic, p, this.config, {
      label: `topic ${this.topic} partition ${p}`,
      topic: this.topic,
      fsync: this.options.fsync,
      onNotice: this.options.onNotice,
      lock: {staleMs: this.options.lockStaleMs, client: 'producer', now},
      now,
    })
  }

  /** topic.json's version when last read. */
  private metadataId: string | null

  /**
   * Kafka's producer refreshes its metadata now and then and keys hash over
   * the new partition count after; here a stat of topic.json at the start
   * of each lock burst and every `maxHoldMs` within one notices a rewrite,
   * and only then is the file read.
   */
  private metadataCheckedAt = 0

  /**
   * Between lock bursts, and at most every `maxHoldMs` during one: a
   * producer now keeps its locks while nobody waits, so a burst can last
   * as long as the input, and partitions added meanwhile must still be seen.
   */
  private maybeRefreshMetadata(): void {
    const now = this.clock.now()
    if (this.lockedSince.size > 0 && now - this.metadataCheckedAt < (this.options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS)) return
    this.metadataCheckedAt = now
    this.refreshMetadata()
  }

  private refreshMetadata(): void {
    if (!this.store) return
    // Deleted or unreadable just now: keep what we know; a deleted topic is caught after the next write.
    const changed = changedPartitionCount(this.store, this.topic, this.metadataId)
    if (!changed) return
    this.metadataId = changed.version
    this.grow(changed.partitions)
  }

  /** Later records are partitioned over `partitions` (only ever more: Kafka never removes any). */
  private grow(partitions: number): void {
    if (partitions <= this.partitionCount) return
    for (let p = this.partitionCount; p < partitions; p++) {
      if (!this.options.remote) this.logs.push(this.openLog(p))
      this.open.push(null)
      this.openRuns.push(null)
    }
    this.partitionCount = partitions
    this.sticky.grow(partitions)
  }

  private checkPartition(p: number, what: string): void {
    if (!Number.isInteger(p) || p < 0 || p >= this.partitions) {
      throw new UsageError(`${what} ${p} does not exist: topic '${this.topic}' has partitions 0..${this.partitions - 1}`)
    }
  }

  private builderFor(partition: number): BatchBuilder {
    let b = this.open[partition]
    if (!b) {
      b = this.spare.pop() ?? new BatchBuilder({...this.builderOptions, buffer: this.arenaSlot()})
      this.open[partition] = b
      this.buffered += b.sizeInBytes
    }
    return b
  }

  /** Bytes in open batches (sealed ones are written by the next flush, after the input chunk at the latest). */
  private buffered = 0

  /**
   * Bytes of the batches a broker has not answered yet: they stay within
   * the memory budget too (Kafka's buffer.memory counts them), or the input
   * read on past the builders the arena holds, into buffers of their own.
   */
  private inFlightBytes = 0

  private readonly bufferMemory: number
  /** What sealed, open and unanswered batches may hold while the input reads on (hasRoom). */
  private readonly readAheadBytes: number


  /**
   * Input memory that shares one ArrayBuffer with the first batch builders,
   * so that copying a record from input into a batch allocates nothing
   * (Buffer.copy creates a view per call: millions of records, millions of
   * garbage objects). Room for two builders per partition up to
   * ARENA_BUILDER_BYTES (the memory is only touched as batches fill it);
   * builders beyond get plain memory and a Buffer.copy per record.
   * @internal
   */
  inputBuffer(size: number): Buffer {
    if (this.arena) return Buffer.allocUnsafe(size)
    // Two per partition: a sealed batch waits for the flush while the next
    // one fills; and as many as the memory budget holds, which an input
    // reading ahead while another writer has the lock fills (hasRoom).
    const capacity = capacityFor(this.builderOptions)
    const perPartition = 2 * (this.options.partition === undefined ? this.partitions : 1)
    const slots = Math.min(Math.max(perPartition, Math.ceil(this.readAheadBytes / capacity)), Math.floor(ARENA_BUILDER_BYTES / capacity)) + 2
    this.arena = new MemoryArena(size + capacity * slots)
    return this.arena.take(size)
  }

  private arena: MemoryArena | null = null

  private arenaSlot(): Buffer | undefined {
    return this.arena?.take(capacityFor(this.builderOptions))
  }

  /** The partition every record goes to (ProducerOptions.partition), if one was given. @internal */
  get fixedPartition(): number | undefined {
    return this.options.partition
  }

  /** Chooses the partition for a record: explicit, by key, or sticky. @internal */
  partitionFor(key: Buffer | null, keyStart: number, keyEnd: number): number {
    if (this.options.partition !== undefined) return this.options.partition
    if (key !== null) return partitionForKey(key, this.partitions, keyStart, keyEnd)
    return this.sticky.partition
  }

  /**
   * The hot path: adds one record from byte ranges of the caller's buffers.
   * Nothing is written until flush(); a full batch is queued for it.
   * `send` is set only by send(), whose call is told the record's offset.
   * @internal
   */
  add(
    partition: number,
    timestamp: number,
    key: Buffer | null,
    keyStart: number,
    keyEnd: number,
    value: Buffer | null,
    valueStart: number,
    valueEnd: number,
    headers: Buffer = NO_HEADERS,
    send?: SendAcks,
  ): void {
    let b = this.builderFor(partition)
    let before = b.sizeInBytes
    if (!b.tryAppend(timestamp, key, keyStart, keyEnd, value, valueStart, valueEnd, headers)) {
      this.seal(partition)
      b = this.builderFor(partition)
      before = b.sizeInBytes
      b.tryAppend(timestamp, key, keyStart, keyEnd, value, valueStart, valueEnd, headers)
    }
    this.buffered += b.sizeInBytes - before
    if (send) this.addToRun(partition, b.recordCount - 1, send)
    if (b.isFull) this.seal(partition)
    else if (this.buffered > this.bufferMemory) this.sealAll()
  }

  /**
   * Over the memory budget (Kafka's buffer.memory): every open batch is
   * sealed, and written at once where the lock is held, else by the next
   * flush. Only many partitions get here (1,000 partitions of 1 MB batches
   * would hold 1 GB); a few fill their batches first.
   */
  private sealAll(): void {
    for (let p = 0; p < this.partitions; p++) this.seal(p)
  }

  private addToRun(partition: number, index: number, send: SendAcks): void {
    const runs = (this.openRuns[partition] ??= [])
    const last = runs.at(-1)
    if (last && last.send === send && last.first + last.count === index) last.count++
    else runs.push({first: index, count: 1, send})
  }

  private seal(partition: number): void {
    const b = this.open[partition]
    if (!b || b.isEmpty) return
    this.ready.push({partition, builder: b, runs: this.openRuns[partition]})
    this.buffered -= b.sizeInBytes
    this.open[partition] = null
    this.openRuns[partition] = null
    if (this.options.partition === undefined && partition === this.sticky.partition) this.sticky.nextBatch()
    this.writeSealed()
  }

  /**
   * Writes sealed batches at once, in order, while their partitions' locks
   * are held and no lock work is under way, so that their builders take
   * records again. Left to the flush after the input chunk, the batches
   * sealed within one chunk each needed another builder: 1,000 partitions
   * touched 1.5 builders' memory each. The write is the flush's own
   * (PartitionLog.append: generation checked before and after); the
   * acknowledgement, and the check that the topic was not deleted, wait
   * for the next flush, which DelimitedInput runs after the chunk as
   * before (readyBatches counts these). A write that fails is left queued
   * and its error reported by that flush.
   */
  private writeSealed(): void {
    // Through a broker the sealed batches go out at the next flush, in one Produce per leader.
    if (this.options.remote) return
    if (this.busy > 0 || this.failure !== null || this.writeError !== null) return
    while (this.ready.length > 0) {
      const {partition, builder, runs} = this.ready[0]
      const log = this.logs[partition]
      if (!log.holdsLock) return
      let result
      try {
        result = log.append(builder)
      } catch (error) {
        this.writeError = error
        return
      }
      this.ready.shift()
      this.unacked.push({partition, baseOffset: result.baseOffset, count: builder.recordCount, runs})
      builder.reset()
      this.spare.push(builder)
    }
  }

  /** Records waiting in sealed or open batches, or written and not acknowledged yet. @internal */
  get pendingRecords(): number {
    let n = 0
    for (const w of this.unacked) n += w.count
    for (const r of this.ready) n += r.builder.recordCount
    for (const b of this.open) if (b) n += b.recordCount
    return n
  }

  /** Full batches waiting to be written or acknowledged. @internal */
  get readyBatches(): number {
    return this.ready.length + this.unacked.length
  }

  /**
   * Whether more input may be taken while sealed batches wait to be
   * written: they and the open ones together stay within the memory budget
   * (buffer.memory). An input that reads on while a flush waits for the
   * lock another writer holds encodes on a core that would sit idle, and
   * the flush then writes everything queued in one hold. @internal
   */
  get hasRoom(): boolean {
    let bytes = this.buffered + this.inFlightBytes
    for (const r of this.ready) bytes += r.builder.sizeInBytes
    return bytes < this.readAheadBytes
  }

  /**
   * Whether a flush now would wait on somebody else: on the files, a sealed
   * batch needs a partition lock that is not ours (another writer may hold
   * it); through a broker, every flush waits for the Produce answers. The
   * input encodes on meanwhile (DelimitedInput.flushAhead), so the client
   * encodes the next batches while the broker writes these. @internal
   */
  get flushMayWait(): boolean {
    if (this.options.remote) return this.ready.length > 0
    for (const r of this.ready) if (!this.logs[r.partition].holdsLock) return true
    return false
  }

  /**
   * Writes every queued batch; with `all`, partial batches too (linger
   * expired or end of input). Resolves once they are in the log.
   */
  flush(all = true): Promise<void> {
    return this.serial(async () => {
      // After a lock could not be had, or the topic was deleted, later
      // flushes (linger timer, error path, close) fail at once instead of
      // waiting out the timeout again or writing into a deleted topic.
      if (this.failure) throw this.failure
      if (all) for (let p = 0; p < this.partitions; p++) this.seal(p)
      if (this.options.remote) return this.sendRemote(this.options.remote.sender)
      // Later records are partitioned over what topic.json says now.
      this.maybeRefreshMetadata()
      // Batches writeSealed wrote come first: acknowledgements go in write order.
      const written: Written[] = this.unacked
      this.unacked = []
      try {
        if (this.writeError !== null) {
          const error = this.writeError
          this.writeError = null
          throw error
        }
        await this.lockAhead()
        while (this.ready.length > 0) {
          const {partition, builder, runs} = this.ready[0]
          const log = this.logs[partition]
          if (!log.holdsLock) {
            // Locks are taken in partition order: never wait for one while
            // holding a higher one, or two producers writing to the same
            // partitions can each hold what the other waits for.
            await this.releaseAbove(partition)
            try {
              await log.acquire()
            } catch (error) {
              if (error instanceof LockError) this.failure = error
              throw error
            }
            this.lockedSince.set(partition, this.clock.now())
          }
          const result = log.append(builder)
          this.ready.shift()
          written.push({partition, baseOffset: result.baseOffset, count: builder.recordCount, runs})
          builder.reset()
          this.spare.push(builder)
        }
      } catch (error) {
        this.checkNotDeleted()
        this.acknowledge(written)
        throw error
      }
      // Writes through descriptors opened before a delete land in unlinked
      // files and succeed: such batches are lost, so they are not acknowledged.
      if (written.length > 0) this.checkNotDeleted()
      this.acknowledge(written)
      await this.releaseLongHeld()
      this.armIdleRelease()
    })
  }

  /**
   * The queued batches through the broker, sealed with their producer
   * fields (idempotence) and copied out of the builders, which go back to
   * be filled while the request is out. Acknowledged once answered; under
   * acks=0 nothing answers and nobody is told offsets.
   */
  private async sendRemote(sender: ProduceSender): Promise<void> {
    if (this.ready.length === 0) return
    await sender.init()
    // Answered requests were written whole before their answer came, so a builder goes back only then; under
    // acks=0 nothing answers and the socket may still hold the bytes, so they are copied out.
    const copy = sender.acks === 0
    const held: BatchBuilder[] = []
    for (const r of this.ready) this.inFlightBytes += r.builder.sizeInBytes
    const batches = this.ready.splice(0).map(({partition, builder, runs}) => {
      const count = builder.recordCount
      const sealed = builder.seal(0, undefined, sender.stamp(this.topic, partition, count))
      const bytes = copy ? Buffer.from(sealed) : sealed
      if (copy) {
        builder.reset()
        this.spare.push(builder)
      } else held.push(builder)
      return {topic: this.topic, partition, bytes, count, runs}
    })
    let offsets: number[]
    try {
      offsets = await sender.send(batches)
    } catch (error) {
      this.failure = error as LogpipeError
      throw error
    } finally {
      this.inFlightBytes = 0
      for (const b of held) {
        b.reset()
        this.spare.push(b)
      }
    }
    if (sender.acks === 0) {
      for (const b of batches) this.acknowledged += b.count
      return this.refreshRemote(sender)
    }
    this.acknowledge(batches.map((b, i) => ({partition: b.partition, baseOffset: offsets[i], count: b.count, runs: b.runs})))
    await this.refreshRemote(sender)
  }

  /** Through a broker, the partition count comes from the metadata when it is old or an answer made it stale. */
  private async refreshRemote(sender: ProduceSender): Promise<void> {
    const partitions = await sender.partitionsIfStale(this.topic)
    if (partitions !== null) this.grow(partitions)
  }

  private acknowledge(written: Written[]): void {
    for (const {partition, baseOffset, count, runs} of written) {
      this.acknowledged += count
      this.options.onAck?.(partition, baseOffset, count)
      if (runs) for (const run of runs) run.send.ack(partition, baseOffset + run.first, run.count)
    }
  }

  /** Throws TopicDeletedError when the topic directory is no longer the one this producer opened. */
  private checkNotDeleted(): void {
    if (this.topicId !== null && directoryIdentity(this.topicDir) === this.topicId) return
    this.failure = new TopicDeletedError(
      `topic '${this.topic}' was deleted while producing; ${this.acknowledged === 1 ? '1 record was' : `${this.acknowledged} records were`} written before it, the rest were not`,
      {hint: `create it again with \`logpipe topic create ${this.topic}\` and produce the rest`},
    )
    throw this.failure
  }

  /**
   * Library API: send records and get their offsets. Calls may overlap;
   * each resolves with its own records' offsets once they are written.
   */
  async send(records: ProducerRecord[]): Promise<RecordMetadata[]> {
    const acks = new SendAcks(this.topic)
    this.addAll(records, acks)
    await this.flush(true)
    return acks.metadata
  }

  private addAll(records: ProducerRecord[], acks: SendAcks): void {
    this.maybeRefreshMetadata()
    for (let i = 0; i < records.length; i++) {
      const r = records[i]
      this.addRecord(toBuffer(r.key ?? null), toBuffer(r.value), r.timestamp, r.partition, r.headers, acks, i)
    }
  }

  /**
   * One record into its partition's batch, written by the next flush, for
   * a caller that needs no offsets (the Streams runtime's record
   * collector): no record object, and nothing kept per record (send's
   * metadata object and index per record lived until the next commit).
   * The partition count is looked at again by each flush, as for the
   * command line's records; send() notes each record in `acks`. @internal
   */
  addRecord(key: Buffer | null, value: Buffer | null, timestamp: number | undefined, partition: number | undefined, headers: ProducerRecord['headers'], acks?: SendAcks, index = 0): void {
    if (partition !== undefined) this.checkPartition(partition, 'partition')
    partition ??= this.partitionFor(key, 0, key?.length ?? 0)
    // No headers is the common case: no encoding (and no buffer) for it.
    const encoded = headers === undefined || headers === null || (Array.isArray(headers) && headers.length === 0) ? NO_HEADERS : encodeHeaders(normalizeHeaders(headers))
    acks?.expect(partition, index)
    this.add(partition, timestamp ?? this.clock.now(), key, 0, key?.length ?? 0, value, 0, value?.length ?? 0, encoded, acks)
  }

  /**
   * Takes, in partition order, the locks the queued batches need, and with
   * them those of the partitions whose open batches will need them soon.
   * Locks are taken in partition order (see flush), so a batch for a
   * partition below one already held makes the producer let go of the
   * higher ones first: keyed records fill their partitions' batches in no
   * order, and taking only what the next batch needs let go of and took
   * again 8 of 12 locks at the start of a keyed produce, and nearly every
   * lock of 1,000 partitions (a take writes leader.json, a release the
   * recovery point). The locks a producer would hold anyway while it writes
   * are taken once, lowest first.
   */
  private async lockAhead(): Promise<void> {
    if (!this.ready.some((r) => !this.logs[r.partition].holdsLock)) return
    const queued = new Uint8Array(this.partitions)
    for (const r of this.ready) queued[r.partition] = 1
    let lowest = -1
    for (let p = 0; p < this.partitions && lowest < 0; p++) {
      const open = this.open[p]
      if ((queued[p] === 1 || (open !== null && !open.isEmpty)) && !this.logs[p].holdsLock) lowest = p
    }
    const want: number[] = []
    for (let p = lowest; p < this.partitions; p++) {
      const open = this.open[p]
      if (queued[p] === 1 || this.lockedSince.has(p) || (open !== null && !open.isEmpty)) want.push(p)
    }
    await this.releaseAbove(lowest)
    for (const p of want) {
      const log = this.logs[p]
      if (log.holdsLock) continue
      try {
        await log.acquire()
      } catch (error) {
        if (error instanceof LockError) this.failure = error
        throw error
      }
      this.lockedSince.set(p, this.clock.now())
    }
  }

  private async releaseAbove(partition: number): Promise<void> {
    for (const p of [...this.lockedSince.keys()]) {
      if (p > partition) {
        this.lockedSince.delete(p)
        await this.logs[p].release()
      }
    }
  }

  /**
   * Every `maxHoldMs` a held lock is looked at: kept while nobody waits for
   * it (taking it again costs a recovery pass and a leader.json write), let
   * go when another producer's intent says it waits. With many partitions
   * held the look (one readdir each) is spaced out further, so that it
   * stays a small part of the work.
   */
  private async releaseLongHeld(): Promise<void> {
    const maxHold = this.options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS
    const every = Math.max(maxHold, this.lockedSince.size * CHECK_MS_PER_LOCK)
    const now = this.clock.now()
    // forEach, not for..of: an entry array per held lock per flush was the most garbage 1,000 partitions made.
    const due: number[] = []
    this.lockedSince.forEach((since, p) => {
      if (now - since >= every) due.push(p)
    })
    for (const p of due) {
      const log = this.logs[p]
      const waiters = log.othersWaiting?.() ?? null
      if (waiters !== null && waiters.length === 0) {
        this.lockedSince.set(p, now)
        continue
      }
      this.lockedSince.delete(p)
      if (waiters !== null && log.yieldTo) await log.yieldTo(waiters)
      else await log.release()
    }
  }

  /**
   * Once the producer is idle (`idleReleaseMs` after its last flush), the
   * locks other writers wait for are let go at once, and then looked at
   * again as during a burst; after IDLE_RELEASE_ALL_MS without a flush
   * every lock is let go. So a pause of a few milliseconds in the input
   * does not cost 1,000 partitions a release and a take each (a take
   * writes leader.json, a release the recovery point), and a waiter is
   * served within the check interval whether the holder writes or not.
   */
  private armIdleRelease(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
    if (this.lockedSince.size === 0 || this.closed) return
    this.idleSince = this.clock.now()
    this.scheduleIdleCheck(this.options.idleReleaseMs ?? 5)
  }

  private idleSince = 0

  /**
   * The first check keeps the process alive, as the plain idle release
   * did; later ones do not, so a library user's process that is done is
   * not held up for a second (its locks go with it, and the next taker
   * recovers from the last recovery point).
   */
  private scheduleIdleCheck(ms: number, keepAlive = true): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null
      void this.idleCheck().catch(() => {})
    }, ms)
    if (!keepAlive) this.idleTimer.unref()
  }

  private idleCheck(): Promise<void> {
    return this.serial(async () => {
      if (this.closed || this.lockedSince.size === 0) return
      const idleMs = this.options.idleReleaseMs ?? 5
      if (this.clock.now() - this.idleSince >= Math.max(IDLE_RELEASE_ALL_MS, idleMs)) {
        for (const p of [...this.lockedSince.keys()]) {
          this.lockedSince.delete(p)
          await this.logs[p].release()
        }
        return
      }
      for (const p of [...this.lockedSince.keys()]) {
        const log = this.logs[p]
        const waiters = log.othersWaiting?.() ?? null
        if (waiters !== null && waiters.length === 0) continue
        this.lockedSince.delete(p)
        if (waiters !== null && log.yieldTo) await log.yieldTo(waiters)
        else await log.release()
      }
      if (this.lockedSince.size > 0 && this.idleTimer === null) {
        const maxHold = this.options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS
        this.scheduleIdleCheck(Math.max(maxHold, this.lockedSince.size * CHECK_MS_PER_LOCK), false)
      }
    })
  }

  /** Lets go of every held lock (input paused). */
  releaseAll(): Promise<void> {
    return this.serial(async () => {
      for (const p of [...this.lockedSince.keys()]) {
        this.lockedSince.delete(p)
        await this.logs[p].release()
      }
    })
  }

  /** Set when a partition lock could not be taken in time or the topic was deleted; the records still queued are not written. */
  private failure: LogpipeError | null = null

  async close(): Promise<void> {
    try {
      await this.flush(true)
    } finally {
      this.closed = true
      if (this.idleTimer) clearTimeout(this.idleTimer)
      await this.serial(async () => {
        for (const log of this.logs) await log.close()
        this.lockedSince.clear()
      })
    }
  }

  /** Runs lock work one piece at a time, in order. */
  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(async () => {
      this.busy++
      try {
        await fn()
      } finally {
        this.busy--
      }
    })
    this.chain = next.catch(() => {})
    return next
  }
}

function toBuffer(v: Buffer | string | null): Buffer | null {
  if (v === null) return null
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v
}

function normalizeHeaders(h: Record<string, Buffer | string | null> | RecordHeader[]): RecordHeader[] {
  if (Array.isArray(h)) return h
  return Object.entries(h).map(([key, value]) => ({key, value: toBuffer(value)}))
}

/**
 * The batch size a builder fills before it is sealed: the one asked for,
 * unless the topic has so many partitions that a batch each would pass the
 * memory budget; then the budget's share (at least MIN_SHARED_BATCH_BYTES),
 * so that 1,000 partitions hold about the budget, not 1 GB. Past
 * budget / MIN_SHARED_BATCH_BYTES partitions the budget seals every open
 * batch when reached (sealAll).
 */
function batchBytesFor(asked: number, partitions: number, budget: number): number {
  return Math.min(asked, Math.max(MIN_SHARED_BATCH_BYTES, Math.floor(budget / partitions)))
}

/** Device, inode and birth time: a directory made in place of a deleted one differs, even if it reuses the inode number. */
function directoryIdentity(dir: string): string | null {
  const st = statSync(dir, {throwIfNoEntry: false})
  return st ? `${st.dev}:${st.ino}:${st.birthtimeMs}` : null
}
