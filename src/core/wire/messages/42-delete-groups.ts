/**
 * DeleteGroups (key 42).
 *
 * Versions 0-2, all there are. kafkajs 2.2.4 sends v0-v1, librdkafka 2.0
 * v0-v1, kafka-python 2.0.2 does not send it; v2 is the first flexible
 * version.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const deleteGroups = {
  apiKey: 42,
  name: 'DeleteGroups',
  versions: '0-2',
  flexible: '2+',
  request: [{name: 'groupsNames', type: '[]string', versions: '0+'}],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '0+'},
    {
      name: 'results',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'groupId', type: 'string', versions: '0+'},
        {name: 'errorCode', type: 'int16', versions: '0+'},
      ],
    },
  ],
} as const satisfies ApiSchema

export type DeleteGroupsRequest = RequestOf<typeof deleteGroups>
export type DeleteGroupsResponse = ResponseOf<typeof deleteGroups>
export type DeleteGroupsRequestInput = RequestInput<typeof deleteGroups>
export type DeleteGroupsResponseInput = ResponseInput<typeof deleteGroups>
