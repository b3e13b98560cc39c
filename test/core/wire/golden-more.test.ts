/**
 * Golden bytes against kafkajs for the group, offset, admin, producer-id
 * and SASL APIs at every version both implement. Requests: our encoding is
 * kafkajs's byte for byte. Responses: random values of our schema, encoded
 * by us, read by kafkajs's decoder field for field (see
 * test/helpers/kafkajs-protocol.ts).
 */
import {createRequire} from 'node:module'
import {describe, expect, test} from 'vitest'
import {decodeResponse, encodeRequest, encodeResponse} from '../../../src/core/wire/message-codec.js'
import {produce} from '../../../src/core/wire/messages/00-produce.js'
import {fetch} from '../../../src/core/wire/messages/01-fetch.js'
import {listOffsets} from '../../../src/core/wire/messages/02-list-offsets.js'
import {metadata} from '../../../src/core/wire/messages/03-metadata.js'
import {offsetCommit} from '../../../src/core/wire/messages/08-offset-commit.js'
import {offsetFetch} from '../../../src/core/wire/messages/09-offset-fetch.js'
import {findCoordinator} from '../../../src/core/wire/messages/10-find-coordinator.js'
import {joinGroup} from '../../../src/core/wire/messages/11-join-group.js'
import {heartbeat} from '../../../src/core/wire/messages/12-heartbeat.js'
import {leaveGroup} from '../../../src/core/wire/messages/13-leave-group.js'
import {syncGroup} from '../../../src/core/wire/messages/14-sync-group.js'
import {describeGroups} from '../../../src/core/wire/messages/15-describe-groups.js'
import {listGroups} from '../../../src/core/wire/messages/16-list-groups.js'
import {saslHandshake} from '../../../src/core/wire/messages/17-sasl-handshake.js'
import {apiVersions} from '../../../src/core/wire/messages/18-api-versions.js'
import {createTopics} from '../../../src/core/wire/messages/19-create-topics.js'
import {deleteTopics} from '../../../src/core/wire/messages/20-delete-topics.js'
import {initProducerId} from '../../../src/core/wire/messages/22-init-producer-id.js'
import {describeConfigs} from '../../../src/core/wire/messages/32-describe-configs.js'
import {saslAuthenticate} from '../../../src/core/wire/messages/36-sasl-authenticate.js'
import {createPartitions} from '../../../src/core/wire/messages/37-create-partitions.js'
import {deleteGroups} from '../../../src/core/wire/messages/42-delete-groups.js'
import type {ApiSchema, FieldSpec} from '../../../src/core/wire/schema.js'
import {kafkajsLeaves, kafkajsQuirks, kafkajsRequestBody, kafkajsResponse, wireLeaves} from '../../helpers/kafkajs-protocol.js'
import {randomStruct} from '../../helpers/wire-values.js'
import {Rng, testSeed} from '../support.js'

const require = createRequire(import.meta.url)
const KafkajsEncoder = require('kafkajs/src/protocol/encoder')

const range = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => from + i)

interface RequestCase {
  schema: ApiSchema
  dir: string
  versions: number[]
  kafkajs: (version: number) => unknown
  ours: (version: number) => Record<string, unknown>
}

const META = Buffer.from('00010000000100066f7264657273ffffffff', 'hex')

const requestCases: RequestCase[] = [
  {
    schema: createTopics,
    dir: 'createTopics',
    versions: range(0, 3),
    kafkajs: () => ({
      timeout: 7000,
      validateOnly: true,
      topics: [
        {topic: 'orders', numPartitions: 3, replicationFactor: 1, configEntries: [{name: 'retention.ms', value: '1000'}]},
        {topic: 'placed', replicaAssignment: [{partition: 0, replicas: [1, 2]}]},
      ],
    }),
    ours: () => ({
      timeoutMs: 7000,
      validateOnly: true,
      topics: [
        {name: 'orders', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [{name: 'retention.ms', value: '1000'}]},
        {name: 'placed', numPartitions: -1, replicationFactor: -1, assignments: [{partitionIndex: 0, brokerIds: [1, 2]}], configs: []},
      ],
    }),
  },
  {
    schema: deleteTopics,
    dir: 'deleteTopics',
    versions: range(0, 1),
    kafkajs: () => ({topics: ['orders', 'logs'], timeout: 9000}),
    ours: () => ({topicNames: ['orders', 'logs'], timeoutMs: 9000}),
  },
  {
    schema: createPartitions,
    dir: 'createPartitions',
    versions: range(0, 1),
    kafkajs: () => ({
      validateOnly: true,
      timeout: 3000,
      topicPartitions: [
        {topic: 'orders', count: 5, assignments: [[1], [2, 1]]},
        {topic: 'logs', count: 2},
      ],
    }),
    ours: () => ({
      validateOnly: true,
      timeoutMs: 3000,
      topics: [
        {name: 'orders', count: 5, assignments: [{brokerIds: [1]}, {brokerIds: [2, 1]}]},
        // kafkajs writes an empty list of assignments as null.
        {name: 'logs', count: 2, assignments: null},
      ],
    }),
  },
  {
    schema: describeConfigs,
    dir: 'describeConfigs',
    versions: range(0, 2),
    kafkajs: () => ({
      includeSynonyms: true,
      resources: [
        {type: 2, name: 'orders', configNames: ['retention.ms', 'cleanup.policy']},
        {type: 4, name: '1'},
      ],
    }),
    ours: () => ({
      includeSynonyms: true,
      resources: [
        {resourceType: 2, resourceName: 'orders', configurationKeys: ['retention.ms', 'cleanup.policy']},
        {resourceType: 4, resourceName: '1', configurationKeys: null},
      ],
    }),
  },
  {
    schema: findCoordinator,
    dir: 'findCoordinator',
    versions: range(0, 2),
    kafkajs: (v) => (v === 0 ? {groupId: 'my-group'} : {coordinatorKey: 'my-tx', coordinatorType: 1}),
    ours: (v) => (v === 0 ? {key: 'my-group'} : {key: 'my-tx', keyType: 1}),
  },
  {
    schema: joinGroup,
    dir: 'joinGroup',
    versions: range(0, 5),
    kafkajs: () => ({
      groupId: 'g',
      sessionTimeout: 30000,
      rebalanceTimeout: 60000,
      memberId: 'member-1',
      groupInstanceId: 'static-1',
      protocolType: 'consumer',
      groupProtocols: [{name: 'RoundRobinAssigner', metadata: META}, {name: 'empty'}],
    }),
    ours: () => ({
      groupId: 'g',
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 60000,
      memberId: 'member-1',
      groupInstanceId: 'static-1',
      protocolType: 'consumer',
      protocols: [
        {name: 'RoundRobinAssigner', metadata: META},
        {name: 'empty', metadata: Buffer.alloc(0)},
      ],
    }),
  },
  {
    schema: syncGroup,
    dir: 'syncGroup',
    versions: range(0, 3),
    kafkajs: () => ({
      groupId: 'g',
      generationId: 4,
      memberId: 'member-1',
      groupInstanceId: 'static-1',
      groupAssignment: [
        {memberId: 'member-1', memberAssignment: META},
        {memberId: 'member-2', memberAssignment: Buffer.alloc(0)},
      ],
    }),
    ours: () => ({
      groupId: 'g',
      generationId: 4,
      memberId: 'member-1',
      groupInstanceId: 'static-1',
      assignments: [
        {memberId: 'member-1', assignment: META},
        {memberId: 'member-2', assignment: Buffer.alloc(0)},
      ],
    }),
  },
  {
    schema: heartbeat,
    dir: 'heartbeat',
    versions: range(0, 3),
    kafkajs: () => ({groupId: 'g', groupGenerationId: 4, memberId: 'member-1', groupInstanceId: null}),
    ours: () => ({groupId: 'g', generationId: 4, memberId: 'member-1', groupInstanceId: null}),
  },
  {
    schema: leaveGroup,
    dir: 'leaveGroup',
    versions: range(0, 3),
    kafkajs: (v) => (v < 3 ? {groupId: 'g', memberId: 'member-1'} : {groupId: 'g', members: [{memberId: 'member-1'}, {memberId: 'm2', groupInstanceId: 's2'}]}),
    ours: (v) =>
      v < 3
        ? {groupId: 'g', memberId: 'member-1'}
        : {
            groupId: 'g',
            members: [
              {memberId: 'member-1', groupInstanceId: null},
              {memberId: 'm2', groupInstanceId: 's2'},
            ],
          },
  },
  {
    schema: offsetCommit,
    dir: 'offsetCommit',
    versions: range(0, 5),
    kafkajs: () => ({
      groupId: 'g',
      groupGenerationId: 4,
      memberId: 'member-1',
      retentionTime: 86400000,
      topics: [
        {
          topic: 'orders',
          partitions: [
            {partition: 0, offset: '42', timestamp: 1700000000000, metadata: 'meta'},
            {partition: 3, offset: '9007199254740993', timestamp: 1700000000000},
          ],
        },
      ],
    }),
    ours: () => ({
      groupId: 'g',
      generationIdOrMemberEpoch: 4,
      memberId: 'member-1',
      retentionTimeMs: 86400000n,
      topics: [
        {
          name: 'orders',
          partitions: [
            {partitionIndex: 0, committedOffset: 42n, commitTimestamp: 1700000000000n, committedMetadata: 'meta'},
            {partitionIndex: 3, committedOffset: 9007199254740993n, commitTimestamp: 1700000000000n, committedMetadata: null},
          ],
        },
      ],
    }),
  },
  {
    schema: offsetFetch,
    dir: 'offsetFetch',
    versions: range(1, 4),
    kafkajs: () => ({groupId: 'g', topics: [{topic: 'orders', partitions: [{partition: 0}, {partition: 2}]}]}),
    ours: () => ({groupId: 'g', topics: [{name: 'orders', partitionIndexes: [0, 2]}]}),
  },
  {
    // All topics of the group: null from v2 on (kafkajs writes an empty list as null from v3).
    schema: offsetFetch,
    dir: 'offsetFetch',
    versions: range(3, 4),
    kafkajs: () => ({groupId: 'g', topics: []}),
    ours: () => ({groupId: 'g', topics: null}),
  },
  {schema: listGroups, dir: 'listGroups', versions: range(0, 2), kafkajs: () => undefined, ours: () => ({})},
  {
    schema: describeGroups,
    dir: 'describeGroups',
    versions: range(0, 2),
    kafkajs: () => ({groupIds: ['g', 'h']}),
    ours: () => ({groups: ['g', 'h']}),
  },
  {
    schema: deleteGroups,
    dir: 'deleteGroups',
    versions: range(0, 1),
    kafkajs: () => ['g', 'h'],
    ours: () => ({groupsNames: ['g', 'h']}),
  },
  {
    schema: initProducerId,
    dir: 'initProducerId',
    versions: range(0, 1),
    kafkajs: () => ({transactionalId: null, transactionTimeout: 60000}),
    ours: () => ({transactionalId: null, transactionTimeoutMs: 60000}),
  },
  {
    schema: initProducerId,
    dir: 'initProducerId',
    versions: range(0, 1),
    kafkajs: () => ({transactionalId: 'tx-1', transactionTimeout: 1000}),
    ours: () => ({transactionalId: 'tx-1', transactionTimeoutMs: 1000}),
  },
  {
    schema: saslHandshake,
    dir: 'saslHandshake',
    versions: range(0, 1),
    kafkajs: () => ({mechanism: 'SCRAM-SHA-256'}),
    ours: () => ({mechanism: 'SCRAM-SHA-256'}),
  },
  {
    // kafkajs's SASL mechanisms hand over the token already length-prefixed.
    schema: saslAuthenticate,
    dir: 'saslAuthenticate',
    versions: range(0, 1),
    kafkajs: () => ({authBytes: new KafkajsEncoder().writeBytes(Buffer.from('\0user\0secret')).buffer}),
    ours: () => ({authBytes: Buffer.from('\0user\0secret')}),
  },
]

describe('requests: our bytes are kafkajs bytes', () => {
  const cases = requestCases.flatMap((c) => c.versions.map((v) => [`${c.schema.name} v${v}`, c, v] as const))
  test.each(cases)('%s', async (_, c, version) => {
    const theirs = await kafkajsRequestBody(c.dir, version, c.kafkajs(version))
    const ours = encodeRequest(c.schema, version, c.ours(version))
    expect(ours.toString('hex')).toBe(theirs.toString('hex'))
  })
})

/** Every version of every API kafkajs decodes responses for, with where kafkajs keeps it. */
const responseVersions: Array<[ApiSchema, string, number[]]> = [
  [apiVersions, 'apiVersions', range(0, 2)],
  [metadata, 'metadata', range(0, 6)],
  [listOffsets, 'listOffsets', range(0, 3)],
  [createTopics, 'createTopics', range(0, 3)],
  [deleteTopics, 'deleteTopics', range(0, 1)],
  [createPartitions, 'createPartitions', range(0, 1)],
  [describeConfigs, 'describeConfigs', range(0, 2)],
  [findCoordinator, 'findCoordinator', range(0, 2)],
  [joinGroup, 'joinGroup', range(0, 5)],
  [syncGroup, 'syncGroup', range(0, 3)],
  [heartbeat, 'heartbeat', range(0, 3)],
  [leaveGroup, 'leaveGroup', range(0, 3)],
  [offsetCommit, 'offsetCommit', range(0, 5)],
  [offsetFetch, 'offsetFetch', range(1, 4)],
  [listGroups, 'listGroups', range(0, 2)],
  [describeGroups, 'describeGroups', range(0, 2)],
  [deleteGroups, 'deleteGroups', range(0, 1)],
  [initProducerId, 'initProducerId', range(0, 1)],
  [saslHandshake, 'saslHandshake', range(0, 1)],
  [saslAuthenticate, 'saslAuthenticate', range(0, 1)],
]

/** kafkajs's parse turns any error code into an exception: random values get success everywhere. */
function withoutErrors(value: unknown, fields: readonly FieldSpec[]): void {
  if (value === null || typeof value !== 'object') return
  const o = value as Record<string, unknown>
  for (const f of fields) {
    if (/errorCode$/i.test(f.name) && f.name in o) o[f.name] = 0
    const v = o[f.name]
    if (f.fields && Array.isArray(v)) for (const item of v) withoutErrors(item, f.fields)
    else if (f.fields) withoutErrors(v, f.fields)
  }
}

const seed = testSeed()

describe(`responses: kafkajs reads every field we write (seed ${seed})`, () => {
  const cases = responseVersions.flatMap(([schema, dir, versions]) => versions.map((v) => [`${schema.name} v${v}`, schema, dir, v] as const))
  test.each(cases)('%s', async (_, schema, dir, version) => {
    const rng = new Rng(seed + schema.apiKey * 100 + version)
    const kafkajs = kafkajsResponse(dir, version)
    for (let i = 0; i < 10; i++) {
      const {value} = randomStruct(schema.response, version, rng)
      withoutErrors(value, schema.response)
      kafkajsQuirks.prepare[dir]?.(value)
      const bytes = encodeResponse(schema, version, value)
      const decoded = await kafkajs.decode(bytes)
      await kafkajs.parse(decoded)
      kafkajsQuirks.adapt[dir]?.(decoded, version)
      const ours = decodeResponse(schema, version, bytes) as Record<string, unknown>
      expect(kafkajsLeaves(decoded)).toEqual(wireLeaves(schema.response, version, ours))
    }
  })
})

// Produce and Fetch responses carry record batches kafkajs decodes itself: golden-core.test.ts.
void produce
void fetch
