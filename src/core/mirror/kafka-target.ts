/**
 * A Kafka-protocol server as the mirror's target (a logpipe broker or a
 * Kafka cluster), through our client: InitProducerId hands this run its
 * producer id, the mirror stamps sequences from 0 per partition, and the
 * batches go out in Produce (acks=-1) as they were sealed, so a batch the
 * client retries after a lost answer is acknowledged by the broker without
 * being written twice. The batches a crashed run left are counted with
 * Fetch from the committed target offset to the high watermark.
 */
import {LogpipeError} from '../errors.js'
import * as L from '../record/batch-layout.js'
import {ErrorCode, kafkaError} from '../wire/error-codes.js'
import {fetch} from '../wire/messages/01-fetch.js'
import {listOffsets} from '../wire/messages/02-list-offsets.js'
import {initProducerId} from '../wire/messages/22-init-producer-id.js'
import {KafkaClient, parseBootstrapServers} from '../client/kafka-client.js'
import {ProduceSender} from '../client/produce-sender.js'
import {WireAdmin} from '../client/wire-admin.js'
import {type EnsureOutcome, MIRRORED_CONFIGS, type MirrorTarget, type TopicShape} from './mirror-target.js'
import type {ProducerIdentity} from './producer-stamp.js'

/** Kafka's default message.max.bytes (1 MiB plus the batch overhead Kafka allows on top). */
const DEFAULT_MAX_BATCH_BYTES = 1_048_588
const LATEST = -1n

export class KafkaTarget implements MirrorTarget {
  private readonly admin: WireAdmin
  private readonly sender: ProduceSender
  private readonly maxBytes = new Map<string, number>()

  private constructor(
    private readonly client: KafkaClient,
    readonly identity: ProducerIdentity,
  ) {
    this.admin = new WireAdmin(client)
    this.sender = new ProduceSender(client, {acks: -1})
  }

  static async open(servers: string, what = '--to'): Promise<KafkaTarget> {
    const client = await KafkaClient.connect({bootstrap: parseBootstrapServers(servers, what), clientId: 'logpipe-mirror'})
    try {
      const r = await client.retrying(async () => {
        const {response} = await client.request('any', initProducerId, () => ({transactionalId: null, transactionTimeoutMs: 60_000}))
        if (response.errorCode !== ErrorCode.NONE) throw kafkaError(response.errorCode, 'InitProducerId')
        return response
      })
      return new KafkaTarget(client, {producerId: Number(r.producerId), producerEpoch: r.producerEpoch})
    } catch (error) {
      client.close()
      throw error
    }
  }

  async ensureTopic(topic: string, shape: TopicShape): Promise<EnsureOutcome> {
    const outcome = await this.makeTopic(topic, shape)
    await this.learnLimits(topic)
    return outcome
  }

  private async makeTopic(topic: string, shape: TopicShape): Promise<EnsureOutcome> {
    if (!(await this.admin.topicExists(topic))) {
      const config: Record<string, string> = {}
      for (const key of MIRRORED_CONFIGS) if (shape.config[key] !== undefined) config[key] = String(shape.config[key])
      if (await this.admin.createTopic({name: topic, partitions: shape.partitions, config}, true)) {
        await this.waitForLeaders(topic, shape.partitions)
        return 'created'
      }
    }
    const meta = await this.admin.describeTopic(topic)
    if (meta.partitions.length >= shape.partitions) return 'exists'
    await this.admin.alterTopic(topic, {partitions: shape.partitions})
    this.client.invalidate()
    await this.waitForLeaders(topic, shape.partitions)
    return 'grown'
  }

  /** A new topic's partitions may have no leader for a moment (Kafka's controller elects them). */
  private async waitForLeaders(topic: string, partitions: number): Promise<void> {
    await this.client.retrying(async () => {
      this.client.invalidate()
      for (let p = 0; p < partitions; p++) await this.client.leaderOf(topic, p)
    })
  }

  maxBatchBytes(topic: string): number {
    return this.maxBytes.get(topic) ?? DEFAULT_MAX_BATCH_BYTES
  }

  /** Reads the topic's max.message.bytes once, so the mirror's batches fit. */
  private async learnLimits(topic: string): Promise<void> {
    if (this.maxBytes.has(topic)) return
    const {all} = await this.admin.topicConfigs(topic)
    const n = Number(all['max.message.bytes'])
    this.maxBytes.set(topic, Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_MAX_BATCH_BYTES)
  }

  async endOffset(topic: string, partition: number): Promise<number> {
    return this.client.retrying(async () => {
      const leader = await this.client.leaderOf(topic, partition)
      const {response} = await this.client.request(leader, listOffsets, () => ({
        replicaId: -1,
        isolationLevel: 0,
        topics: [{name: topic, partitions: [{partitionIndex: partition, currentLeaderEpoch: -1, timestamp: LATEST, maxNumOffsets: 1}]}],
      }))
      const p = response.topics[0]?.partitions[0]
      if (!p) throw new LogpipeError(`the broker did not answer ListOffsets for topic '${topic}' partition ${partition}`, {retriable: true})
      if (p.errorCode !== ErrorCode.NONE) throw kafkaError(p.errorCode, `topic '${topic}' partition ${partition}`)
      return Number(p.offset >= 0n ? p.offset : (p.oldStyleOffsets[0] ?? 0n))
    })
  }

  async write(topic: string, partition: number, batch: Buffer): Promise<{baseOffset: number; lastOffset: number}> {
    const [baseOffset] = await this.sender.send([{topic, partition, bytes: batch}])
    return {baseOffset, lastOffset: baseOffset + batch.readInt32BE(L.LAST_OFFSET_DELTA_OFFSET)}
  }

  async recordsOf(topic: string, partition: number, from: number, producerId: number): Promise<number> {
    const end = await this.endOffset(topic, partition)
    let offset = from
    let records = 0
    while (offset < end) {
      const leader = await this.client.leaderOf(topic, partition)
      const {response} = await this.client.request(leader, fetch, () => ({
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 8 << 20,
        isolationLevel: 0,
        topics: [{topic, partitions: [{partition, fetchOffset: BigInt(offset), currentLeaderEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 8 << 20}]}],
      }))
      const p = response.responses[0]?.partitions[0]
      if (!p) throw new LogpipeError(`the broker did not answer a Fetch of topic '${topic}' partition ${partition}`)
      if (p.errorCode !== ErrorCode.NONE) throw kafkaError(p.errorCode, `topic '${topic}' partition ${partition}`)
      const b = p.records
      let moved = false
      for (let pos = 0; b && pos + L.RECORDS_OFFSET <= b.length; ) {
        const size = b.readInt32BE(pos + L.LENGTH_OFFSET) + L.LOG_OVERHEAD
        if (size < L.RECORDS_OFFSET || pos + size > b.length) break
        const base = L.readInt64(b, pos + L.BASE_OFFSET_OFFSET)
        const last = base + b.readInt32BE(pos + L.LAST_OFFSET_DELTA_OFFSET)
        if (last >= offset) {
          if (base >= from && L.readInt64(b, pos + L.PRODUCER_ID_OFFSET) === producerId) records += b.readInt32BE(pos + L.RECORDS_COUNT_OFFSET)
          offset = last + 1
          moved = true
        }
        pos += size
      }
      if (!moved) break
    }
    return records
  }

  async idle(): Promise<void> {}

  async close(): Promise<void> {
    this.client.close()
  }
}
