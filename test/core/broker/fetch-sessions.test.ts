/**
 * Incremental fetch sessions (KIP-227) on the broker, spoken to with our own
 * wire codec (KafkaConnection, Fetch v11): a full fetch opens a session, an
 * incremental one names only what changed and is answered only with what
 * changed, the partitions it leaves out are fetched from the session, a
 * partition forgotten leaves it, and a wrong epoch or id is refused.
 */
import {join} from 'node:path'
import {afterEach, describe, expect, test} from 'vitest'
import {Broker} from '../../../src/core/broker/broker.js'
import {defaultBrokerConfig} from '../../../src/core/broker/broker-config.js'
import {silentLog} from '../../../src/core/broker/broker-log.js'
import {FetchSessionCache, SESSION_EVICTION_MS} from '../../../src/core/broker/fetch-session-cache.js'
import {KafkaClient} from '../../../src/core/client/kafka-client.js'
import {ProduceSender} from '../../../src/core/client/produce-sender.js'
import {Store} from '../../../src/core/store/store.js'
import {ErrorCode} from '../../../src/core/wire/error-codes.js'
import {KafkaConnection} from '../../../src/core/wire/kafka-connection.js'
import {fetch} from '../../../src/core/wire/messages/01-fetch.js'
import * as L from '../../../src/core/record/batch-layout.js'
import {buildBatch, tempDir, utf8} from '../support.js'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

const V = 11

async function setup() {
  const dir = join(tempDir(), 'data')
  Store.open(dir).createTopic('t', 3, 1, {})
  const broker = await Broker.start({dataDir: dir, id: 1, host: '127.0.0.1', port: 0, nextFreePort: false, config: defaultBrokerConfig(), log: silentLog})
  cleanup.push(() => broker.stop())
  const client = await KafkaClient.connect({bootstrap: [{host: '127.0.0.1', port: broker.port}]})
  cleanup.push(() => client.close())
  const sender = new ProduceSender(client, {acks: 1})
  const produce = (partition: number, ...values: string[]) =>
    sender.send([{topic: 't', partition, bytes: buildBatch(values.map((v) => ({timestamp: Date.now(), key: null, value: utf8(v)})))}])
  const conn = await KafkaConnection.open('127.0.0.1', broker.port, 'sessions')
  cleanup.push(() => conn.close())
  const ask = (sessionId: number, sessionEpoch: number, partitions: Array<[number, number]>, forgotten: number[] = [], maxWaitMs = 0) =>
    conn.request(fetch, V, {
      replicaId: -1,
      maxWaitMs,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId,
      sessionEpoch,
      topics: partitions.length ? [{topic: 't', partitions: partitions.map(([partition, offset]) => ({partition, fetchOffset: BigInt(offset), partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1n}))}] : [],
      forgottenTopicsData: forgotten.length ? [{topic: 't', partitions: forgotten}] : [],
      rackId: '',
    })
  return {produce, ask}
}

/** Each partition answered: its index, high watermark and first record's offset (null: no records). */
function answered(r: Awaited<ReturnType<Awaited<ReturnType<typeof setup>>['ask']>>) {
  return r.responses.flatMap((t) => t.partitions.map((p) => ({p: p.partitionIndex, hw: Number(p.highWatermark), first: p.records && p.records.length > 0 ? L.readInt64(p.records, 0) : null})))
}

describe('Fetch sessions (KIP-227) on the broker', () => {
  test('a full fetch opens a session; incremental fetches carry and are answered with only what changed', async () => {
    const {produce, ask} = await setup()
    await produce(0, 'a', 'b')
    const full = await ask(0, 0, [[0, 0], [1, 0], [2, 0]])
    expect(full.errorCode).toBe(ErrorCode.NONE)
    expect(full.sessionId).toBeGreaterThan(0)
    expect(answered(full)).toEqual([{p: 0, hw: 2, first: 0}, {p: 1, hw: 0, first: null}, {p: 2, hw: 0, first: null}])
    const id = full.sessionId

    // Partition 0 moves on; 1 and 2 are left out of the request and, unchanged, of the answer.
    const quiet = await ask(id, 1, [[0, 2]])
    expect(quiet.errorCode).toBe(ErrorCode.NONE)
    expect(quiet.sessionId).toBe(id)
    expect(answered(quiet)).toEqual([])

    // Records in partition 2, which the request does not name: fetched from the session's offset.
    await produce(2, 'c')
    const changed = await ask(id, 2, [])
    expect(answered(changed)).toEqual([{p: 2, hw: 1, first: 0}])

    // The same epoch again (a resent request) is refused; the client starts over with a full fetch.
    expect((await ask(id, 2, [])).errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH)
    expect((await ask(id, 9, [])).errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH)
    expect((await ask(id + 1, 1, [])).errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND)

    // Partition 1 forgotten: records there are no longer fetched in this session.
    const forgot = await ask(id, 3, [[2, 1]], [1])
    expect(answered(forgot)).toEqual([])
    await produce(1, 'd')
    expect(answered(await ask(id, 4, []))).toEqual([])
    // A partition named again joins the session again.
    expect(answered(await ask(id, 5, [[1, 0]]))).toEqual([{p: 1, hw: 1, first: 0}])
  })

  test('an incremental long poll is woken by an append to a partition it names only through its session', async () => {
    const {produce, ask} = await setup()
    const full = await ask(0, 0, [[0, 0], [1, 0]])
    const id = full.sessionId
    const waiting = ask(id, 1, [], [], 20_000)
    await new Promise((r) => setTimeout(r, 100))
    await produce(1, 'late')
    const r = await waiting
    expect(r.errorCode).toBe(ErrorCode.NONE)
    expect(answered(r)).toEqual([{p: 1, hw: 1, first: 0}])
  })

  test('epoch -1 closes a session and answers in full without one; (0, -1) never opens one', async () => {
    const {produce, ask} = await setup()
    await produce(0, 'x')
    const sessionless = await ask(0, -1, [[0, 0], [1, 0]])
    expect(sessionless.sessionId).toBe(0)
    expect(answered(sessionless).map((a) => a.p)).toEqual([0, 1])
    const id = (await ask(0, 0, [[0, 1]])).sessionId
    const closing = await ask(id, -1, [[0, 0], [1, 0]])
    expect(closing.sessionId).toBe(0)
    expect(answered(closing).map((a) => a.p)).toEqual([0, 1])
    expect((await ask(id, 1, [])).errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND)
    // A full fetch with epoch 0 naming an old id replaces it.
    const a = (await ask(0, 0, [[0, 1]])).sessionId
    const b = (await ask(a, 0, [[0, 1]])).sessionId
    expect(b).not.toBe(a)
    expect((await ask(a, 1, [])).errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND)
    expect((await ask(b, 1, [])).errorCode).toBe(ErrorCode.NONE)
  })
})

describe('FetchSessionCache', () => {
  const req = (sessionId: number, sessionEpoch: number) => ({sessionId, sessionEpoch, topics: [{topic: 't', partitions: [{partition: 0, fetchOffset: 0n, partitionMaxBytes: 100, currentLeaderEpoch: -1}]}], forgottenTopicsData: []})

  test('when every slot is taken, a new session waits for one idle two minutes (the one used longest ago)', () => {
    let now = 1_000_000
    const cache = new FetchSessionCache(2, () => now)
    const a = cache.newContext(req(0, 0))
    const b = cache.newContext(req(0, 0))
    if (a.kind !== 'full' || b.kind !== 'full' || !a.session || !b.session) throw new Error('sessions expected')
    expect(cache.newContext(req(0, 0))).toMatchObject({kind: 'full', session: null})
    now += SESSION_EVICTION_MS / 2
    // a used again: b is now the one used longest ago.
    expect(cache.newContext(req(a.session.id, 1)).kind).toBe('incremental')
    now += SESSION_EVICTION_MS / 2 + 1
    const c = cache.newContext(req(0, 0))
    expect(c.kind === 'full' && c.session !== null).toBe(true)
    expect(cache.newContext(req(b.session.id, 1))).toEqual({kind: 'error', errorCode: 'FETCH_SESSION_ID_NOT_FOUND'})
    expect(cache.newContext(req(a.session.id, 2)).kind).toBe('incremental')
    expect(new FetchSessionCache(0).newContext(req(0, 0))).toMatchObject({kind: 'full', session: null})
  })
})
