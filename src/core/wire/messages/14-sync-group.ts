/**
 * SyncGroup (key 14): the leader hands out assignments, every member gets
 * its own.
 *
 * Versions 0-5. kafka-python 2.0.2 sends v0-v1, kafkajs 2.2.4 and
 * librdkafka 2.0 up to v3; v3 adds group.instance.id, v4 is the first
 * flexible version, v5 (Java clients) carries protocol type and name both
 * ways.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const syncGroup = {
  apiKey: 14,
  name: 'SyncGroup',
  versions: '0-5',
  flexible: '4+',
  request: [
    {name: 'groupId', type: 'string', versions: '0+'},
    {name: 'generationId', type: 'int32', versions: '0+'},
    {name: 'memberId', type: 'string', versions: '0+'},
    {name: 'groupInstanceId', type: 'string', versions: '3+', nullable: '3+', default: null},
    {name: 'protocolType', type: 'string', versions: '5+', nullable: '5+', default: null},
    {name: 'protocolName', type: 'string', versions: '5+', nullable: '5+', default: null},
    {
      name: 'assignments',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'memberId', type: 'string', versions: '0+'},
        {name: 'assignment', type: 'bytes', versions: '0+'},
      ],
    },
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '1+'},
    {name: 'errorCode', type: 'int16', versions: '0+'},
    {name: 'protocolType', type: 'string', versions: '5+', nullable: '5+', default: null},
    {name: 'protocolName', type: 'string', versions: '5+', nullable: '5+', default: null},
    {name: 'assignment', type: 'bytes', versions: '0+'},
  ],
} as const satisfies ApiSchema

export type SyncGroupRequest = RequestOf<typeof syncGroup>
export type SyncGroupResponse = ResponseOf<typeof syncGroup>
export type SyncGroupRequestInput = RequestInput<typeof syncGroup>
export type SyncGroupResponseInput = ResponseInput<typeof syncGroup>
