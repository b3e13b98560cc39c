/**
 * kafkajs's Admin over the store: topics through the fast layer's topic
 * Admin, groups through GroupAdmin (the code behind `logpipe group ...`),
 * with kafkajs's arguments and answers (offsets as strings, '-1' for none).
 */
import {hostname} from 'node:os'
import {Admin as TopicAdmin} from '../core/client/admin.js'
import {GroupAdmin} from '../core/group/group-admin.js'
import {ensureGroup} from '../core/group/group-member.js'
import {DeleteGroupsError, LogpipeError, NotFoundError, UsageError} from '../core/errors.js'
import {ErrorCode} from '../core/wire/error-codes.js'

/** Kafka's error codes for a group delete that was refused, from the one error table. */
export const GROUP_ERROR_CODES = {NON_EMPTY_GROUP: ErrorCode.NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND: ErrorCode.GROUP_ID_NOT_FOUND} as const
import {type ConfigOverrides, type LogConfig, parseConfigValue} from '../core/log/log-config.js'
import {MAX_PARTITIONS, type Store} from '../core/store/store.js'
import {validateGroupName, validateTopicName} from '../core/store/names.js'
import {AssignerProtocol} from './assigner-protocol.js'
import {type ClientContext, Connection} from './context.js'
import {type PartitionMetadata, storePartitionMetadata} from './partitioners.js'
import type {ITopicConfig, MemberAssignment} from './types.js'

export interface PartitionOffsets {
  partition: number
  /** The log end offset, as `high`. */
  offset: string
  high: string
  low: string
}

export interface GroupOffsets {
  topic: string
  partitions: Array<{partition: number; offset: string; metadata: string | null}>
}

export interface MemberDescription {
  memberId: string
  clientId: string
  clientHost: string
  /** Kafka's consumer protocol; AssignerProtocol.MemberMetadata.decode reads it. */
  memberMetadata: Buffer
  /** AssignerProtocol.MemberAssignment.decode reads it. */
  memberAssignment: Buffer
}

export interface GroupDescription {
  errorCode: number
  groupId: string
  members: MemberDescription[]
  protocol: string
  protocolType: string
  /** Stable, PreparingRebalance, Empty (no members, offsets kept) or Dead (no such group). */
  state: string
}

export interface ITopicMetadata {
  name: string
  partitions: PartitionMetadata[]
}

export class Admin {
  private readonly connection: Connection

  /** @internal Made by Logpipe.admin(). */
  constructor(private readonly context: ClientContext) {
    this.connection = new Connection(context, 'admin')
  }

  async connect(): Promise<void> {
    this.connection.connect()
  }

  async disconnect(): Promise<void> {
    this.connection.disconnect()
  }

  private topics(call: string): TopicAdmin {
    return new TopicAdmin(this.connection.require(call))
  }

  private groups(call: string): GroupAdmin {
    return new GroupAdmin(this.connection.require(call), {onNotice: this.context.notice})
  }

  /** Creates the topics; false when one of them existed already (the others are created), as kafkajs. */
  async createTopics({topics, validateOnly}: {topics: ITopicConfig[]; validateOnly?: boolean; waitForLeaders?: boolean; timeout?: number}): Promise<boolean> {
    const admin = this.topics('createTopics')
    if (!Array.isArray(topics) || topics.length === 0) throw new UsageError('admin.createTopics(): topics must be a non-empty list of {topic, numPartitions?, configEntries?}')
    const names = topics.map((t) => t?.topic)
    const dup = names.find((n, i) => names.indexOf(n) !== i)
    if (dup !== undefined) throw new UsageError(`admin.createTopics(): topic '${dup}' is named twice`)
    const plans = topics.map((t) => ({topic: validateTopicName(t.topic), ...topicSettings(t)}))
    if (validateOnly) return plans.every((p) => !admin.store.topicExists(p.topic))
    let all = true
    for (const p of plans) all = admin.createTopic(p.topic, {partitions: p.partitions, replicationFactor: p.replicationFactor, config: p.config}).created && all
    return all
  }

  /** Deletes the topics and every group's offsets for them; a topic that is not there is a NotFoundError (after the others are deleted). */
  async deleteTopics({topics}: {topics: string[]; timeout?: number}): Promise<void> {
    const admin = this.topics('deleteTopics')
    if (!Array.isArray(topics)) throw new UsageError('admin.deleteTopics(): topics must be a list of names')
    const missing = topics.filter((t) => !admin.deleteTopic(t, {ifExists: true}))
    if (missing.length > 0) throw new NotFoundError(`topic${missing.length > 1 ? 's' : ''} ${missing.map((t) => `'${t}'`).join(', ')} do${missing.length > 1 ? '' : 'es'} not exist`)
  }

  /** Grows topics to `count` partitions each. */
  async createPartitions({topicPartitions, validateOnly}: {topicPartitions: Array<{topic: string; count: number}>; validateOnly?: boolean; timeout?: number}): Promise<boolean> {
    const admin = this.topics('createPartitions')
    for (const {topic, count} of topicPartitions) {
      const now = admin.store.readTopic(topic).partitions
      if (!Number.isInteger(count) || count <= now || count > MAX_PARTITIONS) {
        throw new UsageError(`admin.createPartitions(): topic '${topic}' has ${now} partitions; count must be more than that and at most ${MAX_PARTITIONS}, not ${count}`)
      }
    }
    if (!validateOnly) for (const {topic, count} of topicPartitions) admin.alterTopic(topic, {partitions: count})
    return true
  }

  async listTopics(): Promise<string[]> {
    return this.connection.require('listTopics').listTopics()
  }

  /** Partitions of the topics (all when left out); the store leads every partition as node 0. */
  async fetchTopicMetadata({topics}: {topics?: string[]} = {}): Promise<{topics: ITopicMetadata[]}> {
    const store = this.connection.require('fetchTopicMetadata')
    const names = topics ?? store.listTopics()
    return {topics: names.map((name) => ({name, partitions: storePartitionMetadata(store.readTopic(name).partitions)}))}
  }

  /** Per partition: the log end (`offset` and `high`) and start (`low`). */
  async fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const store = this.connection.require('fetchTopicOffsets')
    return eachPartition(store, topic, (r, partition) => {
      const high = String(r.logEndOffset())
      return {partition, offset: high, high, low: String(r.logStartOffset())}
    })
  }

  /** Per partition, the first offset whose record is at or after `timestamp` (the log end when none is); without a timestamp, the log start. */
  async fetchTopicOffsetsByTimestamp(topic: string, timestamp?: number): Promise<Array<{partition: number; offset: string}>> {
    const store = this.connection.require('fetchTopicOffsetsByTimestamp')
    return eachPartition(store, topic, (r, partition) => ({partition, offset: String(timestamp === undefined ? r.logStartOffset() : r.offsetForTimestamp(timestamp))}))
  }

  /** The group's committed offsets ('-1' where none), for the topics given or every topic it has offsets for. */
  async fetchOffsets({groupId, topics}: {groupId: string; topics?: string[]; resolveOffsets?: boolean}): Promise<GroupOffsets[]> {
    const rows = this.groups('fetchOffsets').committedOffsets(groupId, topics)
    const out = new Map<string, GroupOffsets>()
    for (const row of rows) {
      const entry = out.get(row.topic) ?? {topic: row.topic, partitions: []}
      entry.partitions.push({partition: row.partition, offset: String(row.offset ?? -1), metadata: null})
      out.set(row.topic, entry)
    }
    return [...out.values()]
  }

  /** Moves the group's offsets of every partition of the topic to its start (earliest) or end; refused while the group has live members. */
  async resetOffsets({groupId, topic, earliest = false}: {groupId: string; topic: string; earliest?: boolean}): Promise<void> {
    const groups = this.groups('resetOffsets')
    const partitions = Array.from({length: groups.store.readTopic(topic).partitions}, (_, partition) => ({topic, partition}))
    await ensureGroup(groups.store.dataDir, groupId, this.context.notice)
    await groups.executeReset(groupId, groups.planReset(groupId, partitions, {kind: earliest ? 'earliest' : 'latest'}))
  }

  /** Sets the group's offsets of the partitions given (clamped to each log); refused while the group has live members. */
  async setOffsets({groupId, topic, partitions}: {groupId: string; topic: string; partitions: Array<{partition: number; offset: string}>}): Promise<void> {
    const groups = this.groups('setOffsets')
    const offsets = new Map<string, number>()
    for (const {partition, offset} of partitions) {
      if (!/^\d+$/.test(String(offset))) throw new UsageError(`admin.setOffsets(): offset ${JSON.stringify(offset)} of ${topic}/${partition} is not an offset`)
      offsets.set(`${topic}/${partition}`, Number(offset))
    }
    const n = groups.store.readTopic(topic).partitions
    const tps = partitions.map(({partition}) => {
      if (!Number.isInteger(partition) || partition < 0 || partition >= n) throw new UsageError(`admin.setOffsets(): partition ${partition} does not exist (topic '${topic}' has 0..${n - 1})`)
      return {topic, partition}
    })
    await ensureGroup(groups.store.dataDir, groupId, this.context.notice)
    await groups.executeReset(groupId, groups.planReset(groupId, tps, {kind: 'file', offsets}))
  }

  async describeGroups(groupIds: string[]): Promise<{groups: GroupDescription[]}> {
    const groups = this.groups('describeGroups')
    return {
      groups: groupIds.map((groupId) => {
        validateGroupName(groupId)
        if (!groups.exists(groupId)) return {errorCode: 0, groupId, members: [], protocol: '', protocolType: '', state: 'Dead'}
        const d = groups.describeGroup(groupId)
        return {
          errorCode: 0,
          groupId,
          protocol: d.strategy ?? '',
          protocolType: 'consumer',
          state: d.state,
          members: d.members.map((m) => {
            const assignment: MemberAssignment = {}
            for (const tp of m.assignment) (assignment[tp.topic] ??= []).push(tp.partition)
            return {
              memberId: m.memberId,
              clientId: m.clientId,
              clientHost: m.host,
              memberMetadata: AssignerProtocol.MemberMetadata.encode({version: 0, topics: m.topics}),
              memberAssignment: AssignerProtocol.MemberAssignment.encode({version: 0, assignment}),
            }
          }),
        }
      }),
    }
  }

  async listGroups(): Promise<{groups: Array<{groupId: string; protocolType: string}>}> {
    return {groups: this.groups('listGroups').listGroups().map((g) => ({groupId: g.group, protocolType: 'consumer'}))}
  }

  /** Deletes the groups; one that is missing or has live members makes a DeleteGroupsError naming each failure (the rest are deleted). */
  async deleteGroups(groupIds: string[]): Promise<Array<{groupId: string; errorCode: number}>> {
    const groups = this.groups('deleteGroups')
    const failed: DeleteGroupsError['groups'] = []
    const done: Array<{groupId: string; errorCode: number}> = []
    for (const groupId of groupIds) {
      try {
        await groups.deleteGroup(groupId)
        done.push({groupId, errorCode: 0})
      } catch (error) {
        if (!(error instanceof LogpipeError) || error instanceof UsageError) throw error
        const errorCode = error instanceof NotFoundError ? GROUP_ERROR_CODES.GROUP_ID_NOT_FOUND : GROUP_ERROR_CODES.NON_EMPTY_GROUP
        failed.push({groupId, errorCode, error})
      }
    }
    if (failed.length > 0) throw new DeleteGroupsError(`could not delete group${failed.length > 1 ? 's' : ''}: ${failed.map((f) => `${f.groupId} (${f.error.message})`).join('; ')}`, failed)
    return done
  }

  /** The store as a one-node cluster: node 0 is its controller, its store id the cluster id. */
  async describeCluster(): Promise<{brokers: Array<{nodeId: number; host: string; port: number}>; controller: number; clusterId: string}> {
    const store = this.connection.require('describeCluster')
    return {brokers: [{nodeId: 0, host: hostname(), port: 0}], controller: 0, clusterId: store.info.storeId}
  }
}

function topicSettings(t: ITopicConfig): {partitions: number; replicationFactor: number; config: ConfigOverrides} {
  const partitions = t.numPartitions === undefined || t.numPartitions === -1 ? 1 : t.numPartitions
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
    throw new UsageError(`admin.createTopics(): numPartitions of '${t.topic}' must be from 1 to ${MAX_PARTITIONS}, not ${t.numPartitions}`)
  }
  const replicationFactor = t.replicationFactor === undefined || t.replicationFactor === -1 ? 1 : t.replicationFactor
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) throw new UsageError(`admin.createTopics(): replicationFactor of '${t.topic}' must be a positive integer, not ${t.replicationFactor}`)
  const config: ConfigOverrides = {}
  for (const entry of t.configEntries ?? []) config[entry.name as keyof LogConfig] = parseConfigValue(entry.name, String(entry.value))
  return {partitions, replicationFactor, config}
}

function eachPartition<T>(store: Store, topic: string, fn: (reader: {logStartOffset(): number; logEndOffset(): number; offsetForTimestamp(ts: number): number}, partition: number) => T): T[] {
  const n = store.readTopic(topic).partitions
  return Array.from({length: n}, (_, p) => {
    const reader = store.openReader(topic, p)
    try {
      return fn(reader, p)
    } finally {
      reader.close()
    }
  })
}
