/** A JoinGroup request of member `memberId` to group g for topic t (range), as the coordinator tests send it. */
import type {JoinGroupRequest} from '../../../src/core/broker/group-coordinator.js'
import {encodeSubscription} from '../../../src/core/group/consumer-protocol.js'

export function joinRequest(memberId: string, timeouts: {sessionTimeoutMs: number; rebalanceTimeoutMs: number; clientId: string}, more: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g',
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{name: 'range', metadata: encodeSubscription(['t'])}],
    ...timeouts,
    clientHost: '/127.0.0.1',
    requireKnownMemberId: true,
    ...more,
  }
}
