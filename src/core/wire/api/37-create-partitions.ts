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
    if (!request.validateOnly) {
      try {
        broker.store.updateTopic(t.name, (meta) => ({...meta, partitions: t.count}))
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
