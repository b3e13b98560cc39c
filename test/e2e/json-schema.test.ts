/**
 * docs/JSON.md is the contract of every command's --json output: this runs
 * each command with --json on a store that has something to show (records
 * with keys and headers, a group with offsets, a live broker) and checks
 * what it prints against the page's schema for it. Every command of the
 * manifest that takes --json has a schema, and every schema is used.
 */
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {ROOT} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'
import {check, schemasOf, type Schema} from '../helpers/json-schema.js'
import {EXIT, expectOk, lines, sharedCli, once, waitFor} from './support.js'
import {PersistentBytesStore} from '../../src/core/streams/state/persistent-bytes-store.js'

const schemas = schemasOf(join(ROOT, 'docs', 'JSON.md'))
const defs = (schemas.get('$defs') ?? {}) as Record<string, Schema>
const used = new Set<string>(['$defs'])

const c = sharedCli()
const setup = once(async () => {
  expectOk(await c.run(['topic', 'create', 't', '--partitions', '2', '--config', 'retention.ms=86400000', '-q']))
  const input = [
    {key: 'k', value: 'v', headers: [{key: 'h', value: 'x'}], partition: 0},
    {key: null, value: 'w', partition: 1},
    {key: 'gone', value: null, partition: 0},
    {key: {base64: '/w=='}, value: {base64: '//79'}, partition: 1},
  ]
  expectOk(await c.run(['produce', 't', '--input', 'json', '-q'], {input: input.map((l) => JSON.stringify(l)).join('\n') + '\n'}))
  expectOk(await c.run(['consume', 't', '-g', 'g', '-e', '-c', '2', '-q']))
  expectOk(await c.run(['topic', 'create', 'other', '-q']))
  // A Streams app that ran: its group, changelog and saved topology.
  expectOk(await c.run(['topic', 'create', 'key-counts', '-q']))
  expectOk(await c.run(['stream', 'count', '--from', 't', '--to', 'key-counts', '-e', '-q']))
})

/** The output fits the named schema; lists and streams are checked to be non-empty, so no schema passes on nothing. */
function expectFits(name: string, value: unknown): void {
  const schema = schemas.get(name)
  expect(schema, `docs/JSON.md has a schema named "${name}"`).toBeDefined()
  used.add(name)
  if (Array.isArray(value)) expect(value.length, `${name} printed an empty list`).toBeGreaterThan(0)
  expect(check(value, schema as Schema, defs)).toEqual([])
}

async function document(args: string[], options = {}): Promise<unknown> {
  const r = await c.run([...args, '--json'], options)
  expect(r.exitCode, String(r.stderr)).toBe(EXIT.OK)
  return JSON.parse(String(r.stdout))
}

describe('every --json output fits docs/JSON.md', () => {
  const cases: {schema: string; args: string[]; input?: string}[] = [
    {schema: 'topic create', args: ['topic', 'create', 'made', '--partitions', '3']},
    {schema: 'topic list', args: ['topic', 'list']},
    {schema: 'topic alter', args: ['topic', 'alter', 'other', '--config', 'cleanup.policy=compact']},
    {schema: 'topic describe', args: ['topic', 'describe', 't']},
    {schema: 'topic describe all', args: ['topic', 'describe']},
    {schema: 'topic verify', args: ['topic', 'verify', 't']},
    {schema: 'group list', args: ['group', 'list']},
    {schema: 'group describe', args: ['group', 'describe', 'g']},
    {schema: 'group reset-offsets', args: ['group', 'reset-offsets', 'g', '--topic', 't', '--to-earliest', '--dry-run']},
    {schema: 'stream list', args: ['stream', 'list']},
    {schema: 'stream describe', args: ['stream', 'describe', 'logpipe-stream-count-t-key-counts']},
    {schema: 'stream reset', args: ['stream', 'reset', 'logpipe-stream-count-t-key-counts', '--input-topics', 't']},
    {schema: 'dump', args: ['dump', 't/0', '--print-data']},
    {schema: 'bench produce', args: ['bench', 'produce', '--topic', 'perf', '--num-records', '200', '--record-size', '10', '--throughput', '-1']},
    {schema: 'bench consume', args: ['bench', 'consume', '--topic', 't']},
  ]
  test.each(cases)('$args', async ({schema, args}) => {
    await setup()
    expectFits(schema, await document(args))
  })

  test('consume --json, --json-encoding base64 and --json-time iso: every line', async () => {
    await setup()
    for (const extra of [[], ['--json-encoding', 'base64'], ['--json-time', 'iso']]) {
      const r = await c.run(['consume', 't', '-e', '--json', '-q', ...extra])
      expectOk(r)
      const records = lines(r.stdout).map((l) => JSON.parse(l))
      expect(records).toHaveLength(4)
      for (const rec of records) expectFits('consume', rec)
    }
  })

  test('produce --json: every ack', async () => {
    await setup()
    const r = await c.run(['produce', 't', '--json'], {input: 'a\nb\n'})
    expectOk(r)
    const acks = lines(r.stdout).map((l) => JSON.parse(l))
    expect(acks).toHaveLength(2)
    for (const a of acks) expectFits('produce', a)
  })

  test('stream query --json: every entry of a persistent store', async () => {
    await setup()
    // A store as a task leaves it: an lmdb environment under <data dir>/streams/<app>/<task>/<store>/.
    const bytes = new PersistentBytesStore(join(c.dataDir, 'streams', 'app', '0_1', 'counts'))
    const long = (n: number) => {
      const b = Buffer.alloc(8)
      b.writeBigInt64BE(BigInt(n))
      return b
    }
    bytes.put(Buffer.from('kafka'), {value: long(3), timestamp: 1000})
    bytes.put(Buffer.from('streams'), {value: long(2), timestamp: 2000})
    bytes.flush()
    bytes.close()
    const r = await c.run(['stream', 'query', 'app', 'counts', '--value-serde', 'long', '--json'])
    expectOk(r)
    const entries = lines(r.stdout).map((l) => JSON.parse(l))
    expect(entries).toEqual([{task: '0_1', key: 'kafka', value: 3, timestamp: 1000}, {task: '0_1', key: 'streams', value: 2, timestamp: 2000}])
    for (const e of entries) expectFits('stream query', e)
  })

  test('topic delete and group delete', async () => {
    await setup()
    expectOk(await c.run(['topic', 'create', 'doomed', '-q']))
    expectFits('topic delete', await document(['topic', 'delete', 'doomed']))
    expectOk(await c.run(['topic', 'create', 'd2', '-q']))
    expectOk(await c.run(['consume', 'd2', '-g', 'g2', '-e', '-q']))
    expectFits('group delete', await document(['group', 'delete', 'g2']))
  })

  test('broker list and broker stop, with a broker running', async () => {
    await setup()
    await startBroker(c.env, ['--id', '4'])
    expectFits('broker list', await document(['broker', 'list']))
    expectFits('broker stop', await document(['broker', 'stop', '--id', '4']))
  })

  test('topic verify --replicas, elect-leaders and reassign, with two brokers and a replicated topic', async () => {
    await setup()
    const brokers = [await startBroker(c.env, ['--id', '5', '--log-dir', join(c.base, 'disk5'), '-X', 'leadership.scan.interval.ms=100']), await startBroker(c.env, ['--id', '6', '--log-dir', join(c.base, 'disk6'), '-X', 'leadership.scan.interval.ms=100'])]
    try {
      expectOk(await c.run(['topic', 'create', 'rt', '--replication-factor', '2', '-q']))
      const state = () => JSON.parse(readFileSync(join(c.dataDir, 'topics', 'rt', '0', 'partition.json'), 'utf8')) as {leader: number}
      await waitFor(() => state().leader >= 0, 'a leader of rt', 20_000)
      const replicas = (JSON.parse(readFileSync(join(c.dataDir, 'topics', 'rt', 'topic.json'), 'utf8')) as {replicas: number[][]}).replicas[0]
      expectFits('topic verify replicas', await document(['topic', 'verify', 'rt', '--replicas']))
      expectFits('topic elect-leaders', await document(['topic', 'elect-leaders', '--topic', 'rt']))
      const plan = ['topic', 'reassign', '--topic', 'rt', '--partition', '0', '--replicas', [...replicas].reverse().join(',')]
      expectFits('topic reassign', await document(plan))
      expectFits('topic reassign verify', await document([...plan, '--verify']))
    } finally {
      for (const b of brokers) await b.stop()
    }
  })

  test('broker user add, list and remove', async () => {
    await setup()
    expectFits('broker user add', await document(['broker', 'user', 'add', 'u1'], {input: 'pw\n'}))
    expectFits('broker user list', await document(['broker', 'user', 'list']))
    expectFits('broker user remove', await document(['broker', 'user', 'remove', 'u1']))
  })

  test('mirror between two data directories', async () => {
    await setup()
    expectOk(await c.run(['produce', 'mirrored', '--create', '-q'], {input: 'a\nb\n'}))
    const target = join(c.base, 'mirror-target')
    const summary = await document(['mirror', '--from', c.dataDir, '--to', target, '--include', 'mirrored', '-e'])
    expectFits('mirror', summary)
    expect(summary).toEqual({records: 2, created: ['mirrored']})
  })

  test('connect list and connect status, with a worker running', async () => {
    await setup()
    const input = join(c.base, 'connect-in.txt')
    writeFileSync(input, 'a\n')
    writeFileSync(join(c.base, 'w.properties'), `key.converter=org.apache.kafka.connect.storage.StringConverter\nvalue.converter=org.apache.kafka.connect.storage.StringConverter\noffset.storage.file.filename=${join(c.base, 'connect.offsets')}\nlisteners=http://127.0.0.1:0\n`)
    writeFileSync(join(c.base, 'src.properties'), `name=src\nconnector.class=FileStreamSource\nfile=${input}\ntopic=connect-lines\n`)
    const w = c.run(['connect', 'standalone', join(c.base, 'w.properties'), join(c.base, 'src.properties')], {cwd: c.base})
    try {
      const workers = join(c.dataDir, 'connect', 'workers')
      await waitFor(() => existsSync(workers) && readdirSync(workers).length > 0, 'the worker to listen')
      await waitFor(() => existsSync(join(c.dataDir, 'connect', 'status', 'src.json')), 'the status of src')
      expectFits('connect status', await document(['connect', 'status', 'src']))
      const list = (await document(['connect', 'list'])) as Record<string, unknown>
      expect(Object.keys(list)).toContain('src')
      expectFits('connect list', list)
    } finally {
      w.kill('SIGTERM')
      await w
    }
  }, 30_000)

  test('an error under --json, on stderr', async () => {
    const r = await c.run(['topic', 'describe', 'no-such-topic', '--json'])
    expect(r.exitCode).toBe(EXIT.NOT_FOUND)
    expect(r.stdout).toBe('')
    expectFits('error', JSON.parse(String(r.stderr)))
  })

  test('every command that takes --json has a schema, and every schema was used', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {flags: Record<string, unknown>}>}
    const withJson = Object.entries(manifest.commands).filter(([, cmd]) => 'json' in cmd.flags).map(([id]) => id.replaceAll(':', ' '))
    for (const id of withJson) expect([...schemas.keys()].some((s) => s === id || s.startsWith(`${id} `)), `docs/JSON.md has a schema for ${id}`).toBe(true)
    for (const name of schemas.keys()) expect(used.has(name), `schema "${name}" was checked`).toBe(true)
  })
})
