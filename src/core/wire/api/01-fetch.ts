/**
 * Fetch (key 1), v4+: whole batches from each partition's fetch offset,
 * read from the segment files (one copy, out of the shared read buffer)
 * and handed to the encoder by reference.
 *
 * Limits as Kafka applies them: `partitionMaxBytes` per partition and
 * `maxBytes` for the response, except that the first batch of the first
 * partition with data goes whole even when larger, so a consumer with a
 * small limit still moves on. With less than `minBytes` ready the request
 * waits up to `maxWaitMs`, woken by an append to any partition it asked
 * for (or by the broker stopping).
 *
 * A follower's fetch (replicaId >= 0) reads up to the log end, and tells
 * the leader where the follower's log ends (its fetch offset: ISR and high
 * watermark, isr.ts). A consumer's reads only up to the high watermark:
 * what every in-sync replica has, so a record it sees never vanishes in a
 * failover. Between the high watermark and the log end it gets nothing
 * yet, not OFFSET_OUT_OF_RANGE.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {topicExists} from '../../broker/topic-lookup.js'
import type {BrokerContext} from '../../broker/broker-context.js'
import {epochErrorCode} from '../../broker/partition-state.js'
import {type FetchContext, NO_SESSION, type PartitionOutcome, fetchSessionsOf} from '../../broker/fetch-session-cache.js'
import {ErrorCode} from '../error-codes.js'
import {fetch} from '../messages/01-fetch.js'
import type {ResponseInput} from '../schema.js'

type TopicAnswer = NonNullable<ResponseInput<typeof fetch>['responses']>[number]
type PartitionAnswer = NonNullable<TopicAnswer['partitions']>[number]

/** No records is an empty set, not null: librdkafka reads a null set (size -1) as a parse failure. */
const NO_RECORDS = Buffer.alloc(0)

interface Wanted {
  topic: string
  partition: number
  offset: number
  maxBytes: number
  currentLeaderEpoch: number
}

export default defineHandler(fetch, async (request, ctx) => {
  const broker = ctx.broker
  // v7+ (KIP-227): the partitions come from the request, or from its incremental session.
  const context = fetchSessionsOf(broker).newContext(request)
  if (context.kind === 'error') return {throttleTimeMs: 0, errorCode: ErrorCode[context.errorCode], sessionId: 0, responses: []}
  const wanted: Wanted[] = context.wanted.map((p) => ({topic: p.topic, partition: p.partition, offset: p.fetchOffset, maxBytes: p.maxBytes, currentLeaderEpoch: p.currentLeaderEpoch}))
  const follower = request.replicaId >= 0 ? request.replicaId : null
  if (follower !== null) for (const w of wanted) broker.replicas.get(w.topic, w.partition)?.recordFollowerFetch(follower, w.offset)
  const deadline = Date.now() + Math.max(0, request.maxWaitMs)
  for (;;) {
    const {answers, bytes} = readAll(broker, wanted, request.maxBytes, follower)
    const remaining = deadline - Date.now()
    const anyError = answers.some((a) => a.answer.errorCode !== ErrorCode.NONE)
    if (bytes >= Math.max(1, request.minBytes) || remaining <= 0 || anyError || broker.stopping.aborted) return respond(answers, context)
    await waitForAppend(broker, wanted, remaining)
  }
})

/** What the session remembers of an answer: whether it changed since the client last heard. */
function outcome({topic, answer}: {topic: string; answer: PartitionAnswer}): PartitionOutcome {
  return {topic, partition: answer.partitionIndex ?? -1, errorCode: answer.errorCode ?? 0, highWatermark: Number(answer.highWatermark), logStartOffset: Number(answer.logStartOffset ?? -1n), recordBytes: answer.records?.length ?? 0}
}

function respond(all: {topic: string; answer: PartitionAnswer}[], context: Exclude<FetchContext, {kind: 'error'}>): ResponseInput<typeof fetch> {
  let answers = all
  let sessionId = NO_SESSION
  if (context.kind === 'full' && context.session) {
    context.session.tookFull(all.map(outcome))
    sessionId = context.session.id
  } else if (context.kind === 'incremental') {
    // Partitions the client already knows the state of are left out of the answer.
    answers = context.session.selectIncremental(all.map(outcome)).map((i) => all[i])
    sessionId = context.session.id
  }
  const responses: TopicAnswer[] = []
  let current: TopicAnswer | null = null
  for (const {topic, answer} of answers) {
    // Kafka groups consecutive partitions of one topic; the request's order is kept.
    if (current === null || current.topic !== topic) {
      current = {topic, partitions: []}
      responses.push(current)
    }
    current.partitions!.push(answer)
  }
  return {throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId, responses}
}

/** `follower`: the replica id of a follower's fetch, null for a consumer's. */
function readAll(broker: BrokerContext, wanted: Wanted[], maxBytes: number, follower: number | null) {
  const answers: {topic: string; answer: PartitionAnswer}[] = []
  let bytes = 0
  for (const w of wanted) {
    const state = broker.replicas.get(w.topic, w.partition)
    if (!state) {
      answers.push({topic: w.topic, answer: failed(w.partition, topicExists(broker.store, w.topic) ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)})
      continue
    }
    const epochError = epochErrorCode(state.checkLeaderEpoch(w.currentLeaderEpoch))
    const hw = state.highWatermark
    const end = state.logEndOffset
    const limit = follower !== null ? end : hw
    const start = state.logStartOffset()
    if (epochError !== ErrorCode.NONE) {
      answers.push({topic: w.topic, answer: failed(w.partition, epochError, hw, start)})
      continue
    }
    if (w.offset < start || w.offset > end) {
      answers.push({topic: w.topic, answer: failed(w.partition, ErrorCode.OFFSET_OUT_OF_RANGE, hw, start)})
      continue
    }
    // The response limit, but never less than one whole batch for the first partition with data.
    const room = Math.min(w.maxBytes, bytes === 0 ? Math.max(maxBytes, 1) : maxBytes - bytes)
    const records = room > 0 && w.offset < limit ? (follower !== null ? broker.replicas.readForFollower(state, follower, w.offset, room) : state.read(w.offset, room, limit)) : null
    if (records) bytes += records.length
    answers.push({
      topic: w.topic,
      answer: {
        partitionIndex: w.partition,
        errorCode: ErrorCode.NONE,
        highWatermark: BigInt(hw),
        lastStableOffset: BigInt(hw),
        logStartOffset: BigInt(start),
        abortedTransactions: null,
        preferredReadReplica: -1,
        records: records ?? NO_RECORDS,
      },
    })
  }
  return {answers, bytes}
}

function failed(partition: number, errorCode: number, hw = -1, start = -1): PartitionAnswer {
  return {
    partitionIndex: partition,
    errorCode,
    highWatermark: BigInt(hw),
    lastStableOffset: BigInt(hw),
    logStartOffset: BigInt(start),
    abortedTransactions: null,
    records: NO_RECORDS,
  }
}

/** Resolves at the first append to any of the partitions, the timeout, or the broker stopping. */
function waitForAppend(broker: BrokerContext, wanted: Wanted[], timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const cancels: (() => void)[] = []
    let done = false
    const finish = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      broker.stopping.removeEventListener('abort', finish)
      for (const c of cancels) c()
      resolve()
    }
    const timer = setTimeout(finish, timeoutMs)
    broker.stopping.addEventListener('abort', finish)
    for (const w of wanted) {
      const state = broker.replicas.get(w.topic, w.partition)
      if (state) cancels.push(state.onAppend(finish))
    }
  })
}
