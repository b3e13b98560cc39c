/**
 * Golden bytes for the flexible versions (KIP-482: compact strings, bytes
 * and arrays, tagged-field sections), which kafkajs does not implement,
 * against a second outside implementation: @platformatic/kafka (a dev
 * dependency, Apache-2.0), whose per-version request encoders and response
 * decoders live in dist/apis/<group>/<api>-v<N>.js. Requests: our bytes are
 * its bytes. Responses: random values of ours (tagged fields at their
 * defaults, since its reader skips tagged sections without reading them),
 * encoded by us, read back by its decoders field for field.
 */
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {describe, expect, test} from 'vitest'
import {decodeResponse, encodeRequest, encodeResponse} from '../../../src/core/wire/message-codec.js'
import {schemaFor} from '../../../src/core/wire/registry.js'
import {type ApiSchema, type FieldSpec, inVersions} from '../../../src/core/wire/schema.js'
import {ROOT} from '../../helpers/cli.js'
import {RECORDS, kafkajsLeaves, wireLeaves} from '../../helpers/kafkajs-protocol.js'
import {randomStruct} from '../../helpers/wire-values.js'
import {Rng, testSeed} from '../support.js'

const require = createRequire(import.meta.url)
const {RecordBatch} = require('kafkajs/src/protocol/recordBatch/v0')
const Record = require('kafkajs/src/protocol/recordBatch/record/v0')

const DIST = join(ROOT, 'node_modules/@platformatic/kafka/dist')

interface PlatformaticApi {
  createRequest(...args: unknown[]): {buffer: Buffer}
  parseResponse(correlationId: number, apiKey: number, apiVersion: number, reader: unknown): any
}

async function api(file: string): Promise<PlatformaticApi> {
  return import(pathToFileURL(join(DIST, 'apis', `${file}.js`)).href)
}

async function reader(bytes: Buffer): Promise<unknown> {
  const {Reader} = await import(pathToFileURL(join(DIST, 'protocol/reader.js')).href)
  return Reader.from(bytes)
}

const range = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => from + i)
const META = Buffer.from('0001000000010006', 'hex')
const UUID = '0123abcd-4567-89ef-0123-456789abcdef'

interface RequestCase {
  key: number
  file: string
  versions: number[]
  args: (version: number) => unknown[] | Promise<unknown[]>
  ours: (version: number) => Record<string, unknown> | Promise<Record<string, unknown>>
}

const T0 = 1_700_000_000_000n
async function platformaticBatch(): Promise<Buffer> {
  const {createRecordsBatch} = await import(pathToFileURL(join(DIST, 'protocol/records.js')).href)
  return createRecordsBatch([{topic: 'orders', partition: 2, key: Buffer.from('k'), value: Buffer.from('v'), timestamp: T0}]).buffer
}

const requestCases: RequestCase[] = [
  {key: 18, file: 'metadata/api-versions-v{v}', versions: [3, 4], args: () => ['logpipe', '0.1.0'], ours: () => ({clientSoftwareName: 'logpipe', clientSoftwareVersion: '0.1.0'})},
  {
    key: 3,
    file: 'metadata/metadata-v{v}',
    // Its v11 encoder still writes includeClusterAuthorizedOperations, which Kafka dropped after v10.
    versions: [9, 10, 12],
    args: () => [['orders', 'logs'], true, true],
    ours: (v) => ({topics: [{name: 'orders'}, {name: 'logs'}], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: true}),
  },
  {
    key: 0,
    file: 'producer/produce-v{v}',
    versions: [9],
    args: () => [-1, 30000, [{topic: 'orders', partition: 2, key: Buffer.from('k'), value: Buffer.from('v'), timestamp: T0}], {transactionalId: null}],
    ours: async () => ({transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{name: 'orders', partitionData: [{index: 2, records: await platformaticBatch()}]}]}),
  },
  {
    key: 1,
    file: 'consumer/fetch-v{v}',
    versions: [12],
    // Its v12 encoder writes forgotten topics as UUIDs (the v13 layout), so none are sent here.
    args: () => [500, 1, 52428800, 1, 7, 3, [{topicId: 'orders', partitions: [{partition: 2, currentLeaderEpoch: 4, fetchOffset: 99n, lastFetchedEpoch: 3, partitionMaxBytes: 1048576}]}], [], 'rack-a'],
    ours: () => ({
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 1,
      sessionId: 7,
      sessionEpoch: 3,
      topics: [{topic: 'orders', partitions: [{partition: 2, currentLeaderEpoch: 4, fetchOffset: 99n, lastFetchedEpoch: 3, logStartOffset: -1n, partitionMaxBytes: 1048576}]}],
      forgottenTopicsData: [],
      rackId: 'rack-a',
    }),
  },
  {
    key: 2,
    file: 'consumer/list-offsets-v{v}',
    versions: range(5, 7),
    args: () => [-1, 1, [{name: 'orders', partitions: [{partitionIndex: 0, currentLeaderEpoch: 5, timestamp: -2n}, {partitionIndex: 1, currentLeaderEpoch: -1, timestamp: T0}]}]],
    ours: () => ({replicaId: -1, isolationLevel: 1, topics: [{name: 'orders', partitions: [{partitionIndex: 0, currentLeaderEpoch: 5, timestamp: -2n}, {partitionIndex: 1, timestamp: T0}]}]}),
  },
  {
    key: 23,
    file: 'consumer/offset-for-leader-epoch-v{v}',
    versions: [4],
    args: () => [-1, [{name: 'orders', partitions: [{partitionIndex: 0, currentLeaderEpoch: 3, leaderEpoch: 2}]}]],
    ours: () => ({replicaId: -1, topics: [{topic: 'orders', partitions: [{partition: 0, currentLeaderEpoch: 3, leaderEpoch: 2}]}]}),
  },
  {
    key: 19,
    file: 'admin/create-topics-v{v}',
    versions: [7],
    args: () => [
      [
        {name: 'orders', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [{name: 'retention.ms', value: '1000'}]},
        {name: 'placed', numPartitions: -1, replicationFactor: -1, assignments: [{partitionIndex: 0, brokerIds: [1, 2]}], configs: []},
      ],
      7000,
      true,
    ],
    ours: () => ({
      topics: [
        {name: 'orders', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [{name: 'retention.ms', value: '1000'}]},
        {name: 'placed', numPartitions: -1, replicationFactor: -1, assignments: [{partitionIndex: 0, brokerIds: [1, 2]}], configs: []},
      ],
      timeoutMs: 7000,
      validateOnly: true,
    }),
  },
  {
    key: 20,
    file: 'admin/delete-topics-v{v}',
    versions: [6],
    args: () => [[{name: 'orders', topicId: UUID}], 9000],
    ours: () => ({topics: [{name: 'orders', topicId: UUID}], timeoutMs: 9000}),
  },
  {
    key: 37,
    file: 'admin/create-partitions-v{v}',
    versions: range(1, 3),
    args: () => [[{name: 'orders', count: 5, assignments: [{brokerIds: [1]}, {brokerIds: [2, 1]}]}], 3000, true],
    ours: () => ({topics: [{name: 'orders', count: 5, assignments: [{brokerIds: [1]}, {brokerIds: [2, 1]}]}], timeoutMs: 3000, validateOnly: true}),
  },
  {
    key: 32,
    file: 'admin/describe-configs-v{v}',
    // Its v2 encoder writes includeDocumentation, which Kafka added in v3.
    versions: [3, 4],
    args: () => [[{resourceType: 2, resourceName: 'orders', configurationKeys: ['retention.ms']}], true, true],
    ours: () => ({resources: [{resourceType: 2, resourceName: 'orders', configurationKeys: ['retention.ms']}], includeSynonyms: true, includeDocumentation: true}),
  },
  {
    key: 44,
    file: 'admin/incremental-alter-configs-v{v}',
    versions: [1],
    args: () => [[{resourceType: 2, resourceName: 'orders', configs: [{name: 'retention.ms', configOperation: 0, value: '1000'}, {name: 'x', configOperation: 1, value: null}]}], false],
    ours: () => ({resources: [{resourceType: 2, resourceName: 'orders', configs: [{name: 'retention.ms', configOperation: 0, value: '1000'}, {name: 'x', configOperation: 1, value: null}]}], validateOnly: false}),
  },
  {key: 10, file: 'metadata/find-coordinator-v{v}', versions: [4], args: () => [0, ['g', 'h']], ours: () => ({keyType: 0, coordinatorKeys: ['g', 'h']})},
  {
    key: 11,
    file: 'consumer/join-group-v{v}',
    versions: range(6, 9),
    args: () => ['g', 30000, 60000, 'member-1', 'static-1', 'consumer', [{name: 'range', metadata: META}], 'because'],
    ours: (v) => ({
      groupId: 'g',
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 60000,
      memberId: 'member-1',
      groupInstanceId: 'static-1',
      protocolType: 'consumer',
      protocols: [{name: 'range', metadata: META}],
      reason: 'because',
    }),
  },
  {
    key: 14,
    file: 'consumer/sync-group-v{v}',
    versions: [4, 5],
    args: () => ['g', 4, 'member-1', null, 'consumer', 'range', [{memberId: 'member-1', assignment: META}]],
    ours: () => ({groupId: 'g', generationId: 4, memberId: 'member-1', groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{memberId: 'member-1', assignment: META}]}),
  },
  {key: 12, file: 'consumer/heartbeat-v{v}', versions: [4], args: () => ['g', 4, 'member-1', 's-1'], ours: () => ({groupId: 'g', generationId: 4, memberId: 'member-1', groupInstanceId: 's-1'})},
  {
    key: 13,
    file: 'consumer/leave-group-v{v}',
    versions: [4, 5],
    args: () => ['g', [{memberId: 'member-1', groupInstanceId: null, reason: 'bye'}]],
    ours: () => ({groupId: 'g', members: [{memberId: 'member-1', groupInstanceId: null, reason: 'bye'}]}),
  },
  {
    key: 8,
    file: 'consumer/offset-commit-v{v}',
    versions: [8],
    args: () => ['g', 4, 'member-1', null, [{name: 'orders', partitions: [{partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: 3, committedMetadata: 'm'}]}]],
    ours: () => ({groupId: 'g', generationIdOrMemberEpoch: 4, memberId: 'member-1', groupInstanceId: null, topics: [{name: 'orders', partitions: [{partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: 3, committedMetadata: 'm'}]}]}),
  },
  {
    key: 9,
    file: 'consumer/offset-fetch-v{v}',
    versions: [8],
    args: () => [[{groupId: 'g', topics: [{name: 'orders', partitionIndexes: [0, 2]}]}, {groupId: 'h', topics: null}], true],
    ours: () => ({groups: [{groupId: 'g', topics: [{name: 'orders', partitionIndexes: [0, 2]}]}, {groupId: 'h', topics: null}], requireStable: true}),
  },
  {key: 16, file: 'admin/list-groups-v{v}', versions: [4], args: () => [['Stable', 'Empty']], ours: () => ({statesFilter: ['Stable', 'Empty']})},
  {key: 15, file: 'admin/describe-groups-v{v}', versions: [5], args: () => [['g', 'h'], true], ours: () => ({groups: ['g', 'h'], includeAuthorizedOperations: true})},
  {key: 42, file: 'admin/delete-groups-v{v}', versions: [2], args: () => [['g', 'h']], ours: () => ({groupsNames: ['g', 'h']})},
  {
    key: 22,
    file: 'producer/init-producer-id-v{v}',
    versions: [3, 4],
    args: () => [null, 60000, 7n, 2],
    ours: () => ({transactionalId: null, transactionTimeoutMs: 60000, producerId: 7n, producerEpoch: 2}),
  },
  {key: 17, file: 'security/sasl-handshake-v{v}', versions: [1], args: () => ['PLAIN'], ours: () => ({mechanism: 'PLAIN'})},
  {key: 36, file: 'security/sasl-authenticate-v{v}', versions: [2], args: () => [Buffer.from('\0u\0p')], ours: () => ({authBytes: Buffer.from('\0u\0p')})},
]

describe('flexible requests: our bytes are @platformatic/kafka bytes', () => {
  const cases = requestCases.flatMap((c) => c.versions.map((v) => [`${schemaFor(c.key)!.name} v${v}`, c, v] as const))
  test.each(cases)('%s', async (_, c, version) => {
    const theirs = (await api(c.file.replace('{v}', String(version)))).createRequest(...(await c.args(version))).buffer
    const ours = encodeRequest(schemaFor(c.key)!, version, await c.ours(version))
    expect(ours.toString('hex')).toBe(theirs.toString('hex'))
  })
})

/** The response decoders it has, among our versions. */
const responseVersions: Array<[number, string, number[]]> = [
  [18, 'metadata/api-versions-v{v}', [3, 4]],
  [3, 'metadata/metadata-v{v}', range(9, 12)],
  [0, 'producer/produce-v{v}', [7, 8, 9]],
  [2, 'consumer/list-offsets-v{v}', range(5, 7)],
  // Not OffsetForLeaderEpoch v4: its decoder reads partition before errorCode, Kafka's order is errorCode first.
  [19, 'admin/create-topics-v{v}', [7]],
  [20, 'admin/delete-topics-v{v}', [6]],
  [37, 'admin/create-partitions-v{v}', range(1, 3)],
  // Not DescribeConfigs v2: its decoder reads configType and documentation, which Kafka added in v3.
  [32, 'admin/describe-configs-v{v}', [3, 4]],
  [44, 'admin/incremental-alter-configs-v{v}', [1]],
  [10, 'metadata/find-coordinator-v{v}', [4]],
  [11, 'consumer/join-group-v{v}', range(6, 9)],
  [14, 'consumer/sync-group-v{v}', [4, 5]],
  [12, 'consumer/heartbeat-v{v}', [4]],
  [13, 'consumer/leave-group-v{v}', [4, 5]],
  [8, 'consumer/offset-commit-v{v}', [8]],
  [9, 'consumer/offset-fetch-v{v}', [8]],
  [16, 'admin/list-groups-v{v}', [4]],
  [15, 'admin/describe-groups-v{v}', [5]],
  [42, 'admin/delete-groups-v{v}', [2]],
  [22, 'producer/init-producer-id-v{v}', [3, 4]],
  [17, 'security/sasl-handshake-v{v}', [1]],
  [36, 'security/sasl-authenticate-v{v}', [2]],
]

/** Its decoders throw on any error code; and its reader skips tagged sections unread, so tagged fields stay at their defaults. */
function forPlatformatic(value: unknown, fields: readonly FieldSpec[]): void {
  if (value === null || typeof value !== 'object') return
  const o = value as Record<string, unknown>
  for (const f of fields) {
    if (f.tag !== undefined) {
      delete o[f.name]
      continue
    }
    if (/errorCode$/i.test(f.name) && f.name in o) o[f.name] = 0
    // Its Produce decoder takes any record error message for an error.
    if (f.name === 'batchIndexErrorMessage') o[f.name] = null
    const v = o[f.name]
    if (f.fields && Array.isArray(v)) for (const item of v) forPlatformatic(item, f.fields)
    else if (f.fields) forPlatformatic(v, f.fields)
  }
}

/**
 * Its decoders fill in fields the version does not carry (protocolType ''
 * in JoinGroup v6, recordErrors [] in Produce v7) and derive some (an API's
 * name beside its key): only fields on the wire in this version are kept,
 * in its order. A value it read under another name would be dropped and
 * show as a missing leaf, so nothing is hidden.
 */
function onTheWire(decoded: any, fields: readonly FieldSpec[], version: number): any {
  if (decoded === null || typeof decoded !== 'object' || Buffer.isBuffer(decoded)) return decoded
  const keep = new Map(fields.filter((f) => inVersions(f.versions, version) && f.tag === undefined).map((f) => [f.name, f]))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(decoded)) {
    const f = keep.get(k)
    if (f === undefined) continue
    out[k] = f.fields ? (Array.isArray(v) ? v.map((x) => onTheWire(x, f.fields!, version)) : onTheWire(v, f.fields, version)) : v
  }
  return out
}

/** Fields its decoders skip without keeping: Metadata v9-v10 read clusterAuthorizedOperations (int32) as one boolean. */
const UNKEPT: Record<string, string[]> = {'3 v9': ['clusterAuthorizedOperations'], '3 v10': ['clusterAuthorizedOperations']}

const seed = testSeed()

describe(`flexible responses: @platformatic/kafka reads every field we write (seed ${seed})`, () => {
  const cases = responseVersions.flatMap(([key, file, versions]) => versions.map((v) => [`${schemaFor(key)!.name} v${v}`, key, file, v] as const))
  test.each(cases)('%s', async (_, key, file, version) => {
    const schema: ApiSchema = schemaFor(key)!
    const decoder = await api(file.replace('{v}', String(version)))
    const rng = new Rng(seed + key * 100 + version)
    for (let i = 0; i < 10; i++) {
      const {value} = randomStruct(schema.response, version, rng)
      forPlatformatic(value, schema.response)
      const bytes = encodeResponse(schema, version, value)
      const theirs = onTheWire(decoder.parseResponse(1, key, version, await reader(bytes)), schema.response, version)
      const ours = decodeResponse(schema, version, bytes) as Record<string, unknown>
      for (const name of UNKEPT[`${key} v${version}`] ?? []) delete theirs[name]
      const fields = schema.response.filter((f) => !(UNKEPT[`${key} v${version}`] ?? []).includes(f.name))
      expect(kafkajsLeaves(theirs), `value ${i}`).toEqual(wireLeaves(fields, version, ours))
    }
  })

  test('Fetch v12: records reach its batch decoder whole', async () => {
    const fetch = schemaFor(1)!
    const records = (await RecordBatch({records: [Record({key: Buffer.from('k'), value: Buffer.from('v')})], firstTimestamp: 1, maxTimestamp: 1})).buffer
    const bytes = encodeResponse(fetch, 12, {
      throttleTimeMs: 1,
      sessionId: 5,
      responses: [{topic: 'orders', partitions: [{partitionIndex: 2, highWatermark: 10n, lastStableOffset: 9n, logStartOffset: 0n, abortedTransactions: [{producerId: 3n, firstOffset: 4n}], records}]}],
    })
    const theirs = (await api('consumer/fetch-v12')).parseResponse(1, 1, 12, await reader(bytes))
    const ours = decodeResponse(fetch, 12, bytes) as Record<string, unknown>
    expect(kafkajsLeaves(theirs, ['records'])).toEqual(wireLeaves(fetch.response, 12, ours))
    expect(theirs.responses[0].partitions[0].records[0].records.map((r: any) => [r.key.toString(), r.value.toString()])).toEqual([['k', 'v']])
    void RECORDS
  })
})
