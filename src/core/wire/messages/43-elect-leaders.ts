/**
 * ElectLeaders (key 43, KIP-183; election types from v1, KIP-460), laid
 * out as Kafka's ElectLeadersRequest.json / ElectLeadersResponse.json.
 *
 * Versions 0-2: v0 elects the preferred replica, v1 adds ElectionType
 * (0 preferred, 1 unclean) and a top-level error code, v2 is the first
 * flexible version. A null TopicPartitions asks for every partition.
 * kafkajs 2.2.4 and kafka-python 2.0.2 do not implement it; Kafka's own
 * AdminClient (kafka-leader-election.sh) sends v2.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const electLeaders = {
  apiKey: 43,
  name: 'ElectLeaders',
  versions: '0-2',
  flexible: '2+',
  request: [
    {name: 'electionType', type: 'int8', versions: '1+', default: 0},
    {
      name: 'topicPartitions',
      type: '[]struct',
      versions: '0+',
      nullable: '0+',
      fields: [
        {name: 'topic', type: 'string', versions: '0+'},
        {name: 'partitions', type: '[]int32', versions: '0+'},
      ],
    },
    {name: 'timeoutMs', type: 'int32', versions: '0+', default: 60000},
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '0+'},
    {name: 'errorCode', type: 'int16', versions: '1+', default: 0},
    {
      name: 'replicaElectionResults',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'topic', type: 'string', versions: '0+'},
        {
          name: 'partitionResult',
          type: '[]struct',
          versions: '0+',
          fields: [
            {name: 'partitionId', type: 'int32', versions: '0+'},
            {name: 'errorCode', type: 'int16', versions: '0+'},
            {name: 'errorMessage', type: 'string', versions: '0+', nullable: '0+', default: null},
          ],
        },
      ],
    },
  ],
} as const satisfies ApiSchema

export type ElectLeadersRequest = RequestOf<typeof electLeaders>
export type ElectLeadersResponse = ResponseOf<typeof electLeaders>
export type ElectLeadersRequestInput = RequestInput<typeof electLeaders>
export type ElectLeadersResponseInput = ResponseInput<typeof electLeaders>
