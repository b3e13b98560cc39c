/**
 * The kafkajs-shaped producer: send and sendBatch answer with kafkajs's
 * RecordMetadata (one per partition written), keyed messages land where
 * kafkajs's own DefaultPartitioner puts them, and bad input is a UsageError
 * before anything is written.
 */
import {readFileSync, readdirSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {CompressionTypes, DefaultPartitioner, NotFoundError, UsageError} from '../../src/index.js'
import {newLogpipe, until} from './support.js'

const require = createRequire(import.meta.url)
const kafkajs = require('kafkajs') as {Partitioners: {DefaultPartitioner: () => (args: unknown) => number}}

async function connected(partitions = 1, topic = 't') {
  const lp = newLogpipe()
  const admin = lp.logpipe.admin()
  await admin.connect()
  await admin.createTopics({topics: [{topic, numPartitions: partitions}]})
  const producer = lp.logpipe.producer()
  await producer.connect()
  return {...lp, admin, producer}
}

/** Every record of a partition, through a consumer of a group of its own. */
async function readAll(logpipe: ReturnType<typeof newLogpipe>['logpipe'], topic: string, expected: number) {
  const consumer = logpipe.consumer({groupId: `reader-${topic}`})
  await consumer.connect()
  await consumer.subscribe({topics: [topic], fromBeginning: true})
  const out: Array<{partition: number; offset: string; key: string | null; value: string | null; timestamp: string}> = []
  await consumer.run({eachMessage: async ({partition, message: m}) => void out.push({partition, offset: m.offset, key: m.key?.toString() ?? null, value: m.value?.toString() ?? null, timestamp: m.timestamp})})
  await until(() => out.length >= expected, `${expected} records of ${topic}`)
  await consumer.disconnect()
  return out
}

describe('producer', () => {
  test('send answers with one kafkajs RecordMetadata per partition, base offsets counting on', async () => {
    const {producer, logpipe} = await connected(2)
    const first = await producer.send({topic: 't', messages: [{value: 'a', partition: 0}, {value: 'b', partition: 1}, {value: 'c', partition: 0}]})
    expect(first).toEqual([
      {topicName: 't', partition: 0, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '0'},
      {topicName: 't', partition: 1, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '0'},
    ])
    const second = await producer.send({topic: 't', messages: [{key: Buffer.from('k'), value: null, partition: 0, timestamp: '42'}]})
    expect(second.map((m) => m.baseOffset)).toEqual(['2'])
    await producer.disconnect()
    const records = await readAll(logpipe, 't', 4)
    expect(records.filter((r) => r.partition === 0)).toEqual([
      {partition: 0, offset: '0', key: null, value: 'a', timestamp: expect.any(String)},
      {partition: 0, offset: '1', key: null, value: 'c', timestamp: expect.any(String)},
      {partition: 0, offset: '2', key: 'k', value: null, timestamp: '42'},
    ])
  })

  test('keyed messages go where kafkajs DefaultPartitioner sends them (murmur2, as Java); unkeyed ones go round the partitions', async () => {
    const {producer, logpipe} = await connected(7)
    const keys = Array.from({length: 200}, (_, i) => (i % 2 ? `key-${i}` : Buffer.from([i, i * 7, 255 - i])))
    const theirs = kafkajs.Partitioners.DefaultPartitioner()
    const partitionMetadata = Array.from({length: 7}, (_, p) => ({partitionId: p, leader: 0}))
    const expected = keys.map((key) => theirs({topic: 't', partitionMetadata, message: {key, value: 'v'}}))
    const ours = DefaultPartitioner()
    expect(keys.map((key) => ours({topic: 't', partitionMetadata: partitionMetadata.map((p) => ({...p, partitionErrorCode: 0, replicas: [0], isr: [0], offlineReplicas: []})), message: {key, value: 'v'}}))).toEqual(expected)

    await producer.send({topic: 't', messages: keys.map((key, i) => ({key, value: String(i)}))})
    await producer.send({topic: 't', messages: Array.from({length: 14}, (_, i) => ({value: `u${i}`}))})
    await producer.disconnect()
    const records = await readAll(logpipe, 't', 214)
    for (const r of records.filter((r) => !r.value!.startsWith('u'))) expect(r.partition).toBe(expected[Number(r.value)])
    const unkeyed = records.filter((r) => r.value!.startsWith('u'))
    expect(new Set(unkeyed.map((r) => r.partition)).size).toBe(7)
  })

  test('sendBatch writes to several topics; compression by name or by CompressionTypes writes gzip batches', async () => {
    const {producer, admin, dataDir} = await connected(1, 'a')
    await admin.createTopics({topics: [{topic: 'b'}]})
    const result = await producer.sendBatch({compression: CompressionTypes.GZIP, topicMessages: [{topic: 'a', messages: [{value: 'x'.repeat(100)}]}, {topic: 'b', messages: [{value: 'y'}]}]})
    expect(result.map((r) => [r.topicName, r.baseOffset])).toEqual([['a', '0'], ['b', '0']])
    await producer.send({topic: 'a', compression: 'gzip', messages: [{value: 'z'}]})
    await producer.disconnect()
    const dir = join(dataDir, 'topics', 'a', '0')
    const log = readFileSync(join(dir, readdirSync(dir).find((n) => n.endsWith('.log'))!))
    // attributes (int16 at byte 21 of each batch): codec in the low three bits.
    const codecs: number[] = []
    for (let pos = 0; pos < log.length; pos += log.readInt32BE(pos + 8) + 12) codecs.push(log.readInt16BE(pos + 21) & 7)
    expect(codecs).toEqual([1, 1])
    expect((await admin.fetchTopicOffsets('a'))[0].high).toBe('2')
  })

  test('a missing topic is created on send (allowAutoTopicCreation, as a broker by default) unless turned off', async () => {
    const {logpipe} = newLogpipe()
    const admin = logpipe.admin()
    await admin.connect()
    const producer = logpipe.producer()
    await producer.connect()
    await producer.send({topic: 'auto', messages: [{value: 'v'}]})
    expect(await admin.listTopics()).toEqual(['auto'])
    await producer.disconnect()
    const strict = logpipe.producer({allowAutoTopicCreation: false})
    await strict.connect()
    await expect(strict.send({topic: 'missing', messages: [{value: 'v'}]})).rejects.toBeInstanceOf(NotFoundError)
    await strict.disconnect()
  })

  test('bad input is a UsageError and writes nothing', async () => {
    const {producer, admin, logpipe} = await connected(2)
    const bad: Array<[string, () => Promise<unknown>]> = [
      ['partition out of range', () => producer.send({topic: 't', messages: [{value: 'ok', partition: 0}, {value: 'v', partition: 5}]})],
      ['no value', () => producer.send({topic: 't', messages: [{key: 'k'} as never]})],
      ['messages not a list', () => producer.send({topic: 't', messages: 'v' as never})],
      ['bad header', () => producer.send({topic: 't', messages: [{value: 'v', headers: {h: 5 as never}}]})],
      ['bad timestamp', () => producer.send({topic: 't', messages: [{value: 'v', timestamp: 'yesterday'}]})],
      ['unknown compression', () => producer.send({topic: 't', compression: 9 as never, messages: [{value: 'v'}]})],
      ['bad acks', () => producer.send({topic: 't', acks: 2, messages: [{value: 'v'}]})],
      ['bad topic name', () => producer.send({topic: '../x', messages: [{value: 'v'}]})],
    ]
    for (const [what, call] of bad) await expect(call(), what).rejects.toBeInstanceOf(UsageError)
    expect((await admin.fetchTopicOffsets('t')).map((p) => p.high)).toEqual(['0', '0'])
    await producer.disconnect()
    await expect(producer.send({topic: 't', messages: [{value: 'v'}]})).rejects.toThrow(/not connected/)
    expect(() => logpipe.producer({transactionalId: 'tx'})).toThrow(UsageError)
  })

  test('overlapping sends each get their own offsets', async () => {
    const {producer} = await connected(1)
    const results = await Promise.all(Array.from({length: 5}, (_, i) => producer.send({topic: 't', messages: Array.from({length: 3}, (_, j) => ({value: `${i}-${j}`}))})))
    await producer.disconnect()
    expect(results.map((r) => Number(r[0].baseOffset)).sort((a, b) => a - b)).toEqual([0, 3, 6, 9, 12])
  })
})
