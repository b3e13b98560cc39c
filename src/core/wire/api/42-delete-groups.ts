/** DeleteGroups (key 42): an empty group's offsets and files go; NON_EMPTY_GROUP while it has members. */
import {defineHandler} from '../../broker/api-handler.js'
import {groupCoordinatorOf, groupErrorCode} from '../../broker/broker-groups.js'
import {deleteGroups} from '../messages/42-delete-groups.js'

export default defineHandler(deleteGroups, async (request, ctx) => ({
  throttleTimeMs: 0,
  results: (await groupCoordinatorOf(ctx.broker).deleteGroups(request.groupsNames)).map((r) => ({groupId: r.groupId, errorCode: groupErrorCode(r.error)})),
}))
