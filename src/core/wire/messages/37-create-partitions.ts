/**
 * CreatePartitions (key 37): more partitions for existing topics.
 *
 * Versions 0-3. kafka-python 2.0.2 and kafkajs 2.2.4 send up to v1,
 * librdkafka 2.0 v0; v2 is the first flexible version, v3 (Java clients) is
 * laid out as v2.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const createPartitions = {
  apiKey: 37,
  name: 'CreatePartitions',
  versions: '0-3',
  flexible: '2+',
  request: [
    {
      name: 'topics',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'name', type: 'string', versions: '0+'},
        {name: 'count', type: 'int32', versions: '0+'},
        {
          name: 'assignments',
          type: '[]struct',
          versions: '0+',
          nullable: '0+',
          default: null,
          fields: [{name: 'brokerIds', type: '[]int32', versions: '0+'}],
        },
      ],
    },
    {name: 'timeoutMs', type: 'int32', versions: '0+'},
    {name: 'validateOnly', type: 'bool', versions: '0+'},
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '0+'},
    {
      name: 'results',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'name', type: 'string', versions: '0+'},
        {name: 'errorCode', type: 'int16', versions: '0+'},
        {name: 'errorMessage', type: 'string', versions: '0+', nullable: '0+', default: null},
      ],
    },
  ],
} as const satisfies ApiSchema

export type CreatePartitionsRequest = RequestOf<typeof createPartitions>
export type CreatePartitionsResponse = ResponseOf<typeof createPartitions>
export type CreatePartitionsRequestInput = RequestInput<typeof createPartitions>
export type CreatePartitionsResponseInput = ResponseInput<typeof createPartitions>
