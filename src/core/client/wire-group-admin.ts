/**
 * Consumer groups through a broker, in the shapes the file path's
 * GroupAdmin gives (so `group list|describe|delete` print the same
 * tables): ListGroups and DescribeGroups for members and state,
 * FindCoordinator for the broker that keeps a group, OffsetFetch for its
 * committed offsets and ListOffsets at the leaders for lag; DeleteGroups.
 * What only the files know (a member's pid, its current position) is null.
 */
import {GroupNotEmptyError, LogpipeError, NotFoundError} from '../errors.js'
import type {TopicPartition} from '../group/assignors.js'
import {decodeAssignment} from '../group/consumer-protocol.js'
import type {DescribedMember, GroupDescription, GroupState, GroupSummary, PartitionLag} from '../group/group-admin.js'
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
  private async logEnds(tps: TopicPartition[]): Promise<Map<string, number>> {
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
        topics: [...topics].map(([name, ps]) => ({name, partitions: ps.map((p) => ({partitionIndex: p, timestamp: -1n}))})),
      }))
      for (const t of response.topics) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) out.set(`${t.name}\0${p.partitionIndex}`, Number(p.offset))
    }
    return out
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
