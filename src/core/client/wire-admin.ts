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
import type {KafkaClient, TopicMetadata} from './kafka-client.js'

export interface NewTopic {
  name: string
  partitions: number
  /** -1: the broker's default. */
  replicationFactor?: number
  config?: Record<string, string>
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
