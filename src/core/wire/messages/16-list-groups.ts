/**
 * ListGroups (key 16).
 *
 * Versions 0-4. kafka-python 2.0.2 and kafkajs 2.2.4 send up to v2,
 * librdkafka 2.0 up to v4 (v4: filter by state, KIP-518); v3 is the first
 * flexible version. v5 filters by group type (KIP-848).
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const listGroups = {
  apiKey: 16,
  name: 'ListGroups',
  versions: '0-4',
  flexible: '3+',
  request: [{name: 'statesFilter', type: '[]string', versions: '4+'}],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '1+'},
    {name: 'errorCode', type: 'int16', versions: '0+'},
    {
      name: 'groups',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'groupId', type: 'string', versions: '0+'},
        {name: 'protocolType', type: 'string', versions: '0+'},
        {name: 'groupState', type: 'string', versions: '4+'},
      ],
    },
  ],
} as const satisfies ApiSchema

export type ListGroupsRequest = RequestOf<typeof listGroups>
export type ListGroupsResponse = ResponseOf<typeof listGroups>
export type ListGroupsRequestInput = RequestInput<typeof listGroups>
export type ListGroupsResponseInput = ResponseInput<typeof listGroups>
