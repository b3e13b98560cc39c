/**
 * SyncGroup (key 14), long-polled like JoinGroup: a follower's answer
 * waits for the leader's SyncGroup, which carries everyone's assignment.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {groupCoordinatorOf, groupErrorCode} from '../../broker/broker-groups.js'
import {syncGroup} from '../messages/14-sync-group.js'

export default defineHandler(syncGroup, async (request, ctx) => {
  const r = await groupCoordinatorOf(ctx.broker).syncGroup({
    groupId: request.groupId,
    memberId: request.memberId,
    generationId: request.generationId,
    groupInstanceId: ctx.version >= 3 ? request.groupInstanceId : null,
    protocolType: ctx.version >= 5 ? request.protocolType : null,
    protocolName: ctx.version >= 5 ? request.protocolName : null,
    // Copied: kept for the generation's life (a late member's SyncGroup is answered from it).
    assignments: request.assignments.map((a) => ({memberId: a.memberId, assignment: Buffer.from(a.assignment)})),
  })
  return {throttleTimeMs: 0, errorCode: groupErrorCode(r.error), protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment}
})
