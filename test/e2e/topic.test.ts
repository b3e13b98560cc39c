/**
 * `logpipe topic create|list|describe|alter|delete|verify` (DESIGN.md
 * sections 2 and 3): the happy paths, what they leave on disk, their
 * --json shapes, --if-not-exists / --if-exists, and describe's log start
 * and end offsets.
 */
import {existsSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {EXIT, expectCleanError, expectOk, lines, once, sharedCli} from './support.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const SEGMENT_FILES = ['00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex']

const json = (r: {stdout: unknown}) => JSON.parse(String(r.stdout))

describe('topic create', () => {
  test('creates topic.json and one directory per partition, each with an empty first segment', async () => {
    const {run, dataDir} = cli()
    const r = await run(['topic', 'create', 'orders', '--partitions', '3', '--config', 'retention.ms=3600000', '--config', 'cleanup.policy=compact'])
    expectOk(r)
    expect(r.stdout).toBe('Created topic orders with 3 partitions.\n')
    const dir = join(dataDir, 'topics', 'orders')
    expect(readdirSync(dir).sort()).toEqual(['0', '1', '2', 'topic.json'])
    for (const p of ['0', '1', '2']) {
      const files = readdirSync(join(dir, p)).sort()
      expect(files).toEqual(SEGMENT_FILES)
      expect(readFileSync(join(dir, p, SEGMENT_FILES[1])).length).toBe(0)
    }
    const meta = JSON.parse(readFileSync(join(dir, 'topic.json'), 'utf8'))
    expect(meta).toMatchObject({partitions: 3, replicationFactor: 1, config: {'retention.ms': 3600000, 'cleanup.policy': 'compact'}})
    const store = JSON.parse(readFileSync(join(dataDir, 'store.json'), 'utf8'))
    expect(store).toMatchObject({formatVersion: 1})
    expect(store.storeId).toMatch(UUID)
  })

  test('--json shape; --if-not-exists succeeds on an existing topic and changes nothing', async () => {
    const {run} = cli()
    const created = await run(['topic', 'create', 'orders', '--partitions', '2', '--replication-factor', '1', '--json'])
    expectOk(created)
    const meta = json(created)
    expect(meta).toEqual({topic: 'orders', id: expect.stringMatching(UUID), partitionCount: 2, replicationFactor: 1, config: {}, createdAt: expect.any(Number), created: true})
    expect(Math.abs(meta.createdAt - Date.now())).toBeLessThan(60_000)

    const again = await run(['topic', 'create', 'orders', '--partitions', '5', '--if-not-exists', '--json'])
    expectOk(again)
    expect(json(again)).toEqual({...meta, created: false})
    const quiet = await run(['topic', 'create', 'orders', '--if-not-exists'])
    expectOk(quiet)
    expect(quiet.stdout).toBe('')

    const dup = await run(['topic', 'create', 'orders'])
    const message = expectCleanError(dup, EXIT.RUNTIME, /topic 'orders' already exists/)
    expect(message).not.toContain('\n')
    expect(dup.stderr).toContain('--if-not-exists')
    expect(json(await run(['topic', 'describe', 'orders', '--json'])).partitions).toHaveLength(2)
  })

  test('a 249-character name (the limit) is fine', async () => {
    const {run, dataDir} = cli()
    const name = 'n'.repeat(249)
    expectOk(await run(['topic', 'create', name, '-q']))
    expect(existsSync(join(dataDir, 'topics', name, 'topic.json'))).toBe(true)
    expect(lines((await run(['topic', 'list'])).stdout)).toEqual([name])
  })
})

describe('topic list', () => {
  test('names one per line, sorted; --json lists the metadata', async () => {
    const {run} = cli()
    // An empty store (a read on no store at all is `no store at DIR`, in store-meta.test.ts).
    expectOk(await run(['topic', 'create', 'made', '-q']))
    expectOk(await run(['topic', 'delete', 'made', '-q']))
    const empty = await run(['topic', 'list'])
    expectOk(empty)
    expect(empty.stdout).toBe('')
    expect(json(await run(['topic', 'list', '--json']))).toEqual([])
    for (const [t, n] of [['zeta', 1], ['alpha', 3], ['Mid.dle_-9', 2]] as const) expectOk(await run(['topic', 'create', t, '--partitions', String(n), '-q']))
    const r = await run(['topic', 'list'])
    expectOk(r)
    expect(lines(r.stdout)).toEqual(['Mid.dle_-9', 'alpha', 'zeta'])
    const j = json(await run(['topic', 'list', '--json']))
    expect(j.map((t: {topic: string; partitionCount: number}) => [t.topic, t.partitionCount])).toEqual([
      ['Mid.dle_-9', 2],
      ['alpha', 3],
      ['zeta', 1],
    ])
    for (const t of j) expect(Object.keys(t).sort()).toEqual(['config', 'createdAt', 'id', 'partitionCount', 'replicationFactor', 'topic'])
  })
})

describe('topic describe', () => {
  test('shows each partition with its log start and end offsets, records, segments and bytes', async () => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 'd', '--partitions', '3', '--config', 'max.message.bytes=5000', '-q']))
    expectOk(await run(['produce', 'd', '-p', '0', '-q'], {input: 'a\nb\nc\n'}))
    expectOk(await run(['produce', 'd', '-p', '2', '-q'], {input: 'x\n'}))
    const r = await run(['topic', 'describe', 'd', '--verbose'])
    expectOk(r)
    const out = lines(r.stdout)
    expect(out[0]).toMatch(/^Topic: d\tTopicId: [0-9a-f-]{36}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: max\.message\.bytes=5000$/)
    // kafka-topics' partition lines, then logpipe's storage columns as more "Name: value" fields.
    const rows = out.slice(1).map((l) => Object.fromEntries(l.slice(1).split('\t').map((f) => f.split(': '))))
    expect(rows.map((r) => [r.Partition, r.Leader, r.Replicas, r.Isr, r.LogStartOffset, r.LogEndOffset, r.Records, r.Segments])).toEqual([
      ['0', 'none', 'local', 'local', '0', '3', '3', '1'],
      ['1', 'none', 'local', 'local', '0', '0', '0', '1'],
      ['2', 'none', 'local', 'local', '0', '1', '1', '1'],
    ])
    expect(Number(rows[0].Bytes)).toBeGreaterThan(Number(rows[2].Bytes))
    expect(rows[1].Bytes).toBe('0')

    const d = json(await run(['topic', 'describe', 'd', '--json']))
    expect(Object.keys(d).sort()).toEqual(['config', 'createdAt', 'effectiveConfig', 'id', 'partitionCount', 'partitions', 'replicationFactor', 'topic'])
    expect(d.topic).toBe('d')
    expect(d.config).toEqual({'max.message.bytes': 5000})
    expect(d.effectiveConfig['max.message.bytes']).toBe(5000)
    expect(d.effectiveConfig['segment.bytes']).toBe(128 * 1024 * 1024)
    expect(d.partitions[0]).toMatchObject({replicas: ['local'], isr: ['local'], records: 3})
    expect(d.partitions.map((p: {partition: number; logStartOffset: number; logEndOffset: number; segments: number; leader: unknown}) => [p.partition, p.logStartOffset, p.logEndOffset, p.segments, p.leader])).toEqual([
      [0, 0, 3, 1, null],
      [1, 0, 0, 1, null],
      [2, 0, 1, 1, null],
    ])
  })

  test('the log start offset moves when retention deletes old segments', async () => {
    const {run, dataDir} = cli()
    expectOk(await run(['topic', 'create', 'r', '--config', 'segment.bytes=600', '-q']))
    expectOk(await run(['produce', 'r', '-q', '--batch-bytes', '64'], {input: Array.from({length: 30}, (_, i) => `r${i}\n`).join('')}))
    const before = json(await run(['topic', 'describe', 'r', '--json'])).partitions[0]
    expect(before.logStartOffset).toBe(0)
    expect(before.logEndOffset).toBe(30)
    expect(before.segments).toBeGreaterThan(2)
    expectOk(await run(['topic', 'alter', 'r', '--config', 'retention.ms=1', '-q']))
    expect((await run(['produce', 'r', '-q'], {input: 'r30\n'})).exitCode).toBe(0)
    const after = json(await run(['topic', 'describe', 'r', '--json'])).partitions[0]
    // The oldest remaining segment's name is the log start offset.
    const bases = readdirSync(join(dataDir, 'topics', 'r', '0'))
      .filter((f) => f.endsWith('.log'))
      .map((f) => Number(f.slice(0, 20)))
      .sort((a, b) => a - b)
    expect(after.logStartOffset).toBeGreaterThan(0)
    expect(after.logStartOffset).toBe(bases[0])
    expect(after.logEndOffset).toBe(31)
    expect(after.segments).toBe(bases.length)
    const line = lines((await run(['topic', 'describe', 'r', '--verbose'])).stdout)[1]
    expect(line).toContain(`\tLogStartOffset: ${after.logStartOffset}\tLogEndOffset: 31\tRecords: ${31 - after.logStartOffset}\t`)
  })
})

describe('topic alter', () => {
  test('adds partitions, sets and deletes config overrides; --json shape', async () => {
    const {run, dataDir} = cli()
    expectOk(await run(['topic', 'create', 'a', '--config', 'retention.ms=1000000', '-q']))
    const r = await run(['topic', 'alter', 'a', '--partitions', '4', '--config', 'segment.bytes=1048576', '--json'])
    expectOk(r)
    expect(json(r)).toEqual({
      topic: 'a',
      id: expect.stringMatching(UUID),
      partitionCount: 4,
      replicationFactor: 1,
      config: {'retention.ms': 1000000, 'segment.bytes': 1048576},
      createdAt: expect.any(Number),
    })
    for (const p of ['1', '2', '3']) expect(readdirSync(join(dataDir, 'topics', 'a', p)).sort()).toEqual(SEGMENT_FILES)
    const del = await run(['topic', 'alter', 'a', '--delete-config', 'retention.ms'])
    expectOk(del)
    expect(del.stdout).toMatch(/^Altered topic a: 4 partitions/)
    const d = json(await run(['topic', 'describe', 'a', '--json']))
    expect(d.config).toEqual({'segment.bytes': 1048576})
    expect(d.partitions).toHaveLength(4)
    // The new partitions take records.
    expectOk(await run(['produce', 'a', '-p', '3', '-q'], {input: 'on 3\n'}))
    expect((await run(['consume', 'a', '-e', '-F', '%p %s\\n'])).stdout).toBe('3 on 3\n')
  })

  // One topic for the refusals: each row checks it left topic.json as it was.
  const refusals = sharedCli()
  const refusalSetup = once(async () => expectOk(await refusals.run(['topic', 'create', 'a', '--partitions', '2', '--config', 'retention.ms=5000', '-q'])))

  test.each([
    {what: 'shrinking', args: ['--partitions', '1'], exitCode: EXIT.USAGE, message: /has 2 partitions; the count can only grow/},
    {what: 'nothing to change', args: [], exitCode: EXIT.USAGE, message: /nothing to change/},
    {what: 'a bad config value', args: ['--config', 'retention.ms=soon'], exitCode: EXIT.USAGE, message: /retention\.ms must be an integer/},
    {what: 'an unknown config', args: ['--config', 'nosuch.key=1'], exitCode: EXIT.USAGE, message: /unknown topic config 'nosuch\.key'/},
    {what: 'deleting an unknown config', args: ['--delete-config', 'nosuch.key'], exitCode: EXIT.USAGE, message: /unknown topic config 'nosuch\.key'/},
  ])('refuses $what and leaves the topic as it was', async ({args, exitCode, message}) => {
    await refusalSetup()
    const {run, dataDir} = refusals
    const metaPath = join(dataDir, 'topics', 'a', 'topic.json')
    const before = readFileSync(metaPath, 'utf8')
    expectCleanError(await run(['topic', 'alter', 'a', ...args]), exitCode, message)
    expect(readFileSync(metaPath, 'utf8')).toBe(before)
  })
})

describe('topic delete', () => {
  test('--if-exists where there is no store at all succeeds and creates nothing; without it, no store is exit 3', async () => {
    const {run, dataDir} = cli()
    expectOk(await run(['topic', 'delete', 'nothing', '--if-exists']))
    expect(existsSync(dataDir)).toBe(false)
    expectCleanError(await run(['topic', 'delete', 'nothing']), EXIT.NOT_FOUND, /no store at/)
    expect(existsSync(dataDir)).toBe(false)
  })

  test('removes the topic and its records; --if-exists; --json shape', async () => {
    const {run, dataDir} = cli()
    expectOk(await run(['produce', 'gone', '--create', '-q'], {input: 'a\n'}))
    expectOk(await run(['topic', 'create', 'kept', '-q']))
    const r = await run(['topic', 'delete', 'gone'])
    expectOk(r)
    expect(r.stdout).toBe('Deleted topic gone.\n')
    expect(readdirSync(join(dataDir, 'topics'))).toEqual(['kept'])
    expect(lines((await run(['topic', 'list'])).stdout)).toEqual(['kept'])
    expectCleanError(await run(['consume', 'gone', '-e']), EXIT.NOT_FOUND, /topic 'gone' does not exist/)

    expectCleanError(await run(['topic', 'delete', 'gone']), EXIT.NOT_FOUND, /topic 'gone' does not exist/)
    const ifExists = await run(['topic', 'delete', 'gone', '--if-exists'])
    expectOk(ifExists)
    expect(ifExists.stdout).toBe('')
    expect(json(await run(['topic', 'delete', 'gone', '--if-exists', '--json']))).toEqual({topic: 'gone', deleted: false})
    expect(json(await run(['topic', 'delete', 'kept', '--json']))).toEqual({topic: 'kept', deleted: true})
    expect(readdirSync(join(dataDir, 'topics'))).toEqual([])
  })

  test('a deleted topic can be created again, empty', async () => {
    const {run} = cli()
    expectOk(await run(['produce', 't', '--create', '-q'], {input: 'old\n'}))
    expectOk(await run(['topic', 'delete', 't', '-q']))
    expectOk(await run(['produce', 't', '--create', '-q'], {input: 'new\n'}))
    expect((await run(['consume', 't', '-e', '-F', '%o %s\\n'])).stdout).toBe('0 new\n')
  })
})

describe('topic verify', () => {
  test('a sound topic is OK, in text and --json', async () => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 'v', '--partitions', '2', '--config', 'index.interval.bytes=1', '-q']))
    expectOk(await run(['produce', 'v', '-q', '--batch-bytes', '64', '-p', '1'], {input: 'a\nb\nc\nd\n'}))
    const r = await run(['topic', 'verify', 'v'])
    expectOk(r)
    expect(r.stdout).toMatch(/^v: 2 partitions, 2 segments, 4 batches, \d+ bytes checked: OK\n$/)
    const j = json(await run(['topic', 'verify', 'v', '--json']))
    expect(j).toEqual({topic: 'v', partitionCount: 2, segments: 2, batches: 4, bytes: expect.any(Number), problems: [], repaired: false})
    expect(j.bytes).toBeGreaterThan(0)
  })

  test('a damaged index is found (exit 1), --repair rebuilds it, and then it is OK again', async () => {
    const {run, dataDir} = cli()
    expectOk(await run(['topic', 'create', 'v', '--config', 'index.interval.bytes=1', '-q']))
    expectOk(await run(['produce', 'v', '-q', '--batch-bytes', '64'], {input: 'a\nb\nc\nd\n'}))
    const index = join(dataDir, 'topics', 'v', '0', '00000000000000000000.index')
    const good = readFileSync(index)
    expect(good.length).toBeGreaterThanOrEqual(16)
    const bad = Buffer.from(good)
    bad.writeInt32BE(9999, 4) // the first entry's position now points nowhere
    writeFileSync(index, bad)

    const found = await run(['topic', 'verify', 'v'])
    expect(found.exitCode).toBe(EXIT.RUNTIME)
    expect(found.stdout).toMatch(/partition 0 segment 0: .*\.index: /)
    expect(lines(found.stderr)[0]).toMatch(/^logpipe: v: 1 partitions, 1 segments, 4 batches, \d+ bytes checked: 1 problem\(s\) found$/)
    expect(found.stderr).toContain('--repair')
    const foundJson = await run(['topic', 'verify', 'v', '--json'])
    expect(foundJson.exitCode).toBe(EXIT.RUNTIME)
    expect(json(foundJson).problems).toEqual([expect.objectContaining({partition: 0, segment: 0, file: index})])

    const repaired = await run(['topic', 'verify', 'v', '--repair'])
    expect(repaired.exitCode, String(repaired.stderr)).toBe(0)
    expect(repaired.stdout).toMatch(/repaired/)
    expect(readFileSync(index).equals(good)).toBe(true)
    expectOk(await run(['topic', 'verify', 'v']))
    expect((await run(['consume', 'v', '-e'])).stdout).toBe('a\nb\nc\nd\n')
  })
})
