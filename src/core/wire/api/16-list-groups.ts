/** ListGroups (key 16): the coordinator's groups and the store's (file-based ones, offsets only); v4 filters by state (KIP-518). */
import {defineHandler} from '../../broker/api-handler.js'
import {groupCoordinatorOf} from '../../broker/broker-groups.js'
import {CLASSIC_GROUP_STATES, type ClassicGroupState} from '../../group/coordinator-file.js'
import {ErrorCode} from '../error-codes.js'
import {listGroups} from '../messages/16-list-groups.js'

export default defineHandler(listGroups, (request, ctx) => {
  // Kafka matches the filter's state names without regard to case; a name it does not know matches nothing.
  const wanted = ctx.version >= 4 ? request.statesFilter.map((s) => CLASSIC_GROUP_STATES.find((k) => k.toLowerCase() === s.toLowerCase()) ?? null) : []
  if (wanted.includes(null) && wanted.every((w) => w === null)) return {throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: []}
  const states = wanted.filter((w): w is ClassicGroupState => w !== null)
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    groups: groupCoordinatorOf(ctx.broker)
      .listGroups(states)
      .map((g) => ({groupId: g.groupId, protocolType: g.protocolType, groupState: g.state})),
  }
})
