/**
 * Sends finished RecordBatches to the leaders of their partitions in
 * Produce requests, as they are (the bytes the BatchBuilder sealed, no
 * re-encoding): one request per leader per round, at most one batch per
 * partition in a request (Kafka refuses a second v2 batch of a partition
 * in one request).
 *
 * Up to `max.in.flight.requests.per.connection` rounds go out before the
 * first is answered, as Kafka's producer pipelines them: one request at a
 * time left the broker idle while its answer waited for the client, and
 * the client while the broker wrote (a 1 MB batch each way per round
 * trip). A connection's requests are written, handled and answered in
 * order (Kafka's broker and ours append them as they come), so a
 * partition's batches land in order. When one fails, the batches of its
 * partition behind it in the same flight go again after it, in order;
 * with idempotence the broker refused them (OUT_OF_ORDER_SEQUENCE_NUMBER)
 * or, if it had them, answers their retry as duplicates. Without
 * idempotence one round is in flight unless the setting says more, since
 * a retried batch could then land after a later one (Kafka's producer
 * has the same caveat).
 *
 * acks as Kafka's: 0 sends without an answer (no offsets known), 1 waits
 * for the leader, -1 for every in-sync replica (the broker decides what
 * that is). With idempotence the sender first asks InitProducerId for a
 * producer id and epoch, and `stamp` gives each batch its first sequence
 * number as it is sealed: a batch retried after a lost answer carries the
 * same sequence, so the broker acknowledges it without writing it twice.
 *
 * A partition answered with a retriable error (NOT_LEADER_OR_FOLLOWER,
 * UNKNOWN_TOPIC_OR_PARTITION, ...), or whose request failed with the
 * connection, is sent again after the client refreshed its metadata,
 * `retries` times at most; other partitions of the round are done.
 */
import {KafkaProtocolError, LogpipeError} from '../errors.js'
import type {ProducerStamp} from '../record/record-batch.js'
import {ErrorCode, kafkaError} from '../wire/error-codes.js'
import {initProducerId} from '../wire/messages/22-init-producer-id.js'
import {produce} from '../wire/messages/00-produce.js'
import {MAX_IN_FLIGHT_IDEMPOTENT} from './client-config.js'
import {isRetriable, type KafkaClient} from './kafka-client.js'

export type Acks = 0 | 1 | -1

export interface ProduceSenderOptions {
  acks?: Acks
  /** How long the broker may wait for replicas under acks=-1 (the request's timeoutMs; default 30 s). */
  timeoutMs?: number
  /** enable.idempotence: producer id, epoch and sequences, so retries never duplicate. */
  idempotent?: boolean
  /** Tries of a batch after its first (default 5). */
  retries?: number
  retryBackoffMs?: number
  /** metadata.max.age.ms: a topic's partition count is asked for again this often (default 5 min, as Kafka's). */
  metadataMaxAgeMs?: number
  /** max.in.flight.requests.per.connection: rounds sent before the first is answered (default 5 with idempotence, else 1). */
  maxInFlight?: number
}

export interface OutgoingBatch {
  topic: string
  partition: number
  /** A whole RecordBatch v2 (one or more, concatenated), CRC done. */
  bytes: Buffer
}

export class ProduceSender {
  private readonly client: KafkaClient
  private readonly options: ProduceSenderOptions
  private producer: {id: number; epoch: number} | null = null
  private readonly sequences = new Map<string, number>()
  /** When each topic's partition count was last asked for; forgotten when an answer said the metadata is stale. */
  private readonly countedAt = new Map<string, number>()

  constructor(client: KafkaClient, options: ProduceSenderOptions = {}) {
    this.client = client
    this.options = options
  }

  get acks(): Acks {
    return this.options.acks ?? -1
  }

  /**
   * The topic's partition count once its metadata is older than
   * metadata.max.age.ms, or after an answer (UNKNOWN_TOPIC_OR_PARTITION,
   * NOT_LEADER_OR_FOLLOWER, ...) made it stale, as Kafka's producer
   * refreshes; null while the last count still holds. So a producer
   * notices partitions added while it runs, and keys spread over them.
   */
  async partitionsIfStale(topic: string): Promise<number | null> {
    const now = Date.now()
    const at = this.countedAt.get(topic)
    if (at === undefined) {
      this.countedAt.set(topic, now)
      return null
    }
    if (now - at < (this.options.metadataMaxAgeMs ?? 300_000)) return null
    this.countedAt.set(topic, now)
    const t = (await this.client.retrying(() => this.client.metadata([topic]))).topics.get(topic)
    return t && t.errorCode === ErrorCode.NONE ? t.partitions.length : null
  }

  /** With idempotence: asks for a producer id once, before the first batch is sealed. */
  async init(): Promise<void> {
    if (!this.options.idempotent || this.producer) return
    const r = await this.client.retrying(async () => {
      const {response} = await this.client.request('any', initProducerId, () => ({transactionalId: null, transactionTimeoutMs: 60_000}))
      if (response.errorCode !== ErrorCode.NONE) throw kafkaError(response.errorCode, 'InitProducerId')
      return response
    })
    this.producer = {id: Number(r.producerId), epoch: r.producerEpoch}
  }

  /** The producer fields for the next batch of `count` records to a partition (undefined without idempotence); the sequence moves on by `count`. */
  stamp(topic: string, partition: number, count: number): ProducerStamp | undefined {
    if (!this.producer) return undefined
    const key = `${partition}\0${topic}`
    const baseSequence = this.sequences.get(key) ?? 0
    // Sequences wrap at 2^31 as Kafka's do.
    this.sequences.set(key, (baseSequence + count) % 0x8000_0000)
    return {producerId: this.producer.id, producerEpoch: this.producer.epoch, baseSequence}
  }

  /** Rounds sent before the first is answered. */
  get maxInFlight(): number {
    return this.options.maxInFlight ?? (this.options.idempotent ? MAX_IN_FLIGHT_IDEMPOTENT : 1)
  }

  /**
   * Sends the batches and resolves with each one's base offset, in the
   * order given (-1 each under acks=0). Batches of one partition go in
   * the order given, one per round, up to maxInFlight rounds at once.
   */
  async send(batches: readonly OutgoingBatch[]): Promise<number[]> {
    const offsets = new Array<number>(batches.length).fill(-1)
    // Per partition, the indexes of its batches still to send, in order.
    const queues = new Map<string, number[]>()
    for (let i = 0; i < batches.length; i++) {
      const key = partitionKey(batches[i])
      const q = queues.get(key)
      if (q) q.push(i)
      else queues.set(key, [i])
    }
    const tries = new Map<number, number>()
    let backoff = this.options.retryBackoffMs ?? 100
    while (queues.size > 0) {
      const failed = new Map<number, Error>()
      // Leaders first, so that every round's requests are written in round order below.
      const leaders = new Map<string, number>()
      for (const [key, q] of queues) {
        const b = batches[q[0]]
        try {
          leaders.set(key, await this.client.leaderOf(b.topic, b.partition))
        } catch (error) {
          failed.set(q[0], error as Error)
        }
      }
      let depth = 0
      for (const [key, q] of queues) if (leaders.has(key)) depth = Math.max(depth, Math.min(q.length, this.maxInFlight))
      const rounds: number[][] = []
      for (let r = 0; r < depth; r++) {
        const round: number[] = []
        for (const [key, q] of queues) if (leaders.has(key) && r < q.length) round.push(q[r])
        rounds.push(round)
      }
      const answers = await Promise.all(rounds.map((round) => this.sendRound(batches, round, leaders, offsets)))
      for (const a of answers) for (const [i, error] of a) failed.set(i, error)
      for (const [key, q] of queues) {
        // A partition without a known leader sent nothing: its first batch holds the error.
        const sent = leaders.has(key) ? Math.min(q.length, this.maxInFlight) : 1
        // What did not land goes again, in its order, ahead of what was not sent yet.
        const again: number[] = []
        for (let k = 0; k < sent; k++) {
          const error = failed.get(q[k])
          if (!error) continue
          // Refused because one ahead of it in the same flight did not land: not a try of its own.
          const behindAFailure = again.length > 0 && error instanceof KafkaProtocolError && error.code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER
          if (!behindAFailure) {
            const n = (tries.get(q[k]) ?? 0) + 1
            if (!isRetriable(error) || n > (this.options.retries ?? 5)) throw error
            tries.set(q[k], n)
          }
          again.push(q[k])
        }
        const next = again.concat(q.slice(sent))
        if (next.length === 0) queues.delete(key)
        else queues.set(key, next)
      }
      if (failed.size > 0) {
        this.client.invalidate()
        // The next look at a partition count asks the broker, whatever its age.
        for (const i of failed.keys()) this.countedAt.set(batches[i].topic, -Infinity)
        await new Promise((resolve) => setTimeout(resolve, backoff))
        backoff = Math.min(backoff * 2, 1000)
      }
    }
    return offsets
  }

  /** One request per leader for these batches (one per partition); the errors of those that did not land. */
  private async sendRound(batches: readonly OutgoingBatch[], round: number[], leaders: Map<string, number>, offsets: number[]): Promise<Map<number, Error>> {
    const failed = new Map<number, Error>()
    const byLeader = new Map<number, number[]>()
    for (const i of round) {
      const leader = leaders.get(partitionKey(batches[i]))!
      const list = byLeader.get(leader)
      if (list) list.push(i)
      else byLeader.set(leader, [i])
    }
    await Promise.all(
      [...byLeader].map(async ([leader, indexes]) => {
        const topicData = new Map<string, Array<{index: number; records: Buffer}>>()
        for (const i of indexes) {
          const list = topicData.get(batches[i].topic) ?? []
          list.push({index: batches[i].partition, records: batches[i].bytes})
          topicData.set(batches[i].topic, list)
        }
        const body = () => ({
          transactionalId: null,
          acks: this.acks,
          timeoutMs: this.options.timeoutMs ?? 30_000,
          topicData: [...topicData].map(([name, partitionData]) => ({name, partitionData})),
        })
        try {
          if (this.acks === 0) {
            await this.client.send(leader, produce, body)
            return
          }
          const {response} = await this.client.request(leader, produce, body)
          for (const i of indexes) {
            const b = batches[i]
            const answer = response.responses.find((t) => t.name === b.topic)?.partitionResponses.find((p) => p.index === b.partition)
            if (!answer) failed.set(i, new LogpipeError(`the broker did not answer for topic '${b.topic}' partition ${b.partition}`, {retriable: true}))
            else if (answer.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) offsets[i] = Number(answer.baseOffset)
            else if (answer.errorCode !== ErrorCode.NONE) failed.set(i, kafkaError(answer.errorCode, answer.errorMessage ?? `topic '${b.topic}' partition ${b.partition}`))
            else offsets[i] = Number(answer.baseOffset)
          }
        } catch (error) {
          for (const i of indexes) failed.set(i, error as Error)
        }
      }),
    )
    return failed
  }
}

function partitionKey(b: OutgoingBatch): string {
  return `${b.partition}\0${b.topic}`
}
