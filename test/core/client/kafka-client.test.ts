/**
 * The client core against a scripted Kafka-protocol server: version
 * negotiation, metadata, retries on retriable errors with a metadata
 * refresh between, idempotent duplicates taken as acknowledged, and the
 * bootstrap list and properties parsing.
 */
import {afterEach, describe, expect, test} from 'vitest'
import {KafkaClient, parseBootstrapServers} from '../../../src/core/client/kafka-client.js'
import {ProduceSender} from '../../../src/core/client/produce-sender.js'
import {parseProperties} from '../../../src/core/client/client-config.js'
import {BrokerUnreachableError, KafkaProtocolError, UsageError} from '../../../src/core/errors.js'
import {ErrorCode} from '../../../src/core/wire/error-codes.js'
import {supportedApis} from '../../../src/core/wire/registry.js'
import {type WireServer, startWireServer} from '../../helpers/wire-server.js'

const servers: WireServer[] = []
const clients: KafkaClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  for (const s of servers.splice(0)) await s.close()
})

function metadataFor(port: number, topic: string, partitions: number) {
  return () => ({
    brokers: [{nodeId: 1, host: '127.0.0.1', port, rack: null}],
    clusterId: 'c',
    controllerId: 1,
    topics: [{errorCode: 0, name: topic, topicId: '00000000-0000-0000-0000-000000000000', isInternal: false, partitions: Array.from({length: partitions}, (_, p) => ({errorCode: 0, partitionIndex: p, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: []}))}],
  })
}

async function serve(handlers: Parameters<typeof startWireServer>[0], options: Parameters<typeof startWireServer>[1] = {}) {
  const s = await startWireServer(handlers, options)
  servers.push(s)
  return s
}

async function connect(port: number, retries = 3) {
  const c = await KafkaClient.connect({bootstrap: [{host: '127.0.0.1', port}], retries, retryBackoffMs: 1})
  clients.push(c)
  return c
}

const BATCH = Buffer.alloc(61) // bytes are passed through unchanged; the scripted server does not look

function produceAnswer(code: number, baseOffset: bigint) {
  return (req: {topicData: Array<{name: string; partitionData: Array<{index: number}>}>}) => ({
    responses: req.topicData.map((t) => ({name: t.name, partitionResponses: t.partitionData.map((p) => ({index: p.index, errorCode: code, baseOffset, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null}))})),
    throttleTimeMs: 0,
  })
}

describe('KafkaClient', () => {
  test('asks each API at the highest version both sides speak', async () => {
    let port = 0
    const apiKeys = supportedApis().map((a) => (a.apiKey === 3 ? {...a, maxVersion: 5} : a))
    const s = await serve({3: (_req, _v) => metadataFor(port, 't', 2)()}, {apiKeys})
    port = s.port
    const c = await connect(s.port)
    const t = await c.topic('t')
    expect(t.partitions.map((p) => p.leader)).toEqual([1, 1])
    expect(s.seen).toContain('Metadata v5')
    expect(s.problems).toEqual([])
  })

  test('a retriable partition error is sent again after fresh metadata, and succeeds', async () => {
    let port = 0
    let produces = 0
    const s = await serve({
      3: () => metadataFor(port, 't', 1)(),
      0: (req) => (++produces === 1 ? produceAnswer(ErrorCode.NOT_LEADER_OR_FOLLOWER, -1n)(req) : produceAnswer(0, 42n)(req)),
    })
    port = s.port
    const c = await connect(s.port)
    const offsets = await new ProduceSender(c, {acks: -1, retryBackoffMs: 1}).send([{topic: 't', partition: 0, bytes: BATCH}])
    expect(offsets).toEqual([42])
    expect(s.seen.filter((x) => x.startsWith('Produce'))).toHaveLength(2)
    // The metadata was asked for again between the two.
    expect(s.seen.filter((x) => x.startsWith('Metadata')).length).toBeGreaterThanOrEqual(2)
  })

  test('retries are bounded: the last error is a KafkaProtocolError with Kafka\'s name, code and retriable flag', async () => {
    let port = 0
    const s = await serve({3: () => metadataFor(port, 't', 1)(), 0: produceAnswer(ErrorCode.NOT_LEADER_OR_FOLLOWER, -1n)})
    port = s.port
    const c = await connect(s.port)
    const error = await new ProduceSender(c, {retries: 2, retryBackoffMs: 1}).send([{topic: 't', partition: 0, bytes: BATCH}]).catch((e) => e)
    expect(error).toBeInstanceOf(KafkaProtocolError)
    expect(error).toMatchObject({kafkaName: 'NOT_LEADER_OR_FOLLOWER', code: 6, retriable: true})
    expect(s.seen.filter((x) => x.startsWith('Produce'))).toHaveLength(3)
  })

  test('a non-retriable error is not retried', async () => {
    let port = 0
    const s = await serve({3: () => metadataFor(port, 't', 1)(), 0: produceAnswer(ErrorCode.MESSAGE_TOO_LARGE, -1n)})
    port = s.port
    const c = await connect(s.port)
    const error = await new ProduceSender(c, {retryBackoffMs: 1}).send([{topic: 't', partition: 0, bytes: BATCH}]).catch((e) => e)
    expect(error).toMatchObject({kafkaName: 'MESSAGE_TOO_LARGE', retriable: false})
    expect(s.seen.filter((x) => x.startsWith('Produce'))).toHaveLength(1)
  })

  test('DUPLICATE_SEQUENCE_NUMBER (a retried idempotent batch the broker already has) counts as acknowledged', async () => {
    let port = 0
    const s = await serve({3: () => metadataFor(port, 't', 1)(), 0: produceAnswer(ErrorCode.DUPLICATE_SEQUENCE_NUMBER, 7n)})
    port = s.port
    const c = await connect(s.port)
    expect(await new ProduceSender(c).send([{topic: 't', partition: 0, bytes: BATCH}])).toEqual([7])
  })

  test('an unknown topic is UNKNOWN_TOPIC_OR_PARTITION; an unreachable server is BrokerUnreachableError naming it', async () => {
    let port = 0
    const s = await serve({3: () => ({...metadataFor(port, 'x', 1)(), topics: [{errorCode: 3, name: 'nope', topicId: '00000000-0000-0000-0000-000000000000', isInternal: false, partitions: []}]})})
    port = s.port
    const c = await connect(s.port, 0)
    await expect(c.topic('nope')).rejects.toMatchObject({kafkaName: 'UNKNOWN_TOPIC_OR_PARTITION'})
    await s.close()
    servers.length = 0
    const e = await KafkaClient.connect({bootstrap: [{host: '127.0.0.1', port: s.port}]}).catch((x) => x)
    expect(e).toBeInstanceOf(BrokerUnreachableError)
    expect(e.message).toBe(`cannot reach 127.0.0.1:${s.port} (ECONNREFUSED)`)
  })
})

describe('parseBootstrapServers', () => {
  test.each([
    ['127.0.0.1:9092', [{host: '127.0.0.1', port: 9092}]],
    ['a:1, b:2,', [{host: 'a', port: 1}, {host: 'b', port: 2}]],
    ['[::1]:9093', [{host: '::1', port: 9093}]],
  ])('%s', (text, want) => expect(parseBootstrapServers(text)).toEqual(want))

  test.each(['localhost', 'host:0', 'host:70000', ':9092', '', 'a:b'])('%j is a usage error', (text) => {
    expect(() => parseBootstrapServers(text)).toThrow(UsageError)
  })
})

describe('parseProperties', () => {
  test('comments, separators, continuation lines', () => {
    expect(parseProperties('# c\n! c\n\na=1\nb : two words \nc 3\nd=x\\\n  y\n', 'f')).toEqual(['a=1', 'b=two words', 'c=3', 'd=xy'])
  })
})
