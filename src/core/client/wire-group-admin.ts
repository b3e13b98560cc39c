/**
 * Consumer groups through a broker, in the shapes the file path's
 * GroupAdmin gives (so `group list|describe|delete` print the same
 * tables): ListGroups and DescribeGroups for members and state,
 * FindCoordinator for the broker that keeps a group, OffsetFetch for its
 * committed offsets and ListOffsets at the leaders for lag; DeleteGroups.
 * What only the files know (a member's pid, its current position) is null.
 */
import {GroupNotEmptyError, LogpipeError, NotFoundError, UsageError} from '../errors.js'
import type {TopicPartition} from '../group/assignors.js'
import {decodeAssignment} from '../group/consumer-protocol.js'
import {type DescribedMember, type GroupDescription, type GroupState, type GroupSummary, type PartitionLag, type ResetPlanRow, type ResetSpec, resetPlanRow} from '../group/group-admin.js'
import {offsetCommit} from '../wire/messages/08-offset-commit.js'
import {ErrorCode, kafkaError} from '../wire/error-codes.js'
import {listOffsets} from '../wire/messages/02-list-offsets.js'
import {offsetFetch} from '../wire/messages/09-offset-fetch.js'
import {findCoordinator} from '../wire/messages/10-find-coordinator.js'
import {describeGroups} from '../wire/messages/15-describe-groups.js'
import {listGroups} from '../wire/messages/16-list-groups.js'
import {deleteGroups} from '../wire/messages/42-delete-groups.js'
import type {KafkaClient} from './kafka-client.js'

const STATES: readonly string[] = ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead']

function stateOf(s: string): GroupState {
  return (STATES.includes(s) ? s : 'Dead') as GroupState
}

function notFound(group: string): NotFoundError {
  return new NotFoundError(`group '${group}' does not exist`, {hint: 'list groups with `logpipe group list`'})
}

export class WireGroupAdmin {
  constructor(private readonly client: KafkaClient) {}

  /** The broker that coordinates the group. */
  async coordinator(group: string): Promise<number> {
    return this.client.retrying(async () => {
      const {response, version} = await this.client.request('any', findCoordinator, (v) => (v >= 4 ? {keyType: 0, coordinatorKeys: [group]} : {key: group, keyType: 0}))
      const r = version >= 4 ? response.coordinators[0] : response
      if (!r) throw new LogpipeError(`the broker did not answer FindCoordinator for group '${group}'`, {retriable: true})
      if (r.errorCode !== ErrorCode.NONE) throw kafkaError(r.errorCode, `FindCoordinator, group '${group}'`)
      return r.nodeId
    })
  }

  /** Every consumer group of every broker, sorted, with state and member count. */
  async listGroups(): Promise<GroupSummary[]> {
    const meta = await this.client.metadata([])
    const names = new Set<string>()
    for (const id of meta.brokers.keys()) {
      const {response} = await this.client.request(id, listGroups, () => ({statesFilter: []}))
      if (response.errorCode !== ErrorCode.NONE) throw kafkaError(response.errorCode, 'ListGroups')
      for (const g of response.groups) if (g.protocolType === 'consumer' || g.protocolType === '') names.add(g.groupId)
    }
    const out: GroupSummary[] = []
    for (const group of [...names].sort()) {
      const d = await this.describeOne(group)
      out.push({group, state: stateOf(d.groupState), members: d.members.length})
    }
    return out
  }

  private async describeOne(group: string) {
    const coordinator = await this.coordinator(group)
    const {response} = await this.client.request(coordinator, describeGroups, () => ({groups: [group], includeAuthorizedOperations: false}))
    const d = response.groups.find((g) => g.groupId === group)
    if (!d) throw new LogpipeError(`the broker did not answer DescribeGroups for group '${group}'`)
    if (d.errorCode !== ErrorCode.NONE) throw kafkaError(d.errorCode, `group '${group}'`)
    return {...d, coordinator}
  }

  /** Members, committed offsets, log ends and lag, as GroupAdmin.describeGroup shows them. */
  async describeGroup(group: string): Promise<GroupDescription> {
    const d = await this.describeOne(group)
    const committed = await this.committedOffsets(group, d.coordinator)
    if (d.groupState === 'Dead' && committed.size === 0) throw notFound(group)
    const owners = new Map<string, DescribedMember>()
    const members: DescribedMember[] = d.members.map((m) => {
      const owned = decodeAssignment(Buffer.from(m.memberAssignment))?.partitions ?? []
      const member: DescribedMember = {
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId ?? null,
        clientId: m.clientId,
        host: m.clientHost,
        pid: null,
        topics: [...new Set(owned.map((tp) => tp.topic))],
        owned,
        assignment: owned,
        positions: {},
      }
      for (const tp of owned) owners.set(`${tp.topic}\0${tp.partition}`, member)
      return member
    })
    const partitions = new Map<string, TopicPartition>()
    for (const key of [...committed.keys(), ...owners.keys()]) {
      const [topic, p] = key.split('\0')
      partitions.set(key, {topic, partition: Number(p)})
    }
    const ends = await this.logEnds([...partitions.values()])
    const rows: PartitionLag[] = [...partitions.entries()]
      .sort(([, a], [, b]) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
      .map(([key, tp]) => {
        const current = committed.get(key) ?? null
        const end = ends.get(key) ?? 0
        const owner = owners.get(key)
        return {
          group,
          topic: tp.topic,
          partition: tp.partition,
          currentOffset: current,
          logEndOffset: end,
          lag: current === null ? null : Math.max(0, end - current),
          position: null,
          consumerId: owner?.memberId ?? null,
          host: owner?.host ?? null,
          clientId: owner?.clientId ?? null,
          pid: null,
        }
      })
    return {
      group,
      state: stateOf(d.groupState),
      strategy: d.protocolData === '' ? null : d.protocolData,
      coordinator: {brokerId: d.coordinator, generation: -1, protocolType: d.protocolType || null, leader: null},
      members,
      partitions: rows,
    }
  }

  /** The group's committed offsets by `topic\0partition` (OffsetFetch of all its topics). */
  private async committedOffsets(group: string, coordinator: number): Promise<Map<string, number>> {
    const {response, version} = await this.client.request(coordinator, offsetFetch, (v) =>
      v >= 8 ? {groups: [{groupId: group, topics: null}], requireStable: false} : {groupId: group, topics: null, requireStable: false},
    )
    const out = new Map<string, number>()
    const topics = version >= 8 ? (response.groups[0]?.topics ?? []) : response.topics
    const code = version >= 8 ? (response.groups[0]?.errorCode ?? ErrorCode.NONE) : response.errorCode
    if (code !== ErrorCode.NONE && code !== ErrorCode.GROUP_ID_NOT_FOUND) throw kafkaError(code, `OffsetFetch, group '${group}'`)
    for (const t of topics) {
      for (const p of t.partitions) {
        if (p.errorCode === ErrorCode.NONE && p.committedOffset >= 0n) out.set(`${t.name}\0${p.partitionIndex}`, Number(p.committedOffset))
      }
    }
    return out
  }

  /** Log end offsets by `topic\0partition`, from each leader. */
  private logEnds(tps: TopicPartition[]): Promise<Map<string, number>> {
    return this.offsetsAt(tps, -1n)
  }

  /** ListOffsets at `timestamp` (-2 earliest, -1 latest) by `topic\0partition`, from each leader; -1 where no record is that late. */
  private async offsetsAt(tps: TopicPartition[], timestamp: bigint): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    const byLeader = new Map<number, TopicPartition[]>()
    for (const tp of tps) {
      try {
        const leader = await this.client.leaderOf(tp.topic, tp.partition)
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), tp])
      } catch {
        // A topic deleted since the commit: no log end to show.
      }
    }
    for (const [leader, list] of byLeader) {
      const topics = new Map<string, number[]>()
      for (const tp of list) topics.set(tp.topic, [...(topics.get(tp.topic) ?? []), tp.partition])
      const {response} = await this.client.request(leader, listOffsets, () => ({
        replicaId: -1,
        isolationLevel: 0,
        topics: [...topics].map(([name, ps]) => ({name, partitions: ps.map((p) => ({partitionIndex: p, timestamp}))})),
      }))
      for (const t of response.topics) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) out.set(`${t.name}\0${p.partitionIndex}`, Number(p.offset))
    }
    return out
  }

  /** The partitions named by --topic T[:P,...] or --all-topics (those the group has offsets for). */
  async resolvePartitions(group: string, topics: string[] | 'all'): Promise<TopicPartition[]> {
    if (topics === 'all') {
      const committed = await this.committedOffsets(group, await this.coordinator(group))
      if (committed.size === 0) throw notFound(group)
      return [...committed.keys()].map((k) => ({topic: k.split('\0')[0], partition: Number(k.split('\0')[1])}))
    }
    const out: TopicPartition[] = []
    for (const spec of topics) {
      const [topic, list] = spec.split(':', 2)
      const t = (await this.client.metadata([topic])).topics.get(topic)
      if (!t || t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new NotFoundError(`topic '${topic}' does not exist`, {hint: 'list topics with `logpipe topic list`'})
      const n = t.partitions.length
      if (list === undefined) {
        for (let p = 0; p < n; p++) out.push({topic, partition: p})
        continue
      }
      for (const item of list.split(',')) {
        if (!/^\d+$/.test(item)) throw new UsageError(`--topic ${spec}: '${item}' is not a partition number`)
        const p = Number(item)
        if (p >= n) throw new UsageError(`--topic ${spec}: partition ${p} does not exist (topic '${topic}' has 0..${n - 1})`)
        out.push({topic, partition: p})
      }
    }
    return out
  }

  /** New offsets for the partitions, clamped to each log as the file path's planReset clamps, without changing anything. */
  async planReset(group: string, partitions: TopicPartition[], spec: ResetSpec): Promise<ResetPlanRow[]> {
    const committed = await this.committedOffsets(group, await this.coordinator(group))
    const starts = await this.offsetsAt(partitions, -2n)
    const ends = await this.offsetsAt(partitions, -1n)
    const at = spec.kind === 'datetime' ? await this.offsetsAt(partitions, BigInt(spec.timestamp)) : null
    return partitions.map((tp) => {
      const key = `${tp.topic}\0${tp.partition}`
      const start = starts.get(key) ?? 0
      const end = ends.get(key) ?? 0
      const current = committed.get(key) ?? null
      const o = at?.get(key) ?? -1
      return resetPlanRow(group, tp, spec, {start, end, current, offsetAt: () => (o < 0 ? end : o)})
    })
  }

  /** Commits the plan with OffsetCommit as an admin (no generation, no member), refused while the group has members, as Kafka refuses. */
  async executeReset(group: string, plan: ResetPlanRow[]): Promise<void> {
    const d = await this.describeOne(group)
    if (d.members.length > 0) {
      throw new GroupNotEmptyError(`cannot reset offsets of group '${group}': broker ${d.coordinator} coordinates it with ${d.members.length} live member(s)`, {
        hint: 'stop its consumers (they leave the group when they close), then try again',
      })
    }
    const topics = new Map<string, Array<{partitionIndex: number; committedOffset: bigint; committedMetadata: null}>>()
    for (const r of plan) topics.set(r.topic, [...(topics.get(r.topic) ?? []), {partitionIndex: r.partition, committedOffset: BigInt(r.newOffset), committedMetadata: null}])
    const {response} = await this.client.request(d.coordinator, offsetCommit, () => ({
      groupId: group,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [...topics].map(([name, partitions]) => ({name, partitions})),
    }))
    for (const t of response.topics) {
      for (const p of t.partitions) {
        if (p.errorCode === ErrorCode.NON_EMPTY_GROUP || p.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || p.errorCode === ErrorCode.ILLEGAL_GENERATION) {
          throw new GroupNotEmptyError(`cannot reset offsets of group '${group}': it has live members`, {hint: 'stop its consumers, then try again'})
        }
        if (p.errorCode !== ErrorCode.NONE) throw kafkaError(p.errorCode, `OffsetCommit, group '${group}' topic '${t.name}' partition ${p.partitionIndex}`)
      }
    }
  }

  /** Deletes the group and its offsets; refused while it has members, as the file path refuses. */
  async deleteGroup(group: string): Promise<void> {
    const coordinator = await this.coordinator(group)
    const {response} = await this.client.request(coordinator, deleteGroups, () => ({groupsNames: [group]}))
    const r = response.results.find((g) => g.groupId === group)
    if (!r) throw new LogpipeError(`the broker did not answer DeleteGroups for group '${group}'`)
    if (r.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) throw notFound(group)
    if (r.errorCode === ErrorCode.NON_EMPTY_GROUP) {
      throw new GroupNotEmptyError(`cannot delete group '${group}': broker ${coordinator} coordinates it with live members`, {hint: 'stop its consumers (they leave the group when they close), then try again'})
    }
    if (r.errorCode !== ErrorCode.NONE) throw kafkaError(r.errorCode, `group '${group}'`)
  }
}
