/**
 * OffsetForLeaderEpoch (key 23): where a leader epoch ended, from the
 * partition's leader-epoch-checkpoint (Kafka's `endOffsetFor`): the start
 * of the next epoch, or the log end for the current one; an epoch above
 * every known one is UNDEFINED (-1, -1). A follower or consumer that saw an
 * older leader truncates there.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {topicExists} from '../../broker/topic-lookup.js'
import {epochErrorCode} from '../../broker/partition-state.js'
import {ErrorCode} from '../error-codes.js'
import {offsetForLeaderEpoch} from '../messages/23-offset-for-leader-epoch.js'

export default defineHandler(offsetForLeaderEpoch, (request, ctx) => {
  const broker = ctx.broker
  const topics = request.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p) => {
      const state = broker.replicas.get(t.topic, p.partition)
      const none = {partition: p.partition, leaderEpoch: -1, endOffset: -1n}
      if (!state) return {...none, errorCode: topicExists(broker.store, t.topic) ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}
      const epochError = epochErrorCode(state.checkLeaderEpoch(p.currentLeaderEpoch))
      if (epochError !== ErrorCode.NONE) return {...none, errorCode: epochError}
      const answer = state.endOffsetForEpoch(p.leaderEpoch)
      return {partition: p.partition, errorCode: ErrorCode.NONE, leaderEpoch: answer.epoch, endOffset: BigInt(answer.endOffset)}
    }),
  }))
  return {throttleTimeMs: 0, topics}
})
