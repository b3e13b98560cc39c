/**
 * Real clients that nobody here wrote read our encodings: kcat (librdkafka
 * 2.0), kafka-python 2.0.2 and kafkajs ask a tiny endpoint built on our
 * codec (test/helpers/wire-server.ts) for metadata and must see exactly
 * the cluster it describes. The versions they send are recorded and must
 * be the ones the schemas' comments claim.
 */
import {createRequire} from 'node:module'
import {execa} from 'execa'
import {afterEach, describe, expect, test} from 'vitest'
import {type WireServer, startWireServer} from '../../helpers/wire-server.js'

const require = createRequire(import.meta.url)
const {Kafka, logLevel} = require('kafkajs')

const servers: WireServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

const TOPICS = [
  {name: 'orders', partitions: 3},
  {name: 'logs', partitions: 1},
]

/** A one-broker cluster (node 1) serving TOPICS, whatever the Metadata version. */
async function cluster(): Promise<WireServer> {
  let port = 0
  const server = await startWireServer({
    3: (request: {topics: Array<{name: string | null}> | null}) => {
      const wanted = request.topics === null || request.topics.length === 0 ? null : request.topics.map((t) => t.name)
      return {
        brokers: [{nodeId: 1, host: '127.0.0.1', port, rack: null}],
        clusterId: 'logpipe-test',
        controllerId: 1,
        topics: TOPICS.filter((t) => wanted === null || wanted.includes(t.name)).map((t) => ({
          errorCode: 0,
          name: t.name,
          partitions: Array.from({length: t.partitions}, (_, i) => ({
            errorCode: 0,
            partitionIndex: i,
            leaderId: 1,
            leaderEpoch: 0,
            replicaNodes: [1],
            isrNodes: [1],
            offlineReplicas: [],
          })),
        })),
      }
    },
  })
  port = server.port
  servers.push(server)
  return server
}

describe('real clients read our metadata', () => {
  test('kcat -L (librdkafka): ApiVersions v3 then Metadata v4', async () => {
    const server = await cluster()
    const {stdout} = await execa('kcat', ['-L', '-J', '-b', `127.0.0.1:${server.port}`, '-m', '10'], {timeout: 30_000, env: {}, extendEnv: false})
    const metadata = JSON.parse(stdout)
    expect(metadata.brokers).toEqual([{id: 1, name: `127.0.0.1:${server.port}`}])
    expect(
      metadata.topics.map((t: any) => ({name: t.topic, partitions: t.partitions.map((p: any) => [p.partition, p.leader, p.replicas, p.isrs])})),
    ).toEqual(
      TOPICS.map((t) => ({
        name: t.name,
        partitions: Array.from({length: t.partitions}, (_, i) => [i, 1, [{id: 1}], [{id: 1}]]),
      })),
    )
    expect(server.problems).toEqual([])
    expect(server.seen[0]).toBe('ApiVersions v3')
    expect(server.seen).toContain('Metadata v4')
  })

  test('kafka-python 2.0.2: ApiVersions v0, then Metadata v1, partitions of a topic', async () => {
    const server = await cluster()
    const script = [
      'import json, sys',
      'from kafka import KafkaConsumer',
      `c = KafkaConsumer(bootstrap_servers='127.0.0.1:${server.port}', request_timeout_ms=20000, api_version_auto_timeout_ms=10000)`,
      'print(json.dumps({"topics": sorted(c.topics()), "orders": sorted(c.partitions_for_topic("orders")), "api_version": c.config["api_version"]}))',
      'c.close()',
    ].join('\n')
    const {stdout} = await execa('/usr/bin/python3', ['-c', script], {timeout: 60_000, env: {}, extendEnv: false})
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!)
    expect(out.topics).toEqual(['logs', 'orders'])
    expect(out.orders).toEqual([0, 1, 2])
    // It infers the broker's version from our ApiVersions ranges: Produce v8 means 2.4.
    expect(out.api_version).toEqual([2, 4, 0])
    expect(server.problems).toEqual([])
    expect(server.seen[0]).toBe('ApiVersions v0')
    expect(server.seen).toContain('Metadata v1')
  })

  test('kafkajs 2.2.4: ApiVersions v2, then Metadata v6', async () => {
    const server = await cluster()
    const kafka = new Kafka({brokers: [`127.0.0.1:${server.port}`], clientId: 'wire-test', logLevel: logLevel.NOTHING, retry: {retries: 0}})
    const admin = kafka.admin()
    await admin.connect()
    try {
      const {topics} = await admin.fetchTopicMetadata({topics: ['orders']})
      expect(topics).toEqual([
        {
          name: 'orders',
          partitions: [0, 1, 2].map((i) => ({partitionErrorCode: 0, partitionId: i, leader: 1, replicas: [1], isr: [1], offlineReplicas: []})),
        },
      ])
    } finally {
      await admin.disconnect()
    }
    expect(server.problems).toEqual([])
    expect(server.seen[0]).toBe('ApiVersions v2')
    expect(server.seen).toContain('Metadata v6')
  })
})

/**
 * An in-memory log per partition, enough for clients to produce and read
 * back through our Produce, Fetch and ListOffsets codecs: batches kept as
 * sent, their base offset assigned (it is outside the CRC).
 */
async function memoryCluster(): Promise<WireServer & {logs: Map<string, Buffer[]>}> {
  const logs = new Map<string, Buffer[]>()
  const next = new Map<string, number>()
  const key = (topic: string, partition: number) => `${topic}/${partition}`
  let port = 0
  const partitionsOf = (name: string) => TOPICS.find((t) => t.name === name)?.partitions ?? 0
  const server = await startWireServer({
    3: (request: {topics: Array<{name: string | null}> | null}) => ({
      brokers: [{nodeId: 1, host: '127.0.0.1', port, rack: null}],
      clusterId: 'logpipe-test',
      controllerId: 1,
      topics: TOPICS.filter((t) => request.topics === null || request.topics.length === 0 || request.topics.some((r) => r.name === t.name)).map((t) => ({
        errorCode: 0,
        name: t.name,
        partitions: Array.from({length: t.partitions}, (_, i) => ({errorCode: 0, partitionIndex: i, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1]})),
      })),
    }),
    0: (request: {topicData: Array<{name: string; partitionData: Array<{index: number; records: Buffer | null}>}>}) => ({
      responses: request.topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => {
          if (p.index >= partitionsOf(t.name)) return {index: p.index, errorCode: 3, baseOffset: -1n}
          const k = key(t.name, p.index)
          const base = next.get(k) ?? 0
          let offset = base
          const records = p.records ?? Buffer.alloc(0)
          for (let pos = 0; pos + 61 <= records.length; ) {
            const size = records.readInt32BE(pos + 8) + 12
            const batch = Buffer.from(records.subarray(pos, pos + size))
            batch.writeBigInt64BE(BigInt(offset), 0)
            offset += batch.readInt32BE(23) + 1
            logs.set(k, [...(logs.get(k) ?? []), batch])
            pos += size
          }
          next.set(k, offset)
          return {index: p.index, errorCode: 0, baseOffset: BigInt(base), logAppendTimeMs: -1n, logStartOffset: 0n}
        }),
      })),
    }),
    1: (request: {topics: Array<{topic: string; partitions: Array<{partition: number; fetchOffset: bigint; partitionMaxBytes: number}>}>}) => ({
      responses: request.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          const k = key(t.topic, p.partition)
          const end = BigInt(next.get(k) ?? 0)
          const batches = (logs.get(k) ?? []).filter((b) => b.readBigInt64BE(0) + BigInt(b.readInt32BE(23)) >= p.fetchOffset)
          const out: Buffer[] = []
          let bytes = 0
          for (const b of batches) {
            if (out.length > 0 && bytes + b.length > p.partitionMaxBytes) break
            out.push(b)
            bytes += b.length
          }
          return {partitionIndex: p.partition, errorCode: 0, highWatermark: end, lastStableOffset: end, logStartOffset: 0n, abortedTransactions: null, records: Buffer.concat(out)}
        }),
      })),
    }),
    2: (request: {topics: Array<{name: string; partitions: Array<{partitionIndex: number; timestamp: bigint}>}>}) => ({
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const offset = p.timestamp === -2n ? 0n : BigInt(next.get(key(t.name, p.partitionIndex)) ?? 0)
          return {partitionIndex: p.partitionIndex, errorCode: 0, oldStyleOffsets: [offset], timestamp: -1n, offset, leaderEpoch: 0}
        }),
      })),
    }),
  })
  port = server.port
  servers.push(server)
  return Object.assign(server, {logs})
}

describe('real clients produce and fetch through our codecs', () => {
  test('kcat -P then kcat -C -e: Produce v7, ListOffsets, Fetch v11, records byte for byte', async () => {
    const server = await memoryCluster()
    const broker = `127.0.0.1:${server.port}`
    const lines = Array.from({length: 500}, (_, i) => `key-${i % 7}:value ${i} ${'x'.repeat(i % 50)}`)
    await execa('kcat', ['-P', '-b', broker, '-t', 'orders', '-p', '1', '-K', ':', '-X', 'linger.ms=5'], {input: lines.join('\n') + '\n', timeout: 30_000, env: {}, extendEnv: false})
    expect(server.logs.get('orders/1')?.length).toBeGreaterThan(0)
    const {stdout} = await execa('kcat', ['-C', '-b', broker, '-t', 'orders', '-p', '1', '-o', 'beginning', '-e', '-f', '%o %k:%s\\n'], {timeout: 30_000, env: {}, extendEnv: false})
    expect(stdout.split('\n')).toEqual(lines.map((l, i) => `${i} ${l}`))
    expect(server.problems).toEqual([])
    expect(server.seen).toContain('Produce v7')
    expect(server.seen).toContain('Fetch v11')
    expect(server.seen.some((s) => s.startsWith('ListOffsets v'))).toBe(true)
  })

  test('kafka-python: producer, then a consumer from the earliest offset (Produce v7, ListOffsets v1, Fetch v4)', async () => {
    const server = await memoryCluster()
    const script = [
      'import json',
      'from kafka import KafkaProducer, KafkaConsumer, TopicPartition',
      `p = KafkaProducer(bootstrap_servers='127.0.0.1:${server.port}', acks='all', api_version_auto_timeout_ms=10000)`,
      'for i in range(100): p.send("logs", key=b"k%d" % i, value=b"v%d" % i, partition=0)',
      'p.flush(); p.close()',
      `c = KafkaConsumer(bootstrap_servers='127.0.0.1:${server.port}', auto_offset_reset='earliest', consumer_timeout_ms=20000, api_version_auto_timeout_ms=10000)`,
      'c.assign([TopicPartition("logs", 0)])',
      'out = []',
      'for m in c:',
      '    out.append([m.offset, m.key.decode(), m.value.decode()])',
      '    if len(out) == 100: break',
      'print(json.dumps(out))',
      'c.close()',
    ].join('\n')
    const {stdout} = await execa('/usr/bin/python3', ['-c', script], {timeout: 60_000, env: {}, extendEnv: false})
    const records = JSON.parse(stdout.trim().split('\n').at(-1)!)
    expect(records).toEqual(Array.from({length: 100}, (_, i) => [i, `k${i}`, `v${i}`]))
    expect(server.problems).toEqual([])
    for (const s of ['Produce v7', 'ListOffsets v1', 'Fetch v4']) expect(server.seen).toContain(s)
  })
})
