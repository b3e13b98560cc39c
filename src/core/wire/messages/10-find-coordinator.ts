/**
 * FindCoordinator (key 10): which broker coordinates a group (key type 0)
 * or a transactional id (1).
 *
 * Versions 0-4. kafka-python 2.0.2 sends v0, kafkajs 2.2.4 and librdkafka
 * 2.0 up to v2; v3 is the first flexible version, v4 (Java clients) asks
 * for several keys at once and gets one coordinator per key. v5-6 only add
 * error codes and share groups.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const findCoordinator = {
  apiKey: 10,
  name: 'FindCoordinator',
  versions: '0-4',
  flexible: '3+',
  request: [
    {name: 'key', type: 'string', versions: '0-3'},
    {name: 'keyType', type: 'int8', versions: '1+', default: 0},
    {name: 'coordinatorKeys', type: '[]string', versions: '4+'},
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '1+'},
    {name: 'errorCode', type: 'int16', versions: '0-3'},
    {name: 'errorMessage', type: 'string', versions: '1-3', nullable: '1-3', default: null},
    {name: 'nodeId', type: 'int32', versions: '0-3'},
    {name: 'host', type: 'string', versions: '0-3'},
    {name: 'port', type: 'int32', versions: '0-3'},
    {
      name: 'coordinators',
      type: '[]struct',
      versions: '4+',
      fields: [
        {name: 'key', type: 'string', versions: '4+'},
        {name: 'nodeId', type: 'int32', versions: '4+'},
        {name: 'host', type: 'string', versions: '4+'},
        {name: 'port', type: 'int32', versions: '4+'},
        {name: 'errorCode', type: 'int16', versions: '4+'},
        {name: 'errorMessage', type: 'string', versions: '4+', nullable: '4+', default: null},
      ],
    },
  ],
} as const satisfies ApiSchema

export type FindCoordinatorRequest = RequestOf<typeof findCoordinator>
export type FindCoordinatorResponse = ResponseOf<typeof findCoordinator>
export type FindCoordinatorRequestInput = RequestInput<typeof findCoordinator>
export type FindCoordinatorResponseInput = ResponseInput<typeof findCoordinator>
