/**
 * Golden bytes against kafkajs for ApiVersions, Metadata, Produce, Fetch and
 * ListOffsets, at every version both implement: our request encoding equals
 * kafkajs's byte for byte, and kafkajs's decoder reads back every field of
 * our response encoding (see test/helpers/kafkajs-protocol.ts).
 */
import {createRequire} from 'node:module'
import {describe, expect, test} from 'vitest'
import {decodeResponse, encodeRequest, encodeResponse} from '../../../src/core/wire/message-codec.js'
import {produce} from '../../../src/core/wire/messages/00-produce.js'
import {fetch} from '../../../src/core/wire/messages/01-fetch.js'
import {listOffsets} from '../../../src/core/wire/messages/02-list-offsets.js'
import {metadata} from '../../../src/core/wire/messages/03-metadata.js'
import {apiVersions} from '../../../src/core/wire/messages/18-api-versions.js'
import type {ApiSchema} from '../../../src/core/wire/schema.js'
import {kafkajsLeaves, kafkajsRequestBody, kafkajsResponse, wireLeaves} from '../../helpers/kafkajs-protocol.js'

const require = createRequire(import.meta.url)
const {RecordBatch} = require('kafkajs/src/protocol/recordBatch/v0')
const Record = require('kafkajs/src/protocol/recordBatch/record/v0')

const range = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => from + i)

const T0 = 1_700_000_000_000
const MESSAGES = [
  {key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: T0},
  {key: null, value: Buffer.from('value two'), timestamp: T0 + 5, headers: {h: Buffer.from('x')}},
]

/** The batch kafkajs's Produce encoder builds for MESSAGES, built the same way. */
async function kafkajsBatch(): Promise<Buffer> {
  const records = MESSAGES.map((m, i) => Record({...m, offsetDelta: i, timestampDelta: m.timestamp - T0}))
  const batch = await RecordBatch({records, firstTimestamp: T0, maxTimestamp: T0 + 5, lastOffsetDelta: records.length - 1})
  return batch.buffer
}

interface RequestCase {
  schema: ApiSchema
  dir: string
  version: number
  kafkajs: () => Promise<unknown> | unknown
  ours: () => Promise<Record<string, unknown>> | Record<string, unknown>
}

const requestCases: RequestCase[] = [
  ...range(0, 2).map((version) => ({schema: apiVersions, dir: 'apiVersions', version, kafkajs: () => undefined, ours: () => ({})})),
  ...range(0, 6).map((version) => ({
    schema: metadata,
    dir: 'metadata',
    version,
    kafkajs: () => ({topics: ['orders', 'logs'], allowAutoTopicCreation: false}),
    ours: () => ({topics: [{name: 'orders'}, {name: 'logs'}], allowAutoTopicCreation: false}),
  })),
  // All topics: v0 says it with an empty array, v1+ with null (kafkajs writes null for empty).
  ...range(0, 6).map((version) => ({
    schema: metadata,
    dir: 'metadata',
    version,
    kafkajs: () => ({topics: []}),
    ours: () => ({topics: version === 0 ? [] : null}),
  })),
  ...range(3, 7).map((version) => ({
    schema: produce,
    dir: 'produce',
    version,
    kafkajs: () => ({
      acks: -1,
      timeout: 30000,
      transactionalId: version >= 3 ? 'tx-1' : undefined,
      topicData: [{topic: 'orders', partitions: [{partition: 2, messages: MESSAGES}]}],
    }),
    ours: async () => {
      // kafkajs marks the batch transactional when a transactional id is given.
      const records = await kafkajsBatch()
      const tx = Buffer.from(records)
      tx.writeInt16BE(tx.readInt16BE(21) | 16, 21)
      const {crc32c} = await import('../../../src/core/codec/crc32c.js')
      tx.writeUInt32BE(crc32c(tx.subarray(21)), 17)
      return {transactionalId: 'tx-1', acks: -1, timeoutMs: 30000, topicData: [{name: 'orders', partitionData: [{index: 2, records: tx}]}]}
    },
  })),
  ...range(4, 11).map((version) => ({
    schema: fetch,
    dir: 'fetch',
    version,
    kafkajs: () => ({
      replicaId: -1,
      maxWaitTime: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 1,
      sessionId: 7,
      sessionEpoch: 3,
      rackId: 'rack-a',
      forgottenTopics: [{topic: 'gone', partitions: [4, 5]}],
      topics: [{topic: 'orders', partitions: [{partition: 2, fetchOffset: '1234567890123', currentLeaderEpoch: 9, logStartOffset: '11', maxBytes: 1048576}]}],
    }),
    ours: () => ({
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 1,
      sessionId: 7,
      sessionEpoch: 3,
      rackId: 'rack-a',
      forgottenTopicsData: [{topic: 'gone', partitions: [4, 5]}],
      topics: [{topic: 'orders', partitions: [{partition: 2, fetchOffset: 1234567890123n, currentLeaderEpoch: 9, logStartOffset: 11n, partitionMaxBytes: 1048576}]}],
    }),
  })),
  ...range(0, 3).map((version) => ({
    schema: listOffsets,
    dir: 'listOffsets',
    version,
    kafkajs: () => ({
      replicaId: -1,
      isolationLevel: 1,
      topics: [{topic: 'orders', partitions: [{partition: 0, timestamp: -2}, {partition: 1, timestamp: T0}]}],
    }),
    ours: () => ({
      replicaId: -1,
      isolationLevel: 1,
      topics: [{name: 'orders', partitions: [{partitionIndex: 0, timestamp: -2n}, {partitionIndex: 1, timestamp: BigInt(T0)}]}],
    }),
  })),
]

describe('requests: our bytes are kafkajs bytes', () => {
  test.each(requestCases.map((c) => [`${c.schema.name} v${c.version}`, c] as const))('%s', async (_, c) => {
    const theirs = await kafkajsRequestBody(c.dir, c.version, await c.kafkajs())
    const ours = encodeRequest(c.schema, c.version, await c.ours())
    expect(ours.toString('hex')).toBe(theirs.toString('hex'))
  })
})

interface ResponseCase {
  schema: ApiSchema
  dir: string
  version: number
  ours: () => Promise<Record<string, unknown>> | Record<string, unknown>
  /** What kafkajs must make of the records, if any. */
  messages?: Array<{key: string | null; value: string}>
}

const responseCases: ResponseCase[] = [
  ...range(0, 2).map((version) => ({
    schema: apiVersions,
    dir: 'apiVersions',
    version,
    ours: () => ({
      errorCode: 0,
      apiKeys: [
        {apiKey: 0, minVersion: 3, maxVersion: 9},
        {apiKey: 18, minVersion: 0, maxVersion: 4},
      ],
      throttleTimeMs: 12,
    }),
  })),
  ...range(0, 6).map((version) => ({
    schema: metadata,
    dir: 'metadata',
    version,
    ours: () => ({
      throttleTimeMs: 3,
      brokers: [
        {nodeId: 1, host: 'localhost', port: 9092, rack: 'r1'},
        {nodeId: 2, host: 'example.org', port: 19092, rack: null},
      ],
      clusterId: 'cluster-x',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 'orders',
          isInternal: false,
          partitions: [
            {errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1, 2], isrNodes: [1], offlineReplicas: [2]},
            {errorCode: 0, partitionIndex: 1, leaderId: 2, replicaNodes: [2], isrNodes: [2], offlineReplicas: []},
          ],
        },
      ],
    }),
  })),
  ...range(3, 7).map((version) => ({
    schema: produce,
    dir: 'produce',
    version,
    ours: () => ({
      responses: [{name: 'orders', partitionResponses: [{index: 2, errorCode: 0, baseOffset: 41n, logAppendTimeMs: BigInt(T0), logStartOffset: 7n}]}],
      throttleTimeMs: 5,
    }),
  })),
  ...range(4, 11).map((version) => ({
    schema: fetch,
    dir: 'fetch',
    version,
    ours: async () => ({
      throttleTimeMs: 1,
      errorCode: 0,
      sessionId: 77,
      responses: [
        {
          topic: 'orders',
          partitions: [
            {
              partitionIndex: 2,
              errorCode: 0,
              highWatermark: 100n,
              lastStableOffset: 99n,
              logStartOffset: 3n,
              abortedTransactions: [{producerId: 1000n, firstOffset: 50n}],
              preferredReadReplica: -1,
              records: await kafkajsBatch(),
            },
          ],
        },
      ],
    }),
    messages: [
      {key: 'k1', value: 'v1'},
      {key: null, value: 'value two'},
    ],
  })),
  ...range(0, 3).map((version) => ({
    schema: listOffsets,
    dir: 'listOffsets',
    version,
    ours: () => ({
      throttleTimeMs: 2,
      topics: [
        {
          name: 'orders',
          partitions: [
            {partitionIndex: 0, errorCode: 0, oldStyleOffsets: [12n, 0n], timestamp: -1n, offset: 12n},
            {partitionIndex: 1, errorCode: 0, oldStyleOffsets: [], timestamp: BigInt(T0), offset: 4n},
          ],
        },
      ],
    }),
  })),
]

describe('responses: kafkajs reads every field we write', () => {
  test.each(responseCases.map((c) => [`${c.schema.name} v${c.version}`, c] as const))('%s', async (_, c) => {
    const bytes = encodeResponse(c.schema, c.version, await c.ours())
    const kafkajs = kafkajsResponse(c.dir, c.version)
    const decoded = await kafkajs.decode(bytes)
    await kafkajs.parse(decoded) // throws on an error code it finds
    const ours = decodeResponse(c.schema, c.version, bytes) as Record<string, unknown>
    expect(kafkajsLeaves(decoded)).toEqual(wireLeaves(c.schema.response, c.version, ours))
    if (c.messages) {
      const partition = decoded.responses[0].partitions[0]
      expect(partition.messages.map((m: any) => ({key: m.key === null ? null : m.key.toString(), value: m.value.toString()}))).toEqual(c.messages)
    }
  })
})
