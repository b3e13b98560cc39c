/**
 * Fetch (key 1): record batches from partitions, for consumers and (with a
 * replica id) follower brokers.
 *
 * Versions 4-12. v4 is the first whose clients must read RecordBatch v2
 * (the issue asks v4+); kafka-python 2.0.2 sends v4, kafkajs 2.2.4 and
 * librdkafka 2.0 up to v11; v12 is the first flexible version and adds the
 * diverging-epoch and leader hints a follower needs. v13 names topics by id
 * only, which needs topic ids in the store: clients fall back to 12.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const fetch = {
  apiKey: 1,
  name: 'Fetch',
  versions: '4-12',
  flexible: '12+',
  request: [
    {name: 'clusterId', type: 'string', versions: '12+', nullable: '12+', tag: 0, taggedVersions: '12+', default: null},
    {name: 'replicaId', type: 'int32', versions: '0-14', default: -1},
    {name: 'maxWaitMs', type: 'int32', versions: '0+'},
    {name: 'minBytes', type: 'int32', versions: '0+'},
    {name: 'maxBytes', type: 'int32', versions: '3+', default: 0x7fffffff},
    {name: 'isolationLevel', type: 'int8', versions: '4+', default: 0},
    {name: 'sessionId', type: 'int32', versions: '7+', default: 0},
    {name: 'sessionEpoch', type: 'int32', versions: '7+', default: -1},
    {
      name: 'topics',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'topic', type: 'string', versions: '0-12'},
        {
          name: 'partitions',
          type: '[]struct',
          versions: '0+',
          fields: [
            {name: 'partition', type: 'int32', versions: '0+'},
            {name: 'currentLeaderEpoch', type: 'int32', versions: '9+', default: -1},
            {name: 'fetchOffset', type: 'int64', versions: '0+'},
            {name: 'lastFetchedEpoch', type: 'int32', versions: '12+', default: -1},
            {name: 'logStartOffset', type: 'int64', versions: '5+', default: -1},
            {name: 'partitionMaxBytes', type: 'int32', versions: '0+'},
          ],
        },
      ],
    },
    {
      name: 'forgottenTopicsData',
      type: '[]struct',
      versions: '7+',
      fields: [
        {name: 'topic', type: 'string', versions: '7-12'},
        {name: 'partitions', type: '[]int32', versions: '7+'},
      ],
    },
    {name: 'rackId', type: 'string', versions: '11+', default: ''},
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '1+'},
    {name: 'errorCode', type: 'int16', versions: '7+'},
    {name: 'sessionId', type: 'int32', versions: '7+', default: 0},
    {
      name: 'responses',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'topic', type: 'string', versions: '0-12'},
        {
          name: 'partitions',
          type: '[]struct',
          versions: '0+',
          fields: [
            {name: 'partitionIndex', type: 'int32', versions: '0+'},
            {name: 'errorCode', type: 'int16', versions: '0+'},
            {name: 'highWatermark', type: 'int64', versions: '0+'},
            {name: 'lastStableOffset', type: 'int64', versions: '4+', default: -1},
            {name: 'logStartOffset', type: 'int64', versions: '5+', default: -1},
            {
              name: 'divergingEpoch',
              type: 'struct',
              versions: '12+',
              tag: 0,
              taggedVersions: '12+',
              fields: [
                {name: 'epoch', type: 'int32', versions: '12+', default: -1},
                {name: 'endOffset', type: 'int64', versions: '12+', default: -1},
              ],
            },
            {
              name: 'currentLeader',
              type: 'struct',
              versions: '12+',
              tag: 1,
              taggedVersions: '12+',
              fields: [
                {name: 'leaderId', type: 'int32', versions: '12+', default: -1},
                {name: 'leaderEpoch', type: 'int32', versions: '12+', default: -1},
              ],
            },
            {
              name: 'snapshotId',
              type: 'struct',
              versions: '12+',
              tag: 2,
              taggedVersions: '12+',
              fields: [
                {name: 'endOffset', type: 'int64', versions: '0+', default: -1},
                {name: 'epoch', type: 'int32', versions: '0+', default: -1},
              ],
            },
            {
              name: 'abortedTransactions',
              type: '[]struct',
              versions: '4+',
              nullable: '4+',
              fields: [
                {name: 'producerId', type: 'int64', versions: '4+'},
                {name: 'firstOffset', type: 'int64', versions: '4+'},
              ],
            },
            {name: 'preferredReadReplica', type: 'int32', versions: '11+', default: -1},
            {name: 'records', type: 'records', versions: '0+', nullable: '0+'},
          ],
        },
      ],
    },
  ],
} as const satisfies ApiSchema

export type FetchRequest = RequestOf<typeof fetch>
export type FetchResponse = ResponseOf<typeof fetch>
export type FetchRequestInput = RequestInput<typeof fetch>
export type FetchResponseInput = ResponseInput<typeof fetch>
