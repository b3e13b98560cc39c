/**
 * `logpipe mirror --to HOST:PORT`: a data directory copied into a logpipe
 * broker that serves another store, through our Kafka client (CreateTopics,
 * InitProducerId, Produce with sequences, ListOffsets, Fetch): the records
 * byte for byte in the broker's files, and a kill -9 in the middle that
 * leaves every record exactly once.
 */
import {readdirSync, statSync} from 'node:fs'
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

describe('logpipe mirror into a broker', () => {
  test('records, headers and timestamps byte for byte in the broker\'s store; the topic created with its partitions and configs', async () => {
    const c = cli()
    const far = cli()
    expectOk(await c.run(['topic', 'create', 'orders', '--partitions', '2', '--config', 'retention.ms=7200000']))
    const input = [
      {partition: 0, key: 'a', value: 'one', timestamp: 1_700_000_000_000, headers: [{key: 'h', value: 'x'}]},
      {partition: 1, key: null, value: null, timestamp: 1_600_000_000_000},
      {partition: 1, key: 'b', value: 'two', timestamp: 1_700_000_000_001},
    ]
    expectOk(await c.run(['produce', 'orders', '--input', 'json'], {input: input.map((r) => JSON.stringify(r)).join('\n') + '\n'}))
    const broker = await startBroker(far.env)
    const r = await c.run(['mirror', '--from', c.dataDir, '--to', broker.address, '--include', 'orders', '-e'])
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(String(r.stdout)).toMatch(/^Mirrored 3 records .* created orders\.\n$/)
    await broker.stop()
    const described = await far.run(['topic', 'describe', 'orders', '--json'])
    expect(JSON.parse(String(described.stdout))).toMatchObject({partitionCount: 2, config: {'retention.ms': 7200000}})
    expect(await dump(c, far.dataDir, 'orders')).toEqual(await dump(c, c.dataDir, 'orders'))
  })

  test('kill -9 in the middle, then again: every record exactly once in the broker', async () => {
    const c = cli()
    const far = cli()
    expectOk(await c.run(['topic', 'create', 'big', '--partitions', '2']))
    const total = 200_000
    expectOk(await c.run(['produce', 'big', '-K:'], {input: Array.from({length: total}, (_, i) => `k${i % 13}:v${i}`).join('\n') + '\n'}))
    const broker = await startBroker(far.env)
    const proc = execa(process.execPath, [BIN, 'mirror', '--from', c.dataDir, '--to', broker.address, '--include', 'big'], {reject: false, env: c.env, extendEnv: false})
    running.push(proc)
    await waitFor(() => bytesIn(far.dataDir, 'big') > 500_000, 'the mirror to copy some records', 60_000)
    proc.kill('SIGKILL')
    await proc
    const last = await c.run(['mirror', '--from', c.dataDir, '--to', broker.address, '--include', 'big', '-e'])
    expect(last.exitCode, String(last.stderr)).toBe(0)
    await broker.stop()
    const [a, b] = await Promise.all([dump(c, c.dataDir, 'big'), dump(c, far.dataDir, 'big')])
    expect(b.length).toBe(total)
    expect(b).toEqual(a)
  }, 120_000)
})
