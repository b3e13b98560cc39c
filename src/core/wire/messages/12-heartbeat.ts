/**
 * Heartbeat (key 12): a member says it is alive and learns of a rebalance.
 *
 * Versions 0-4, all there are. kafka-python 2.0.2 sends v0-v1, kafkajs
 * 2.2.4 and librdkafka 2.0 up to v3; v3 adds group.instance.id, v4 is the
 * first flexible version.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const heartbeat = {
  apiKey: 12,
  name: 'Heartbeat',
  versions: '0-4',
  flexible: '4+',
  request: [
    {name: 'groupId', type: 'string', versions: '0+'},
    {name: 'generationId', type: 'int32', versions: '0+'},
    {name: 'memberId', type: 'string', versions: '0+'},
    {name: 'groupInstanceId', type: 'string', versions: '3+', nullable: '3+', default: null},
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '1+'},
    {name: 'errorCode', type: 'int16', versions: '0+'},
  ],
} as const satisfies ApiSchema

export type HeartbeatRequest = RequestOf<typeof heartbeat>
export type HeartbeatResponse = ResponseOf<typeof heartbeat>
export type HeartbeatRequestInput = RequestInput<typeof heartbeat>
export type HeartbeatResponseInput = ResponseInput<typeof heartbeat>
