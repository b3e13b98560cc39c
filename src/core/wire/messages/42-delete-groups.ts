/**
 * DeleteGroups (key 42).
 *
 * Versions 0-2, all there are. kafka-python 2.0.2, kafkajs 2.2.4 and
 * librdkafka 2.0 send v0-v1; v2 is the first flexible version.
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
