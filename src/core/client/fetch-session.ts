/**
 * Reading partitions through a broker: a PartitionFactory whose readers
 * are fed by Fetch, so the Consumer (and every formatter behind it) reads
 * the same RecordBatch bytes it reads from the files.
 *
 * - `resolve` turns an offset spec into an offset with ListOffsets
 *   (earliest, latest, by timestamp), clamped to the log as the files'
 *   resolveOffsetSpec clamps, and gives the partition's reader those
 *   bounds before the Consumer asks for them;
 * - one loop sends a Fetch per leader for every partition that has room
 *   (long-poll: `maxWaitMs`, woken by appends on the broker), keeps the
 *   whole, CRC-checked batches of each answer for its reader, and moves the
 *   partition's fetch offset past them; the Consumer is told there is data
 *   (the reader's `subscribe`), so it does not wait out its poll interval;
 * - a reader is "at the end" (not `suspecting`) once it handed out all it
 *   holds and its fetch offset reached the high watermark the last answer
 *   gave: `consume -e` ends at the high watermark;
 * - NOT_LEADER_OR_FOLLOWER and its kin refresh the metadata and fetch again
 *   from the new leader; OFFSET_OUT_OF_RANGE starts again at the log start;
 *   other errors end the session with that error.
 */
import {LogpipeError} from '../errors.js'
import {type OffsetSpec} from '../log/offset-spec.js'
import type {PartitionFactory, PartitionReader, PartitionWriter} from '../log/partition.js'
import type {BatchRange, ReaderStall} from '../log/log-reader.js'
import {CORRUPT, PARTIAL, batchLastOffset, checkBatch} from '../record/batch-header.js'
import {ErrorCode, kafkaError} from '../wire/error-codes.js'
import {fetch} from '../wire/messages/01-fetch.js'
import {listOffsets} from '../wire/messages/02-list-offsets.js'
import {FramePool} from '../wire/frame-pool.js'
import type {MemoryArena} from '../codec/memory-arena.js'
import type {ResponseOf} from '../wire/schema.js'
import {isRetriable, type KafkaClient} from './kafka-client.js'

export interface FetchSessionOptions {
  /** fetch.wait.max.ms: how long the broker may hold a Fetch with nothing new (default 500). */
  maxWaitMs?: number
  /** max.partition.fetch.bytes (default 1 MiB; a larger batch still comes whole). */
  partitionMaxBytes?: number
  /** fetch.max.bytes (default 50 MiB). */
  maxBytes?: number
  /** Answers are read into buffers of this arena while it has room (the output's: records are copied out with copyWithin). */
  arena?: MemoryArena
  onNotice?: (message: string) => void
}

/** Batches one answer gave, waiting for the Consumer. */
const MAX_QUEUED = 4
/** Nothing a server says about a batch is believed past this (it would be a 2 GiB claim). */
const MAX_BATCH_BYTES = 0x7fff_ffff

const EARLIEST = -2n
const LATEST = -1n

class WireReader implements PartitionReader {
  readonly dir = null
  readonly stall: ReaderStall | null = null
  fetchOffset = 0
  /** Bumped by seek: an answer to a fetch from before it is dropped. */
  epoch = 0
  start = 0
  highWatermark = 0
  readonly queue: BatchRange[] = []
  /** The range the Consumer is reading: its answer's memory is in use until the next poll or takeBuffer. */
  private handedOut: BatchRange | null = null
  private listener: (() => void) | null = null
  closed = false

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly session: FetchSession,
  ) {}

  seek(offset: number): void {
    this.fetchOffset = offset
    this.epoch++
    this.dropQueue()
    this.session.kick()
  }

  poll(): BatchRange | null {
    if (this.session.failure) throw this.session.failure
    // A reader's bytes last until its next poll (as a file reader's read buffer): the Consumer is done with the last range.
    this.takeBuffer()
    const r = this.queue.shift() ?? null
    if (r && this.queue.length < MAX_QUEUED) this.session.kick()
    this.handedOut = r
    return r
  }

  /** The Consumer is done with the last range polled (it lends no buffer: answers come in their own). */
  takeBuffer(): Buffer | null {
    if (this.handedOut !== null) this.session.done(this.handedOut.buf)
    this.handedOut = null
    return null
  }

  logStartOffset(): number {
    return this.start
  }

  logEndOffset(): number {
    return this.highWatermark
  }

  /** Timestamps are looked up by `resolve` before the Consumer starts; a later lookup is the end. */
  offsetForTimestamp(): number {
    return this.highWatermark
  }

  get suspecting(): boolean {
    return this.queue.length > 0 || this.fetchOffset < this.highWatermark
  }

  subscribe(listener: () => void): void {
    this.listener = listener
  }

  /**
   * New batches came (or the end moved): the Consumer looks again, on the
   * next turn of the event loop. Told at once, it read the answer before
   * the fetch loop went on, so each Fetch was sent only once the last
   * answer had been formatted and written out, and the broker and the
   * consumer took turns (124 rounds of 1.2 ms + 0.9 ms for 1 M records).
   * Deferred, the next Fetch is on the wire while this answer is read.
   */
  tell(): void {
    if (this.telling) return
    this.telling = true
    setImmediate(() => {
      this.telling = false
      this.listener?.()
    })
  }

  private telling = false

  close(): void {
    this.closed = true
    this.takeBuffer()
    this.dropQueue()
    this.session.forget(this)
  }

  private dropQueue(): void {
    for (const r of this.queue) this.session.done(r.buf)
    this.queue.length = 0
  }
}

export class FetchSession implements PartitionFactory {
  private readonly client: KafkaClient
  private readonly options: FetchSessionOptions
  private readonly readers = new Map<string, WireReader>()
  /** Bounds ListOffsets gave, for readers the Consumer has not made yet. */
  private readonly bounds = new Map<string, {start: number; end: number}>()
  /** Ranges queued or being read, by the pooled answer they lie in; at 0 the answer's buffer goes back (frame-pool.ts). */
  private readonly answersInUse = new Map<Buffer, number>()
  private readonly frames: FramePool
  private looping: Promise<void> | null = null
  private wake: (() => void) | null = null
  private kicked = false
  private closed = false
  /** The error that ended the fetch loop; the next wait throws it. */
  failure: Error | null = null

  constructor(client: KafkaClient, options: FetchSessionOptions = {}) {
    this.client = client
    this.options = options
    this.frames = new FramePool(options.arena ?? null)
  }

  writer(): PartitionWriter {
    throw new LogpipeError('a fetch session only reads')
  }

  reader(topic: string, partition: number): PartitionReader {
    const key = `${partition}\0${topic}`
    const r = new WireReader(topic, partition, this)
    const b = this.bounds.get(key)
    if (b) {
      r.start = b.start
      r.highWatermark = b.end
      r.fetchOffset = b.end
    }
    this.readers.set(key, r)
    this.looping ??= this.loop().catch((error: Error) => {
      if (this.closed) return
      this.failure = error
      for (const reader of this.readers.values()) reader.tell()
    })
    return r
  }

  /** @internal */
  forget(r: WireReader): void {
    const key = `${r.partition}\0${r.topic}`
    if (this.readers.get(key) === r) this.readers.delete(key)
  }

  /** @internal For tests: answers' buffers lent out now, and made in all. */
  get frameCounts(): {lent: number; blocks: number} {
    return this.frames.counts
  }

  /** @internal A range of a pooled answer is in use. */
  hold(records: Buffer): void {
    const frame = this.frames.frameOf(records)
    if (frame) this.answersInUse.set(frame, (this.answersInUse.get(frame) ?? 0) + 1)
  }

  /** @internal A range of `records`' answer is no longer read. */
  done(records: Buffer): void {
    const frame = this.frames.frameOf(records)
    const n = frame === null ? undefined : this.answersInUse.get(frame)
    if (frame === null || n === undefined) return
    if (n > 1) this.answersInUse.set(frame, n - 1)
    else {
      this.answersInUse.delete(frame)
      this.frames.give(frame)
    }
  }

  /** @internal Something changed (a seek, room in a queue): the loop looks again. */
  kick(): void {
    this.kicked = true
    this.wake?.()
  }

  /**
   * The offsets `spec` names in these partitions of a topic, by ListOffsets
   * at each partition's leader, clamped to the log. Remembers each log's
   * bounds for its reader.
   */
  async resolve(topic: string, partitions: number[], spec: OffsetSpec): Promise<number[]> {
    const bounds = await this.logBounds(topic, partitions)
    const earliest = bounds.map((b) => b.start)
    const latest = bounds.map((b) => b.end)
    let target: number[]
    switch (spec.kind) {
      case 'beginning':
        target = earliest
        break
      case 'end':
        target = latest
        break
      case 'absolute':
        target = partitions.map(() => spec.offset)
        break
      case 'relative':
        target = latest.map((end) => end - spec.count)
        break
      case 'timestamp': {
        // -1 from the broker: no record at or after the time; reading starts at the end.
        const at = await this.listOffsets(topic, partitions, BigInt(spec.timestamp))
        target = at.map((o, i) => (o < 0 ? latest[i] : o))
        break
      }
      case 'stored':
        throw new LogpipeError('-o stored needs a consumer group (-g)')
    }
    return partitions.map((p, i) => {
      const offset = Math.min(Math.max(target[i], earliest[i]), latest[i])
      if (spec.kind === 'absolute' && offset !== spec.offset) {
        const where = spec.offset > offset ? `past the end (${offset})` : `before the log start (${offset})`
        this.options.onNotice?.(`topic ${topic} partition ${p}: offset ${spec.offset} is ${where}; starting at ${offset}`)
      }
      return offset
    })
  }

  /**
   * Each partition's log start and end (high watermark), by ListOffsets,
   * remembered for its reader: a reader made later knows where the end is
   * before its first Fetch, so `-e` does not end before it began.
   */
  async logBounds(topic: string, partitions: number[]): Promise<Array<{start: number; end: number}>> {
    const earliest = await this.listOffsets(topic, partitions, EARLIEST)
    const latest = await this.listOffsets(topic, partitions, LATEST)
    return partitions.map((p, i) => {
      const b = {start: earliest[i], end: latest[i]}
      this.bounds.set(`${p}\0${topic}`, b)
      return b
    })
  }

  /** One ListOffsets per leader for these partitions at `timestamp` (-2 earliest, -1 latest). */
  private listOffsets(topic: string, partitions: number[], timestamp: bigint): Promise<number[]> {
    return this.client.retrying(async () => {
      const byLeader = new Map<number, number[]>()
      for (const p of partitions) {
        const leader = await this.client.leaderOf(topic, p)
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), p])
      }
      const out = new Map<number, number>()
      for (const [leader, ps] of byLeader) {
        const {response} = await this.client.request(leader, listOffsets, () => ({
          replicaId: -1,
          isolationLevel: 0,
          topics: [{name: topic, partitions: ps.map((p) => ({partitionIndex: p, timestamp}))}],
        }))
        for (const p of response.topics.find((t) => t.name === topic)?.partitions ?? []) {
          if (p.errorCode !== ErrorCode.NONE) throw kafkaError(p.errorCode, `ListOffsets, topic '${topic}' partition ${p.partitionIndex}`)
          out.set(p.partitionIndex, Number(p.offset))
        }
      }
      return partitions.map((p) => {
        const o = out.get(p)
        if (o === undefined) throw new LogpipeError(`the broker did not answer ListOffsets for topic '${topic}' partition ${p}`, {retriable: true})
        return o
      })
    })
  }

  private async loop(): Promise<void> {
    let failures = 0
    while (!this.closed) {
      const wanted = [...this.readers.values()].filter((r) => !r.closed && r.queue.length < MAX_QUEUED)
      if (wanted.length === 0) {
        await this.idle()
        continue
      }
      // The loop sends one Fetch per leader at a time: a long-poll for partitions at their end, while one left out (its
      // queue full) will want more soon, would hold that one back for fetch.wait.max.ms every round. So they wait for
      // its room (a kick), and go along in its next Fetch; a consumer that stopped reading (a slow pipe) sends none.
      const busy = wanted.length < this.readers.size && [...this.readers.values()].some((r) => !r.closed && r.queue.length >= MAX_QUEUED)
      if (busy && wanted.every((r) => r.fetchOffset >= r.highWatermark)) {
        await this.idle(this.options.maxWaitMs ?? 500)
        continue
      }
      this.kicked = false
      const byLeader = new Map<number, WireReader[]>()
      let retriable: Error | null = null
      for (const r of wanted) {
        try {
          const leader = await this.client.leaderOf(r.topic, r.partition)
          byLeader.set(leader, [...(byLeader.get(leader) ?? []), r])
        } catch (error) {
          if (!isRetriable(error)) throw error
          retriable = error as Error
        }
      }
      const results = await Promise.allSettled([...byLeader].map(([leader, rs]) => this.fetchFrom(leader, rs)))
      for (const r of results) {
        if (r.status === 'rejected') {
          if (!isRetriable(r.reason)) throw r.reason
          retriable = r.reason as Error
        }
      }
      if (retriable) {
        // A leader moved or a connection went: fresh metadata, a pause that grows, and a bound on how long that goes on.
        if (++failures > 10) throw retriable
        this.client.invalidate()
        await this.idle(Math.min(100 * 2 ** failures, 2000))
      } else failures = 0
    }
  }

  /** Waits for a kick, or `ms`. */
  private idle(ms = 1000): Promise<void> {
    if (this.kicked || this.closed) {
      this.kicked = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined = undefined
      const done = () => {
        clearTimeout(timer)
        this.wake = null
        this.kicked = false
        resolve()
      }
      timer = setTimeout(done, ms)
      this.wake = done
    })
  }

  private async fetchFrom(leader: number, readers: WireReader[]): Promise<void> {
    const epochs = readers.map((r) => r.epoch)
    const offsets = readers.map((r) => r.fetchOffset)
    const byTopic = new Map<string, WireReader[]>()
    for (const r of readers) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r])
    const partitionMaxBytes = this.options.partitionMaxBytes ?? 1 << 20
    // Partitions at their end wait on the broker; one with data behind it must not (a seek, a first fetch).
    const anyBehind = readers.some((r) => r.fetchOffset < r.highWatermark)
    const maxWaitMs = anyBehind ? 0 : (this.options.maxWaitMs ?? 500)
    const {response} = await this.client.request(
      leader,
      fetch,
      () => ({
        replicaId: -1,
        maxWaitMs,
        minBytes: 1,
        maxBytes: this.options.maxBytes ?? 50 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [...byTopic].map(([topic, rs]) => ({
          topic,
          partitions: rs.map((r) => ({partition: r.partition, fetchOffset: BigInt(r.fetchOffset), partitionMaxBytes, logStartOffset: -1n, currentLeaderEpoch: -1})),
        })),
        forgottenTopicsData: [],
        rackId: '',
      }),
      maxWaitMs,
      (size) => this.frames.take(size),
    )
    let retriable: Error | null = null
    // The answer is held while it is taken apart (a ListOffsets below awaits, and the Consumer reads meanwhile).
    const answer = response.responses.find((t) => t.partitions.some((p) => p.records && p.records.length > 0))?.partitions.find((p) => p.records && p.records.length > 0)?.records ?? null
    if (answer) this.hold(answer)
    try {
      await this.takeAnswer(response, readers, epochs, offsets, (e) => (retriable = e))
    } finally {
      if (answer) this.done(answer)
    }
    if (retriable) throw retriable
  }

  private async takeAnswer(response: ResponseOf<typeof fetch>, readers: WireReader[], epochs: number[], offsets: number[], retry: (e: Error) => void): Promise<void> {
    for (const t of response.responses) {
      for (const p of t.partitions) {
        const i = readers.findIndex((r) => r.topic === t.topic && r.partition === p.partitionIndex)
        if (i < 0) continue
        const r = readers[i]
        if (r.closed || r.epoch !== epochs[i] || r.fetchOffset !== offsets[i]) continue
        if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          const [start] = await this.listOffsets(r.topic, [r.partition], EARLIEST)
          this.options.onNotice?.(`topic ${r.topic} partition ${r.partition}: offset ${r.fetchOffset} is out of range; starting at ${start}`)
          r.start = start
          r.fetchOffset = start
          continue
        }
        if (p.errorCode !== ErrorCode.NONE) {
          const e = kafkaError(p.errorCode, `Fetch, topic '${r.topic}' partition ${r.partition}`)
          if (!e.retriable) throw e
          retry(e)
          continue
        }
        r.highWatermark = Number(p.highWatermark)
        if (p.logStartOffset >= 0n) r.start = Number(p.logStartOffset)
        const records = p.records
        if (records && records.length > 0) this.take(r, records)
        r.tell()
      }
    }
  }

  /** The whole batches of an answer (a partial last one is left for the next fetch, as Kafka's clients do). */
  private take(r: WireReader, records: Buffer): void {
    let pos = 0
    let last = -1
    while (pos < records.length) {
      const size = checkBatch(records, pos, records.length, MAX_BATCH_BYTES)
      if (size === PARTIAL) break
      if (size === CORRUPT) throw new LogpipeError(`topic ${r.topic} partition ${r.partition}: the broker sent a batch that is not valid (bad length, magic or CRC) at offset ${r.fetchOffset}`)
      last = batchLastOffset(records, pos)
      pos += size
    }
    if (pos === 0) {
      if (records.length >= (this.options.partitionMaxBytes ?? 1 << 20)) {
        throw new LogpipeError(`topic ${r.topic} partition ${r.partition}: the broker sent part of a batch larger than the fetch size at offset ${r.fetchOffset}`)
      }
      return
    }
    this.hold(records)
    r.queue.push({buf: records, start: 0, end: pos, segmentBaseOffset: 0, filePosition: 0})
    r.fetchOffset = Math.max(r.fetchOffset, last + 1)
  }

  close(): void {
    this.closed = true
    this.wake?.()
  }
}
