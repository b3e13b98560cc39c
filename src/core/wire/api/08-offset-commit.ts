/**
 * OffsetCommit (key 8): written to the same `groups/<g>/offsets/` files the
 * CLI reads, after the coordinator checks the member and its generation (a
 * consumer that manages its own partitions commits with generation -1).
 * v0 has no member or generation; the commit timestamp of v1 and the
 * retention time of v2-4 are accepted and not kept (offsets live until the
 * group is deleted).
 */
import {defineHandler} from '../../broker/api-handler.js'
import {groupCoordinatorOf, groupErrorCode} from '../../broker/broker-groups.js'
import {offsetCommit} from '../messages/08-offset-commit.js'

export default defineHandler(offsetCommit, async (request, ctx) => {
  const offsets = request.topics.flatMap((t) =>
    t.partitions.map((p) => ({
      topic: t.name,
      partition: p.partitionIndex,
      // An offset beyond 2^53 is no offset of a log here; the coordinator refuses it per partition.
      offset: p.committedOffset <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(p.committedOffset) : -1,
      metadata: p.committedMetadata,
    })),
  )
  const results = await groupCoordinatorOf(ctx.broker).commitOffsets({
    groupId: request.groupId,
    generationId: ctx.version >= 1 ? request.generationIdOrMemberEpoch : -1,
    memberId: ctx.version >= 1 ? request.memberId : '',
    groupInstanceId: ctx.version >= 7 ? request.groupInstanceId : null,
    offsets,
  })
  let i = 0
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({partitionIndex: p.partitionIndex, errorCode: groupErrorCode(results[i++].error)})),
    })),
  }
})
