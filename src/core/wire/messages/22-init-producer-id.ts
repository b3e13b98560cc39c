/**
 * InitProducerId (key 22): a producer id and epoch for an idempotent (or
 * transactional) producer.
 *
 * Versions 0-4. kafkajs 2.2.4 sends v0-v1, librdkafka 2.0 up to v4,
 * kafka-python 2.0.2 never (no idempotence); v2 is the first flexible
 * version, v3 lets a producer bump its epoch after an error, v4 adds
 * PRODUCER_FENCED. v5 only adds a transactions error code.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const initProducerId = {
  apiKey: 22,
  name: 'InitProducerId',
  versions: '0-4',
  flexible: '2+',
  request: [
    {name: 'transactionalId', type: 'string', versions: '0+', nullable: '0+', default: null},
    {name: 'transactionTimeoutMs', type: 'int32', versions: '0+'},
    {name: 'producerId', type: 'int64', versions: '3+', default: -1},
    {name: 'producerEpoch', type: 'int16', versions: '3+', default: -1},
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '0+'},
    {name: 'errorCode', type: 'int16', versions: '0+'},
    {name: 'producerId', type: 'int64', versions: '0+', default: -1},
    {name: 'producerEpoch', type: 'int16', versions: '0+'},
  ],
} as const satisfies ApiSchema

export type InitProducerIdRequest = RequestOf<typeof initProducerId>
export type InitProducerIdResponse = ResponseOf<typeof initProducerId>
export type InitProducerIdRequestInput = RequestInput<typeof initProducerId>
export type InitProducerIdResponseInput = ResponseInput<typeof initProducerId>
