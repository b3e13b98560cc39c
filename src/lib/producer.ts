/**
 * kafkajs's Producer over the store: `send` and `sendBatch` hand the
 * messages to one fast-layer Producer per topic (and codec), which writes
 * them under the partition's lock and tells each call its offsets; the
 * answer is kafkajs's, one RecordMetadata per partition written.
 */
import {TopicWriters} from '../core/client/topic-writers.js'
import {Producer as LogProducer, type ProducerRecord as LogProducerRecord} from '../core/client/producer.js'
import {COMPRESSION_NAMES, parseCompression} from '../core/record/compression.js'
import {NotFoundError, UsageError} from '../core/errors.js'
import type {Store} from '../core/store/store.js'
import {validateTopicName} from '../core/store/names.js'
import {type ClientContext, Connection} from './context.js'
import {InstrumentationEmitter, type InstrumentationEvent, type RemoveInstrumentationEventListener} from './events.js'
import {headersToRecord} from './headers.js'
import {DefaultPartitioner, type ICustomPartitioner, storePartitionMetadata} from './partitioners.js'
import type {Compression, CompressionType, Message, ProducerBatch, ProducerRecord, RecordMetadata} from './types.js'

export interface ProducerConfig {
  /** kafkajs's partitioner interface; DefaultPartitioner (murmur2, as Java) when left out. */
  createPartitioner?: ICustomPartitioner
  /** Create a missing topic (one partition) on send, as a Kafka broker does by default. Default true. */
  allowAutoTopicCreation?: boolean
  /** Accepted: every record is written once under the partition's lock, so a send never duplicates. */
  idempotent?: boolean
  /** Not supported: logpipe has no transactions yet. */
  transactionalId?: string
  maxInFlightRequests?: number
  transactionTimeout?: number
  /** Largest batch in bytes (batch.size). */
  batchBytes?: number
  /** fsync each batch before send resolves. */
  fsync?: boolean
}

export const PRODUCER_EVENTS = {CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect'} as const

export class Producer {
  readonly events = PRODUCER_EVENTS
  private readonly connection: Connection
  private readonly emitter: InstrumentationEmitter
  private readonly partitioner: ReturnType<ICustomPartitioner>
  private readonly writers = new Map<string, LogProducer>()
  /** Files, or the data dir's broker while one runs: it holds the locks of the partitions it leads. */
  private topicWriters: TopicWriters | null = null

  /** @internal Made by Logpipe.producer(). */
  constructor(
    private readonly context: ClientContext,
    private readonly config: ProducerConfig = {},
  ) {
    if (config.transactionalId !== undefined) {
      throw new UsageError('transactions are not supported by logpipe yet', {hint: 'leave transactionalId out; each send is written once (idempotent)'})
    }
    this.connection = new Connection(context, 'producer')
    this.emitter = new InstrumentationEmitter(Object.values(PRODUCER_EVENTS), (e) => context.logger.error(`event listener failed: ${(e as Error).message}`))
    this.partitioner = (config.createPartitioner ?? DefaultPartitioner)()
  }

  on(event: (typeof PRODUCER_EVENTS)[keyof typeof PRODUCER_EVENTS], listener: (event: InstrumentationEvent<null>) => void): RemoveInstrumentationEventListener {
    return this.emitter.on(event, listener)
  }

  async connect(): Promise<void> {
    this.connection.connect()
    this.emitter.emit(PRODUCER_EVENTS.CONNECT, null)
  }

  /** Writes the messages; resolves once they are in the log, with one RecordMetadata per partition written. */
  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    const store = this.connection.require('send')
    return this.sendTo(store, record.topic, record.messages, record.compression, record.acks)
  }

  /** send() for several topics at once; the answers in the order of topicMessages. */
  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    const store = this.connection.require('sendBatch')
    if (!Array.isArray(batch?.topicMessages)) throw new UsageError('sendBatch: topicMessages must be a list of {topic, messages}')
    const results = await Promise.all(batch.topicMessages.map((tm) => this.sendTo(store, tm.topic, tm.messages, batch.compression, batch.acks)))
    return results.flat()
  }

  async disconnect(): Promise<void> {
    const writers = [...this.writers.values()]
    this.writers.clear()
    const results = await Promise.allSettled(writers.map((w) => w.close()))
    this.topicWriters?.close()
    this.topicWriters = null
    this.connection.disconnect()
    this.emitter.emit(PRODUCER_EVENTS.DISCONNECT, null)
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) throw (failed as PromiseRejectedResult).reason
  }

  /** Not supported: logpipe has no transactions yet. */
  async transaction(): Promise<never> {
    throw new UsageError('transactions are not supported by logpipe yet')
  }

  private async sendTo(store: Store, topic: string, messages: Message[], compression: Compression | CompressionType | undefined, acks: number | undefined): Promise<RecordMetadata[]> {
    if (typeof topic !== 'string') throw new UsageError(`send: topic must be a string, not ${JSON.stringify(topic)}`)
    validateTopicName(topic)
    if (!Array.isArray(messages)) throw new UsageError(`send: invalid messages array ${JSON.stringify(messages)} for topic '${topic}'`)
    if (acks !== undefined && acks !== -1 && acks !== 0 && acks !== 1) throw new UsageError(`send: acks must be -1, 0 or 1, not ${acks}`)
    const codec = codecOf(compression)
    if (messages.length === 0) return []
    this.ensureTopic(store, topic)
    const writer = await this.writer(store, topic, codec)
    const partitionMetadata = storePartitionMetadata(writer.partitions)
    const records: LogProducerRecord[] = messages.map((m, i) => {
      if (m === null || typeof m !== 'object') throw new UsageError(`send: message ${i} of topic '${topic}' is not an object`)
      if (m.value === undefined) throw new UsageError(`send: message ${i} of topic '${topic}' has no value (use null for a tombstone)`)
      checkBytes(m.value, `message ${i} value`)
      if (m.key !== undefined && m.key !== null) checkBytes(m.key, `message ${i} key`)
      return {
        key: m.key ?? null,
        value: m.value,
        headers: headersToRecord(m.headers),
        partition: this.partitioner({topic, partitionMetadata, message: m}),
        timestamp: timestampOf(m.timestamp, i),
      }
    })
    let sent
    try {
      sent = await writer.send(records)
    } catch (error) {
      // A producer that failed stays failed; the next send starts afresh (a lock may be free by then).
      if (this.writers.get(writerKey(topic, codec)) === writer) this.writers.delete(writerKey(topic, codec))
      void writer.close().catch(() => {})
      throw error
    }
    const first = new Map<number, number>()
    for (const m of sent) if (!first.has(m.partition) || m.offset < first.get(m.partition)!) first.set(m.partition, m.offset)
    return [...first].sort((a, b) => a[0] - b[0]).map(([partition, baseOffset]) => ({
      topicName: topic,
      partition,
      errorCode: 0,
      baseOffset: String(baseOffset),
      logAppendTime: '-1',
      logStartOffset: String(logStart(store, topic, partition)),
    }))
  }

  private ensureTopic(store: Store, topic: string): void {
    if (store.topicExists(topic)) return
    if (this.config.allowAutoTopicCreation === false) {
      throw new NotFoundError(`topic '${topic}' does not exist`, {hint: 'create it with admin.createTopics(), or allow allowAutoTopicCreation'})
    }
    store.createTopic(topic, 1, 1, {})
  }

  private async writer(store: Store, topic: string, codec: number): Promise<LogProducer> {
    const key = writerKey(topic, codec)
    let w = this.writers.get(key)
    if (!w) {
      this.topicWriters ??= new TopicWriters(store, {onNotice: this.context.notice})
      w = await this.topicWriters.producer(topic, {compression: codec, batchBytes: this.config.batchBytes, fsync: this.config.fsync})
      // Two sends may have made one at once: the first stays, the other is dropped unused.
      const first = this.writers.get(key)
      if (first) {
        void w.close().catch(() => {})
        return first
      }
      this.writers.set(key, w)
    }
    return w
  }
}

const writerKey = (topic: string, codec: number) => `${codec}:${topic}`

function codecOf(c: Compression | CompressionType | undefined): number {
  if (c === undefined) return 0
  if (typeof c === 'number') {
    const name = COMPRESSION_NAMES[c]
    if (name === undefined) throw new UsageError(`unknown compression type ${c}`, {hint: 'use CompressionTypes.None, GZIP, Snappy, LZ4 or ZSTD'})
    return parseCompression(name)
  }
  return parseCompression(c)
}

function checkBytes(v: unknown, what: string): void {
  if (v !== null && typeof v !== 'string' && !Buffer.isBuffer(v)) throw new UsageError(`send: ${what} must be a string, a Buffer or null`)
}

function timestampOf(t: string | number | undefined, i: number): number | undefined {
  if (t === undefined || t === null) return undefined
  const n = typeof t === 'string' && /^-?\d+$/.test(t) ? Number(t) : t
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new UsageError(`send: message ${i} timestamp ${JSON.stringify(t)} is not milliseconds since the epoch`)
  return n
}

function logStart(store: Store, topic: string, partition: number): number {
  const reader = store.openReader(topic, partition)
  try {
    return reader.logStartOffset()
  } finally {
    reader.close()
  }
}

