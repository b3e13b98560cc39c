/**
 * `logpipe mirror` between two data directories: records byte for byte
 * (keys, values, headers, timestamps, partition), topics made with the
 * source's partitions and configs, progress as a group on the source, a
 * kill -9 in the middle (every record exactly once on the target after the
 * restart), and a topic created while the mirror follows.
 */
import {readFileSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {execa} from 'execa'
import {describe, expect, test} from 'vitest'
import {BIN, cli} from '../helpers/cli.js'
import {assertKafkajsDecodes} from '../helpers/kafkajs.js'
import {EXIT, expectCleanError, expectOk, lines, trackProcesses, waitFor} from './support.js'

const running = trackProcesses()

/** A source and a target store; `c` runs commands against the source. */
function stores() {
  const c = cli()
  const target = join(c.base, 'target')
  return {c, source: c.dataDir, target}
}

/** Every record of a topic as `consume --json` prints it, minus nothing: partition, offset, timestamp, key, value, headers. */
async function dump(c: ReturnType<typeof cli>, dataDir: string, topic: string): Promise<string[]> {
  const r = await c.run(['consume', '--data-dir', dataDir, topic, '-e', '--json', '--json-encoding', 'base64'])
  expectOk(r)
  return lines(r.stdout).sort()
}

/** Bytes of the segments of every partition of a topic. */
function bytesIn(dataDir: string, topic: string): number {
  const dir = join(dataDir, 'topics', topic)
  let bytes = 0
  for (const p of readdirSync(dir).filter((n) => /^\d+$/.test(n))) {
    for (const f of readdirSync(join(dir, p))) if (f.endsWith('.log')) bytes += statSync(join(dir, p, f)).size
  }
  return bytes
}

describe('logpipe mirror DIR -> DIR', () => {
  test('copies keys, values, headers and timestamps byte for byte into the same partitions; the topic gets the partitions and configs', async () => {
    const {c, source, target} = stores()
    expectOk(await c.run(['topic', 'create', 'orders', '--partitions', '3', '--config', 'cleanup.policy=compact', '--config', 'retention.ms=3600000', '--config', 'segment.bytes=1048576']))
    expectOk(await c.run(['topic', 'create', 'other']))
    const t0 = 1_700_000_000_000
    const input = [
      {partition: 0, key: 'k0', value: 'plain', timestamp: t0},
      {partition: 1, key: null, value: null, timestamp: t0 - 5000, headers: [{key: 'h', value: 'x'}, {key: 'h', value: null}, {key: 'ü', value: ''}]},
      {partition: 2, key: '/wD+', value: 'AAEC/w==', encoding: 'base64', timestamp: t0 + 1, headers: [{key: 'bin', value: '//8='}]},
      {partition: 1, key: 'k', value: 'x'.repeat(5000), timestamp: t0 + 2},
    ]
    const jsonLines = input.map((r) => JSON.stringify(r)).join('\n') + '\n'
    expectOk(await c.run(['produce', 'orders', '--input', 'json'], {input: jsonLines}))
    expectOk(await c.run(['produce', 'orders', '--input', 'json', '--compression', 'gzip'], {input: jsonLines}))
    expectOk(await c.run(['produce', 'other'], {input: 'not mirrored\n'}))

    const r = await c.run(['mirror', '--from', source, '--to', target, '--include', 'ord.*', '-e'])
    expect(r.exitCode).toBe(0)
    expect(String(r.stdout)).toMatch(/^Mirrored 8 records from .* created orders\.\n$/)
    expect(String(r.stderr)).toContain('created topic orders in the target with 3 partitions')

    expect(await dump(c, target, 'orders')).toEqual(await dump(c, source, 'orders'))
    const meta = JSON.parse(readFileSync(join(target, 'topics/orders/topic.json'), 'utf8'))
    expect(meta.partitions).toBe(3)
    expect(meta.config).toEqual({'cleanup.policy': 'compact', 'retention.ms': 3600000})
    expect(readdirSync(join(target, 'topics'))).toEqual(['orders'])
    expect(await assertKafkajsDecodes(join(target, 'topics'))).toBeGreaterThan(0)

    // Progress is the group's, on the source; a second run has nothing to copy.
    const described = await c.run(['group', 'describe', 'logpipe-mirror', '--json'])
    expectOk(described)
    const offsets = JSON.parse(String(described.stdout)).partitions.map((p: {partition: number; currentOffset: number}) => [p.partition, p.currentOffset])
    expect(offsets.sort()).toEqual([
      [0, 2],
      [1, 4],
      [2, 2],
    ])
    const again = await c.run(['mirror', '--from', source, '--to', target, '--include', 'ord.*', '-e'])
    expectOk(again)
    expect(String(again.stdout)).toMatch(/^Mirrored 0 records/)
  })

  test('kill -9 in the middle, then again from the start: every record exactly once on the target, in order', async () => {
    const {c, source, target} = stores()
    expectOk(await c.run(['topic', 'create', 'big', '--partitions', '4']))
    const total = 400_000
    const text = Array.from({length: total}, (_, i) => `key-${i % 97}:value-${i}`).join('\n') + '\n'
    expectOk(await c.run(['produce', 'big', '-K:'], {input: text}))
    const sourceBytes = bytesIn(source, 'big')

    for (let kill = 0; kill < 2; kill++) {
      const proc = execa(process.execPath, [BIN, 'mirror', '--from', source, '--to', target, '--include', 'big', '--group', 'm'], {reject: false, env: c.env, extendEnv: false})
      running.push(proc)
      const before = (() => {
        try {
          return bytesIn(target, 'big')
        } catch {
          return 0
        }
      })()
      await waitFor(() => {
        try {
          return bytesIn(target, 'big') > before + sourceBytes / 20
        } catch {
          return false
        }
      }, 'the mirror to copy some records', 60_000)
      proc.kill('SIGKILL')
      await proc
    }
    const last = await c.run(['mirror', '--from', source, '--to', target, '--include', 'big', '--group', 'm', '-e'])
    expect(last.exitCode).toBe(0)
    const [a, b] = await Promise.all([dump(c, source, 'big'), dump(c, target, 'big')])
    expect(b.length).toBe(total)
    expect(b).toEqual(a)
  }, 180_000)

  test('follows the source, and a matching topic created while it runs is created and copied too', async () => {
    const {c, source, target} = stores()
    expectOk(await c.run(['topic', 'create', 'logs-a']))
    expectOk(await c.run(['produce', 'logs-a'], {input: 'a1\n'}))
    const proc = execa(process.execPath, [BIN, 'mirror', '--from', source, '--to', target, '--include', 'logs-.*'], {reject: false, env: c.env, extendEnv: false})
    running.push(proc)
    const targetHas = async (topic: string, values: string[]) => {
      await waitFor(() => {
        try {
          return bytesIn(target, topic) > 0
        } catch {
          return false
        }
      }, `${topic} in the target`)
      for (;;) {
        const r = await c.run(['consume', '--data-dir', target, topic, '-e', '-F', '%s\n'])
        if (String(r.stdout) === values.map((v) => `${v}\n`).join('')) return
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
    await targetHas('logs-a', ['a1'])
    expectOk(await c.run(['produce', 'logs-a'], {input: 'a2\n'}))
    await targetHas('logs-a', ['a1', 'a2'])
    expectOk(await c.run(['topic', 'create', 'logs-b', '--partitions', '2']))
    expectOk(await c.run(['produce', 'logs-b', '-p', '1'], {input: 'b1\n'}))
    await targetHas('logs-b', ['b1'])
    expect(JSON.parse(readFileSync(join(target, 'topics/logs-b/topic.json'), 'utf8')).partitions).toBe(2)
    proc.kill('SIGTERM')
    const r = await proc
    expect(r.exitCode).toBe(0)
    expect(String(r.stdout)).toMatch(/^Mirrored 3 records .*created logs-a, logs-b\.$/)
  }, 60_000)

  test('bad ends and patterns are one-line usage errors', async () => {
    const {c, source, target} = stores()
    expectOk(await c.run(['topic', 'create', 't']))
    expectCleanError(await c.run(['mirror', '--from', source, '--to', source, '--include', 't']), EXIT.USAGE, /same store/)
    expectCleanError(await c.run(['mirror', '--from', join(c.base, 'nothing'), '--to', target, '--include', 't']), EXIT.NOT_FOUND, /no store at/)
    expectCleanError(await c.run(['mirror', '--from', source, '--to', target, '--include', '(']), EXIT.USAGE, /--include/)
    expectCleanError(await c.run(['mirror', '--from', source, '--to', target]), EXIT.USAGE, /--include/)
    expectCleanError(await c.run(['mirror', '--from', '127.0.0.1:1', '--to', target, '--include', 't']), EXIT.RUNTIME, /cannot reach 127\.0\.0\.1:1/)
    expectCleanError(await c.run(['mirror', '--from', '127.0.0.1:1', '--to', '127.0.0.1:1', '--include', 't']), EXIT.USAGE, /same servers/)
  })
})
