/**
 * What a user of Kafka's own tools types (issue 9 point 2):
 * kafka-console-consumer's --topic, --from-beginning, --max-messages,
 * --timeout-ms, --property and --include (also with a group, picking up
 * topics created later); kafka-topics' --topic, describe of all topics in
 * its line form, --verbose, list --exclude-internal; kafka-consumer-groups'
 * --all-groups, --group, --dry-run, a reset of a group that does not exist
 * yet; kafka-dump-log's --files, --print-data-log, --index-sanity-check and
 * TOPIC/PARTITION. Nothing sleeps: followers are watched to a deadline.
 */
import {writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {execa} from 'execa'
import {afterEach, describe, expect, test} from 'vitest'
import {cli, ROOT} from '../helpers/cli.js'
import {EXIT, expectCleanError, expectOk, lines, once, sharedCli, watchOutput} from './support.js'

type Sub = ReturnType<ReturnType<typeof cli>['run']>
const running: Sub[] = []
afterEach(() => {
  for (const sub of running.splice(0)) if (sub.exitCode === null) sub.kill('SIGKILL')
})

describe('kafka-console-consumer and kafka-topics flags on one store', () => {
  const {run, dataDir} = sharedCli()
  const setup = once(async () => {
    expectOk(await run(['topic', 'create', '--topic', 'orders', '--partitions', '2', '--config', 'retention.ms=3600000', '-q']))
    expectOk(await run(['topic', 'create', '__consumer_offsets', '-q']))
    expectOk(await run(['produce', '--topic', 'orders', '-K', ':', '-p', '0', '-H', 'a=1'], {input: 'k1:v1\nk2:v2\nk3:v3\n'}))
  })

  test('--topic --from-beginning --max-messages with --property print.key/partition/offset/timestamp/headers', async () => {
    await setup()
    const r = await run(['consume', '--topic', 'orders', '--from-beginning', '--max-messages', '2', '--property', 'print.key=true', '--property', 'print.partition=true', '--property', 'print.offset=true', '--property', 'print.headers=true'])
    expectOk(r)
    expect(String(r.stdout)).toBe('Partition:0\tOffset:0\ta:1\tk1\tv1\nPartition:0\tOffset:1\ta:1\tk2\tv2\n')
    const ts = await run(['consume', '--topic', 'orders', '-p', '0', '--max-messages', '1', '--property', 'print.timestamp=true', '--property', 'print.value=false', '--property', 'print.key=true', '--property', 'key.separator=|'])
    expect(String(ts.stdout)).toMatch(/^CreateTime:\d{13}\|k1\n$/)
  })

  test('--timeout-ms ends a follower once no record came for that long, exit 0', async () => {
    await setup()
    const r = await run(['consume', '--topic', 'orders', '--timeout-ms', '200'])
    expectOk(r)
    expect(lines(r.stdout)).toEqual(['v1', 'v2', 'v3'])
  })

  test('an unknown --property is a usage error naming it', async () => {
    await setup()
    expectCleanError(await run(['consume', 'orders', '-e', '--property', 'print.kee=true']), EXIT.USAGE, /unknown property 'print\.kee' for consume/)
  })

  test("topic describe with no topic describes all, in kafka-topics' lines; --verbose adds the storage columns", async () => {
    await setup()
    const r = await run(['topic', 'describe'])
    expectOk(r)
    const out = lines(r.stdout)
    expect(out).toHaveLength(5)
    expect(out[0]).toMatch(/^Topic: __consumer_offsets\tTopicId: [0-9a-f-]{36}\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: $/)
    expect(out[1]).toBe('\tTopic: __consumer_offsets\tPartition: 0\tLeader: none\tReplicas: local\tIsr: local')
    expect(out[2]).toMatch(/^Topic: orders\tTopicId: [0-9a-f-]{36}\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: retention\.ms=3600000$/)
    expect(out[3]).toBe('\tTopic: orders\tPartition: 0\tLeader: none\tReplicas: local\tIsr: local')
    expect(out[4]).toBe('\tTopic: orders\tPartition: 1\tLeader: none\tReplicas: local\tIsr: local')
    const v = await run(['topic', 'describe', '--topic', 'orders', '--verbose'])
    expectOk(v)
    expect(lines(v.stdout)[1]).toMatch(/^\tTopic: orders\tPartition: 0\tLeader: none\tReplicas: local\tIsr: local\tLogStartOffset: 0\tLogEndOffset: 3\tRecords: 3\tSegments: 1\tBytes: \d+$/)
    const ex = await run(['topic', 'describe', '--exclude-internal'])
    expect(lines(ex.stdout)[0]).toMatch(/^Topic: orders\t/)
    const json = await run(['topic', 'describe', '--json'])
    expect((JSON.parse(String(json.stdout)) as {topic: string}[]).map((d) => d.topic)).toEqual(['__consumer_offsets', 'orders'])
  })

  test('topic list --exclude-internal leaves out __ topics', async () => {
    await setup()
    expect(lines((await run(['topic', 'list'])).stdout)).toEqual(['__consumer_offsets', 'orders'])
    expect(lines((await run(['topic', 'list', '--exclude-internal'])).stdout)).toEqual(['orders'])
  })

  test('--topic works where a topic is taken: alter, verify, delete; the argument and --topic must agree', async () => {
    await setup()
    expectOk(await run(['topic', 'create', '--topic', 'scratch', '-q']))
    expectOk(await run(['topic', 'alter', '--topic', 'scratch', '--partitions', '2', '-q']))
    expect(String((await run(['topic', 'verify', '--topic', 'scratch'])).stdout)).toMatch(/scratch: 2 partitions.*OK/)
    expectCleanError(await run(['topic', 'alter', 'scratch', '--topic', 'other', '--partitions', '3']), EXIT.USAGE, /two topics given/)
    expectOk(await run(['topic', 'delete', '--topic', 'scratch', '-q']))
  })

  test('topic verify -q prints nothing on a sound topic', async () => {
    await setup()
    const r = await run(['topic', 'verify', 'orders', '-q'])
    expectOk(r)
    expect(String(r.stdout)).toBe('')
  })

  test("dump: TOPIC/PARTITION, --files, --print-data-log, --index-sanity-check", async () => {
    await setup()
    const log = join(dataDir, 'topics', 'orders', '0', '00000000000000000000.log')
    const byName = await run(['dump', 'orders/0', '--print-data-log'])
    expectOk(byName)
    const byFiles = await run(['dump', '--files', log, '--print-data'])
    expect(String(byName.stdout)).toBe(String(byFiles.stdout))
    expect(String(byName.stdout)).toMatch(/\| offset: 2 CreateTime: \d+ keySize: 2 valueSize: 2 sequence: -1 headerKeys: \[a\] key: k3 payload: v3/)
    const sane = await run(['dump', 'orders/0', '--index-sanity-check'])
    expectOk(sane)
    expect(lines(sane.stdout).map((l) => l.replace(dataDir, 'D'))).toEqual([
      'D/topics/orders/0/00000000000000000000.index passed sanity check.',
      'D/topics/orders/0/00000000000000000000.timeindex passed sanity check.',
    ])
    expectCleanError(await run(['dump', 'orders/7']), EXIT.NOT_FOUND, /orders\/7: topic 'orders' has partitions 0\.\.1/)
  })
})

describe("topic describe's Leader on a file store", () => {
  test('is the process holding the write lock, pid:PID@HOST, while it holds it', async () => {
    const {run, dataDir} = cli()
    expectOk(await run(['topic', 'create', 'busy', '--partitions', '2', '-q']))
    const holder = execa(process.execPath, [join(ROOT, 'test', 'fixtures', 'hold-partition-lock.mjs'), join(dataDir, 'topics', 'busy', '1')], {reject: false})
    running.push(holder as unknown as Sub)
    const locked = watchOutput(holder)
    const pid = /locked (\d+)/.exec(await locked.until((s) => /locked \d+\n/.test(s), 'the lock holder'))![1]
    const r = await run(['topic', 'describe', 'busy'])
    expectOk(r)
    expect(lines(r.stdout).slice(1)).toEqual([
      '\tTopic: busy\tPartition: 0\tLeader: none\tReplicas: local\tIsr: local',
      `\tTopic: busy\tPartition: 1\tLeader: pid:${pid}@${hostname()}\tReplicas: local\tIsr: local`,
    ])
    holder.kill('SIGKILL')
    await holder
  })
})

describe('dump --index-sanity-check on a damaged index', () => {
  test('says which index failed and why, exit 1', async () => {
    const {run, base} = cli()
    const bad = join(base, '00000000000000000000.index')
    writeFileSync(bad, Buffer.alloc(13))
    const r = await run(['dump', '--files', bad, '--index-sanity-check'])
    expect(r.exitCode).toBe(1)
    expect(String(r.stdout)).toBe(`${bad} failed sanity check: size 13 is not a multiple of 8\n`)
    expect(String(r.stderr)).toMatch(/^logpipe: 1 index file failed the sanity check/)
  })
})

describe('kafka-consumer-groups flags', () => {
  test('reset-offsets --group of a group that does not exist yet pre-seeds its offsets; --dry-run changes nothing', async () => {
    const {run} = cli()
    expectOk(await run(['produce', 't', '--create', '-q'], {input: 'a\nb\nc\n'}))
    const dry = await run(['group', 'reset-offsets', '--group', 'fresh', '--topic', 't', '--to-offset', '2', '--dry-run'])
    expect(dry.exitCode).toBe(0)
    expectCleanError(await run(['group', 'describe', 'fresh']), EXIT.NOT_FOUND, /group 'fresh' does not exist/)
    expectOk(await run(['group', 'reset-offsets', '--group', 'fresh', '--topic', 't', '--to-offset', '2', '--execute', '-q']))
    const c = await run(['consume', 't', '-g', 'fresh', '-e'])
    expectOk(c)
    expect(String(c.stdout)).toBe('c\n')
    expectCleanError(await run(['group', 'reset-offsets', 'fresh', '--topic', 't', '--to-earliest', '--dry-run', '--execute']), EXIT.USAGE, /--dry-run|--execute/)
  })

  test('describe --all-groups describes every group in turn', async () => {
    const {run} = cli()
    expectOk(await run(['produce', 't', '--create', '-q'], {input: 'a\nb\n'}))
    expectOk(await run(['consume', 't', '-g', 'g1', '-e', '-q']))
    expectOk(await run(['consume', 't', '-g', 'g2', '-e', '-c', '1', '-q']))
    const r = await run(['group', 'describe', '--all-groups', '-q'])
    expectOk(r)
    const rows = lines(r.stdout).filter((l) => /^g\d/.test(l)).map((l) => l.split(/\s+/).slice(0, 4).join(' '))
    expect(rows).toEqual(['g1 t 0 2', 'g2 t 0 1'])
    const json = await run(['group', 'describe', '--all-groups', '--json'])
    expect((JSON.parse(String(json.stdout)) as {group: string}[]).map((d) => d.group)).toEqual(['g1', 'g2'])
  })
})

describe('--include REGEX', () => {
  test('with -g, a topic created later that matches is consumed too; others are not', async () => {
    const {run} = cli()
    expectOk(await run(['produce', 'ev-1', '--create', '-q'], {input: 'one\n'}))
    const sub = run(['consume', '--include', 'ev-.*', '-g', 'watchers', '-q'])
    running.push(sub)
    const out = watchOutput(sub)
    await out.until((s) => s.includes('one\n'), 'the record of ev-1')
    expectOk(await run(['produce', 'other', '--create', '-q'], {input: 'not-me\n'}))
    expectOk(await run(['produce', 'ev-2', '--create', '-q'], {input: 'two\n'}))
    await out.until((s) => s.includes('two\n'), 'the record of ev-2, a topic created after the member joined', 20_000)
    sub.kill('SIGINT')
    const r = await sub
    expect(r.exitCode).toBe(0)
    expect(String(r.stdout)).toBe('one\ntwo\n')
  })

  test('without a group, a matching topic created later is read from its start', async () => {
    const {run} = cli()
    expectOk(await run(['produce', 'ev-1', '--create', '-q'], {input: 'one\n'}))
    const sub = run(['consume', '--include', 'ev-.*'])
    running.push(sub)
    const out = watchOutput(sub)
    await out.until((s) => s.includes('one\n'), 'the record of ev-1')
    expectOk(await run(['produce', 'ev-2', '--create', '-q'], {input: 'two\nthree\n'}))
    await out.until((s) => s.includes('three\n'), 'the records of ev-2')
    sub.kill('SIGTERM')
    expect((await sub).exitCode).toBe(0)
    expect(String((await sub).stdout)).toBe('one\ntwo\nthree\n')
  })

  test('a pattern that is not a regular expression is a usage error', async () => {
    const {run} = cli()
    expectOk(await run(['produce', 'ev-1', '--create', '-q'], {input: 'one\n'}))
    expectCleanError(await run(['consume', '--include', 'ev-(', '-e']), EXIT.USAGE, /--include: 'ev-\(' is not a regular expression/)
  })
})
