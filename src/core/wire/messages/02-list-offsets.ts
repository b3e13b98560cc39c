/**
 * ListOffsets (key 2): the offset for a timestamp, or the earliest (-2) or
 * latest (-1) offset of partitions.
 *
 * Versions 0-7. kafka-python 2.0.2 sends v0-v1 (v0 answers with an array of
 * offsets), kafkajs 2.2.4 up to v3, librdkafka 2.0 up to v2; v6 is the first
 * flexible version and v7 adds the max-timestamp query (-3). v8+ only add
 * tiered-storage queries that a local log has no use for.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const listOffsets = {
  apiKey: 2,
  name: 'ListOffsets',
  versions: '0-7',
  flexible: '6+',
  request: [
    {name: 'replicaId', type: 'int32', versions: '0+'},
    {name: 'isolationLevel', type: 'int8', versions: '2+'},
    {
      name: 'topics',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'name', type: 'string', versions: '0+'},
        {
          name: 'partitions',
          type: '[]struct',
          versions: '0+',
          fields: [
            {name: 'partitionIndex', type: 'int32', versions: '0+'},
            {name: 'currentLeaderEpoch', type: 'int32', versions: '4+', default: -1},
            {name: 'timestamp', type: 'int64', versions: '0+'},
            {name: 'maxNumOffsets', type: 'int32', versions: '0', default: 1},
          ],
        },
      ],
    },
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '2+'},
    {
      name: 'topics',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'name', type: 'string', versions: '0+'},
        {
          name: 'partitions',
          type: '[]struct',
          versions: '0+',
          fields: [
            {name: 'partitionIndex', type: 'int32', versions: '0+'},
            {name: 'errorCode', type: 'int16', versions: '0+'},
            {name: 'oldStyleOffsets', type: '[]int64', versions: '0'},
            {name: 'timestamp', type: 'int64', versions: '1+', default: -1},
            {name: 'offset', type: 'int64', versions: '1+', default: -1},
            {name: 'leaderEpoch', type: 'int32', versions: '4+', default: -1},
          ],
        },
      ],
    },
  ],
} as const satisfies ApiSchema

export type ListOffsetsRequest = RequestOf<typeof listOffsets>
export type ListOffsetsResponse = ResponseOf<typeof listOffsets>
export type ListOffsetsRequestInput = RequestInput<typeof listOffsets>
export type ListOffsetsResponseInput = ResponseInput<typeof listOffsets>
