/**
 * LeaveGroup (key 13): members leave a group (one, or from v3 several by
 * member id or group.instance.id).
 *
 * Versions 0-5, all there are. kafka-python 2.0.2 and librdkafka 2.0 send
 * v0-v1, kafkajs 2.2.4 up to v3 (v3: a list of members); v4 is the first
 * flexible version, v5 adds a reason.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const leaveGroup = {
  apiKey: 13,
  name: 'LeaveGroup',
  versions: '0-5',
  flexible: '4+',
  request: [
    {name: 'groupId', type: 'string', versions: '0+'},
    {name: 'memberId', type: 'string', versions: '0-2'},
    {
      name: 'members',
      type: '[]struct',
      versions: '3+',
      fields: [
        {name: 'memberId', type: 'string', versions: '3+'},
        {name: 'groupInstanceId', type: 'string', versions: '3+', nullable: '3+', default: null},
        {name: 'reason', type: 'string', versions: '5+', nullable: '5+', default: null},
      ],
    },
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '1+'},
    {name: 'errorCode', type: 'int16', versions: '0+'},
    {
      name: 'members',
      type: '[]struct',
      versions: '3+',
      fields: [
        {name: 'memberId', type: 'string', versions: '3+'},
        {name: 'groupInstanceId', type: 'string', versions: '3+', nullable: '3+'},
        {name: 'errorCode', type: 'int16', versions: '3+'},
      ],
    },
  ],
} as const satisfies ApiSchema

export type LeaveGroupRequest = RequestOf<typeof leaveGroup>
export type LeaveGroupResponse = ResponseOf<typeof leaveGroup>
export type LeaveGroupRequestInput = RequestInput<typeof leaveGroup>
export type LeaveGroupResponseInput = ResponseInput<typeof leaveGroup>
