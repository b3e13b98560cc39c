/**
 * Reading topics from the store. Each assigned partition has a LogReader
 * and a position (the next offset to hand out). `poll()` hands records to a
 * visitor straight from the read buffer (no per-record objects); the async
 * iterator builds objects for library users. Waiting for new data uses
 * fs.watch on the partition directories, with a polling fallback.
 */
import {type FSWatcher, watch} from 'node:fs'
import {CorruptRecordError, NotFoundError, UsageError} from '../errors.js'
import {READ_BUFFER_SIZE, corruptionError} from '../log/log-reader.js'
import {LOG_SUFFIX} from '../log/file-names.js'
import type {PartitionFactory, PartitionReader} from '../log/partition.js'
import type {MemoryArena} from '../codec/memory-arena.js'
import {batchLastOffset, batchSize} from '../record/batch-header.js'
import {RecordReader} from '../record/record.js'
import type {RecordHeader} from '../record/header.js'
import type {Store} from '../store/store.js'
import {resolveConfig} from '../log/log-config.js'
import {type OffsetSpec, resolveOffsetSpec} from '../log/offset-spec.js'
import {changedPartitionCount, topicMetadataVersion} from './metadata-version.js'
import {matchingTopics} from '../group/group-member.js'

export interface Assignment {
  topic: string
  partition: number
  reader: PartitionReader
  /** Next offset to hand out: the consumer's position. */
  position: number
  /** Nothing more was there the last time this partition was read. */
  atEnd: boolean
  /** Batches read but not yet handed out; buf[i] lies at file position `origin + i` of the segment. */
  pending: {buf: Buffer; pos: number; end: number; segmentBaseOffset: number; origin: number} | null
  stallReported: boolean
  /** Not read while set (a library consumer's pause()); its position stays. */
  paused?: boolean
  /** A record at or past the stop time was met (kcat's e@): nothing more is read here. */
  done: boolean
}

export interface ConsumerOptions {
  /** Only these partitions of each topic. */
  partitions?: number[]
  offset?: OffsetSpec
  /** Polling fallback when file-system events are not delivered. */
  pollIntervalMs?: number
  onNotice?: (message: string) => void
  /** Start with no partitions; they are added with assign() (consumer groups). @internal */
  manual?: boolean
  /** Read buffers come from here, so a caller's output buffers in the same arena copy without allocating. @internal */
  arena?: MemoryArena
  /** Where the partitions are read: the store's files unless a broker client stands in. @internal */
  partitionFactory?: PartitionFactory
  /** Each partition ends before its first record stamped at or after this time (kcat's -o e@TIME). */
  stopAtTimestamp?: number
  /** Also read every topic matching this (a subscriptionPattern), including ones created later, from their start. */
  include?: RegExp
}

export interface ConsumedRecord {
  topic: string
  partition: number
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

/** Return false to stop polling (e.g. a count was reached). */
export type RecordVisitor = (assignment: Assignment, record: RecordReader) => boolean | void

/** How often an idle consumer looks for partitions added since it started (well under the 100 ms poll interval). */
const PARTITION_CHECK_MS = 20

export class Consumer {
  /** @internal */
  readonly assignments: Assignment[] = []
  private readonly options: ConsumerOptions
  private readonly reader = new RecordReader()
  private wake: (() => void) | null = null
  private closed = false

  /** `store` may be null for a manual consumer whose partitionFactory reads elsewhere (through a broker). */
  constructor(store: Store | null, topics: string[], options: ConsumerOptions = {}) {
    this.options = options
    this.store = store
    this.stopAt = options.stopAtTimestamp ?? Infinity
    if (!store && (!options.manual || options.include || !options.partitionFactory)) throw new TypeError('a Consumer without a store is a manual one with a partitionFactory')
    // `consume t t` and `-p 1 -p 1` read each partition once, as kcat does.
    topics = [...new Set([...topics, ...(options.include ? matchingTopics(store!, options.include) : [])])]
    if (topics.length === 0 && !options.manual && !options.include) throw new UsageError('name at least one topic')
    for (const topic of options.manual ? [] : topics) {
      const version = topicMetadataVersion(store!, topic)
      const meta = store!.readTopic(topic)
      if (!options.partitions) this.whole.push({topic, version, partitions: meta.partitions})
      const config = resolveConfig(meta.config)
      const partitions = options.partitions ? [...new Set(options.partitions)] : Array.from({length: meta.partitions}, (_, p) => p)
      for (const p of partitions) {
        if (!Number.isInteger(p) || p < 0 || p >= meta.partitions) {
          throw new UsageError(`-p/--partition ${p} does not exist: topic '${topic}' has partitions 0..${meta.partitions - 1}`)
        }
        const reader = this.newReader(topic, p)
        this.assignments.push({topic, partition: p, reader, position: 0, atEnd: false, pending: null, stallReported: false, done: false})
      }
    }
    for (const a of this.assignments) this.seek(a, options.offset ?? {kind: 'beginning'})
  }

  private readonly store: Store | null
  private readonly stopAt: number
  private partitionsCheckedAt = -Infinity
  /** Topics read in full: partitions added while the consumer runs are read too. */
  private readonly whole: {topic: string; version: string | null; partitions: number}[] = []

  /**
   * Partitions added by `topic alter --partitions` are read from their
   * start: every record in them was written after this consumer began.
   * Checked when idle, one stat per topic, at most every
   * PARTITION_CHECK_MS: a tail at 10,000 records/s is idle 1,500 times a
   * second, and a stat each time was a sixth of its CPU.
   */
  private addNewPartitions(): boolean {
    let added = false
    if (!this.store) return false
    const now = Date.now()
    if (now - this.partitionsCheckedAt < PARTITION_CHECK_MS && now >= this.partitionsCheckedAt) return false
    this.partitionsCheckedAt = now
    if (this.options.include && !this.options.manual) {
      for (const topic of matchingTopics(this.store, this.options.include)) {
        if (this.whole.some((w) => w.topic === topic)) continue
        // Created since we looked: every record in it came after this consumer began.
        let partitions: number
        try {
          this.whole.push({topic, version: topicMetadataVersion(this.store, topic), partitions: (partitions = this.store.readTopic(topic).partitions)})
        } catch {
          continue // gone again, or still being made
        }
        for (let p = 0; p < partitions; p++, added = true) this.assign(topic, p, 0)
      }
    }
    for (const w of this.whole) {
      const changed = changedPartitionCount(this.store, w.topic, w.version)
      if (!changed) continue
      w.version = changed.version
      for (let p = w.partitions; p < changed.partitions; p++, added = true) this.assign(w.topic, p, 0)
      w.partitions = Math.max(w.partitions, changed.partitions)
    }
    return added
  }

  /**
   * Adds a partition at `offset` (consumer groups hand partitions in and out
   * while the consumer runs). Offsets outside the log are clamped to it.
   * @internal
   */
  assign(topic: string, partition: number, offset: number): Assignment {
    this.unassign(topic, partition)
    const reader = this.newReader(topic, partition)
    const a: Assignment = {topic, partition, reader, position: 0, atEnd: false, pending: null, stallReported: false, done: false}
    this.assignments.push(a)
    this.seek(a, {kind: 'absolute', offset})
    if (this.watching) this.watch(a)
    return a
  }

  private newReader(topic: string, partition: number): PartitionReader {
    // No buffer of its own: poll() lends it one of the shared ones.
    return (this.options.partitionFactory ?? this.store!.partitions).reader(topic, partition)
  }

  /**
   * Read buffers not lent out. A reader borrows one for its read and gives
   * it back once its records are handed out, so memory is a buffer per
   * partition with records still waiting (output full) plus one, not a
   * megabyte for each of 1,000 partitions.
   */
  private readonly spareBuffers: Buffer[] = []

  private lendBuffer(reader: PartitionReader): void {
    if (!reader.giveBuffer) return
    const buf = this.spareBuffers.pop() ?? this.options.arena?.take(READ_BUFFER_SIZE)
    if (buf && !reader.giveBuffer(buf)) this.spareBuffers.push(buf)
  }

  private returnBuffer(reader: PartitionReader): void {
    const buf = reader.takeBuffer?.()
    if (buf) this.spareBuffers.push(buf)
  }


  /** Stops reading a partition; returns its position (next offset to hand out), or null if it was not assigned. @internal */
  unassign(topic: string, partition: number): number | null {
    const i = this.assignments.findIndex((a) => a.topic === topic && a.partition === partition)
    if (i < 0) return null
    const [a] = this.assignments.splice(i, 1)
    a.reader.close()
    const w = this.watcherOf.get(a)
    if (w) {
      a.reader.watched?.(false)
      w.close()
      this.watcherOf.delete(a)
    }
    return a.position
  }

  /** Moves a partition's position as the offset spec says. @internal */
  seek(a: Assignment, spec: OffsetSpec): void {
    a.position = resolveOffsetSpec(a.reader, spec)
    if (spec.kind === 'absolute' && spec.offset !== a.position) {
      // kcat says "offset out of range" and resets; say where we start instead of starting silently elsewhere.
      const where = spec.offset > a.position ? `past the end (${a.position})` : `before the log start (${a.position})`
      this.options.onNotice?.(`topic ${a.topic} partition ${a.partition}: offset ${spec.offset} is ${where}; starting at ${a.position}`)
    }
    a.reader.seek(a.position)
    a.pending = null
    a.atEnd = false
  }

  /**
   * Hands out what is available now. Each partition gives at most one read
   * (about a megabyte) per call, so partitions take turns. `shouldYield` is
   * asked after each batch; when true the call returns and the rest waits
   * for the next one (the caller drains its output in between).
   * Returns the number of records handed out and whether to stop.
   * @internal
   */
  poll(visit: RecordVisitor, shouldYield: () => boolean = () => false): {records: number; stopped: boolean} {
    let records = 0
    const rr = this.reader
    for (const a of this.assignments) {
      if (a.paused || a.done) continue
      if (!a.pending) {
        this.lendBuffer(a.reader)
        const range = a.reader.poll()
        if (!range) {
          this.returnBuffer(a.reader)
          // Bad bytes that may be a batch being written are read again before this counts as the end.
          a.atEnd = !a.reader.suspecting
          if (a.reader.stall && !a.stallReported) {
            a.stallReported = true
            const e = corruptionError(a.topic, a.partition, a.reader.stall, 'not a valid batch (bad length, magic or CRC)')
            if (a.reader.stall.belowRecoveryPoint) this.damage.push(e)
            this.options.onNotice?.(`${e.message}; ${e.hint}`)
          }
          continue
        }
        a.atEnd = false
        a.pending = {buf: range.buf, pos: range.start, end: range.end, segmentBaseOffset: range.segmentBaseOffset, origin: range.filePosition - range.start}
      }
      const p = a.pending
      // One try per partition read, not per record: a record that does not
      // decode ends the poll with the records before it handed out.
      try {
        while (p.pos < p.end) {
          const size = batchSize(p.buf, p.pos)
          const lastOffset = batchLastOffset(p.buf, p.pos)
          if (lastOffset >= a.position) {
            rr.open(p.buf, p.pos)
            if (!rr.isControlBatch) {
              while (rr.next()) {
                if (rr.offset < a.position) continue
                if (rr.timestamp >= this.stopAt) {
                  a.done = true
                  a.pending = null
                  break
                }
                a.position = rr.offset + 1
                records++
                if (visit(a, rr) === false) {
                  // Keep the rest of this batch for a later poll.
                  return {records, stopped: true}
                }
              }
            }
            if (a.done) break
            a.position = Math.max(a.position, lastOffset + 1)
          }
          p.pos += size
          if (shouldYield()) {
            if (p.pos >= p.end) {
              a.pending = null
              this.returnBuffer(a.reader)
            }
            return {records, stopped: false}
          }
        }
      } catch (error) {
        if (!(error instanceof CorruptRecordError)) throw error
        const at = {offset: rr.failedOffset, segmentBaseOffset: p.segmentBaseOffset, position: p.origin + p.pos}
        throw corruptionError(a.topic, a.partition, at, error.message)
      }
      a.pending = null
      this.returnBuffer(a.reader)
    }
    return {records, stopped: false}
  }

  /** Every partition met its stop time (kcat's e@): there is nothing more to read. */
  get allDone(): boolean {
    return this.assignments.length > 0 && this.assignments.every((a) => a.done)
  }

  /** Damage below a recovery point the reads stopped at, one per partition, in the order met (each was told to onNotice). */
  readonly damage: CorruptRecordError[] = []

  /** True when the last read of every partition found nothing new. */
  get allAtEnd(): boolean {
    return this.assignments.every((a) => a.paused || a.done || (a.atEnd && !a.pending))
  }

  /** Resolves when a partition directory changes, or after the polling interval. */
  waitForData(timeoutMs = this.options.pollIntervalMs ?? 100): Promise<void> {
    if (!this.watching && !this.closed) this.startWatching()
    // Records may be waiting in a new partition already: no reason to wait.
    if (!this.closed && this.addNewPartitions()) return Promise.resolve()
    // A change seen since the last wait (between the poll that found nothing and now): look again at once.
    if (this.changed) {
      this.changed = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const self = this
      const timer = setTimeout(() => {
        // No word from the watchers for a whole interval: what they may have
        // missed (an overflowed inotify queue) is looked for by listing.
        for (const a of self.assignments) a.reader.changed?.('rename', null)
        done()
      }, timeoutMs)
      function done() {
        clearTimeout(timer)
        if (self.wake === done) self.wake = null
        resolve()
      }
      this.wake = done
    })
  }

  private startWatching(): void {
    this.watching = true
    for (const a of this.assignments) this.watch(a)
  }

  private watch(a: Assignment): void {
    if (a.reader.dir === null) {
      a.reader.subscribe?.(() => {
        if (this.wake) this.wake()
        else this.changed = true
      })
      return
    }
    try {
      const w = watch(a.reader.dir, {persistent: false}, (event, name) => {
        // Index appends, lock and recovery-point files come with or after a
        // segment write and bring no record of their own: waking for them
        // was two of every three wake-ups while following.
        if (name !== null && !isSegmentEvent(String(name))) return
        a.reader.changed?.(event, name === null ? null : String(name))
        if (this.wake) this.wake()
        else this.changed = true
      })
      w.on('error', () => a.reader.watched?.(false))
      this.watcherOf.set(a, w)
      a.reader.watched?.(true)
    } catch {
      // No inotify here (or out of watches): the polling fallback covers it.
    }
  }

  private watching = false
  private changed = false
  private readonly watcherOf = new Map<Assignment, FSWatcher>()

  /** Library API: records as objects, following the log until `close()` or `exitAtEnd`. */
  async *records(options: {exitAtEnd?: boolean} = {}): AsyncGenerator<ConsumedRecord> {
    for (;;) {
      const batch: ConsumedRecord[] = []
      this.poll((a, r) => {
        batch.push({topic: a.topic, partition: a.partition, ...r.toRecord()})
      }, () => batch.length >= 10_000)
      yield* batch
      if (this.closed) return
      if (batch.length === 0) {
        if (options.exitAtEnd && this.allAtEnd) return
        await this.waitForData()
      }
    }
  }

  /** Ends a waitForData() early without closing anything (Ctrl-C, a rebalance). */
  interrupt(): void {
    this.wake?.()
  }

  close(): void {
    this.closed = true
    for (const w of this.watcherOf.values()) w.close()
    this.watcherOf.clear()
    for (const a of this.assignments) a.reader.close()
    this.wake?.()
  }
}

/** A change a reader may find records in: a segment's `.log` (appended, made, cut, removed) or a compaction's or repair's file that becomes one. */
function isSegmentEvent(name: string): boolean {
  return name.endsWith(LOG_SUFFIX) || name.includes(LOG_SUFFIX + '.')
}

export function requireTopic(store: Store, topic: string): void {
  if (!store.topicExists(topic)) {
    throw new NotFoundError(`topic '${topic}' does not exist`, {hint: `create it with \`logpipe topic create ${topic}\` or produce with --create`})
  }
}
