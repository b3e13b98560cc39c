/**
 * The broker in-process, spoken to with our own codec (the wire branch's
 * request encoders and response decoders): what the real clients' tests
 * cannot pin down exactly. Produce's per-partition errors and acks=0, Fetch's
 * limits and its leader epoch checks, OffsetForLeaderEpoch across a restart,
 * and responses written in request order while a Fetch long-polls.
 */
import {connect, type Socket} from 'node:net'
import {readdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, test} from 'vitest'
import {Broker} from '../../../src/core/broker/broker.js'
import {defaultBrokerConfig, type BrokerConfig} from '../../../src/core/broker/broker-config.js'
import {createBrokerLog, silentLog} from '../../../src/core/broker/broker-log.js'
import {Store} from '../../../src/core/store/store.js'
import {decodeResponseFrame, encodeRequestFrame} from '../../../src/core/wire/envelope.js'
import {ErrorCode} from '../../../src/core/wire/error-codes.js'
import {FrameSplitter} from '../../../src/core/wire/frame.js'
import {produce} from '../../../src/core/wire/messages/00-produce.js'
import {fetch} from '../../../src/core/wire/messages/01-fetch.js'
import {offsetForLeaderEpoch} from '../../../src/core/wire/messages/23-offset-for-leader-epoch.js'
import {metadata} from '../../../src/core/wire/messages/03-metadata.js'
import {listOffsets} from '../../../src/core/wire/messages/02-list-offsets.js'
import type {ApiSchema, RequestInput, ResponseOf} from '../../../src/core/wire/schema.js'
import * as L from '../../../src/core/record/batch-layout.js'
import {buildBatch, tempDir, utf8} from '../support.js'
import {ATTR, billionHeadersBatch, rawBatch, rawRecord} from '../../helpers/hostile-batch.js'
import {crc32c} from '../../../src/core/codec/crc32c.js'

const brokers: Broker[] = []
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.stop()
})

async function start(dataDir: string, overrides: Partial<BrokerConfig> = {}, log = silentLog): Promise<Broker> {
  const b = await Broker.start({dataDir, id: 1, host: '127.0.0.1', port: 0, nextFreePort: false, config: {...defaultBrokerConfig(), ...overrides}, log})
  brokers.push(b)
  return b
}

/** A connection that sends requests and hands back each response by correlation id, in arrival order. */
class Client {
  private readonly frames = new FrameSplitter()
  private next = 1
  readonly arrived: number[] = []
  private readonly waiting = new Map<number, (frame: Buffer) => void>()
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.frames.push(chunk)) {
        const id = f.readInt32BE(0)
        this.arrived.push(id)
        this.waiting.get(id)?.(Buffer.from(f))
      }
    })
  }

  static async open(port: number): Promise<Client> {
    const socket = connect({host: '127.0.0.1', port})
    await new Promise((resolve) => socket.once('connect', resolve))
    return new Client(socket)
  }

  send<A extends ApiSchema>(schema: A, version: number, value: RequestInput<A>): {id: number; response: Promise<ResponseOf<A>>} {
    const id = this.next++
    const response = new Promise<ResponseOf<A>>((resolve) => this.waiting.set(id, (f) => resolve(decodeResponseFrame(schema, version, f).body)))
    this.socket.write(encodeRequestFrame(schema, version, {correlationId: id, clientId: 'test'}, value))
    return {id, response}
  }

  close(): void {
    this.socket.destroy()
  }
}

const records = (n: number, size = 10) => Array.from({length: n}, (_, i) => ({timestamp: Date.now(), key: null, value: utf8(`${i}`.padEnd(size, 'x'))}))

function produceTo(client: Client, topic: string, partition: number, batches: Buffer, acks = 1) {
  return client.send(produce, 8, {acks, timeoutMs: 1000, topicData: [{name: topic, partitionData: [{index: partition, records: batches}]}]})
}

function fetchFrom(client: Client, topic: string, opts: {offset?: number; maxWaitMs?: number; minBytes?: number; maxBytes?: number; partitionMaxBytes?: number; currentLeaderEpoch?: number} = {}) {
  return client.send(fetch, 11, {
    replicaId: -1,
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: opts.minBytes ?? 1,
    maxBytes: opts.maxBytes ?? 1 << 20,
    topics: [{topic, partitions: [{partition: 0, fetchOffset: BigInt(opts.offset ?? 0), currentLeaderEpoch: opts.currentLeaderEpoch ?? -1, partitionMaxBytes: opts.partitionMaxBytes ?? 1 << 20}]}],
  })
}

/** Base offsets of the batches in a fetch answer's records. */
function batchBases(records: Buffer | null): number[] {
  const out: number[] = []
  for (let pos = 0; records && pos < records.length; pos += records.readInt32BE(pos + 8) + 12) out.push(L.readInt64(records, pos))
  return out
}

describe('Broker, in-process', () => {
  test('Produce: offsets and the leader epoch assigned, per-partition errors, acks=0 answers nothing', async () => {
    const dir = join(tempDir(), 'data')
    Store.open(dir).createTopic('t', 1, 1, {'max.message.bytes': 200})
    const broker = await start(dir)
    const c = await Client.open(broker.port)
    const ok = await produceTo(c, 't', 0, buildBatch(records(3))).response
    expect(ok.responses[0].partitionResponses[0]).toMatchObject({index: 0, errorCode: ErrorCode.NONE, baseOffset: 0n})
    const big = await produceTo(c, 't', 0, buildBatch(records(1, 500))).response
    expect(big.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE)
    const bad = buildBatch(records(1))
    bad[bad.length - 1] ^= 0xff
    expect((await produceTo(c, 't', 0, bad).response).responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.CORRUPT_MESSAGE)
    expect((await produceTo(c, 't', 7, buildBatch(records(1))).response).responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    // acks=0: no answer, but the next request's answer still comes, and the batch is in.
    const silent = produceTo(c, 't', 0, buildBatch(records(2)), 0)
    const after = await fetchFrom(c, 't').response
    expect(c.arrived).not.toContain(silent.id)
    const part = after.responses[0].partitions[0]
    expect(part.highWatermark).toBe(5n)
    expect(batchBases(part.records)).toEqual([0, 3])
    expect(part.records!.readInt32BE(L.PARTITION_LEADER_EPOCH_OFFSET)).toBe(0)
    c.close()
  })

  test('Fetch limits: partitionMaxBytes and maxBytes cut at whole batches, yet the first batch goes whole however large', async () => {
    const dir = join(tempDir(), 'data')
    Store.open(dir).createTopic('t', 1, 1, {})
    const broker = await start(dir)
    const c = await Client.open(broker.port)
    const one = buildBatch(records(5))
    for (let i = 0; i < 4; i++) await produceTo(c, 't', 0, Buffer.from(one)).response
    const size = one.length
    const bases = async (o: Parameters<typeof fetchFrom>[2]) => batchBases((await fetchFrom(c, 't', o).response).responses[0].partitions[0].records)
    expect(await bases({})).toEqual([0, 5, 10, 15])
    expect(await bases({partitionMaxBytes: size * 2 + 1})).toEqual([0, 5])
    expect(await bases({maxBytes: size * 3})).toEqual([0, 5, 10])
    expect(await bases({partitionMaxBytes: 1})).toEqual([0])
    expect(await bases({offset: 7, partitionMaxBytes: 1})).toEqual([5])
    expect(await bases({offset: 12})).toEqual([10, 15])
    const out = (await fetchFrom(c, 't', {offset: 99}).response).responses[0].partitions[0]
    expect(out.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    c.close()
  })

  test('Fetch leader epoch checks: an older epoch is fenced, a newer one unknown; OffsetForLeaderEpoch answers across restarts', async () => {
    const dir = join(tempDir(), 'data')
    Store.open(dir).createTopic('t', 1, 1, {})
    let broker = await start(dir)
    let c = await Client.open(broker.port)
    await produceTo(c, 't', 0, buildBatch(records(3))).response
    c.close()
    await broker.stop()
    broker = await start(dir)
    c = await Client.open(broker.port)
    await produceTo(c, 't', 0, buildBatch(records(2))).response
    const meta = await c.send(metadata, 9, {topics: [{name: 't'}]}).response
    expect(meta.topics[0].partitions[0]).toMatchObject({leaderId: 1, leaderEpoch: 1, replicaNodes: [1], isrNodes: [1]})
    expect((await fetchFrom(c, 't', {currentLeaderEpoch: 0}).response).responses[0].partitions[0].errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH)
    expect((await fetchFrom(c, 't', {currentLeaderEpoch: 2}).response).responses[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH)
    expect((await fetchFrom(c, 't', {currentLeaderEpoch: 1}).response).responses[0].partitions[0].errorCode).toBe(ErrorCode.NONE)
    const ask = (leaderEpoch: number) =>
      c.send(offsetForLeaderEpoch, 3, {replicaId: -1, topics: [{topic: 't', partitions: [{partition: 0, currentLeaderEpoch: -1, leaderEpoch}]}]}).response.then((r) => r.topics[0].partitions[0])
    expect(await ask(0)).toMatchObject({errorCode: 0, leaderEpoch: 0, endOffset: 3n})
    expect(await ask(1)).toMatchObject({errorCode: 0, leaderEpoch: 1, endOffset: 5n})
    expect(await ask(5)).toMatchObject({errorCode: 0, leaderEpoch: -1, endOffset: -1n})
    c.close()
  })

  test('a long-polling Fetch holds back the answers after it, in order, until an append from another connection wakes it', async () => {
    const dir = join(tempDir(), 'data')
    Store.open(dir).createTopic('t', 1, 1, {})
    const broker = await start(dir)
    const c = await Client.open(broker.port)
    const other = await Client.open(broker.port)
    const waiting = fetchFrom(c, 't', {maxWaitMs: 30_000})
    const behind = c.send(metadata, 9, {topics: [{name: 't'}]})
    // The metadata answer is ready at once but must not overtake the fetch.
    await other.send(metadata, 9, {topics: null}).response
    expect(c.arrived).toEqual([])
    await produceTo(other, 't', 0, buildBatch(records(1))).response
    const woken = await waiting.response
    await behind.response
    expect(batchBases(woken.responses[0].partitions[0].records)).toEqual([0])
    expect(c.arrived).toEqual([waiting.id, behind.id])
    c.close()
    other.close()
  })

  test('ListOffsets: earliest, latest, and by time the first record at or after it, with its own timestamp and epoch', async () => {
    const dir = join(tempDir(), 'data')
    Store.open(dir).createTopic('t', 1, 1, {})
    const broker = await start(dir)
    const c = await Client.open(broker.port)
    const t0 = Date.now() - 60_000
    await produceTo(c, 't', 0, buildBatch([0, 1, 2].map((i) => ({timestamp: t0 + i * 1000, key: null, value: utf8(`v${i}`)})))).response
    const ask = (timestamp: bigint) =>
      c.send(listOffsets, 5, {replicaId: -1, isolationLevel: 0, topics: [{name: 't', partitions: [{partitionIndex: 0, currentLeaderEpoch: -1, timestamp}]}]}).response.then((r) => r.topics[0].partitions[0])
    expect(await ask(-2n)).toMatchObject({errorCode: 0, offset: 0n, leaderEpoch: 0})
    expect(await ask(-1n)).toMatchObject({errorCode: 0, offset: 3n, leaderEpoch: 0})
    expect(await ask(BigInt(t0 + 500))).toMatchObject({errorCode: 0, offset: 1n, timestamp: BigInt(t0 + 1000), leaderEpoch: 0})
    expect(await ask(BigInt(t0 + 5000))).toMatchObject({errorCode: 0, offset: -1n, timestamp: -1n})
    c.close()
  })

  test('ListOffsets v7, -3 (KIP-734): the first record with the largest timestamp, in whichever segment, compressed or not; -1 for an empty log; refused below v7', async () => {
    const dir = join(tempDir(), 'data')
    const store = Store.open(dir)
    store.createTopic('t', 1, 1, {'segment.bytes': 300})
    store.createTopic('empty', 1, 1, {})
    const broker = await start(dir)
    const c = await Client.open(broker.port)
    const t0 = Date.now() - 60_000
    const ask = (topic: string, version = 7) =>
      c.send(listOffsets, version, {replicaId: -1, isolationLevel: 0, topics: [{name: topic, partitions: [{partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -3n}]}]}).response.then((r) => r.topics[0].partitions[0])
    expect(await ask('t')).toMatchObject({errorCode: 0, offset: -1n, timestamp: -1n})
    // Offsets 0-2 plain, 3-5 gzip with the largest timestamp at 4 and again at 5, then later batches (new segments) all earlier in time.
    const send = (stamps: number[], compression = 0) =>
      produceTo(c, 't', 0, buildBatch(stamps.map((ts, i) => ({timestamp: t0 + ts, key: null, value: utf8(`v${ts}-${i}`.padEnd(60, '.'))})), 0, compression)).response
    await send([0, 1000, 2000])
    await send([3000, 9000, 9000], 1)
    for (let i = 0; i < 4; i++) await send([4000 + i, 5000 + i])
    expect(readdirSync(join(dir, 'topics/t/0')).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(2)
    expect(await ask('t')).toMatchObject({errorCode: 0, offset: 4n, timestamp: BigInt(t0 + 9000), leaderEpoch: 0})
    // The newest segment holding the maximum: the active one, whose time index lags.
    await send([1000, 20_000, 20_000])
    expect(await ask('t')).toMatchObject({errorCode: 0, offset: 15n, timestamp: BigInt(t0 + 20_000)})
    expect(await ask('empty')).toMatchObject({errorCode: 0, offset: -1n, timestamp: -1n})
    expect(await ask('t', 6)).toMatchObject({errorCode: ErrorCode.UNSUPPORTED_VERSION, offset: -1n})
    // A fetch after the scan moved the shared reader still starts where it is asked.
    const fetched = (await fetchFrom(c, 't').response).responses[0].partitions[0]
    expect(fetched.errorCode).toBe(ErrorCode.NONE)
    expect(L.readInt64(fetched.records!, 0)).toBe(0)
    c.close()
  })

  test('the log start that Produce, Fetch and ListOffsets name follows retention as segments roll', async () => {
    const dir = join(tempDir(), 'data')
    Store.open(dir).createTopic('t', 1, 1, {'segment.bytes': 300, 'retention.bytes': 300})
    const broker = await start(dir)
    const c = await Client.open(broker.port)
    const earliest = () =>
      c.send(listOffsets, 5, {replicaId: -1, isolationLevel: 0, topics: [{name: 't', partitions: [{partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2n}]}]}).response.then((r) => Number(r.topics[0].partitions[0].offset))
    expect(await earliest()).toBe(0)
    let answered = 0
    for (let i = 0; i < 6; i++) answered = Number((await produceTo(c, 't', 0, buildBatch(records(2, 120))).response).responses[0].partitionResponses[0].logStartOffset)
    const logStart = await earliest()
    expect(logStart).toBeGreaterThan(0)
    expect(answered).toBe(logStart)
    expect(Number((await fetchFrom(c, 't', {offset: logStart}).response).responses[0].partitions[0].logStartOffset)).toBe(logStart)
    c.close()
  })

  test('a topic config changed while the broker runs applies from the next scan on', async () => {
    const dir = join(tempDir(), 'data')
    const store = Store.open(dir)
    store.createTopic('t', 1, 1, {})
    const broker = await start(dir, {'leadership.scan.interval.ms': 10})
    const c = await Client.open(broker.port)
    expect((await produceTo(c, 't', 0, buildBatch(records(1, 500))).response).responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE)
    store.updateTopic('t', (meta) => ({...meta, config: {...meta.config, 'max.message.bytes': 200}}))
    await broker.replicas.scan()
    expect((await produceTo(c, 't', 0, buildBatch(records(1, 500))).response).responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE)
    c.close()
  })

  test('a topic name that is not legal (a path, too long) is answered as an unknown topic, never followed, and the connection goes on', async () => {
    const dir = join(tempDir(), 'data')
    Store.open(dir).createTopic('t', 1, 1, {})
    const broker = await start(dir, {'auto.create.topics.enable': false})
    const c = await Client.open(broker.port)
    for (const name of ['../t', 'x'.repeat(300), '.']) {
      expect((await produceTo(c, name, 0, buildBatch(records(1))).response).responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      expect((await fetchFrom(c, name).response).responses[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      expect((await c.send(metadata, 9, {topics: [{name}]}).response).topics[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    }
    expect((await fetchFrom(c, 't').response).responses[0].partitions[0].errorCode).toBe(ErrorCode.NONE)
    c.close()
  })

  test('Produce refuses batches whose CRC holds but whose records do not decode, control batches and codecs it cannot read; nothing of them is written', async () => {
    const dir = join(tempDir(), 'data')
    Store.open(dir).createTopic('t', 1, 1, {})
    const broker = await start(dir)
    const c = await Client.open(broker.port)
    const code = async (batch: Buffer) => (await produceTo(c, 't', 0, batch).response).responses[0].partitionResponses[0]
    expect(await code(billionHeadersBatch())).toMatchObject({errorCode: ErrorCode.INVALID_RECORD, errorMessage: expect.stringMatching(/^batch 0: /)})
    // Two records declared, one there.
    expect((await code(rawBatch(rawRecord([ATTR, 0, 0, -1, 1, Buffer.from('a'), 0]), {count: 2}))).errorCode).toBe(ErrorCode.INVALID_RECORD)
    const withAttributes = (attributes: number) => {
      const b = buildBatch(records(1))
      b.writeInt16BE(attributes, L.ATTRIBUTES_OFFSET)
      b.writeUInt32BE(crc32c(b.subarray(L.ATTRIBUTES_OFFSET)), L.CRC_OFFSET)
      return b
    }
    expect((await code(withAttributes(0x20))).errorCode).toBe(ErrorCode.INVALID_RECORD)
    expect(await code(withAttributes(0x10))).toMatchObject({errorCode: ErrorCode.INVALID_RECORD, errorMessage: expect.stringMatching(/transactional/)})
    // zstd is read, so records that are not a zstd frame are invalid; codec 5 is none Kafka defines.
    expect(await code(withAttributes(4))).toMatchObject({errorCode: ErrorCode.INVALID_RECORD, errorMessage: expect.stringMatching(/zstd/)})
    expect(await code(withAttributes(5))).toMatchObject({errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, errorMessage: expect.stringMatching(/unknown\(5\) compression/)})
    // A good batch after a bad one in the same request is refused with it: nothing half-written.
    expect((await code(Buffer.concat([buildBatch(records(1)), billionHeadersBatch()]))).errorCode).toBe(ErrorCode.INVALID_RECORD)
    const part = (await fetchFrom(c, 't').response).responses[0].partitions[0]
    expect(part.highWatermark).toBe(0n)
    c.close()
  })

  test('a leadership scan that fails is logged and tried again; the broker goes on and stops cleanly', async () => {
    const dir = join(tempDir(), 'data')
    Store.open(dir).createTopic('t', 1, 1, {})
    const lines: string[] = []
    const broker = await start(dir, {'leadership.scan.interval.ms': 10}, createBrokerLog('info', (l) => lines.push(l)))
    rmSync(join(dir, 'topics'), {recursive: true})
    writeFileSync(join(dir, 'topics'), 'not a directory')
    const deadline = Date.now() + 10_000
    while (!lines.some((l) => /ERROR leadership scan: ENOTDIR/.test(l))) {
      if (Date.now() > deadline) throw new Error(`no scan error logged: ${lines.join('')}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    brokers.splice(brokers.indexOf(broker), 1)
    await broker.stop()
    expect(lines.some((l) => /INFO broker 1 stopped/.test(l))).toBe(true)
  })
})
