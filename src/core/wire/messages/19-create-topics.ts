/**
 * CreateTopics (key 19).
 *
 * Versions 0-7. kafka-python 2.0.2 and kafkajs 2.2.4 send up to v3,
 * librdkafka 2.0 up to v4; v4 lets partitions and replication factor be -1
 * (the broker's defaults, KIP-464), v5 is the first flexible version and
 * returns the topic's configs, v7 (Java clients) its topic id, a zero UUID
 * from a store without ids.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const createTopics = {
  apiKey: 19,
  name: 'CreateTopics',
  versions: '0-7',
  flexible: '5+',
  request: [
    {
      name: 'topics',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'name', type: 'string', versions: '0+'},
        {name: 'numPartitions', type: 'int32', versions: '0+'},
        {name: 'replicationFactor', type: 'int16', versions: '0+'},
        {
          name: 'assignments',
          type: '[]struct',
          versions: '0+',
          fields: [
            {name: 'partitionIndex', type: 'int32', versions: '0+'},
            {name: 'brokerIds', type: '[]int32', versions: '0+'},
          ],
        },
        {
          name: 'configs',
          type: '[]struct',
          versions: '0+',
          fields: [
            {name: 'name', type: 'string', versions: '0+'},
            {name: 'value', type: 'string', versions: '0+', nullable: '0+'},
          ],
        },
      ],
    },
    {name: 'timeoutMs', type: 'int32', versions: '0+', default: 60000},
    {name: 'validateOnly', type: 'bool', versions: '1+', default: false},
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '2+'},
    {
      name: 'topics',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'name', type: 'string', versions: '0+'},
        {name: 'topicId', type: 'uuid', versions: '7+'},
        {name: 'errorCode', type: 'int16', versions: '0+'},
        {name: 'errorMessage', type: 'string', versions: '1+', nullable: '0+', default: null},
        {name: 'topicConfigErrorCode', type: 'int16', versions: '5+', tag: 0, taggedVersions: '5+'},
        {name: 'numPartitions', type: 'int32', versions: '5+', default: -1},
        {name: 'replicationFactor', type: 'int16', versions: '5+', default: -1},
        {
          name: 'configs',
          type: '[]struct',
          versions: '5+',
          nullable: '5+',
          fields: [
            {name: 'name', type: 'string', versions: '5+'},
            {name: 'value', type: 'string', versions: '5+', nullable: '5+'},
            {name: 'readOnly', type: 'bool', versions: '5+'},
            {name: 'configSource', type: 'int8', versions: '5+', default: -1},
            {name: 'isSensitive', type: 'bool', versions: '5+'},
          ],
        },
      ],
    },
  ],
} as const satisfies ApiSchema

export type CreateTopicsRequest = RequestOf<typeof createTopics>
export type CreateTopicsResponse = ResponseOf<typeof createTopics>
export type CreateTopicsRequestInput = RequestInput<typeof createTopics>
export type CreateTopicsResponseInput = ResponseInput<typeof createTopics>
