/** DescribeGroups (key 15): state, protocol and members; metadata and assignments while Stable, as Kafka answers. */
import {defineHandler} from '../../broker/api-handler.js'
import {groupCoordinatorOf, groupErrorCode} from '../../broker/broker-groups.js'
import {describeGroups} from '../messages/15-describe-groups.js'

export default defineHandler(describeGroups, (request, ctx) => ({
  throttleTimeMs: 0,
  groups: groupCoordinatorOf(ctx.broker)
    .describeGroups(request.groups)
    .map((g) => ({
      errorCode: groupErrorCode(g.error),
      groupId: g.groupId,
      groupState: g.state,
      protocolType: g.protocolType,
      protocolData: g.protocolData,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: m.metadata,
        memberAssignment: m.assignment,
      })),
    })),
}))
