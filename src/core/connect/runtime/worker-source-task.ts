/**
 * Runs one SourceTask (Kafka's WorkerSourceTask): poll, transform and convert each
 * record's key, value and headers, write them to their topics (created,
 * one partition, when missing), then stage each record's source offset.
 * Offsets are only staged once the records are written, and written to the
 * offset file every offset.flush.interval.ms and on a clean stop, after
 * which the task's commit() is called. A kill between two flushes sends the
 * records since the last flush again (at least once, as in Kafka).
 */
import {Admin} from '../../client/admin.js'
import type {Producer} from '../../client/producer.js'
import type {RecordHeader} from '../../record/header.js'
import type {SourceTask} from '../api/connector.js'
import type {SourceRecord} from '../api/connect-record.js'
import type {SourceOffsetStore} from './source-offset-store.js'
import {WorkerTask, type WorkerTaskOptions} from './worker-task.js'

const NO_RECORD_HEADERS: RecordHeader[] = []

export class WorkerSourceTask extends WorkerTask {
  private readonly producers = new Map<string, Producer>()
  private lastFlush: number
  private taskStopped = false

  constructor(
    o: WorkerTaskOptions,
    private readonly task: SourceTask,
    private readonly offsets: SourceOffsetStore,
    private readonly flushIntervalMs: number,
  ) {
    super(o)
    this.lastFlush = o.clock.now()
  }

  protected async execute(): Promise<void> {
    this.task.initialize({configs: this.o.taskProps, offsetStorageReader: this.offsets.readerFor(this.o.connector), log: (message) => this.o.notice(`task ${this.id}: ${message}`)})
    await this.task.start(this.o.taskProps)
    this.setState(this.runningState)
    while (!this.stopping) {
      if (this.paused) {
        await this.whilePaused(1000)
        if (this.o.clock.now() - this.lastFlush >= this.flushIntervalMs) await this.commitOffsets()
        continue
      }
      const records = await this.task.poll()
      // Records a poll returned as the pause came are written once it ends: nothing reaches a topic while PAUSED.
      while (this.paused && !this.stopping) await this.whilePaused(1000)
      // Records polled before a stop are still written, so their offsets can be committed.
      if (records && records.length > 0) await this.send(records)
      if (this.o.clock.now() - this.lastFlush >= this.flushIntervalMs) await this.commitOffsets()
    }
  }

  private async send(records: SourceRecord[]): Promise<void> {
    const c = this.o.converters
    const byTopic = new Map<string, {record: SourceRecord; out: Parameters<Producer['send']>[0][number] | null}[]>()
    const e = this.o.errors
    for (const polled of records) {
      // A record a transform dropped, or one that failed under errors.tolerance=all, is not written; its offset still counts as done.
      const record = this.o.transforms.isEmpty ? polled : await this.transform(polled)
      if (!record) {
        const list = byTopic.get(polled.topic) ?? []
        byTopic.set(polled.topic, list)
        list.push({record: polled, out: null})
        continue
      }
      const topic = record.topic
      // Each stage is a plain call unless it fails (then retries and tolerance decide, asynchronously).
      const k = e.attempt('KEY_CONVERTER', c.keyClass, () => c.key.fromConnectData(topic, record.keySchema, record.key))
      const key = k instanceof Promise ? await k : k
      let value: Buffer | null | undefined
      if (key !== undefined) {
        const v = e.attempt('VALUE_CONVERTER', c.valueClass, () => c.value.fromConnectData(topic, record.valueSchema, record.value))
        value = v instanceof Promise ? await v : v
      }
      let headers: RecordHeader[] | undefined
      if (value !== undefined) {
        const h = record.headers.size === 0 ? NO_RECORD_HEADERS : e.attempt('HEADER_CONVERTER', c.headerClass, () => this.headersOf(record))
        headers = h instanceof Promise ? await h : h
      }
      const list = byTopic.get(topic) ?? []
      byTopic.set(topic, list)
      // A record that failed conversion under errors.tolerance=all is skipped; its offset still counts as done.
      list.push({record: polled, out: headers === undefined ? null : {key: key ?? null, value: value ?? null, headers, timestamp: record.timestamp ?? undefined, partition: record.kafkaPartition ?? undefined}})
    }
    for (const [topic, list] of byTopic) {
      const toSend = list.filter((l) => l.out !== null)
      const metadata = toSend.length > 0 ? await (await this.producer(topic)).send(toSend.map((l) => l.out!)) : []
      let i = 0
      // Only the last offset of each run of one source partition is staged: the ones before it are superseded.
      let last: SourceRecord | null = null
      for (const l of list) {
        const m = l.out === null ? null : metadata[i++]
        if (last && l.record.sourcePartition !== last.sourcePartition) this.stage(last)
        last = l.record
        // The producer's RecordMetadata as it is: the same topic, partition and offset, without an object per record.
        const done = this.task.commitRecord(l.record, m)
        if (done instanceof Promise) await done
      }
      if (last) this.stage(last)
    }
  }

  private stage(r: SourceRecord): void {
    if (r.sourcePartition && r.sourceOffset) this.offsets.stage(this.o.connector, r.sourcePartition, r.sourceOffset)
  }

  private headersOf(record: SourceRecord): RecordHeader[] {
    const out: RecordHeader[] = []
    for (const h of record.headers) out.push({key: h.key, value: this.o.converters.header.fromConnectHeader(record.topic, h.key, h.schema, h.value)})
    return out
  }

  private async producer(topic: string): Promise<Producer> {
    let p = this.producers.get(topic)
    if (!p) {
      // Created on the files even beside a broker, as `topic create` does: the broker serves the same files.
      if (new Admin(this.o.store).createTopic(topic, {partitions: 1}).created) this.o.notice(`created topic ${topic}`)
      this.o.onTopic?.(topic)
      p = await this.o.writers.producer(topic)
      this.producers.set(topic, p)
    }
    return p
  }

  private async commitOffsets(): Promise<void> {
    this.lastFlush = this.o.clock.now()
    if (!this.offsets.dirty) return
    await this.offsets.flush()
    await this.task.commit()
  }

  protected async cleanUp(clean: boolean): Promise<void> {
    try {
      if (!this.taskStopped) {
        this.taskStopped = true
        await this.task.stop()
      }
    } finally {
      // Even a failed task's offsets are of records that were written.
      await this.offsets.flush()
      for (const p of this.producers.values()) await p.close()
      this.o.transforms.close()
      await this.o.errors.close()
      if (clean) await this.task.commit()
    }
  }

  override stop(): void {
    super.stop()
    if (this.taskStopped || this.state !== 'RUNNING') return
    this.taskStopped = true
    // Wakes a poll() that waits for data; Kafka calls stop() on another thread for the same reason.
    void Promise.resolve()
      .then(() => this.task.stop())
      .catch((error: unknown) => this.o.notice(`task ${this.id}: stop failed: ${(error as Error).message}`))
  }
}
