/**
 * Idempotent produce through the broker in-process, with our own codec:
 * InitProducerId's ids (unique across restarts, transactions refused), a
 * retried batch written once and answered with its first offset, sequence
 * gaps and old epochs refused, and the producer state carried over a
 * restart, by snapshot or by reading the log tail when none was written.
 */
import {connect, type Socket} from 'node:net'
import {readdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, test} from 'vitest'
import {Broker} from '../../../src/core/broker/broker.js'
import {defaultBrokerConfig} from '../../../src/core/broker/broker-config.js'
import {silentLog} from '../../../src/core/broker/broker-log.js'
import {Store} from '../../../src/core/store/store.js'
import {crc32c} from '../../../src/core/codec/crc32c.js'
import * as L from '../../../src/core/record/batch-layout.js'
import {decodeResponseFrame, encodeRequestFrame} from '../../../src/core/wire/envelope.js'
import {ErrorCode} from '../../../src/core/wire/error-codes.js'
import {FrameSplitter} from '../../../src/core/wire/frame.js'
import {produce} from '../../../src/core/wire/messages/00-produce.js'
import {initProducerId} from '../../../src/core/wire/messages/22-init-producer-id.js'
import type {ApiSchema, RequestInput, ResponseOf} from '../../../src/core/wire/schema.js'
import {buildBatch, readAll, tempDir, utf8} from '../support.js'

const brokers: Broker[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const b of brokers.splice(0)) await b.stop()
})

async function start(dataDir: string): Promise<Broker> {
  const b = await Broker.start({dataDir, id: 1, host: '127.0.0.1', port: 0, nextFreePort: false, config: defaultBrokerConfig(), log: silentLog})
  brokers.push(b)
  return b
}

async function stop(b: Broker): Promise<void> {
  brokers.splice(brokers.indexOf(b), 1)
  await b.stop()
}

/** Sends one request at a time and waits for its answer. */
async function client(port: number) {
  const socket = connect({host: '127.0.0.1', port})
  sockets.push(socket)
  await new Promise((resolve) => socket.once('connect', resolve))
  const frames = new FrameSplitter()
  const waiting = new Map<number, (f: Buffer) => void>()
  socket.on('data', (chunk: Buffer) => {
    for (const f of frames.push(chunk)) waiting.get(f.readInt32BE(0))?.(Buffer.from(f))
  })
  let next = 1
  return function send<A extends ApiSchema>(schema: A, version: number, value: RequestInput<A>): Promise<ResponseOf<A>> {
    const id = next++
    const answer = new Promise<ResponseOf<A>>((resolve) => waiting.set(id, (f) => resolve(decodeResponseFrame(schema, version, f).body)))
    socket.write(encodeRequestFrame(schema, version, {correlationId: id, clientId: 'test'}, value))
    return answer
  }
}

/** A batch of `n` records from producer `id` at `epoch`, sequences from `seq`, CRC made good again. */
function idempotentBatch(n: number, id: number, epoch: number, seq: number): Buffer {
  const batch = buildBatch(Array.from({length: n}, (_, i) => ({timestamp: Date.now(), key: null, value: utf8(`r${seq + i}`)})))
  L.writeInt64(batch, L.PRODUCER_ID_OFFSET, id)
  batch.writeInt16BE(epoch, L.PRODUCER_EPOCH_OFFSET)
  batch.writeInt32BE(seq, L.BASE_SEQUENCE_OFFSET)
  batch.writeUInt32BE(crc32c(batch.subarray(L.ATTRIBUTES_OFFSET)), L.CRC_OFFSET)
  return batch
}

type Send = Awaited<ReturnType<typeof client>>

async function produceBatch(send: Send, batch: Buffer) {
  const r = await send(produce, 8, {acks: -1, timeoutMs: 1000, topicData: [{name: 't', partitionData: [{index: 0, records: Buffer.from(batch)}]}]})
  return r.responses[0].partitionResponses[0]
}

function setup(): string {
  const dir = join(tempDir(), 'data')
  Store.open(dir).createTopic('t', 1, 1, {})
  return dir
}

describe('InitProducerId', () => {
  test('new ids at epoch 0, never the same twice across restarts; a transactional id is refused', async () => {
    const dir = setup()
    let b = await start(dir)
    let send = await client(b.port)
    const first = await send(initProducerId, 1, {transactionalId: null, transactionTimeoutMs: 60_000})
    const second = await send(initProducerId, 4, {transactionalId: null, transactionTimeoutMs: 60_000, producerId: first.producerId, producerEpoch: 0})
    expect(first).toMatchObject({errorCode: ErrorCode.NONE, producerEpoch: 0})
    expect(second).toMatchObject({errorCode: ErrorCode.NONE, producerEpoch: 0})
    expect(second.producerId).not.toBe(first.producerId)
    const txn = await send(initProducerId, 1, {transactionalId: 'tx', transactionTimeoutMs: 60_000})
    expect(txn.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
    await stop(b)
    b = await start(dir)
    send = await client(b.port)
    const after = await send(initProducerId, 2, {transactionalId: null, transactionTimeoutMs: 60_000})
    expect(after.errorCode).toBe(ErrorCode.NONE)
    expect(after.producerId > second.producerId).toBe(true)
  })
})

describe('idempotent Produce', () => {
  test('a retried batch is written once and both answers carry its offset; gaps and old epochs are refused', async () => {
    const dir = setup()
    const b = await start(dir)
    const send = await client(b.port)
    expect(await produceBatch(send, buildBatch([{timestamp: Date.now(), key: null, value: utf8('plain')}]))).toMatchObject({errorCode: ErrorCode.NONE, baseOffset: 0n})
    const batch = idempotentBatch(3, 5, 1, 0)
    const a = await produceBatch(send, batch)
    const again = await produceBatch(send, batch)
    expect(a).toMatchObject({errorCode: ErrorCode.NONE, baseOffset: 1n})
    expect(again).toMatchObject({errorCode: ErrorCode.NONE, baseOffset: 1n})
    expect(b.replicas.get('t', 0)!.logEndOffset).toBe(4)
    expect((await produceBatch(send, idempotentBatch(2, 5, 1, 3))).baseOffset).toBe(4n)
    // A gap (sequence 7 after 4) and the epoch before are refused, nothing written.
    expect((await produceBatch(send, idempotentBatch(1, 5, 1, 7))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
    expect((await produceBatch(send, idempotentBatch(1, 5, 0, 5))).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH)
    // A new epoch starts at 0, and fences the old one.
    expect((await produceBatch(send, idempotentBatch(1, 5, 2, 3))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
    expect((await produceBatch(send, idempotentBatch(1, 5, 2, 0))).baseOffset).toBe(6n)
    expect((await produceBatch(send, idempotentBatch(1, 5, 1, 5))).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH)
    // Two batches of one producer in one partition's data: Kafka takes one.
    const two = Buffer.concat([idempotentBatch(1, 5, 2, 1), idempotentBatch(1, 5, 2, 2)])
    expect((await produceBatch(send, two)).errorCode).toBe(ErrorCode.INVALID_RECORD)
    expect(b.replicas.get('t', 0)!.logEndOffset).toBe(7)
  })

  test.each([
    ['from the snapshot written at stop', false],
    ['from the log tail when no snapshot covers it (kill -9)', true],
  ])('the state survives a restart, %s', async (_, dropSnapshots) => {
    const dir = setup()
    let b = await start(dir)
    let send = await client(b.port)
    const batches = [idempotentBatch(2, 9, 0, 0), idempotentBatch(2, 9, 0, 2), idempotentBatch(2, 11, 0, 0)]
    for (const batch of batches) expect((await produceBatch(send, batch)).errorCode).toBe(ErrorCode.NONE)
    await stop(b)
    const partDir = join(dir, 'topics', 't', '0')
    const snapshots = readdirSync(partDir).filter((n) => n.endsWith('.snapshot'))
    expect(snapshots).toContain(`${'6'.padStart(20, '0')}.snapshot`)
    // A killed broker left only the snapshot it made before the first idempotent batch, at offset 0.
    if (dropSnapshots) for (const n of snapshots) if (n !== `${'0'.padStart(20, '0')}.snapshot`) rmSync(join(partDir, n))
    b = await start(dir)
    send = await client(b.port)
    expect(await produceBatch(send, batches[1])).toMatchObject({errorCode: ErrorCode.NONE, baseOffset: 2n})
    expect(await produceBatch(send, batches[2])).toMatchObject({errorCode: ErrorCode.NONE, baseOffset: 4n})
    expect((await produceBatch(send, idempotentBatch(1, 9, 0, 5))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
    expect((await produceBatch(send, idempotentBatch(1, 9, 0, 4))).baseOffset).toBe(6n)
    expect(readAll(partDir).map((r) => r.value!.toString())).toEqual(['r0', 'r1', 'r2', 'r3', 'r0', 'r1', 'r4'])
  })

  test('a snapshot is written only when something changed: none for a partition no one wrote to, one at the log end after writes', async () => {
    const dir = setup()
    const partDir = join(dir, 'topics', 't', '0')
    const snapshots = () => readdirSync(partDir).filter((n) => n.endsWith('.snapshot'))
    await stop(await start(dir))
    expect(snapshots()).toEqual([])
    let b = await start(dir)
    const send = await client(b.port)
    await produceBatch(send, buildBatch([{timestamp: Date.now(), key: null, value: utf8('plain')}]))
    await stop(b)
    expect(snapshots()).toEqual([`${'1'.padStart(20, '0')}.snapshot`])
    b = await start(dir)
    await stop(b)
    expect(snapshots()).toEqual([`${'1'.padStart(20, '0')}.snapshot`])
  })
})
