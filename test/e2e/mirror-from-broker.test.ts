/**
 * `logpipe mirror --from HOST:PORT`: a running logpipe broker as the
 * source, read only through the protocol (Metadata for the topics,
 * DescribeConfigs for their configs, Fetch for the records, OffsetFetch and
 * OffsetCommit for the progress, kept in a group on that broker): the
 * records byte for byte in the target, and kill -9 in the middle, twice,
 * leaving every record exactly once.
 */
import {readFileSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {execa} from 'execa'
import {describe, expect, test} from 'vitest'
import {BIN, cli} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'
import {expectOk, lines, trackProcesses, waitFor} from './support.js'

const running = trackProcesses()

async function dump(c: ReturnType<typeof cli>, dataDir: string, topic: string): Promise<string[]> {
  const r = await c.run(['consume', '--data-dir', dataDir, topic, '-e', '--json', '--json-encoding', 'base64'])
  expectOk(r)
  return lines(r.stdout).sort()
}

function bytesIn(dataDir: string, topic: string): number {
  const dir = join(dataDir, 'topics', topic)
  let bytes = 0
  try {
    for (const p of readdirSync(dir).filter((n) => /^\d+$/.test(n))) {
      for (const f of readdirSync(join(dir, p))) if (f.endsWith('.log')) bytes += statSync(join(dir, p, f)).size
    }
  } catch {
    return 0
  }
  return bytes
}

describe('logpipe mirror from a broker', () => {
  test('topics by Metadata and --include, configs by DescribeConfigs, records byte for byte; progress committed in the group on the source', async () => {
    const c = cli()
    const target = join(c.base, 'target')
    expectOk(await c.run(['topic', 'create', 'orders', '--partitions', '3', '--config', 'cleanup.policy=compact', '--config', 'retention.ms=3600000']))
    expectOk(await c.run(['topic', 'create', 'other']))
    const t0 = 1_700_000_000_000
    const input = [
      {partition: 0, key: 'k0', value: 'plain', timestamp: t0},
      {partition: 1, key: null, value: null, timestamp: t0 - 5000, headers: [{key: 'h', value: 'x'}, {key: 'h', value: null}]},
      {partition: 2, key: '/wD+', value: 'AAEC/w==', encoding: 'base64', timestamp: t0 + 1, headers: [{key: 'bin', value: '//8='}]},
      {partition: 1, key: 'k', value: 'x'.repeat(5000), timestamp: t0 + 2},
    ]
    const jsonLines = input.map((r) => JSON.stringify(r)).join('\n') + '\n'
    expectOk(await c.run(['produce', 'orders', '--input', 'json'], {input: jsonLines}))
    expectOk(await c.run(['produce', 'orders', '--input', 'json', '--compression', 'gzip'], {input: jsonLines}))
    expectOk(await c.run(['produce', 'other'], {input: 'not mirrored\n'}))
    const broker = await startBroker(c.env)

    const r = await c.run(['mirror', '--from', broker.address, '--to', target, '--include', 'ord.*', '-e'])
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(String(r.stdout)).toMatch(/^Mirrored 8 records from 127\.0\.0\.1:\d+ to .* created orders\.\n$/)
    expect(await dump(c, target, 'orders')).toEqual(await dump(c, c.dataDir, 'orders'))
    const meta = JSON.parse(readFileSync(join(target, 'topics/orders/topic.json'), 'utf8'))
    expect(meta.partitions).toBe(3)
    expect(meta.config).toEqual({'cleanup.policy': 'compact', 'retention.ms': 3600000})
    expect(readdirSync(join(target, 'topics'))).toEqual(['orders'])

    // The broker wrote the group's commits into the source's files, with the mirror's progress beside each offset.
    const described = await c.run(['group', 'describe', 'logpipe-mirror', '--json'])
    expectOk(described)
    const offsets = JSON.parse(String(described.stdout)).partitions.map((p: {partition: number; currentOffset: number}) => [p.partition, p.currentOffset])
    expect(offsets.sort()).toEqual([
      [0, 2],
      [1, 4],
      [2, 2],
    ])
    const again = await c.run(['mirror', '--from', broker.address, '--to', target, '--include', 'ord.*', '-e'])
    expect(again.exitCode, String(again.stderr)).toBe(0)
    expect(String(again.stdout)).toMatch(/^Mirrored 0 records/)
    expect(await dump(c, target, 'orders')).toEqual(await dump(c, c.dataDir, 'orders'))
  }, 60_000)

  test('kill -9 in the middle, then again: every record exactly once in the target, in order', async () => {
    const c = cli()
    const target = join(c.base, 'target')
    expectOk(await c.run(['topic', 'create', 'big', '--partitions', '4']))
    const total = 400_000
    expectOk(await c.run(['produce', 'big', '-K:'], {input: Array.from({length: total}, (_, i) => `key-${i % 97}:value-${i}`).join('\n') + '\n'}))
    const sourceBytes = bytesIn(c.dataDir, 'big')
    const broker = await startBroker(c.env)
    const args = ['mirror', '--from', broker.address, '--to', target, '--include', 'big', '--group', 'm']
    for (let kill = 0; kill < 2; kill++) {
      const proc = execa(process.execPath, [BIN, ...args], {reject: false, env: c.env, extendEnv: false})
      running.push(proc)
      const before = bytesIn(target, 'big')
      await waitFor(() => bytesIn(target, 'big') > before + sourceBytes / 20, 'the mirror to copy some records', 60_000)
      proc.kill('SIGKILL')
      await proc
    }
    expect(bytesIn(target, 'big')).toBeLessThan(sourceBytes)
    const last = await c.run([...args, '-e'])
    expect(last.exitCode, String(last.stderr)).toBe(0)
    const [a, b] = await Promise.all([dump(c, c.dataDir, 'big'), dump(c, target, 'big')])
    expect(b.length).toBe(total)
    expect(b).toEqual(a)
  }, 180_000)

  test('follows the broker, and a matching topic created there while it runs is created and copied too', async () => {
    const c = cli()
    const target = join(c.base, 'target')
    const broker = await startBroker(c.env)
    const via = ['--bootstrap-server', broker.address]
    expectOk(await c.run(['topic', 'create', 'logs-a', ...via]))
    expectOk(await c.run(['produce', 'logs-a', ...via], {input: 'a1\n'}))
    const proc = execa(process.execPath, [BIN, 'mirror', '--from', broker.address, '--to', target, '--include', 'logs-.*'], {reject: false, env: c.env, extendEnv: false})
    running.push(proc)
    const targetHas = async (topic: string, values: string[]) => {
      const want = values.map((v) => `${v}\n`).join('')
      let seen = ''
      const deadline = Date.now() + 30_000
      while (seen !== want) {
        if (Date.now() > deadline) throw new Error(`${topic} in the target holds ${JSON.stringify(seen)}, not ${JSON.stringify(want)}`)
        await waitFor(() => bytesIn(target, topic) > 0, `${topic} in the target`, 30_000)
        seen = String((await c.run(['consume', '--data-dir', target, topic, '-e', '-F', '%s\n'])).stdout)
      }
    }
    await targetHas('logs-a', ['a1'])
    expectOk(await c.run(['produce', 'logs-a', ...via], {input: 'a2\n'}))
    await targetHas('logs-a', ['a1', 'a2'])
    expectOk(await c.run(['topic', 'create', 'logs-b', '--partitions', '2', ...via]))
    expectOk(await c.run(['produce', 'logs-b', '-p', '1', ...via], {input: 'b1\n'}))
    await targetHas('logs-b', ['b1'])
    expect(JSON.parse(readFileSync(join(target, 'topics/logs-b/topic.json'), 'utf8')).partitions).toBe(2)
    proc.kill('SIGTERM')
    const r = await proc
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(String(r.stdout)).toMatch(/^Mirrored 3 records .*created logs-a, logs-b\.$/)
  }, 90_000)
})
