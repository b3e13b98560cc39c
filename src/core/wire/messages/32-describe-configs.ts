/**
 * DescribeConfigs (key 32): topic (resource type 2) and broker (4) configs.
 *
 * Versions 0-4. kafka-python 2.0.2 and kafkajs 2.2.4 send up to v2,
 * librdkafka 2.0 up to v1; v3 adds config types and documentation, v4 is
 * the first flexible version (Java clients).
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const describeConfigs = {
  apiKey: 32,
  name: 'DescribeConfigs',
  versions: '0-4',
  flexible: '4+',
  request: [
    {
      name: 'resources',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'resourceType', type: 'int8', versions: '0+'},
        {name: 'resourceName', type: 'string', versions: '0+'},
        {name: 'configurationKeys', type: '[]string', versions: '0+', nullable: '0+', default: null},
      ],
    },
    {name: 'includeSynonyms', type: 'bool', versions: '1+', default: false},
    {name: 'includeDocumentation', type: 'bool', versions: '3+', default: false},
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '0+'},
    {
      name: 'results',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'errorCode', type: 'int16', versions: '0+'},
        {name: 'errorMessage', type: 'string', versions: '0+', nullable: '0+', default: null},
        {name: 'resourceType', type: 'int8', versions: '0+'},
        {name: 'resourceName', type: 'string', versions: '0+'},
        {
          name: 'configs',
          type: '[]struct',
          versions: '0+',
          fields: [
            {name: 'name', type: 'string', versions: '0+'},
            {name: 'value', type: 'string', versions: '0+', nullable: '0+'},
            {name: 'readOnly', type: 'bool', versions: '0+'},
            {name: 'isDefault', type: 'bool', versions: '0'},
            {name: 'configSource', type: 'int8', versions: '1+', default: -1},
            {name: 'isSensitive', type: 'bool', versions: '0+'},
            {
              name: 'synonyms',
              type: '[]struct',
              versions: '1+',
              fields: [
                {name: 'name', type: 'string', versions: '1+'},
                {name: 'value', type: 'string', versions: '1+', nullable: '0+'},
                {name: 'source', type: 'int8', versions: '1+'},
              ],
            },
            {name: 'configType', type: 'int8', versions: '3+', default: 0},
            {name: 'documentation', type: 'string', versions: '3+', nullable: '0+', default: null},
          ],
        },
      ],
    },
  ],
} as const satisfies ApiSchema

export type DescribeConfigsRequest = RequestOf<typeof describeConfigs>
export type DescribeConfigsResponse = ResponseOf<typeof describeConfigs>
export type DescribeConfigsRequestInput = RequestInput<typeof describeConfigs>
export type DescribeConfigsResponseInput = ResponseInput<typeof describeConfigs>
