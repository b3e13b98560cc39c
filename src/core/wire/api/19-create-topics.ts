/**
 * CreateTopics (key 19): topics made in the store as `topic create` makes
 * them, then led at once. -1 partitions or replication factor (v4+) take
 * num.partitions and default.replication.factor; a replication factor
 * above the live brokers is refused as Kafka refuses it; configs are
 * checked as `--config` is. validateOnly checks without creating. A
 * factor above 1 makes a replicated topic, its replicas spread over the
 * live brokers as `topic create --replication-factor` spreads them.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {topicExists} from '../../broker/topic-lookup.js'
import type {BrokerContext} from '../../broker/broker-context.js'
import {topicConfigEntries} from '../../broker/config-entries.js'
import {LogpipeError, UsageError} from '../../errors.js'
import {type ConfigOverrides, checkConfigValue} from '../../log/log-config.js'
import {validateTopicName} from '../../store/names.js'
import {assignReplicas} from '../../store/replica-assignment.js'
import {MAX_PARTITIONS} from '../../store/store.js'
import {ErrorCode} from '../error-codes.js'
import {createTopics} from '../messages/19-create-topics.js'
import type {RequestOf} from '../schema.js'

type Asked = RequestOf<typeof createTopics>['topics'][number]

const ZERO_UUID = '00000000-0000-0000-0000-000000000000'

export default defineHandler(createTopics, async (request, ctx) => {
  const broker = ctx.broker
  const topics = []
  for (const t of request.topics) {
    const r = create(broker, t, request.validateOnly)
    if (r.errorCode === ErrorCode.NONE && !request.validateOnly) await broker.replicas.leadTopic(t.name)
    topics.push(r)
  }
  return {throttleTimeMs: 0, topics}
})

function create(broker: BrokerContext, t: Asked, validateOnly: boolean) {
  const fail = (errorCode: number, errorMessage: string) => ({name: t.name, topicId: ZERO_UUID, errorCode, errorMessage, configs: null})
  try {
    validateTopicName(t.name)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, error.message)
  }
  const partitions = t.assignments.length > 0 ? t.assignments.length : t.numPartitions === -1 ? broker.config['num.partitions'] : t.numPartitions
  const replication = t.assignments.length > 0 ? t.assignments[0].brokerIds.length : t.replicationFactor === -1 ? broker.config['default.replication.factor'] : t.replicationFactor
  if (partitions < 1 || partitions > MAX_PARTITIONS) return fail(ErrorCode.INVALID_PARTITIONS, `number of partitions must be between 1 and ${MAX_PARTITIONS}, not ${partitions}`)
  const live = broker.liveBrokers().length
  if (replication < 1 || replication > live) {
    return fail(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor: ${replication} larger than available brokers: ${live}`)
  }
  const config: ConfigOverrides = {}
  for (const c of t.configs) {
    if (c.value === null) continue
    const checked = checkConfigValue(c.name, c.value)
    if ('problem' in checked) return fail(ErrorCode.INVALID_CONFIG, checked.problem)
    ;(config as Record<string, number | string>)[c.name] = checked.value
  }
  if (topicExists(broker.store, t.name)) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `topic '${t.name}' already exists`)
  let id = ZERO_UUID
  if (!validateOnly) {
    let meta
    try {
      // As `topic create`: a factor above 1 is spread over the live brokers (Kafka's placement, or the request's own).
      const replicas = replication > 1 ? (t.assignments.length > 0 ? [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex).map((a) => [...a.brokerIds]) : assignReplicas(partitions, replication, broker.liveBrokers().map((b) => b.id))) : undefined
      meta = broker.store.createTopic(t.name, partitions, replication, config, replicas)
    } catch (error) {
      if (!(error instanceof LogpipeError)) throw error
      return fail(ErrorCode.INVALID_REQUEST, error.message)
    }
    if (meta === null) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `topic '${t.name}' already exists`)
    id = meta.id
    broker.log.info(`created topic ${t.name} with ${partitions} partition(s) (CreateTopics)`)
  }
  return {
    name: t.name,
    topicId: id,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    numPartitions: partitions,
    replicationFactor: replication,
    configs: topicConfigEntries(config).map((e) => ({name: e.name, value: e.value, readOnly: e.readOnly, configSource: e.configSource, isSensitive: e.isSensitive})),
  }
}
