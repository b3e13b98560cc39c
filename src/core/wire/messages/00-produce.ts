/**
 * Produce (key 0): record batches for partitions, stored as sent.
 *
 * Versions 3-9. v3 is the first to carry RecordBatch v2 (magic 2), the only
 * format the store holds, so older versions are refused (the issue asks
 * v3+). kafkajs 2.2.4 and librdkafka 2.0 send up to v7; kafka-python 2.0.2
 * picks its version from the broker version it infers from ApiVersions, and
 * Produce v8 in our range makes that 2.4, so it sends v7 too. v9 is the
 * first flexible version (Java clients). v10-11 only add leader hints and a
 * transactions error code; clients that know them fall back to 9.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const produce = {
  apiKey: 0,
  name: 'Produce',
  versions: '3-9',
  flexible: '9+',
  request: [
    {name: 'transactionalId', type: 'string', versions: '3+', nullable: '3+', default: null},
    {name: 'acks', type: 'int16', versions: '0+'},
    {name: 'timeoutMs', type: 'int32', versions: '0+'},
    {
      name: 'topicData',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'name', type: 'string', versions: '0+'},
        {
          name: 'partitionData',
          type: '[]struct',
          versions: '0+',
          fields: [
            {name: 'index', type: 'int32', versions: '0+'},
            {name: 'records', type: 'records', versions: '0+', nullable: '0+'},
          ],
        },
      ],
    },
  ],
  response: [
    {
      name: 'responses',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'name', type: 'string', versions: '0+'},
        {
          name: 'partitionResponses',
          type: '[]struct',
          versions: '0+',
          fields: [
            {name: 'index', type: 'int32', versions: '0+'},
            {name: 'errorCode', type: 'int16', versions: '0+'},
            {name: 'baseOffset', type: 'int64', versions: '0+'},
            {name: 'logAppendTimeMs', type: 'int64', versions: '2+', default: -1},
            {name: 'logStartOffset', type: 'int64', versions: '5+', default: -1},
            {
              name: 'recordErrors',
              type: '[]struct',
              versions: '8+',
              fields: [
                {name: 'batchIndex', type: 'int32', versions: '8+'},
                {name: 'batchIndexErrorMessage', type: 'string', versions: '8+', nullable: '8+', default: null},
              ],
            },
            {name: 'errorMessage', type: 'string', versions: '8+', nullable: '8+', default: null},
          ],
        },
      ],
    },
    {name: 'throttleTimeMs', type: 'int32', versions: '1+'},
  ],
} as const satisfies ApiSchema

export type ProduceRequest = RequestOf<typeof produce>
export type ProduceResponse = ResponseOf<typeof produce>
export type ProduceRequestInput = RequestInput<typeof produce>
export type ProduceResponseInput = ResponseInput<typeof produce>
