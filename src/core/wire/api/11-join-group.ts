/**
 * JoinGroup (key 11), long-polled: the answer waits until the group's join
 * phase ends (everyone rejoined, the rebalance timeout, or the initial
 * rebalance delay), as Kafka holds it in its purgatory. Holding it keeps
 * the connection's later answers behind it (they go out in request order),
 * which is what clients expect: they send nothing else to the coordinator
 * on that connection while they wait.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {clientHostOf, groupCoordinatorOf, groupErrorCode} from '../../broker/broker-groups.js'
import {joinGroup} from '../messages/11-join-group.js'

export default defineHandler(joinGroup, async (request, ctx) => {
  const r = await groupCoordinatorOf(ctx.broker).joinGroup({
    groupId: request.groupId,
    memberId: request.memberId,
    groupInstanceId: ctx.version >= 5 ? request.groupInstanceId : null,
    protocolType: request.protocolType,
    // Copied: the coordinator keeps them for the group's life, and a decoded field shares the request's frame.
    protocols: request.protocols.map((p) => ({name: p.name, metadata: Buffer.from(p.metadata)})),
    sessionTimeoutMs: request.sessionTimeoutMs,
    // v0 has no rebalance timeout: the session timeout was both.
    rebalanceTimeoutMs: ctx.version >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
    clientId: ctx.header.clientId ?? '',
    clientHost: clientHostOf(ctx.connection.socket.remoteAddress),
    requireKnownMemberId: ctx.version >= 4,
  })
  return {
    throttleTimeMs: 0,
    errorCode: groupErrorCode(r.error),
    generationId: r.generationId,
    protocolType: r.protocolType,
    // Nullable from v7 only.
    protocolName: r.protocolName ?? (ctx.version >= 7 ? null : ''),
    leader: r.leader,
    skipAssignment: r.skipAssignment,
    memberId: r.memberId,
    members: r.members.map((m) => ({memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata})),
  }
})
