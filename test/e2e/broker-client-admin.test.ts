/**
 * topic and group commands through a broker (--bootstrap-server): the
 * Kafka admin APIs do the work, and what they print is what the file path
 * prints for the same store (the file path's own columns aside: a writer's
 * pid, segments, creation time).
 */
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'
import {EXIT, expectCleanError, expectOk} from './support.js'

describe('topic commands through a broker', () => {
  test('create, list, describe, alter and delete, seen the same way by the files', async () => {
    const c = cli()
    const broker = await startBroker(c.env)
    const b = ['--bootstrap-server', broker.address]
    const created = await c.run(['topic', 'create', 'orders', '--partitions', '3', '--config', 'retention.ms=60000', ...b])
    expectOk(created)
    expect(String(created.stdout)).toBe('Created topic orders with 3 partitions.\n')
    expectCleanError(await c.run(['topic', 'create', 'orders', ...b]), EXIT.RUNTIME, /^logpipe: topic 'orders' already exists$/)
    expectOk(await c.run(['topic', 'create', 'orders', '--if-not-exists', ...b]))
    expectOk(await c.run(['topic', 'create', 'users', ...b]))

    const list = await c.run(['topic', 'list', ...b])
    expect(String(list.stdout)).toBe('orders\nusers\n')
    const json = JSON.parse(String((await c.run(['topic', 'list', '--json', ...b])).stdout))
    const fileJson = JSON.parse(String((await c.run(['topic', 'list', '--json'])).stdout))
    // Same keys and values but the creation time, which the protocol does not carry.
    expect(json.map((t: {createdAt: unknown}) => ({...t, createdAt: 0}))).toEqual(fileJson.map((t: {createdAt: unknown}) => ({...t, createdAt: 0})))

    const d = await c.run(['topic', 'describe', 'orders', '-v', ...b])
    expectOk(d)
    const lines = String(d.stdout).trimEnd().split('\n')
    expect(lines[0]).toMatch(/^Topic: orders\tTopicId: [0-9a-f-]{36}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: retention.ms=60000$/)
    expect(lines.slice(1)).toEqual([0, 1, 2].map((p) => `\tTopic: orders\tPartition: ${p}\tLeader: 0\tReplicas: 0\tIsr: 0\tLogStartOffset: 0\tLogEndOffset: 0`))
    // kafka-topics' first line is the same from the files (the same topic id from topic.json).
    expect(String((await c.run(['topic', 'describe', 'orders'])).stdout).split('\n')[0]).toBe(lines[0])

    const altered = await c.run(['topic', 'alter', 'orders', '--partitions', '5', '--config', 'retention.ms=120000', ...b])
    expectOk(altered)
    const fromFiles = JSON.parse(String((await c.run(['topic', 'describe', 'orders', '--json'])).stdout))
    expect(fromFiles.partitionCount).toBe(5)
    expect(fromFiles.config).toEqual({'retention.ms': 120000})

    expect(String((await c.run(['topic', 'delete', 'users', ...b])).stdout)).toBe('Deleted topic users.\n')
    expectCleanError(await c.run(['topic', 'delete', 'users', ...b]), EXIT.NOT_FOUND, /^logpipe: topic 'users' does not exist$/)
    expectOk(await c.run(['topic', 'delete', 'users', '--if-exists', ...b]))
    expect(String((await c.run(['topic', 'list'])).stdout)).toBe('orders\n')
  })
})

describe('group commands through a broker', () => {
  test('list, describe, reset-offsets and delete print what the file path prints', async () => {
    const c = cli()
    expectOk(await c.run(['produce', 'events', '-q', '--create'], {input: Array.from({length: 10}, (_, i) => `${i}\n`).join('')}))
    const broker = await startBroker(c.env)
    const b = ['--bootstrap-server', broker.address]
    // A member through the broker commits 4 and leaves.
    const member = await c.run(['consume', 'events', '-g', 'billing', '-c', '4'])
    expect(member.exitCode, String(member.stderr)).toBe(0)

    for (const args of [['group', 'list'], ['group', 'describe', 'billing'], ['group', 'describe', 'billing', '--state'], ['group', 'describe', '--all-groups']]) {
      const files = await c.run(args)
      const wire = await c.run([...args, ...b])
      expectOk(wire)
      expect(String(wire.stdout), args.join(' ')).toBe(String(files.stdout))
    }
    expectCleanError(await c.run(['group', 'describe', 'nobody', ...b]), EXIT.NOT_FOUND, /^logpipe: group 'nobody' does not exist$/)

    const plan = await c.run(['group', 'reset-offsets', 'billing', '--topic', 'events', '--to-offset', '1', ...b])
    expect(String(plan.stdout)).toBe(String((await c.run(['group', 'reset-offsets', 'billing', '--topic', 'events', '--to-offset', '1'])).stdout))
    const shifted = await c.run(['group', 'reset-offsets', 'billing', '--topic', 'events', '--shift-by', '100', '--execute', ...b])
    expect(shifted.exitCode).toBe(0)
    expect(String(shifted.stderr)).toContain('104 is beyond the log end offset 10; using 10')
    const lag = await c.run(['group', 'describe', 'billing', '--json'])
    expect(JSON.parse(String(lag.stdout)).partitions.map((p: {currentOffset: number; lag: number}) => [p.currentOffset, p.lag])).toEqual([[10, 0]])

    expect(String((await c.run(['group', 'delete', 'billing', ...b])).stdout)).toBe('Deleted group billing.\n')
    expect(String((await c.run(['group', 'list'])).stdout)).toBe('')
  })
})
