/**
 * Metadata (key 3): the live brokers (from brokers/), and per topic its id
 * and partitions with leader, leader epoch, replicas and ISR. A
 * replicated topic's come from topic.json (replicas) and partition.json
 * (leader, epoch, ISR), with a leader that is not alive given as -1
 * (LEADER_NOT_AVAILABLE) and replicas of dead brokers as offline, so
 * clients fail over by themselves. Otherwise, with one replica per
 * partition, both lists hold the leader alone.
 *
 * A topic asked for that does not exist is created, as Kafka does with
 * auto.create.topics.enable (its default, true) when the request allows it
 * (v4+), with num.partitions and default.replication.factor; it is led at
 * once, so the answer already names its leader.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {topicExists} from '../../broker/topic-lookup.js'
import type {BrokerContext} from '../../broker/broker-context.js'
import {ErrorCode} from '../error-codes.js'
import {LogpipeError, UsageError} from '../../errors.js'
import {validateTopicName} from '../../store/names.js'
import type {TopicMeta} from '../../store/store.js'
import {type PartitionMeta, readPartitionMeta} from '../../store/partition-metadata.js'
import {metadata} from '../messages/03-metadata.js'
import type {ResponseInput} from '../schema.js'

type TopicAnswer = NonNullable<ResponseInput<typeof metadata>['topics']>[number]

const ZERO_UUID = '00000000-0000-0000-0000-000000000000'

export default defineHandler(metadata, async (request, ctx) => {
  const broker = ctx.broker
  const store = broker.store
  let names: {name: string | null; topicId: string}[]
  if (request.topics === null || (ctx.version === 0 && request.topics.length === 0)) {
    names = store.listTopics().map((name) => ({name, topicId: ZERO_UUID}))
  } else {
    names = request.topics.map((t) => ({name: t.name, topicId: t.topicId}))
  }
  const mayCreate = broker.config['auto.create.topics.enable'] && (ctx.version < 4 || request.allowAutoTopicCreation)
  const topics: TopicAnswer[] = []
  for (const asked of names) {
    const name = asked.name ?? topicNameById(broker, asked.topicId)
    if (name === null) {
      topics.push({errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: asked.topicId, partitions: []})
      continue
    }
    topics.push(await describeTopic(broker, name, mayCreate))
  }
  const brokers = broker.liveBrokers().map((b) => ({nodeId: b.id, host: b.host, port: b.port, rack: null}))
  return {
    throttleTimeMs: 0,
    brokers,
    clusterId: broker.clusterId,
    controllerId: broker.brokerId,
    topics,
  }
})

function topicNameById(broker: BrokerContext, id: string): string | null {
  for (const name of broker.store.listTopics()) {
    try {
      if (broker.store.readTopic(name).id === id) return name
    } catch {}
  }
  return null
}

async function describeTopic(broker: BrokerContext, name: string, mayCreate: boolean): Promise<TopicAnswer> {
  try {
    validateTopicName(name)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    return {errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name, partitions: []}
  }
  let meta: TopicMeta | null = readTopic(broker, name)
  if (meta === null && mayCreate) {
    try {
      broker.store.createTopic(name, broker.config['num.partitions'], broker.config['default.replication.factor'], {})
      broker.log.info(`created topic ${name} (auto.create.topics.enable) with ${broker.config['num.partitions']} partition(s)`)
    } catch (error) {
      if (!(error instanceof LogpipeError)) throw error
      broker.log.warn(`could not auto-create topic ${name}: ${error.message}`)
    }
    await broker.replicas.leadTopic(name)
    meta = readTopic(broker, name)
  }
  if (meta === null) return {errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: []}
  if (meta.replicas) return describeReplicated(broker, meta)
  const leaders = otherLeaders(broker)
  const partitions = []
  for (let p = 0; p < meta.partitions; p++) {
    const state = broker.replicas.get(name, p)
    const other = state ? undefined : leaders.get(`${name}\u0000${p}`)
    const leaderId = state ? broker.brokerId : (other?.id ?? -1)
    partitions.push({
      errorCode: leaderId < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: p,
      leaderId,
      leaderEpoch: state ? state.leaderEpoch : (other?.epoch ?? -1),
      replicaNodes: leaderId < 0 ? [] : [leaderId],
      isrNodes: leaderId < 0 ? [] : [leaderId],
      offlineReplicas: [],
    })
  }
  return {errorCode: ErrorCode.NONE, name, topicId: meta.id, isInternal: false, partitions}
}

function describeReplicated(broker: BrokerContext, meta: TopicMeta): TopicAnswer {
  const alive = new Set(broker.liveBrokers().map((b) => b.id))
  const partitions = []
  for (let p = 0; p < meta.partitions; p++) {
    const replicas = meta.replicas![p]
    let state: PartitionMeta | null = null
    try {
      state = readPartitionMeta(broker.store.partitionDir(meta.name, p))
    } catch (error) {
      if (!(error instanceof LogpipeError)) throw error
    }
    const leaderId = state !== null && state.leader >= 0 && alive.has(state.leader) ? state.leader : -1
    partitions.push({
      errorCode: leaderId < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: p,
      leaderId,
      leaderEpoch: state?.leaderEpoch ?? -1,
      replicaNodes: [...replicas],
      isrNodes: state ? state.isr.filter((id) => replicas.includes(id)) : [],
      offlineReplicas: replicas.filter((id) => !alive.has(id)),
    })
  }
  return {errorCode: ErrorCode.NONE, name: meta.name, topicId: meta.id, isInternal: false, partitions}
}

function readTopic(broker: BrokerContext, name: string): TopicMeta | null {
  if (!topicExists(broker.store, name)) return null
  try {
    return broker.store.readTopic(name)
  } catch (error) {
    if (error instanceof LogpipeError) return null
    throw error
  }
}

/** Partitions other live brokers say they lead (from their registrations). */
function otherLeaders(broker: BrokerContext): Map<string, {id: number; epoch: number}> {
  const out = new Map<string, {id: number; epoch: number}>()
  for (const b of broker.liveBrokers()) {
    if (b.id === broker.brokerId) continue
    for (const p of b.partitions) out.set(`${p.topic}\u0000${p.partition}`, {id: b.id, epoch: p.leaderEpoch})
  }
  return out
}
