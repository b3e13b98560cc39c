/**
 * ElectLeaders (key 43): `topic elect-leaders` over the wire, the same
 * elections (broker/elect-leaders.ts: a request file the partition's
 * brokers act on, then partition.json watched until it names the leader),
 * answered per partition as Kafka answers: NONE once elected,
 * ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE,
 * ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION, or
 * REQUEST_TIMED_OUT after the request's timeout.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {type ElectionOutcome, type ElectionTarget, electLeaders as runElections, electionTargets} from '../../broker/elect-leaders.js'
import type {ElectionType} from '../../broker/election-request.js'
import {ErrorCode, errorInfo} from '../error-codes.js'
import {electLeaders} from '../messages/43-elect-leaders.js'

const TYPES: Record<number, ElectionType> = {0: 'preferred', 1: 'unclean'}

export default defineHandler(electLeaders, async (request, ctx) => {
  const type = TYPES[request.electionType]
  if (type === undefined) return {throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, replicaElectionResults: []}
  const store = ctx.broker.store
  const targets: ElectionTarget[] =
    request.topicPartitions === null ? electionTargets(store) : request.topicPartitions.flatMap((t) => t.partitions.map((partition) => ({topic: t.topic, partition})))
  const outcomes = await runElections(store, type, targets, {timeoutMs: Math.max(0, request.timeoutMs)})
  const byTopic = new Map<string, ElectionOutcome[]>()
  for (const o of outcomes) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o])
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    replicaElectionResults: [...byTopic].map(([topic, os]) => ({
      topic,
      partitionResult: os.map((o) => {
        if (o.result === 'elected') return {partitionId: o.partition, errorCode: ErrorCode.NONE, errorMessage: null}
        if (o.result === 'not-needed') return {partitionId: o.partition, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: `broker ${o.leader} leads it already`}
        return {partitionId: o.partition, errorCode: o.errorCode, errorMessage: o.error || errorInfo(o.errorCode).message}
      }),
    })),
  }
})
