/**
 * kcat (librdkafka, a client nobody here wrote) against a logpipe broker:
 * metadata, produce with keys and headers, consume from every offset form,
 * and the same records seen byte for byte through the files by `logpipe
 * consume`, and the other way round.
 */
import {execa} from 'execa'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'
import {randomRecords} from './support.js'

const kcat = async (args: string[], input?: string | Buffer) => {
  const r = await execa('kcat', args, {input, reject: false, timeout: 30_000, encoding: 'buffer', stripFinalNewline: false})
  return {exitCode: r.exitCode, stdout: Buffer.from(r.stdout), stderr: Buffer.from(r.stderr).toString()}
}

/** kcat's and logpipe's -F both write this: key length, key, value length, value. */
const SIZED = '%K:%k|%S:%s\n'
const sized = (records: {key: Buffer; value: Buffer}[]) =>
  Buffer.concat(records.map((r) => Buffer.concat([Buffer.from(`${r.key.length}:`), r.key, Buffer.from(`|${r.value.length}:`), r.value, Buffer.from('\n')])))

describe('kcat against a broker', () => {
  test('-L lists the broker and every topic with its partitions, leader, replicas and ISR', async () => {
    const c = cli()
    await c.run(['topic', 'create', 'orders', '--partitions', '3'])
    await c.run(['topic', 'create', 'users'])
    const broker = await startBroker(c.env, ['--id', '5'])
    const r = await kcat(['-b', broker.address, '-L', '-J'])
    expect(r.exitCode, String(r.stderr)).toBe(0)
    const meta = JSON.parse(String(r.stdout))
    expect(meta.brokers).toEqual([{id: 5, name: broker.address}])
    const orders = meta.topics.find((t: {topic: string}) => t.topic === 'orders')
    expect(orders.partitions).toEqual([0, 1, 2].map((p) => ({partition: p, leader: 5, replicas: [{id: 5}], isrs: [{id: 5}]})))
    expect(meta.topics.map((t: {topic: string}) => t.topic).sort()).toEqual(['orders', 'users'])
  })

  test('records kcat -P sends with keys and headers are the ones logpipe consume reads from the files, byte for byte', async () => {
    const c = cli()
    const broker = await startBroker(c.env)
    // Random bytes, without the delimiter (\n) and the key separator (:).
    const keys = randomRecords(11, 200, 30, 0x0a).map((b) => Buffer.from(b.filter((x) => x !== 0x3a)))
    const values = randomRecords(12, 200, 300, 0x0a).map((b) => Buffer.from(b.filter((x) => x !== 0x3a)))
    const records = keys.map((key, i) => ({key, value: values[i]}))
    const input = Buffer.concat(records.flatMap((r) => [r.key, Buffer.from(':'), r.value, Buffer.from('\n')]))
    const p = await kcat(['-b', broker.address, '-P', '-t', 'raw', '-K:', '-H', 'source=kcat', '-H', 'n=1'], input)
    expect(p.exitCode, String(p.stderr)).toBe(0)
    await broker.stop()

    const consumed = await c.run(['consume', 'raw', '-e', '-F', SIZED], {encoding: 'buffer'})
    expect(consumed.exitCode, String(consumed.stderr)).toBe(0)
    expect(Buffer.from(consumed.stdout as unknown as Uint8Array).toString('latin1')).toBe(sized(records).toString('latin1'))
    const headers = await c.run(['consume', 'raw', '-e', '-c', '1', '-F', '%h\n'])
    expect(String(headers.stdout)).toBe('source=kcat,n=1\n')
  })

  test('records logpipe produce wrote to the files are the ones kcat -C reads through the broker, byte for byte', async () => {
    const c = cli()
    const keys = randomRecords(21, 300, 20, 0x0a).map((b) => Buffer.from(b.filter((x) => x !== 0x09)))
    const values = randomRecords(22, 300, 500, 0x0a)
    const records = keys.map((key, i) => ({key, value: values[i]}))
    const input = Buffer.concat(records.flatMap((r) => [r.key, Buffer.from('\t'), r.value, Buffer.from('\n')]))
    const produced = await c.run(['produce', 'files', '--create', '-K', '\t', '-p', '0'], {input})
    expect(produced.exitCode, String(produced.stderr)).toBe(0)
    const broker = await startBroker(c.env)
    const r = await kcat(['-b', broker.address, '-C', '-t', 'files', '-e', '-q', '-f', SIZED])
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(r.stdout.toString('latin1')).toBe(sized(records).toString('latin1'))
  })

  test.each([
    ['beginning', ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9']],
    ['end', []],
    ['4', ['v4', 'v5', 'v6', 'v7', 'v8', 'v9']],
    ['-3', ['v7', 'v8', 'v9']],
    ['10', []],
  ])('kcat -C -o %s reads from there to the end', async (offset, expected) => {
    const c = cli()
    const broker = await startBroker(c.env)
    const input = Array.from({length: 10}, (_, i) => `v${i}\n`).join('')
    expect((await kcat(['-b', broker.address, '-P', '-t', 'ten'], input)).exitCode).toBe(0)
    const r = await kcat(['-b', broker.address, '-C', '-t', 'ten', '-o', offset, '-e', '-q', '-f', '%o %s\n'])
    expect(r.exitCode, String(r.stderr)).toBe(0)
    const first = 10 - expected.length
    expect(String(r.stdout)).toBe(expected.map((v, i) => `${first + i} ${v}\n`).join(''))
  })

  // Each fetch may wait 25 s and kcat is given 20 s in all: only a long poll woken by the appends gets the three records in time.
  test('a consumer following the tail sees records as they are produced (the long poll is woken by appends)', async () => {
    const c = cli()
    await c.run(['topic', 'create', 'live'])
    const broker = await startBroker(c.env)
    const consumer = execa('kcat', ['-b', broker.address, '-C', '-t', 'live', '-o', 'beginning', '-c', '3', '-q', '-f', '%s\n', '-X', 'fetch.wait.max.ms=25000'], {reject: false, timeout: 20_000, stripFinalNewline: false})
    for (const v of ['one', 'two', 'three']) expect((await kcat(['-b', broker.address, '-P', '-t', 'live'], `${v}\n`)).exitCode).toBe(0)
    const r = await consumer
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(String(r.stdout)).toBe('one\ntwo\nthree\n')
  })
})
