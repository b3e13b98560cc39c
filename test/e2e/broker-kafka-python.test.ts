/**
 * kafka-python (Debian python3-kafka 2.0.2, a client nobody here wrote)
 * against a logpipe broker: a producer with acks=all, a consumer without a
 * group (assign and seek), the admin client creating and deleting topics.
 * What it wrote is what `logpipe consume` reads from the files.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {execa} from 'execa'
import {describe, expect, test} from 'vitest'
import {ROOT, cli} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'

const SCRIPT = join(ROOT, 'test', 'fixtures', 'broker', 'kafka-python-client.py')

async function python(address: string, ...args: string[]): Promise<unknown> {
  const r = await execa('/usr/bin/python3', [SCRIPT, address, ...args], {reject: false, timeout: 60_000, env: {PYTHONDONTWRITEBYTECODE: '1'}})
  expect(r.exitCode, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

describe('kafka-python against a broker', () => {
  test('a producer and a group-less consumer (assign + seek); the records are in the files as sent', async () => {
    const c = cli()
    await c.run(['topic', 'create', 'py'])
    const broker = await startBroker(c.env)
    expect(await python(broker.address, 'produce', 'py', '5')).toEqual([0, 1, 2, 3, 4])
    const read = (await python(broker.address, 'consume', 'py', '2')) as {offset: number; key: string; value: string; headers: string[][]}[]
    expect(read).toEqual([2, 3, 4].map((i) => ({offset: i, key: `k${i}`, value: `v${i}`, headers: [['origin', 'python']]})))
    await broker.stop()
    const files = await c.run(['consume', 'py', '-e', '-F', '%o %k %s %h\n'])
    expect(String(files.stdout)).toBe([0, 1, 2, 3, 4].map((i) => `${i} k${i} v${i} origin=python\n`).join(''))
  })

  test('the admin client creates a topic with its partitions, and deletes it', async () => {
    const c = cli()
    await c.run(['topic', 'create', 'existing'])
    const broker = await startBroker(c.env)
    const r = (await python(broker.address, 'admin')) as Record<string, unknown>
    expect(r).toEqual({created: [0], afterCreate: ['existing', 'made-by-python'], deleted: [0], afterDelete: ['existing']})
    expect(existsSync(join(c.dataDir, 'topics', 'made-by-python'))).toBe(false)
    await broker.stop()
  })
})
