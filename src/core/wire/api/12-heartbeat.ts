/** Heartbeat (key 12): keeps a member's session; REBALANCE_IN_PROGRESS tells it to rejoin. */
import {defineHandler} from '../../broker/api-handler.js'
import {groupCoordinatorOf, groupErrorCode} from '../../broker/broker-groups.js'
import {heartbeat} from '../messages/12-heartbeat.js'

export default defineHandler(heartbeat, (request, ctx) => {
  const error = groupCoordinatorOf(ctx.broker).heartbeat({
    groupId: request.groupId,
    memberId: request.memberId,
    generationId: request.generationId,
    groupInstanceId: ctx.version >= 3 ? request.groupInstanceId : null,
  })
  return {throttleTimeMs: 0, errorCode: groupErrorCode(error)}
})
