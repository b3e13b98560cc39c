/**
 * MirrorMaker's job: every topic of the source whose name matches a
 * pattern is copied into the target, partition for partition, each record's
 * key, value, headers and timestamp as they were. Topics missing in the
 * target are made with the source's partition count and the configs that
 * decide what it keeps (mirror-target.ts).
 *
 * Progress is a consumer group on the source, as MirrorMaker keeps it: a
 * member of the group (so several mirrors share the partitions, and a
 * topic created later that matches joins the subscription), whose offsets
 * are committed only after the target acknowledged every record before
 * them. Each commit carries the mirror's producer id and the target's log
 * end (mirror-progress.ts), and each new owner of a partition commits its
 * own before it writes, so after a kill -9 the records written but not yet
 * committed are found in the target and not written twice.
 *
 * A round: prepare newly assigned partitions (paused until then), read
 * what is there into one batch builder per partition, write the sealed
 * batches, commit. The group's own ticks run on their timers; a partition
 * taken away waits for the round in flight (the HandOnTracker), and what
 * it had read but not written is read again by its next owner.
 */
import type {Clock} from '../clock.js'
import type {TopicPartition} from '../group/assignors.js'
import {writeVarint, sizeOfVarint} from '../codec/varint.js'
import {NO_HEADERS} from '../record/header.js'
import {BatchBuilder} from '../record/record-batch.js'
import type {RecordReader} from '../record/record.js'
import {Store} from '../store/store.js'
import type {Assignment} from '../client/consumer.js'
import type {HandOnTracker} from '../client/group-consumer.js'
import {encodeProgress, parseProgress} from './mirror-progress.js'
import {type MirrorHooks, type MirrorSource, type MirrorSourceOptions, StoreSource} from './mirror-source.js'
import type {MirrorTarget} from './mirror-target.js'
import {nextSequence} from './producer-stamp.js'

export const DEFAULT_MIRROR_GROUP = 'logpipe-mirror'
const DEFAULT_BATCH_BYTES = 1_000_000
/** Records read but not yet written, across partitions, before a round stops reading and writes (Kafka's buffer.memory). */
const MAX_BUFFERED_BYTES = 32 << 20

export interface MirrorOptions {
  /** The consumer group on the source that holds the mirror's progress. */
  group?: string
  /** Topics of the source to copy: whole names matching it, including topics created later. */
  include: RegExp
  /** Stop once every partition is copied to its end. */
  exitAtEnd?: boolean
  /** A target batch is sealed at this size. */
  batchBytes?: number
  sessionTimeoutMs?: number
  onNotice?: (message: string) => void
  clock?: Clock
}

export interface MirrorSummary {
  /** Records written to the target by this run. */
  records: number
  /** Topics this run created in the target. */
  created: string[]
}

interface Sealed {
  builder: BatchBuilder
  batch: Buffer
  /** The source position after the batch's last record. */
  to: number
}

/** One source partition being copied by this member. */
interface Copy {
  tp: TopicPartition
  /** The consumer's assignment it was prepared for (a partition given back and taken again is a new one). */
  assignment: Assignment
  builder: BatchBuilder | null
  spare: BatchBuilder[]
  sealed: Sealed[]
  /** The source position after the last record in `builder`. */
  builtTo: number
  /** Every source record before this is acknowledged by the target. */
  acked: number
  /** The target's log end after our last acknowledged write (or when the partition was prepared). */
  targetEnd: number
  dirty: boolean
}

const key = (tp: TopicPartition) => `${tp.topic}/${tp.partition}`

export class Mirror {
  private readonly source: MirrorSource
  private readonly copies = new Map<string, Copy>()
  private readonly sequences = new Map<string, number>()
  private readonly notice: (message: string) => void
  private readonly batchBytes: number
  private buffered = 0
  private round: Promise<unknown> = Promise.resolve()
  private stopping = false
  private readonly summary: MirrorSummary = {records: 0, created: []}

  /**
   * `source` is a data directory (read as a member of the group) or a
   * source made by `makeSource` from the hooks (kafka-source.ts).
   */
  constructor(
    source: Store | ((options: MirrorSourceOptions, hooks: MirrorHooks) => MirrorSource),
    private readonly target: MirrorTarget,
    private readonly options: MirrorOptions,
  ) {
    this.notice = options.onNotice ?? (() => {})
    this.batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES
    const tracker: HandOnTracker = {
      safePosition: (topic, partition) => this.copies.get(`${topic}/${partition}`)?.acked ?? null,
      // Committed here, with the progress string, before the member commits the same offset without one (which keeps it).
      release: async (topic, partition) => {
        await this.round.catch(() => {})
        const c = this.copies.get(`${topic}/${partition}`)
        if (c?.dirty) await this.commitCopy(c)
      },
      forget: (topic, partition) => this.drop(`${topic}/${partition}`),
    }
    const hooks: MirrorHooks = {
      tracker,
      // A failed round is the run's error, reported by run(); handing on must not fail the leave after it.
      handOn: () =>
        this.round.then(
          () => {},
          () => {},
        ),
    }
    const settings: MirrorSourceOptions = {
      group: options.group ?? DEFAULT_MIRROR_GROUP,
      include: options.include,
      sessionTimeoutMs: options.sessionTimeoutMs,
      clock: options.clock,
      onNotice: this.notice,
    }
    this.source = source instanceof Store ? new StoreSource(source, settings, hooks) : source(settings, hooks)
  }

  /** Copies until stop() (or, with exitAtEnd, the end of every partition); resolves with what was copied. */
  async run(): Promise<MirrorSummary> {
    let failure: unknown = null
    try {
      await this.source.start()
      while (!this.stopping) {
        const pass = this.pass()
        this.round = pass
        const records = await pass
        if (this.stopping) break
        if (records > 0) continue
        if (this.options.exitAtEnd && this.atEnd()) break
        await this.target.idle()
        await this.source.consumer.waitForData()
      }
    } catch (error) {
      failure = error
    }
    try {
      await this.source.close()
    } catch (error) {
      failure ??= error
    }
    try {
      await this.target.close()
    } catch (error) {
      failure ??= error
    }
    if (failure !== null) throw failure
    return this.summary
  }

  /** Ends run() after the round in flight: what it read is written and committed first. */
  stop(): void {
    this.stopping = true
    this.source.consumer.interrupt()
  }

  private atEnd(): boolean {
    const c = this.source.consumer
    return c.assignments.every((a) => this.copies.get(key(a))?.assignment === a) && c.allAtEnd && this.source.holdsItsAssignment && this.buffered === 0
  }

  /** One round; the number of records it read. */
  private async pass(): Promise<number> {
    await this.source.refresh()
    await this.prepareNew()
    this.pauseUnprepared()
    const {records} = this.source.consumer.poll(
      (a, r) => this.add(a, r),
      () => this.buffered >= MAX_BUFFERED_BYTES,
    )
    for (const c of this.copies.values()) this.seal(c)
    await this.write()
    await this.commit()
    return records
  }

  /** Assignments not prepared yet are not read; called right before poll, with no await between. */
  private pauseUnprepared(): void {
    for (const a of this.source.consumer.assignments) if (this.copies.get(key(a))?.assignment !== a) a.paused = true
  }

  private async prepareNew(): Promise<void> {
    for (const a of [...this.source.consumer.assignments]) {
      if (this.copies.get(key(a))?.assignment === a) continue
      a.paused = true
      await this.prepare(a)
    }
  }

  /**
   * Before the first write to a partition: the target topic made, records
   * a crashed run wrote past its last commit skipped, and a commit naming
   * this run's producer id and the target's log end, so a crash of this run
   * is recovered from the same way.
   */
  private async prepare(a: Assignment): Promise<void> {
    const tp = {topic: a.topic, partition: a.partition}
    const meta = await this.source.shape(a.topic)
    const outcome = await this.target.ensureTopic(a.topic, {partitions: meta.partitions, config: meta.config})
    if (outcome === 'created') {
      this.summary.created.push(a.topic)
      this.notice(`created topic ${a.topic} in the target with ${meta.partitions} partition${meta.partitions === 1 ? '' : 's'}`)
    } else if (outcome === 'grown') {
      this.notice(`topic ${a.topic} in the target now has ${meta.partitions} partitions, as in the source`)
    }
    let position = a.position
    const committed = await this.source.committed(tp)
    const progress = committed && committed.offset === position ? parseProgress(committed.metadata ?? undefined) : null
    if (progress) {
      const written = await this.target.recordsOf(a.topic, a.partition, progress.targetOffset, progress.producerId)
      if (written > 0) {
        position = await this.source.skipRecords(tp, position, written)
        this.notice(`topic ${a.topic} partition ${a.partition}: ${written} record${written === 1 ? '' : 's'} after offset ${a.position} reached the target before the last run stopped; copying from ${position}`)
      }
    }
    const targetEnd = await this.target.endOffset(a.topic, a.partition)
    const result = await this.source.commit(tp, position, encodeProgress({...this.target.identity, targetOffset: targetEnd}))
    // Taken from us meanwhile: it stays paused and the group's next round lets it go.
    if (result === 'fenced' || !this.source.consumer.assignments.includes(a)) return
    if (result === 'backwards') {
      // Committed past us meanwhile (a reset, another mirror): start again from there next round.
      const now = await this.source.committed(tp)
      if (now) this.source.consumer.seek(a, {kind: 'absolute', offset: now.offset})
      return
    }
    if (position !== a.position) this.source.consumer.seek(a, {kind: 'absolute', offset: position})
    this.copies.set(key(tp), {tp, assignment: a, builder: null, spare: [], sealed: [], builtTo: position, acked: position, targetEnd, dirty: false})
    a.paused = false
  }

  private add(a: Assignment, r: RecordReader): void {
    const c = this.copies.get(key(a))!
    const k = r.keyLength < 0 ? null : r.buf
    const v = r.valueLength < 0 ? null : r.buf
    const headers = r.headerCount === 0 ? NO_HEADERS : headerBlock(r)
    const keyEnd = r.keyStart + Math.max(r.keyLength, 0)
    const valueEnd = r.valueStart + Math.max(r.valueLength, 0)
    if (!c.builder) c.builder = this.newBuilder(c)
    if (!c.builder.tryAppend(r.timestamp, k, r.keyStart, keyEnd, v, r.valueStart, valueEnd, headers)) {
      this.seal(c)
      c.builder = this.newBuilder(c)
      c.builder.append(r.timestamp, k, r.keyStart, keyEnd, v, r.valueStart, valueEnd, headers)
    }
    this.buffered += keyEnd - r.keyStart + valueEnd - r.valueStart + headers.length + 16
    c.builtTo = r.offset + 1
  }

  private newBuilder(c: Copy): BatchBuilder {
    const max = this.target.maxBatchBytes(c.tp.topic)
    return c.spare.pop() ?? new BatchBuilder({batchBytes: Math.min(this.batchBytes, max), maxBatchBytes: max})
  }

  private seal(c: Copy): void {
    const b = c.builder
    if (!b || b.isEmpty) return
    const k = key(c.tp)
    const sequence = this.sequences.get(k) ?? 0
    const count = b.recordCount
    const batch = b.seal(0, undefined, {...this.target.identity, baseSequence: sequence})
    this.sequences.set(k, nextSequence(sequence, count))
    c.sealed.push({builder: b, batch, to: c.builtTo})
    c.builder = null
  }

  private async write(): Promise<void> {
    for (const c of [...this.copies.values()]) {
      while (c.sealed.length > 0 && this.copies.get(key(c.tp)) === c) {
        const s = c.sealed[0]
        const written = await this.target.write(c.tp.topic, c.tp.partition, s.batch)
        c.sealed.shift()
        this.summary.records += written.lastOffset - written.baseOffset + 1
        c.acked = s.to
        c.targetEnd = written.lastOffset + 1
        c.dirty = true
        s.builder.reset()
        c.spare.push(s.builder)
      }
      // Everything read is written: control batches and offset gaps after the last record count as copied too.
      const a = c.assignment
      if (c.sealed.length === 0 && c.builder === null && a.pending === null && a.position > c.acked) {
        c.acked = a.position
        c.dirty = true
      }
    }
    this.buffered = 0
  }

  private async commit(): Promise<void> {
    for (const c of [...this.copies.values()]) if (c.dirty) await this.commitCopy(c)
  }

  private async commitCopy(c: Copy): Promise<void> {
    c.dirty = false
    await this.source.commit(c.tp, c.acked, encodeProgress({...this.target.identity, targetOffset: c.targetEnd}))
  }

  /** A partition taken away: what it read and did not write is read again by its next owner. */
  private drop(k: string): void {
    this.copies.delete(k)
  }
}

/** The record's headers as BatchBuilder takes them: the count, then the entries as they are in the source. */
function headerBlock(r: RecordReader): Buffer {
  const entries = r.buf.subarray(r.headersStart, r.headersEnd)
  const out = Buffer.allocUnsafe(sizeOfVarint(r.headerCount) + entries.length)
  const pos = writeVarint(out, 0, r.headerCount)
  entries.copy(out, pos)
  return out
}
