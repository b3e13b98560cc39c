/**
 * DeleteTopics (key 20): topics deleted as `topic delete` deletes them
 * (their committed offsets too); the broker lets go of their partitions at
 * once. Refused with TOPIC_DELETION_DISABLED under delete.topic.enable=false.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {topicExists} from '../../broker/topic-lookup.js'
import type {BrokerContext} from '../../broker/broker-context.js'
import {LogpipeError} from '../../errors.js'
import {ErrorCode} from '../error-codes.js'
import {deleteTopics} from '../messages/20-delete-topics.js'

const ZERO_UUID = '00000000-0000-0000-0000-000000000000'

export default defineHandler(deleteTopics, async (request, ctx) => {
  const broker = ctx.broker
  const asked = ctx.version >= 6 ? request.topics.map((t) => ({name: t.name ?? nameById(broker, t.topicId), topicId: t.topicId})) : request.topicNames.map((name) => ({name, topicId: ZERO_UUID}))
  const responses = asked.map(({name, topicId}) => {
    if (name === null) return {name: null, topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: `no topic has id ${topicId}`}
    if (!broker.config['delete.topic.enable']) return {name, topicId, errorCode: ErrorCode.TOPIC_DELETION_DISABLED, errorMessage: 'delete.topic.enable is false'}
    try {
      if (!topicExists(broker.store, name) || !broker.store.deleteTopic(name)) {
        return {name, topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `no topic '${name}'`}
      }
    } catch (error) {
      if (!(error instanceof LogpipeError)) throw error
      return {name, topicId, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: error.message}
    }
    broker.log.info(`deleted topic ${name} (DeleteTopics)`)
    return {name, topicId, errorCode: ErrorCode.NONE, errorMessage: null}
  })
  // Let go of the deleted topics' partitions now rather than at the next scan.
  await broker.replicas.scan()
  return {throttleTimeMs: 0, responses}
})

function nameById(broker: BrokerContext, id: string): string | null {
  for (const name of broker.store.listTopics()) {
    try {
      if (broker.store.readTopic(name).id === id) return name
    } catch {}
  }
  return null
}
