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
import type {Producer, ProducerRecord} from '../../client/producer.js'
import type {RecordHeader} from '../../record/header.js'
import type {SourceTask} from '../api/connector.js'
import type {SourceRecord} from '../api/connect-record.js'
import type {WrittenRecordMetadata} from '../api/connector.js'
import {LedByBrokerError} from '../../errors.js'
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
    const e = this.o.errors
    // Per topic, in poll order: the records (each offset counts as done once written, or dropped) and what is sent for them
    // (null for a record a transform dropped, or one that failed under errors.tolerance=all). One topic is the common case.
    const byTopic = new Map<string, {records: SourceRecord[]; out: (ProducerRecord | null)[]}>()
    for (const polled of records) {
      const record = this.o.transforms.isEmpty ? polled : await this.transform(polled)
      let out: ProducerRecord | null = null
      if (record) {
        const topic = record.topic
        // Each stage is a plain call unless it fails (then retries and tolerance decide, asynchronously).
        const k = e.attemptCall('KEY_CONVERTER', c.keyClass, c.key.fromConnectData, c.key, topic, record.keySchema, record.key)
        const key = k instanceof Promise ? await k : k
        let value: Buffer | null | undefined
        if (key !== undefined) {
          const v = e.attemptCall('VALUE_CONVERTER', c.valueClass, c.value.fromConnectData, c.value, topic, record.valueSchema, record.value)
          value = v instanceof Promise ? await v : v
        }
        let headers: RecordHeader[] | undefined
        if (value !== undefined) {
          const h = record.hasHeaders ? e.attemptCall('HEADER_CONVERTER', c.headerClass, this.headersOf, this, record, undefined, undefined) : NO_RECORD_HEADERS
          headers = h instanceof Promise ? await h : h
        }
        if (headers !== undefined) out = {key: key ?? null, value: value ?? null, headers, timestamp: record.timestamp ?? undefined, partition: record.kafkaPartition ?? undefined}
      }
      const topic = record ? record.topic : polled.topic
      let list = byTopic.get(topic)
      if (!list) byTopic.set(topic, (list = {records: [], out: []}))
      list.records.push(polled)
      list.out.push(out)
    }
    for (const [topic, list] of byTopic) {
      const toSend: ProducerRecord[] = []
      for (const o of list.out) if (o !== null) toSend.push(o)
      const metadata = toSend.length > 0 ? await this.write(topic, toSend) : []
      let i = 0
      // Only the last offset of each run of one source partition is staged: the ones before it are superseded.
      let last: SourceRecord | null = null
      for (let j = 0; j < list.records.length; j++) {
        const r = list.records[j]
        const m = list.out[j] === null ? null : metadata[i++]
        if (last && r.sourcePartition !== last.sourcePartition) this.stage(last)
        last = r
        // The producer's RecordMetadata as it is: the same topic, partition and offset, without an object per record.
        const done = this.task.commitRecord(r, m)
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

  /**
   * The records into their topic. A broker started on the data dir since
   * the producer was made leads the partition now: the producer is made
   * again, through it, and the records sent again (at least once: those of
   * the failed send that were written before are there twice).
   */
  private async write(topic: string, records: ProducerRecord[]): Promise<WrittenRecordMetadata[]> {
    try {
      return await (await this.producer(topic)).send(records)
    } catch (error) {
      if (!(error instanceof LedByBrokerError)) throw error
      const stale = this.producers.get(topic)
      this.producers.delete(topic)
      await stale?.close().catch(() => undefined)
      const p = await this.producer(topic)
      if (!this.o.writers.throughBroker) throw error
      this.o.notice(`task ${this.id}: ${error.message}; writing through it from now on`)
      return p.send(records)
    }
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
