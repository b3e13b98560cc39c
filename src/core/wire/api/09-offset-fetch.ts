/**
 * OffsetFetch (key 9): committed offsets from the store's group files, -1
 * (with empty metadata) where the group has none; topics null (v2+) asks
 * for every committed one; v8 asks for several groups at once.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {groupCoordinatorOf, groupErrorCode} from '../../broker/broker-groups.js'
import type {FetchedOffset, GroupCoordinator} from '../../broker/group-coordinator.js'
import {offsetFetch} from '../messages/09-offset-fetch.js'

type AskedTopics = Array<{name: string; partitionIndexes: number[]}> | null

function fetchGroup(coordinator: GroupCoordinator, groupId: string, topics: AskedTopics) {
  const asked = topics === null ? null : topics.flatMap((t) => t.partitionIndexes.map((partition) => ({topic: t.name, partition})))
  const r = coordinator.fetchOffsets(groupId, asked)
  const byTopic = new Map<string, FetchedOffset[]>()
  // The topics in the order asked (or found), each with its partitions.
  for (const t of topics ?? []) if (!byTopic.has(t.name)) byTopic.set(t.name, [])
  for (const o of r.offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o])
  return {
    errorCode: groupErrorCode(r.error),
    topics: [...byTopic].map(([name, partitions]) => ({
      name,
      partitions: partitions.map((o) => ({partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1, metadata: o.metadata, errorCode: groupErrorCode(o.error)})),
    })),
  }
}

export default defineHandler(offsetFetch, (request, ctx) => {
  const coordinator = groupCoordinatorOf(ctx.broker)
  if (ctx.version >= 8) {
    return {throttleTimeMs: 0, groups: request.groups.map((g) => ({groupId: g.groupId, ...fetchGroup(coordinator, g.groupId, g.topics)}))}
  }
  // v0-1 always name their topics; a null before v2 cannot be decoded.
  return {throttleTimeMs: 0, ...fetchGroup(coordinator, request.groupId, request.topics)}
})
