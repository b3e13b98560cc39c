/**
 * OffsetFetch (key 9): a group's committed offsets, read back.
 *
 * Versions 0-8. kafka-python 2.0.2 sends v0-v1, kafkajs 2.2.4 v1-v4,
 * librdkafka 2.0 up to v7; v2 lets topics be null (all the group has), v5
 * adds leader epochs, v6 is the first flexible version, v7 requireStable,
 * v8 (Java clients) asks for several groups at once. v9 is for the new
 * consumer group protocol (KIP-848).
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

const partitionFields = [
  {name: 'partitionIndex', type: 'int32', versions: '0+'},
  {name: 'committedOffset', type: 'int64', versions: '0+'},
  {name: 'committedLeaderEpoch', type: 'int32', versions: '5+', default: -1},
  {name: 'metadata', type: 'string', versions: '0+', nullable: '0+'},
  {name: 'errorCode', type: 'int16', versions: '0+'},
] as const

export const offsetFetch = {
  apiKey: 9,
  name: 'OffsetFetch',
  versions: '0-8',
  flexible: '6+',
  request: [
    {name: 'groupId', type: 'string', versions: '0-7'},
    {
      name: 'topics',
      type: '[]struct',
      versions: '0-7',
      nullable: '2-7',
      fields: [
        {name: 'name', type: 'string', versions: '0-7'},
        {name: 'partitionIndexes', type: '[]int32', versions: '0-7'},
      ],
    },
    {
      name: 'groups',
      type: '[]struct',
      versions: '8+',
      fields: [
        {name: 'groupId', type: 'string', versions: '8+'},
        {
          name: 'topics',
          type: '[]struct',
          versions: '8+',
          nullable: '8+',
          fields: [
            {name: 'name', type: 'string', versions: '8+'},
            {name: 'partitionIndexes', type: '[]int32', versions: '8+'},
          ],
        },
      ],
    },
    {name: 'requireStable', type: 'bool', versions: '7+', default: false},
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '3+'},
    {
      name: 'topics',
      type: '[]struct',
      versions: '0-7',
      fields: [
        {name: 'name', type: 'string', versions: '0-7'},
        {name: 'partitions', type: '[]struct', versions: '0-7', fields: partitionFields},
      ],
    },
    {name: 'errorCode', type: 'int16', versions: '2-7', default: 0},
    {
      name: 'groups',
      type: '[]struct',
      versions: '8+',
      fields: [
        {name: 'groupId', type: 'string', versions: '8+'},
        {
          name: 'topics',
          type: '[]struct',
          versions: '8+',
          fields: [
            {name: 'name', type: 'string', versions: '8+'},
            {name: 'partitions', type: '[]struct', versions: '8+', fields: partitionFields},
          ],
        },
        {name: 'errorCode', type: 'int16', versions: '8+', default: 0},
      ],
    },
  ],
} as const satisfies ApiSchema

export type OffsetFetchRequest = RequestOf<typeof offsetFetch>
export type OffsetFetchResponse = ResponseOf<typeof offsetFetch>
export type OffsetFetchRequestInput = RequestInput<typeof offsetFetch>
export type OffsetFetchResponseInput = ResponseInput<typeof offsetFetch>
