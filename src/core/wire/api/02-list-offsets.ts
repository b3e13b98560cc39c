/**
 * ListOffsets (key 2): per partition, the offset for a timestamp: -2 the
 * log start (earliest), -1 the high watermark (latest), else the first
 * offset whose record timestamp is at or after it (through the time
 * index), or -1 when none is. v4+ also names the leader epoch of the
 * offset found. v7 adds -3 (KIP-734): the first record carrying the
 * largest timestamp, with that timestamp, or -1/-1 for a log without one.
 * An older version asking -3 gets UNSUPPORTED_VERSION, as Kafka's client
 * would refuse to send it.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {topicExists} from '../../broker/topic-lookup.js'
import {epochErrorCode} from '../../broker/partition-state.js'
import {ErrorCode} from '../error-codes.js'
import {listOffsets} from '../messages/02-list-offsets.js'

const LATEST = -1n
const EARLIEST = -2n
const MAX_TIMESTAMP = -3n
const FIRST_MAX_TIMESTAMP_VERSION = 7

export default defineHandler(
  listOffsets,
  (request, ctx) => {
    const broker = ctx.broker
    const topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const state = broker.replicas.get(t.name, p.partitionIndex)
        const base = {partitionIndex: p.partitionIndex, oldStyleOffsets: [] as bigint[], timestamp: -1n, offset: -1n, leaderEpoch: -1}
        if (!state) {
          return {...base, errorCode: topicExists(broker.store, t.name) ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}
        }
        const epochError = epochErrorCode(state.checkLeaderEpoch(p.currentLeaderEpoch))
        if (epochError !== ErrorCode.NONE) return {...base, errorCode: epochError}
        let offset: number
        let timestamp = -1n
        if (p.timestamp === LATEST) offset = state.highWatermark
        else if (p.timestamp === EARLIEST) offset = state.logStartOffset()
        else if (p.timestamp < 0n && (p.timestamp !== MAX_TIMESTAMP || ctx.version < FIRST_MAX_TIMESTAMP_VERSION)) {
          return {...base, errorCode: ErrorCode.UNSUPPORTED_VERSION}
        } else {
          const found = p.timestamp === MAX_TIMESTAMP ? state.maxTimestampRecord() : state.offsetForTimestamp(Number(p.timestamp))
          if (found === null) return {...base, errorCode: ErrorCode.NONE}
          offset = found.offset
          timestamp = BigInt(found.timestamp)
        }
        return {
          ...base,
          errorCode: ErrorCode.NONE,
          oldStyleOffsets: [BigInt(offset)],
          timestamp,
          offset: BigInt(offset),
          leaderEpoch: state.epochAt(offset),
        }
      }),
    }))
    return {throttleTimeMs: 0, topics}
  },
)
