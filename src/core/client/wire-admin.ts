/**
 * Topic administration through a broker (CreateTopics, DeleteTopics,
 * Metadata), for the commands when they go through one and for `mirror`.
 * A server's error becomes the error the file path raises for the same
 * case (an unknown topic is NotFoundError, an existing one a
 * TopicExistsError-like LogpipeError), so output and exit codes match.
 */
import {LogpipeError, NotFoundError} from '../errors.js'
import {ErrorCode, kafkaError} from '../wire/error-codes.js'
import {createTopics} from '../wire/messages/19-create-topics.js'
import {deleteTopics} from '../wire/messages/20-delete-topics.js'
import {describeConfigs} from '../wire/messages/32-describe-configs.js'
import {createPartitions} from '../wire/messages/37-create-partitions.js'
import {incrementalAlterConfigs} from '../wire/messages/44-incremental-alter-configs.js'
import {listOffsets} from '../wire/messages/02-list-offsets.js'
import type {KafkaClient, TopicMetadata} from './kafka-client.js'

export interface NewTopic {
  name: string
  partitions: number
  /** -1: the broker's default. */
  replicationFactor?: number
  config?: Record<string, string>
}

/** Kafka's ConfigResource type for a topic, and the config sources that are a topic's own overrides. */
const TOPIC_RESOURCE = 2
const DYNAMIC_TOPIC_CONFIG = 1
const OP_SET = 0
const OP_DELETE = 1

/** A topic as a broker describes it: what Metadata, DescribeConfigs and ListOffsets tell. */
export interface RemoteTopicDescription {
  topic: string
  id: string
  replicationFactor: number
  /** The topic's own overrides (configSource DYNAMIC_TOPIC_CONFIG). */
  config: Record<string, string>
  /** Every setting the broker reports, overrides and defaults. */
  effectiveConfig: Record<string, string | null>
  partitions: Array<{partition: number; leader: number; replicas: number[]; isr: number[]; logStartOffset: number; logEndOffset: number}>
}

export class WireAdmin {
  constructor(private readonly client: KafkaClient) {}

  /** The topic's metadata, or NotFoundError as the file path says it. */
  async describeTopic(name: string): Promise<TopicMetadata> {
    const t = (await this.client.metadata([name])).topics.get(name)
    if (!t || t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw notFound(name)
    if (t.errorCode !== ErrorCode.NONE) throw kafkaError(t.errorCode, `topic '${name}'`)
    return t
  }

  /** Whether the topic exists, by Metadata. */
  async topicExists(name: string): Promise<boolean> {
    const t = (await this.client.metadata([name])).topics.get(name)
    return t !== undefined && t.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
  }

  /** Every topic's name, sorted. */
  async listTopics(): Promise<string[]> {
    const m = await this.client.metadata(null)
    return [...m.topics.values()].filter((t) => !t.isInternal).map((t) => t.name).sort()
  }

  /** Creates a topic; `ifNotExists` makes an existing one no error. Resolves whether it was created. */
  async createTopic(topic: NewTopic, ifNotExists = false): Promise<boolean> {
    const {response} = await this.client.request('any', createTopics, () => ({
      topics: [
        {
          name: topic.name,
          numPartitions: topic.partitions,
          replicationFactor: topic.replicationFactor ?? -1,
          assignments: [],
          configs: Object.entries(topic.config ?? {}).map(([name, value]) => ({name, value})),
        },
      ],
      timeoutMs: 30_000,
    }))
    const r = response.topics.find((t) => t.name === topic.name)
    if (!r) throw new LogpipeError(`the broker did not answer for topic '${topic.name}'`)
    if (r.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) {
      if (ifNotExists) return false
      throw new LogpipeError(`topic '${topic.name}' already exists`, {hint: 'pick another name, or delete it first with `logpipe topic delete`'})
    }
    if (r.errorCode !== ErrorCode.NONE) throw kafkaError(r.errorCode, r.errorMessage ?? `topic '${topic.name}'`)
    // The broker answers once it made the topic; its metadata may lag a moment behind (Kafka's does).
    this.client.invalidate()
    return true
  }

  /** The topic's configs: its overrides and everything in force. */
  async topicConfigs(name: string): Promise<{overrides: Record<string, string>; all: Record<string, string | null>}> {
    const {response} = await this.client.request('any', describeConfigs, () => ({
      resources: [{resourceType: TOPIC_RESOURCE, resourceName: name, configurationKeys: null}],
      includeSynonyms: false,
      includeDocumentation: false,
    }))
    const r = response.results[0]
    if (!r) throw new LogpipeError(`the broker did not answer DescribeConfigs for topic '${name}'`)
    if (r.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw notFound(name)
    if (r.errorCode !== ErrorCode.NONE) throw kafkaError(r.errorCode, r.errorMessage ?? `topic '${name}'`)
    const overrides: Record<string, string> = {}
    const all: Record<string, string | null> = {}
    for (const c of r.configs) {
      all[c.name] = c.value
      if (c.configSource === DYNAMIC_TOPIC_CONFIG && c.value !== null) overrides[c.name] = c.value
    }
    return {overrides, all}
  }

  /** Partitions (leader, replicas, ISR, log start and end by ListOffsets) and configs. */
  async describe(name: string): Promise<RemoteTopicDescription> {
    const t = await this.describeTopic(name)
    const configs = await this.topicConfigs(name)
    const bounds = new Map<number, {start: number; end: number}>()
    const byLeader = new Map<number, number[]>()
    for (const p of t.partitions) if (p.leader >= 0) byLeader.set(p.leader, [...(byLeader.get(p.leader) ?? []), p.partition])
    for (const [leader, ps] of byLeader) {
      for (const [which, timestamp] of [['start', -2n], ['end', -1n]] as const) {
        const {response} = await this.client.request(leader, listOffsets, () => ({replicaId: -1, isolationLevel: 0, topics: [{name, partitions: ps.map((p) => ({partitionIndex: p, timestamp}))}]}))
        for (const p of response.topics[0]?.partitions ?? []) {
          if (p.errorCode !== ErrorCode.NONE) continue
          const b = bounds.get(p.partitionIndex) ?? {start: -1, end: -1}
          b[which] = Number(p.offset)
          bounds.set(p.partitionIndex, b)
        }
      }
    }
    return {
      topic: name,
      id: t.topicId,
      replicationFactor: t.partitions[0]?.replicas.length ?? 0,
      config: configs.overrides,
      effectiveConfig: configs.all,
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        leader: p.leader,
        replicas: p.replicas,
        isr: p.isr,
        logStartOffset: bounds.get(p.partition)?.start ?? -1,
        logEndOffset: bounds.get(p.partition)?.end ?? -1,
      })),
    }
  }

  /** Grows the partition count (CreatePartitions) and sets or deletes overrides (IncrementalAlterConfigs). */
  async alterTopic(name: string, change: {partitions?: number; set?: Record<string, string>; delete?: string[]}): Promise<void> {
    if (change.partitions !== undefined) {
      const {response} = await this.client.request('any', createPartitions, () => ({topics: [{name, count: change.partitions!, assignments: null}], timeoutMs: 30_000, validateOnly: false}))
      const r = response.results[0]
      if (r?.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw notFound(name)
      if (r && r.errorCode !== ErrorCode.NONE) throw kafkaError(r.errorCode, r.errorMessage ?? `topic '${name}'`)
    }
    const configs = [
      ...Object.entries(change.set ?? {}).map(([k, value]) => ({name: k, configOperation: OP_SET, value})),
      ...(change.delete ?? []).map((k) => ({name: k, configOperation: OP_DELETE, value: null})),
    ]
    if (configs.length > 0) {
      const {response} = await this.client.request('any', incrementalAlterConfigs, () => ({resources: [{resourceType: TOPIC_RESOURCE, resourceName: name, configs}], validateOnly: false}))
      const r = response.responses[0]
      if (r?.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw notFound(name)
      if (r && r.errorCode !== ErrorCode.NONE) throw kafkaError(r.errorCode, r.errorMessage ?? `topic '${name}'`)
    }
    this.client.invalidate()
  }

  async deleteTopic(name: string): Promise<void> {
    const {response} = await this.client.request('any', deleteTopics, () => ({topicNames: [name], topics: [{name, topicId: '00000000-0000-0000-0000-000000000000'}], timeoutMs: 30_000}))
    const r = response.responses[0]
    if (!r) throw new LogpipeError(`the broker did not answer for topic '${name}'`)
    if (r.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw notFound(name)
    if (r.errorCode !== ErrorCode.NONE) throw kafkaError(r.errorCode, r.errorMessage ?? `topic '${name}'`)
    this.client.invalidate()
  }
}

function notFound(topic: string): NotFoundError {
  return new NotFoundError(`topic '${topic}' does not exist`, {hint: `create it with \`logpipe topic create ${topic}\` or produce with --create`})
}
