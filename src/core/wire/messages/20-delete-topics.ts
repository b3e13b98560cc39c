/**
 * DeleteTopics (key 20).
 *
 * Versions 0-6. kafka-python 2.0.2 sends up to v3, kafkajs 2.2.4 and
 * librdkafka 2.0 up to v1; v4 is the first flexible version, v5 adds error
 * messages, v6 (Java clients) names topics in a struct that may carry a
 * topic id instead of a name: a store without ids answers those
 * UNKNOWN_TOPIC_ID.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const deleteTopics = {
  apiKey: 20,
  name: 'DeleteTopics',
  versions: '0-6',
  flexible: '4+',
  request: [
    {
      name: 'topics',
      type: '[]struct',
      versions: '6+',
      fields: [
        {name: 'name', type: 'string', versions: '6+', nullable: '6+', default: null},
        {name: 'topicId', type: 'uuid', versions: '6+'},
      ],
    },
    {name: 'topicNames', type: '[]string', versions: '0-5'},
    {name: 'timeoutMs', type: 'int32', versions: '0+'},
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '1+'},
    {
      name: 'responses',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'name', type: 'string', versions: '0+', nullable: '6+'},
        {name: 'topicId', type: 'uuid', versions: '6+'},
        {name: 'errorCode', type: 'int16', versions: '0+'},
        {name: 'errorMessage', type: 'string', versions: '5+', nullable: '5+', default: null},
      ],
    },
  ],
} as const satisfies ApiSchema

export type DeleteTopicsRequest = RequestOf<typeof deleteTopics>
export type DeleteTopicsResponse = ResponseOf<typeof deleteTopics>
export type DeleteTopicsRequestInput = RequestInput<typeof deleteTopics>
export type DeleteTopicsResponseInput = ResponseInput<typeof deleteTopics>
