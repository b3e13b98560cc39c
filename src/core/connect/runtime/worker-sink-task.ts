/**
 * Runs one SinkTask (Kafka's WorkerSinkTask) as a member of the consumer
 * group connect-<connector>: read up to 500 records, convert key, value and
 * headers, put() them, and every offset.flush.interval.ms (and on a clean
 * stop, and before a partition is taken away) call preCommit() — by
 * default flush() — and commit what it returned. A record counts as
 * handled once put() returned for it, once a transform dropped it, or
 * once errors.tolerance=all skipped it (after its dead letter was
 * written); positions past records not yet handled are never committed. A put() that throws a retriable error is
 * given the same records again after a backoff; any other error fails the
 * task, its uncommitted records left for the next run.
 */
import {Admin} from '../../client/admin.js'
import {GroupConsumer, type HandOnTracker} from '../../client/group-consumer.js'
import type {Assignment} from '../../client/consumer.js'
import type {RecordReader} from '../../record/record.js'
import type {RecordHeader} from '../../record/header.js'
import type {LogpipeError} from '../../errors.js'
import {ConnectHeaders} from '../api/headers.js'
import type {SchemaAndValue} from '../api/schema.js'
import type {ErrantRecordReporter, SinkTask, TopicPartition} from '../api/connector.js'
import {SinkRecord} from '../api/connect-record.js'
import type {FailedRecord} from './error-handler.js'
import {WorkerTask, type WorkerTaskOptions} from './worker-task.js'

const MAX_POLL_RECORDS = 500
/** The headers of every record without any; never added to (the dead letter copies them first). */
const NO_HEADERS: RecordHeader[] = []
const PUT_BACKOFF_MS = 300

export interface SinkTaskSettings {
  topics: string[]
  topicsRegex: RegExp | null
  commitIntervalMs: number
  sessionTimeoutMs: number
}

type Offsets = Map<string, {partition: TopicPartition; offset: number}>

const tpKey = (topic: string, partition: number) => `${topic}/${partition}`

export class WorkerSinkTask extends WorkerTask {
  private gc: GroupConsumer | null = null
  /** Per partition, the first offset read but not yet handled; absent when all read is handled. */
  private readonly unhandled = new Map<string, number>()
  private putting: Promise<void> | null = null
  private owned: TopicPartition[] = []
  private commitRequested = false
  private readonly rewinds = new Map<string, {tp: TopicPartition; offset: number}>()
  private wakeBackoff: (() => void) | null = null
  /** What the task's last preCommit held back: a lower offset, or null for "commit nothing". */
  private readonly holdBack = new Map<string, number | null>()
  /**
   * The consumed record behind each record of the put() running, so a dead
   * letter is the record as it came (Kafka's InternalSinkRecord): the
   * put's records and, at the same index, what each came from; looked up
   * only when a record is reported. Two lists made per put, not a WeakMap
   * (a million weak entries a second cost the garbage collector more than
   * the put itself) nor one Map emptied after each put (its table, long
   * lived, kept each put's records alive through the next scavenges).
   */
  private putRecords: SinkRecord[] = []
  private putOriginals: FailedRecord[] = []
  private readonly reporter: ErrantRecordReporter = {
    report: async (record, error) => {
      const i = this.putRecords.lastIndexOf(record)
      const raw = i >= 0 ? this.putOriginals[i] : this.rawOf(record)
      await this.o.errors.report('TASK_PUT', this.task.constructor.name, error instanceof Error ? error : new Error(String(error)), raw)
    },
  }

  constructor(
    o: WorkerTaskOptions,
    private readonly task: SinkTask,
    private readonly settings: SinkTaskSettings,
  ) {
    super(o)
  }

  private tracker(): HandOnTracker {
    return {
      safePosition: (topic, partition, position) => {
        const k = tpKey(topic, partition)
        const held = this.holdBack.get(k)
        if (held === null) return null
        return Math.min(this.unhandled.get(k) ?? position, held ?? Infinity)
      },
      release: async () => {
        await this.putting
      },
      forget: (topic, partition) => {
        this.unhandled.delete(tpKey(topic, partition))
      },
    }
  }

  protected async execute(): Promise<void> {
    const o = this.o
    this.task.initialize({
      configs: o.taskProps,
      offset: (offsets, offset) => {
        const entries = offsets instanceof Map ? [...offsets] : [[offsets, offset ?? 0] as const]
        for (const [tp, n] of entries) this.rewinds.set(tpKey(tp.topic, tp.partition), {tp, offset: n})
      },
      requestCommit: () => {
        this.commitRequested = true
      },
      log: (message) => o.notice(`task ${this.id}: ${message}`),
      errantRecordReporter: () => this.reporter,
      assignment: () => [...this.owned],
      pause: (...tps) => this.setPaused(tps, true),
      resume: (...tps) => this.setPaused(tps, false),
    })
    await this.task.start(o.taskProps)
    // A sink may start before its source made the topic; Kafka's broker would create it on first use (auto.create.topics.enable).
    for (const topic of this.settings.topics) if (new Admin(o.store).createTopic(topic, {partitions: 1}).created) o.notice(`created topic ${topic}`)
    const group = `connect-${o.connector}`
    this.gc = new GroupConsumer(o.store, group, this.settings.topics, {
      sessionTimeoutMs: this.settings.sessionTimeoutMs,
      autoOffsetReset: 'earliest',
      clientId: `connector-consumer-${o.connector}-${o.taskId}`,
      include: this.settings.topicsRegex ?? undefined,
      exec: this.tracker(),
      commitIntervalMs: this.settings.commitIntervalMs,
      handOn: () => this.preCommit(),
      onNotice: o.notice,
      clock: o.clock,
      onAssignmentChange: (owned) => void this.assignmentChanged(owned),
    })
    await this.gc.start()
    this.setState(this.runningState)
    const consumer = this.gc.consumer
    let hadRecords = false
    while (!this.stopping) {
      if (this.paused) {
        await this.whilePaused(100)
        await this.gc.commit(false)
        continue
      }
      this.applyRewinds()
      const batch: FailedRecord[] = []
      // The partitions of the batch, each looked up once per run of its records (a key string per record was a tenth of the garbage).
      const partitions: string[] = []
      let last: Assignment | null = null
      consumer.poll((a: Assignment, r: RecordReader) => {
        // The record as it came, straight from the reader: no Record object between, no empty header list per record.
        batch.push({topic: a.topic, partition: a.partition, offset: r.offset, key: r.key(), value: r.value(), timestamp: r.timestamp, headers: r.headerCount === 0 ? NO_HEADERS : r.headers()})
        if (a !== last) {
          last = a
          const k = tpKey(a.topic, a.partition)
          if (!this.unhandled.has(k)) this.unhandled.set(k, r.offset)
          partitions.push(k)
        }
        return batch.length < MAX_POLL_RECORDS
      })
      if (batch.length > 0) {
        this.putting = this.deliver(batch, partitions)
        try {
          await this.putting
        } finally {
          this.putting = null
        }
      }
      await this.gc.commit(this.commitRequested)
      this.commitRequested = false
      // A read that ends at the consumer's buffer comes back empty once before the next buffer is read:
      // only a second empty poll in a row means there is nothing now (waiting there cost 100 ms per MiB).
      if (batch.length === 0 && !this.stopping) {
        if (hadRecords) await new Promise<void>((resolve) => setImmediate(resolve))
        else await consumer.waitForData(100)
      }
      hadRecords = batch.length > 0
    }
  }

  private async deliver(batch: FailedRecord[], partitions: readonly string[]): Promise<void> {
    const c = this.o.converters
    const records: SinkRecord[] = []
    const originals: FailedRecord[] = []
    let topic: string | null = null
    for (const raw of batch) {
      if (raw.topic !== topic) {
        topic = raw.topic
        this.o.onTopic?.(topic)
      }
      const e = this.o.errors
      const k = e.attemptCall('KEY_CONVERTER', c.keyClass, c.key.toConnectData, c.key, raw.topic, raw.key, undefined, raw)
      const key = k instanceof Promise ? await k : k
      let value: SchemaAndValue | undefined
      if (key !== undefined) {
        const v = e.attemptCall('VALUE_CONVERTER', c.valueClass, c.value.toConnectData, c.value, raw.topic, raw.value, undefined, raw)
        value = v instanceof Promise ? await v : v
      }
      // No headers (the common case): none made, the record makes its empty ones if asked.
      let headers: ConnectHeaders | null | undefined = null
      if (value !== undefined && raw.headers.length > 0) {
        const h = e.attemptCall('HEADER_CONVERTER', c.headerClass, this.headersOf, this, raw, undefined, undefined, raw)
        headers = h instanceof Promise ? await h : h
      }
      if (value === undefined || headers === undefined) continue
      const record = new SinkRecord({
        topic: raw.topic,
        kafkaPartition: raw.partition,
        kafkaOffset: raw.offset,
        keySchema: key!.schema,
        key: key!.value,
        valueSchema: value!.schema,
        value: value!.value,
        timestamp: raw.timestamp,
        timestampType: 'CreateTime',
        headers: headers ?? undefined,
      })
      // A record a transform dropped (or that failed one under errors.tolerance=all) is handled without a put.
      const transformed = this.o.transforms.isEmpty ? record : await this.transform(record, raw)
      if (transformed) {
        records.push(transformed)
        originals.push(raw)
      }
    }
    this.putRecords = records
    this.putOriginals = originals
    try {
      await this.putRetrying(records)
    } finally {
      this.putRecords = []
      this.putOriginals = []
    }
    // Every record of the batch is handled now: put, or skipped by the tolerance.
    for (const k of partitions) this.unhandled.delete(k)
  }

  /** put() again after a backoff while it throws a retriable error. */
  private async putRetrying(records: SinkRecord[]): Promise<void> {
    let backoff = PUT_BACKOFF_MS
    for (;;) {
      try {
        await this.task.put(records)
        return
      } catch (error) {
        if ((error as LogpipeError).retriable !== true || this.stopping) throw error
        this.o.notice(`task ${this.id}: put failed, will be retried: ${(error as Error).message}`)
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, backoff)
          this.wakeBackoff = () => {
            clearTimeout(t)
            resolve()
          }
        })
        backoff = Math.min(backoff * 2, this.o.taskProps['errors.retry.delay.max.ms'] ? Number(this.o.taskProps['errors.retry.delay.max.ms']) : 60_000)
      }
    }
  }

  /** A record the task made itself (not one it was given): back to bytes by the connector's converters, as Kafka does. */
  private rawOf(r: SinkRecord): FailedRecord {
    const c = this.o.converters
    const headers: RecordHeader[] = []
    for (const h of r.headers) headers.push({key: h.key, value: c.header.fromConnectHeader(r.topic, h.key, h.schema, h.value)})
    return {
      topic: r.topic,
      partition: r.kafkaPartition ?? 0,
      offset: r.kafkaOffset,
      key: c.key.fromConnectData(r.topic, r.keySchema, r.key),
      value: c.value.fromConnectData(r.topic, r.valueSchema, r.value),
      timestamp: r.timestamp ?? -1,
      headers,
    }
  }

  private headersOf(raw: FailedRecord): ConnectHeaders {
    const h = new ConnectHeaders()
    for (const {key, value} of raw.headers) {
      const sv = this.o.converters.header.toConnectHeader(raw.topic, key, value)
      h.add(key, sv.value, sv.schema)
    }
    return h
  }

  /** The task makes what it was given durable; the group then commits the positions handled. */
  private async preCommit(): Promise<void> {
    await this.putting
    const offsets: Offsets = new Map()
    for (const a of this.gc?.consumer.assignments ?? []) {
      const k = tpKey(a.topic, a.partition)
      offsets.set(k, {partition: {topic: a.topic, partition: a.partition}, offset: this.unhandled.get(k) ?? a.position})
    }
    this.holdBack.clear()
    const allowed = await this.task.preCommit(offsets)
    // A task may hold partitions back (not written yet): absent ones are not committed this time, lower offsets are taken as given.
    for (const [k, v] of offsets) {
      const ok = allowed.get(k)
      if (!ok) this.holdBack.set(k, null)
      else if (ok.offset < v.offset) this.holdBack.set(k, ok.offset)
    }
  }

  private async assignmentChanged(owned: TopicPartition[]): Promise<void> {
    const had = new Set(this.owned.map((t) => tpKey(t.topic, t.partition)))
    const now = new Set(owned.map((t) => tpKey(t.topic, t.partition)))
    const lost = this.owned.filter((t) => !now.has(tpKey(t.topic, t.partition)))
    const added = owned.filter((t) => !had.has(tpKey(t.topic, t.partition)))
    this.owned = owned.map((t) => ({topic: t.topic, partition: t.partition}))
    try {
      if (lost.length > 0) await this.task.close(lost)
      if (added.length > 0) await this.task.open(added)
    } catch (error) {
      this.o.notice(`task ${this.id}: open/close failed: ${(error as Error).message}`)
    }
  }

  private applyRewinds(): void {
    if (this.rewinds.size === 0 || !this.gc) return
    for (const [k, {offset}] of this.rewinds) {
      const a = this.gc.consumer.assignments.find((x) => tpKey(x.topic, x.partition) === k)
      if (a) this.gc.consumer.seek(a, {kind: 'absolute', offset})
    }
    this.rewinds.clear()
  }

  private setPaused(tps: TopicPartition[], paused: boolean): void {
    const keys = new Set(tps.map((t) => tpKey(t.topic, t.partition)))
    for (const a of this.gc?.consumer.assignments ?? []) if (keys.has(tpKey(a.topic, a.partition))) a.paused = paused
  }

  protected async cleanUp(clean: boolean): Promise<void> {
    try {
      if (this.gc) {
        if (clean) await this.gc.commit(true)
        // Leaving commits what was handled and flushed, never past the record that failed.
        await this.gc.close()
      }
    } finally {
      try {
        if (this.owned.length > 0) await this.task.close(this.owned)
      } finally {
        await this.task.stop()
        this.o.transforms.close()
        await this.o.errors.close()
      }
    }
  }

  override stop(): void {
    super.stop()
    this.wakeBackoff?.()
    this.gc?.consumer.interrupt()
  }
}
