/**
 * LeaveGroup (key 13): v0-2 name one member and get one error; v3+ name a
 * batch (by member id, or a static member by its instance id alone) and
 * get one answer each.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {groupCoordinatorOf, groupErrorCode} from '../../broker/broker-groups.js'
import {leaveGroup} from '../messages/13-leave-group.js'

export default defineHandler(leaveGroup, (request, ctx) => {
  const coordinator = groupCoordinatorOf(ctx.broker)
  if (ctx.version < 3) {
    const r = coordinator.leaveGroup(request.groupId, [{memberId: request.memberId, groupInstanceId: null}])
    return {throttleTimeMs: 0, errorCode: groupErrorCode(r.error !== 'NONE' ? r.error : (r.members[0]?.error ?? 'NONE'))}
  }
  const r = coordinator.leaveGroup(
    request.groupId,
    request.members.map((m) => ({memberId: m.memberId, groupInstanceId: m.groupInstanceId})),
  )
  return {
    throttleTimeMs: 0,
    errorCode: groupErrorCode(r.error),
    members: r.members.map((m) => ({memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: groupErrorCode(m.error)})),
  }
})
