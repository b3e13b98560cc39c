/**
 * DescribeGroups (key 15): state, protocol and members of groups.
 *
 * Versions 0-5, all there are. kafka-python 2.0.2 sends up to v3, kafkajs
 * 2.2.4 up to v2, librdkafka 2.0 up to v4; v3 adds authorized operations,
 * v4 group.instance.id, v5 is the first flexible version.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const describeGroups = {
  apiKey: 15,
  name: 'DescribeGroups',
  versions: '0-5',
  flexible: '5+',
  request: [
    {name: 'groups', type: '[]string', versions: '0+'},
    {name: 'includeAuthorizedOperations', type: 'bool', versions: '3+'},
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '1+'},
    {
      name: 'groups',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'errorCode', type: 'int16', versions: '0+'},
        {name: 'groupId', type: 'string', versions: '0+'},
        {name: 'groupState', type: 'string', versions: '0+'},
        {name: 'protocolType', type: 'string', versions: '0+'},
        {name: 'protocolData', type: 'string', versions: '0+'},
        {
          name: 'members',
          type: '[]struct',
          versions: '0+',
          fields: [
            {name: 'memberId', type: 'string', versions: '0+'},
            {name: 'groupInstanceId', type: 'string', versions: '4+', nullable: '4+', default: null},
            {name: 'clientId', type: 'string', versions: '0+'},
            {name: 'clientHost', type: 'string', versions: '0+'},
            {name: 'memberMetadata', type: 'bytes', versions: '0+'},
            {name: 'memberAssignment', type: 'bytes', versions: '0+'},
          ],
        },
        {name: 'authorizedOperations', type: 'int32', versions: '3+', default: -2147483648},
      ],
    },
  ],
} as const satisfies ApiSchema

export type DescribeGroupsRequest = RequestOf<typeof describeGroups>
export type DescribeGroupsResponse = ResponseOf<typeof describeGroups>
export type DescribeGroupsRequestInput = RequestInput<typeof describeGroups>
export type DescribeGroupsResponseInput = ResponseInput<typeof describeGroups>
