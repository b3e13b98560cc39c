/**
 * CreatePartitions (key 37): a topic's partition count raised, as `topic
 * alter --partitions` raises it; the new partitions are led at once. A
 * count that does not grow is INVALID_PARTITIONS, as in Kafka.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {topicExists} from '../../broker/topic-lookup.js'
import {LogpipeError} from '../../errors.js'
import {MAX_PARTITIONS} from '../../store/store.js'
import {ErrorCode} from '../error-codes.js'
import {createPartitions} from '../messages/37-create-partitions.js'
import {assignAddedPartitions, checkAssignment} from '../../store/replica-assignment.js'
import {liveBrokerIds} from '../../broker/registry.js'

export default defineHandler(createPartitions, async (request, ctx) => {
  const broker = ctx.broker
  const results = []
  for (const t of request.topics) {
    if (!topicExists(broker.store, t.name)) {
      results.push({name: t.name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `no topic '${t.name}'`})
      continue
    }
    let current: number
    try {
      current = broker.store.readTopic(t.name).partitions
    } catch (error) {
      if (!(error instanceof LogpipeError)) throw error
      results.push({name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: error.message})
      continue
    }
    if (t.count <= current || t.count > MAX_PARTITIONS) {
      const why = t.count <= current ? `topic currently has ${current} partitions, which is higher than or equal to the requested ${t.count}` : `at most ${MAX_PARTITIONS} partitions`
      results.push({name: t.name, errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: why})
      continue
    }
    const replicas = broker.store.readTopic(t.name).replicas
    if (replicas && t.assignments) {
      const checked = t.assignments.length === t.count - current ? checkAssignment([...replicas, ...t.assignments.map((a) => a.brokerIds)], t.count, replicas[0].length) : 'one assignment per new partition is needed'
      if (typeof checked === 'string') {
        results.push({name: t.name, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: checked})
        continue
      }
    }
    if (!request.validateOnly) {
      try {
        broker.store.updateTopic(t.name, (meta) => {
          if (!meta.replicas) return {...meta, partitions: t.count}
          // A replicated topic's new partitions: the assignment the request gives, else Kafka's placement over the live brokers.
          const added = t.assignments ? t.assignments.map((a) => [...a.brokerIds]) : assignAddedPartitions(meta.replicas, t.count, liveBrokerIds(broker.store.dataDir))
          return {...meta, partitions: t.count, replicas: [...meta.replicas, ...added]}
        })
      } catch (error) {
        if (!(error instanceof LogpipeError)) throw error
        results.push({name: t.name, errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: error.message})
        continue
      }
      broker.log.info(`topic ${t.name} now has ${t.count} partitions (CreatePartitions)`)
      await broker.replicas.leadTopic(t.name)
    }
    results.push({name: t.name, errorCode: ErrorCode.NONE, errorMessage: null})
  }
  return {throttleTimeMs: 0, results}
})
