/**
 * OffsetForLeaderEpoch (key 23): where a leader epoch ended, so a consumer
 * or follower that saw an older leader can find where its log diverged.
 *
 * Versions 0-4. None of kafka-python 2.0.2, kafkajs 2.2.4 and librdkafka
 * 2.0 sends it (librdkafka from 2.1 sends v2 to detect log truncation,
 * KIP-320); v3 adds the replica id a follower broker sends, v4 is the first
 * flexible version (Java clients and followers).
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const offsetForLeaderEpoch = {
  apiKey: 23,
  name: 'OffsetForLeaderEpoch',
  versions: '0-4',
  flexible: '4+',
  request: [
    {name: 'replicaId', type: 'int32', versions: '3+', default: -2},
    {
      name: 'topics',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'topic', type: 'string', versions: '0+'},
        {
          name: 'partitions',
          type: '[]struct',
          versions: '0+',
          fields: [
            {name: 'partition', type: 'int32', versions: '0+'},
            {name: 'currentLeaderEpoch', type: 'int32', versions: '2+', default: -1},
            {name: 'leaderEpoch', type: 'int32', versions: '0+'},
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
        {name: 'topic', type: 'string', versions: '0+'},
        {
          name: 'partitions',
          type: '[]struct',
          versions: '0+',
          fields: [
            {name: 'errorCode', type: 'int16', versions: '0+'},
            {name: 'partition', type: 'int32', versions: '0+'},
            {name: 'leaderEpoch', type: 'int32', versions: '1+', default: -1},
            {name: 'endOffset', type: 'int64', versions: '0+', default: -1},
          ],
        },
      ],
    },
  ],
} as const satisfies ApiSchema

export type OffsetForLeaderEpochRequest = RequestOf<typeof offsetForLeaderEpoch>
export type OffsetForLeaderEpochResponse = ResponseOf<typeof offsetForLeaderEpoch>
export type OffsetForLeaderEpochRequestInput = RequestInput<typeof offsetForLeaderEpoch>
export type OffsetForLeaderEpochResponseInput = ResponseInput<typeof offsetForLeaderEpoch>
