/**
 * OffsetCommit (key 8): a group's committed offsets.
 *
 * Versions 0-8. kafka-python 2.0.2 sends v0-v2, kafkajs 2.2.4 up to v5,
 * librdkafka 2.0 up to v7; v1 adds the generation and member (v1 alone a
 * commit timestamp), v2-4 a retention time, v6 the leader epoch, v7
 * group.instance.id, v8 is the first flexible version. v9 is for the new
 * consumer group protocol (KIP-848), which this broker does not run.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const offsetCommit = {
  apiKey: 8,
  name: 'OffsetCommit',
  versions: '0-8',
  flexible: '8+',
  request: [
    {name: 'groupId', type: 'string', versions: '0+'},
    {name: 'generationIdOrMemberEpoch', type: 'int32', versions: '1+', default: -1},
    {name: 'memberId', type: 'string', versions: '1+'},
    {name: 'groupInstanceId', type: 'string', versions: '7+', nullable: '7+', default: null},
    {name: 'retentionTimeMs', type: 'int64', versions: '2-4', default: -1},
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
            {name: 'committedOffset', type: 'int64', versions: '0+'},
            {name: 'committedLeaderEpoch', type: 'int32', versions: '6+', default: -1},
            {name: 'commitTimestamp', type: 'int64', versions: '1', default: -1},
            {name: 'committedMetadata', type: 'string', versions: '0+', nullable: '0+'},
          ],
        },
      ],
    },
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '3+'},
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
          ],
        },
      ],
    },
  ],
} as const satisfies ApiSchema

export type OffsetCommitRequest = RequestOf<typeof offsetCommit>
export type OffsetCommitResponse = ResponseOf<typeof offsetCommit>
export type OffsetCommitRequestInput = RequestInput<typeof offsetCommit>
export type OffsetCommitResponseInput = ResponseInput<typeof offsetCommit>
