/**
 * Metadata (key 3): brokers, topics, partitions with their leaders and
 * replicas.
 *
 * Versions 0-12. kafka-python 2.0.2 sends v0-v1 (v1: null topics = all),
 * kafkajs 2.2.4 up to v6, librdkafka 2.0 up to v4; v9 is the first flexible
 * version, v12 what Java clients send. All of 0-12 name topics, so a broker
 * without topic ids answers them all (v10+ carry a topic id, a zero UUID
 * where unknown).
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const metadata = {
  apiKey: 3,
  name: 'Metadata',
  versions: '0-12',
  flexible: '9+',
  request: [
    {
      // v0: an empty array means all topics; v1+: null means all, empty none.
      name: 'topics',
      type: '[]struct',
      versions: '0+',
      nullable: '1+',
      fields: [
        {name: 'topicId', type: 'uuid', versions: '10+'},
        {name: 'name', type: 'string', versions: '0+', nullable: '10+'},
      ],
    },
    {name: 'allowAutoTopicCreation', type: 'bool', versions: '4+', default: true},
    {name: 'includeClusterAuthorizedOperations', type: 'bool', versions: '8-10'},
    {name: 'includeTopicAuthorizedOperations', type: 'bool', versions: '8+'},
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '3+'},
    {
      name: 'brokers',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'nodeId', type: 'int32', versions: '0+'},
        {name: 'host', type: 'string', versions: '0+'},
        {name: 'port', type: 'int32', versions: '0+'},
        {name: 'rack', type: 'string', versions: '1+', nullable: '1+', default: null},
      ],
    },
    {name: 'clusterId', type: 'string', versions: '2+', nullable: '2+', default: null},
    {name: 'controllerId', type: 'int32', versions: '1+', default: -1},
    {
      name: 'topics',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'errorCode', type: 'int16', versions: '0+'},
        {name: 'name', type: 'string', versions: '0+', nullable: '12+'},
        {name: 'topicId', type: 'uuid', versions: '10+'},
        {name: 'isInternal', type: 'bool', versions: '1+', default: false},
        {
          name: 'partitions',
          type: '[]struct',
          versions: '0+',
          fields: [
            {name: 'errorCode', type: 'int16', versions: '0+'},
            {name: 'partitionIndex', type: 'int32', versions: '0+'},
            {name: 'leaderId', type: 'int32', versions: '0+'},
            {name: 'leaderEpoch', type: 'int32', versions: '7+', default: -1},
            {name: 'replicaNodes', type: '[]int32', versions: '0+'},
            {name: 'isrNodes', type: '[]int32', versions: '0+'},
            {name: 'offlineReplicas', type: '[]int32', versions: '5+'},
          ],
        },
        {name: 'topicAuthorizedOperations', type: 'int32', versions: '8+', default: -2147483648},
      ],
    },
    {name: 'clusterAuthorizedOperations', type: 'int32', versions: '8-10', default: -2147483648},
  ],
} as const satisfies ApiSchema

export type MetadataRequest = RequestOf<typeof metadata>
export type MetadataResponse = ResponseOf<typeof metadata>
export type MetadataRequestInput = RequestInput<typeof metadata>
export type MetadataResponseInput = ResponseInput<typeof metadata>
