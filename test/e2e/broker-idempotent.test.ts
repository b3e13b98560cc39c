/**
 * Idempotent producers against the built broker: kafkajs's
 * `idempotent: true` and kcat's `enable.idempotence=true` (both call
 * InitProducerId and stamp producer id and sequences into their batches),
 * and a retried batch, sent twice as the same raw Produce through our own
 * codec, written once with one offset in both answers, before and after a
 * broker restart.
 */
import {execa} from 'execa'
import {describe, expect, test} from 'vitest'
import {Kafka, logLevel} from 'kafkajs'
import {cli} from '../helpers/cli.js'
import {rawConnection, startBroker} from '../helpers/broker.js'
import {crc32c} from '../../src/core/codec/crc32c.js'
import * as L from '../../src/core/record/batch-layout.js'
import {decodeResponseFrame, encodeRequestFrame} from '../../src/core/wire/envelope.js'
import {ErrorCode} from '../../src/core/wire/error-codes.js'
import {FrameSplitter} from '../../src/core/wire/frame.js'
import {produce} from '../../src/core/wire/messages/00-produce.js'
import {initProducerId} from '../../src/core/wire/messages/22-init-producer-id.js'
import type {ApiSchema, RequestInput, ResponseOf} from '../../src/core/wire/schema.js'
import {buildBatch} from '../core/support.js'

/** One request, its answer. */
async function ask<A extends ApiSchema>(port: number, schema: A, version: number, value: RequestInput<A>): Promise<ResponseOf<A>> {
  const conn = await rawConnection(port)
  const frames = new FrameSplitter()
  const answer = new Promise<Buffer>((resolve) => conn.socket.on('data', (chunk: Buffer) => {
    for (const f of frames.push(chunk)) resolve(Buffer.from(f))
  }))
  conn.socket.write(encodeRequestFrame(schema, version, {correlationId: 1, clientId: 'test'}, value))
  const frame = await answer
  conn.socket.destroy()
  return decodeResponseFrame(schema, version, frame).body
}

function idempotentBatch(values: string[], producerId: number, seq: number): Buffer {
  const batch = buildBatch(values.map((v) => ({timestamp: Date.now(), key: null, value: Buffer.from(v)})))
  L.writeInt64(batch, L.PRODUCER_ID_OFFSET, producerId)
  batch.writeInt16BE(0, L.PRODUCER_EPOCH_OFFSET)
  batch.writeInt32BE(seq, L.BASE_SEQUENCE_OFFSET)
  batch.writeUInt32BE(crc32c(batch.subarray(L.ATTRIBUTES_OFFSET)), L.CRC_OFFSET)
  return batch
}

const produceRaw = async (port: number, batch: Buffer) =>
  (await ask(port, produce, 7, {acks: -1, timeoutMs: 5000, topicData: [{name: 'idem', partitionData: [{index: 0, records: batch}]}]})).responses[0].partitionResponses[0]

describe('idempotent producers against a broker', () => {
  test('kafkajs idempotent: true gets a producer id; a retried raw batch is written once, also after a restart', async () => {
    const c = cli()
    await c.run(['topic', 'create', 'idem'])
    let broker = await startBroker(c.env)
    const kafka = new Kafka({clientId: 'idem-test', brokers: [broker.address], logLevel: logLevel.NOTHING, retry: {retries: 2}})
    const producer = kafka.producer({idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false})
    await producer.connect()
    expect((await producer.send({topic: 'idem', messages: [{value: 'js0'}, {value: 'js1'}]}))[0]).toMatchObject({errorCode: 0, baseOffset: '0'})
    expect((await producer.send({topic: 'idem', messages: [{value: 'js2'}]}))[0]).toMatchObject({errorCode: 0, baseOffset: '2'})
    await producer.disconnect()

    const init = await ask(broker.port, initProducerId, 1, {transactionalId: null, transactionTimeoutMs: 60_000})
    expect(init.errorCode).toBe(ErrorCode.NONE)
    const id = Number(init.producerId)
    const first = idempotentBatch(['a', 'b'], id, 0)
    expect(await produceRaw(broker.port, first)).toMatchObject({errorCode: ErrorCode.NONE, baseOffset: 3n})
    expect(await produceRaw(broker.port, first)).toMatchObject({errorCode: ErrorCode.NONE, baseOffset: 3n})
    expect((await produceRaw(broker.port, idempotentBatch(['gap'], id, 5))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
    const second = idempotentBatch(['c'], id, 2)
    expect(await produceRaw(broker.port, second)).toMatchObject({errorCode: ErrorCode.NONE, baseOffset: 5n})
    await broker.stop()

    broker = await startBroker(c.env)
    expect(await produceRaw(broker.port, second)).toMatchObject({errorCode: ErrorCode.NONE, baseOffset: 5n})
    expect(await produceRaw(broker.port, first)).toMatchObject({errorCode: ErrorCode.NONE, baseOffset: 3n})
    await broker.stop()

    const files = await c.run(['consume', 'idem', '-e', '-F', '%o %s\n'])
    expect(String(files.stdout)).toBe('0 js0\n1 js1\n2 js2\n3 a\n4 b\n5 c\n')
    // kafkajs's batches carry the producer id InitProducerId gave it.
    const dump = String((await c.run(['dump', 'idem/0'])).stdout)
    expect(dump).toMatch(/producerId: \d+ producerEpoch: 0/)
    expect(dump).not.toMatch(/producerId: -1 /)
    expect((await c.run(['topic', 'verify', 'idem'])).exitCode).toBe(0)
  })

  test('after kill -9 of the broker, a retried batch is still answered with its first offset and not written again', async () => {
    const c = cli()
    await c.run(['topic', 'create', 'idem'])
    let broker = await startBroker(c.env)
    const id = Number((await ask(broker.port, initProducerId, 1, {transactionalId: null, transactionTimeoutMs: 60_000})).producerId)
    const batches = [0, 1, 2].map((i) => idempotentBatch([`k${i}a`, `k${i}b`], id, i * 2))
    for (const [i, batch] of batches.entries()) expect(await produceRaw(broker.port, batch)).toMatchObject({errorCode: ErrorCode.NONE, baseOffset: BigInt(i * 2)})
    broker.proc.kill('SIGKILL')
    await broker.proc
    broker = await startBroker(c.env)
    for (const [i, batch] of batches.entries()) expect(await produceRaw(broker.port, batch)).toMatchObject({errorCode: ErrorCode.NONE, baseOffset: BigInt(i * 2)})
    await broker.stop()
    const files = await c.run(['consume', 'idem', '-e', '-F', '%s\n'])
    expect(String(files.stdout)).toBe('k0a\nk0b\nk1a\nk1b\nk2a\nk2b\n')
  })

  test('kcat -X enable.idempotence=true -P writes each line once', async () => {
    const c = cli()
    await c.run(['topic', 'create', 'idem'])
    const broker = await startBroker(c.env)
    const lines = Array.from({length: 500}, (_, i) => `line ${i}`)
    const r = await execa('kcat', ['-b', broker.address, '-X', 'enable.idempotence=true', '-P', '-t', 'idem', '-p', '0'], {input: lines.join('\n') + '\n', reject: false, timeout: 30_000})
    expect(r.exitCode, r.stderr).toBe(0)
    await broker.stop()
    const files = await c.run(['consume', 'idem', '-e', '-F', '%s\n'])
    expect(String(files.stdout)).toBe(lines.join('\n') + '\n')
    const dump = String((await c.run(['dump', 'idem/0'])).stdout)
    expect(dump).toMatch(/producerId: \d+ producerEpoch: \d+/)
    expect(dump).not.toMatch(/producerId: -1 /)
  })
})
