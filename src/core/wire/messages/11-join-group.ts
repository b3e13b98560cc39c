/**
 * JoinGroup (key 11): a member joins a classic consumer group; the
 * coordinator answers when the rebalance completes.
 *
 * Versions 0-9. kafka-python 2.0.2 sends v0-v2, kafkajs 2.2.4 and
 * librdkafka 2.0 up to v5; v4 makes a new member rejoin with the member id
 * it was given (MEMBER_ID_REQUIRED), v5 adds group.instance.id (static
 * members), v6 is the first flexible version, v7-9 (Java clients) add the
 * protocol type in the answer, a reason, and skipAssignment.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const joinGroup = {
  apiKey: 11,
  name: 'JoinGroup',
  versions: '0-9',
  flexible: '6+',
  request: [
    {name: 'groupId', type: 'string', versions: '0+'},
    {name: 'sessionTimeoutMs', type: 'int32', versions: '0+'},
    {name: 'rebalanceTimeoutMs', type: 'int32', versions: '1+', default: -1},
    {name: 'memberId', type: 'string', versions: '0+'},
    {name: 'groupInstanceId', type: 'string', versions: '5+', nullable: '5+', default: null},
    {name: 'protocolType', type: 'string', versions: '0+'},
    {
      name: 'protocols',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'name', type: 'string', versions: '0+'},
        {name: 'metadata', type: 'bytes', versions: '0+'},
      ],
    },
    {name: 'reason', type: 'string', versions: '8+', nullable: '8+', default: null},
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '2+'},
    {name: 'errorCode', type: 'int16', versions: '0+'},
    {name: 'generationId', type: 'int32', versions: '0+', default: -1},
    {name: 'protocolType', type: 'string', versions: '7+', nullable: '7+', default: null},
    {name: 'protocolName', type: 'string', versions: '0+', nullable: '7+'},
    {name: 'leader', type: 'string', versions: '0+'},
    {name: 'skipAssignment', type: 'bool', versions: '9+', default: false},
    {name: 'memberId', type: 'string', versions: '0+'},
    {
      name: 'members',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'memberId', type: 'string', versions: '0+'},
        {name: 'groupInstanceId', type: 'string', versions: '5+', nullable: '5+', default: null},
        {name: 'metadata', type: 'bytes', versions: '0+'},
      ],
    },
  ],
} as const satisfies ApiSchema

export type JoinGroupRequest = RequestOf<typeof joinGroup>
export type JoinGroupResponse = ResponseOf<typeof joinGroup>
export type JoinGroupRequestInput = RequestInput<typeof joinGroup>
export type JoinGroupResponseInput = ResponseInput<typeof joinGroup>
