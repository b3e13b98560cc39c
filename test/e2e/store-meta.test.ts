/**
 * The store's metadata (DESIGN.md section 2, "Nothing read from a file is
 * trusted"; issue 8 points 3, 5, 9, 10, 11, 12): a topic delete takes the
 * groups' committed offsets with it, also when it was cut short; concurrent
 * `topic alter`s all land; damaged store.json / topic.json are one clear
 * error naming the file with a hint that mends it; read-only commands never
 * create a store; leftovers of a killed create or delete are rolled back or
 * finished by the next command; names starting with "." are refused;
 * RECORDS counts records.
 */
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, readdirSync, renameSync, utimesSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {processStat} from '../../src/core/lock/process-identity.js'
import {EXIT, expectCleanError, expectOk, lines, tree} from './support.js'

const seq = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => `${from + i}\n`).join('')

/** A pid that ran and exited: a process that is gone. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0'])
  return child.pid as number
}

/** Commits offset 1000 on d/0 for group grp (a group that read 1,000 records). */
async function commitThousand(c: ReturnType<typeof cli>) {
  expectOk(await c.run(['produce', 'd', '--create', '-q'], {input: seq(1, 1000)}))
  const first = await c.run(['consume', 'd', '-g', 'grp', '-e', '-q'])
  expect(first.exitCode, String(first.stderr)).toBe(0)
  expect(lines(first.stdout)).toHaveLength(1000)
  expect(JSON.parse(readFileSync(join(c.dataDir, 'groups', 'grp', 'offsets', 'd', '0.json'), 'utf8')).offset).toBe(1000)
}

/** The rest of the reproduction: a new d with 2 partitions, 1,500 + 100 records, the group reads all 1,600. */
async function recreateAndConsume(c: ReturnType<typeof cli>): Promise<{consumed: number; createStderr: string}> {
  const created = await c.run(['topic', 'create', 'd', '--partitions', '2'])
  expect(created.exitCode, String(created.stderr)).toBe(0)
  expectOk(await c.run(['produce', 'd', '-p', '0', '-q'], {input: seq(1, 1500)}))
  expectOk(await c.run(['produce', 'd', '-p', '1', '-q'], {input: seq(1, 100)}))
  const r = await c.run(['consume', 'd', '-g', 'grp', '-e', '-q'])
  expect(r.exitCode, String(r.stderr)).toBe(0)
  return {consumed: lines(r.stdout).length, createStderr: String(created.stderr)}
}

describe('point 3: a topic delete deletes the groups\' committed offsets for it', () => {
  test('commit 1000 on d/0, delete d, create d with 2 partitions, 1,500 + 100 records: the group reads 1,600', async () => {
    const c = cli()
    await commitThousand(c)
    expectOk(await c.run(['topic', 'delete', 'd', '-q']))
    expect(existsSync(join(c.dataDir, 'groups', 'grp', 'offsets', 'd'))).toBe(false)
    expect((await recreateAndConsume(c)).consumed).toBe(1600)
  })

  test('a delete killed after the rename (offsets still there) is finished by the next command, which says so; the old offsets never come back', async () => {
    const c = cli()
    await commitThousand(c)
    // The state `topic delete` leaves when killed right after its first step.
    renameSync(join(c.dataDir, 'topics', 'd'), join(c.dataDir, 'topics', '.deleting-d-0badf00d'))
    const {consumed, createStderr} = await recreateAndConsume(c)
    expect(createStderr).toMatch(/^logpipe: finished an interrupted delete of topic 'd' \(.*\.deleting-d-0badf00d\)$/m)
    expect(consumed).toBe(1600)
    expect(readdirSync(join(c.dataDir, 'topics')).filter((n) => !n.endsWith('.lock'))).toEqual(['d'])
  })

  test('a read-only command finishes the interrupted delete too, before it reads the offsets', async () => {
    const c = cli()
    await commitThousand(c)
    renameSync(join(c.dataDir, 'topics', 'd'), join(c.dataDir, 'topics', '.deleting-d-0badf00d'))
    const r = await c.run(['group', 'list'])
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(String(r.stderr)).toMatch(/finished an interrupted delete of topic 'd'/)
    expect(existsSync(join(c.dataDir, 'groups', 'grp', 'offsets', 'd'))).toBe(false)
    expect(existsSync(join(c.dataDir, 'topics', '.deleting-d-0badf00d'))).toBe(false)
  })

  test('offsets left under a name with no topic (committed after a delete) are not inherited by a new topic of that name', async () => {
    const c = cli()
    await commitThousand(c)
    expectOk(await c.run(['topic', 'delete', 'd', '-q']))
    const dir = join(c.dataDir, 'groups', 'grp', 'offsets', 'd')
    mkdirSync(dir, {recursive: true})
    writeFileSync(join(dir, '0.json'), JSON.stringify({offset: 1000, generation: 1, memberId: null, committedAt: new Date().toISOString()}))
    expect((await recreateAndConsume(c)).consumed).toBe(1600)
  })
})

describe('point 5: concurrent topic alters', () => {
  test('40 pairs of `alter --config retention.ms=...` and `alter --config segment.bytes=...` at once: every change lands', async () => {
    const c = cli()
    const pairs = 40
    for (let i = 0; i < pairs; i += 10) {
      const creates = Array.from({length: 10}, (_, j) => c.run(['topic', 'create', `t${i + j}`, '-q']))
      for (const r of await Promise.all(creates)) expectOk(r)
    }
    const running = []
    for (let i = 0; i < pairs; i++) {
      running.push(c.run(['topic', 'alter', `t${i}`, '-q', '--config', `retention.ms=${100_000 + i}`]))
      running.push(c.run(['topic', 'alter', `t${i}`, '-q', '--config', `segment.bytes=${200_000 + i}`]))
    }
    for (const r of await Promise.all(running)) expectOk(r)
    for (let i = 0; i < pairs; i++) {
      const meta = JSON.parse(readFileSync(join(c.dataDir, 'topics', `t${i}`, 'topic.json'), 'utf8'))
      expect(meta.config, `topic t${i}`).toEqual({'retention.ms': 100_000 + i, 'segment.bytes': 200_000 + i})
      expect(readdirSync(join(c.dataDir, 'topics', `t${i}`)).sort(), 'no lock or temp file left').toEqual(['0', 'topic.json'])
    }
  }, 240_000)

  test('ten alters of different keys of one topic at once, with partitions added meanwhile: all land', async () => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 'one', '-q']))
    const sets = [
      'retention.ms=1000',
      'segment.bytes=100000',
      'retention.bytes=5000',
      'segment.ms=60000',
      'max.message.bytes=20000',
      'index.interval.bytes=100',
      'flush.messages=10',
      'delete.retention.ms=7',
      'min.compaction.lag.ms=8',
      'cleanup.policy=compact',
    ]
    const runs = sets.map((s) => c.run(['topic', 'alter', 'one', '-q', '--config', s]))
    runs.push(c.run(['topic', 'alter', 'one', '-q', '--partitions', '3']))
    for (const r of await Promise.all(runs)) expectOk(r)
    const meta = JSON.parse(readFileSync(join(c.dataDir, 'topics', 'one', 'topic.json'), 'utf8'))
    expect(Object.keys(meta.config).sort()).toEqual(sets.map((s) => s.split('=')[0]).sort())
    expect(meta.partitions).toBe(3)
  })
})

const GOOD_TOPIC = {name: 'm', id: '2c6ae0b7-6f2f-4e1b-9d3c-2a8c2b0b7f11', partitions: 1, replicationFactor: 1, config: {}, createdAt: '2024-05-01T00:00:00.000Z'}

describe('point 9: damaged topic.json', () => {
  const cases: Array<{what: string; text: string; message: RegExp; hint: RegExp; mend?: string[]}> = [
    {what: 'null', text: 'null', message: /is damaged: it holds null, not an object/, hint: /restore .*topic\.json/},
    {what: 'an array', text: '[]', message: /is damaged: it holds an array, not an object/, hint: /restore/},
    {what: 'not JSON', text: '{"partitions": 1,', message: /is not valid JSON/, hint: /restore/},
    {what: 'partitions 1e9', text: JSON.stringify({...GOOD_TOPIC, partitions: 1e9}), message: /partitions is 1000000000, not an integer from 1 to 10000/, hint: /set "partitions" .* to 1 /},
    {what: 'partitions 0', text: JSON.stringify({...GOOD_TOPIC, partitions: 0}), message: /partitions is 0, not an integer/, hint: /set "partitions"/},
    {what: 'partitions "1"', text: JSON.stringify({...GOOD_TOPIC, partitions: '1'}), message: /partitions is "1", not an integer/, hint: /set "partitions"/},
    {what: 'partitions missing', text: JSON.stringify({...GOOD_TOPIC, partitions: undefined}), message: /partitions is missing/, hint: /set "partitions"/},
    {what: 'id a number', text: JSON.stringify({...GOOD_TOPIC, id: 5}), message: /id is 5, not a non-empty string/, hint: /restore/},
    {what: 'createdAt null', text: JSON.stringify({...GOOD_TOPIC, createdAt: null}), message: /createdAt is null, not a date/, hint: /set "createdAt"/},
    {what: 'replicationFactor -1', text: JSON.stringify({...GOOD_TOPIC, replicationFactor: -1}), message: /replicationFactor is -1/, hint: /set "replicationFactor"/},
    {what: 'config null', text: JSON.stringify({...GOOD_TOPIC, config: null}), message: /config is null, not an object/, hint: /set "config" .* to \{\}/},
    {
      what: 'retention.ms "abc"',
      text: JSON.stringify({...GOOD_TOPIC, config: {'retention.ms': 'abc'}}),
      message: /config retention\.ms must be an integer, not 'abc'/,
      hint: /`logpipe topic alter m --delete-config retention\.ms`.*`--config retention\.ms=VALUE`/,
      mend: ['topic', 'alter', 'm', '--delete-config', 'retention.ms'],
    },
    {
      what: 'segment.bytes 1 (below its range)',
      text: JSON.stringify({...GOOD_TOPIC, config: {'segment.bytes': 1}}),
      message: /config segment\.bytes must be between 14 and 2147483647, not 1/,
      hint: /logpipe topic alter m --delete-config segment\.bytes/,
      mend: ['topic', 'alter', 'm', '--config', 'segment.bytes=1000000'],
    },
    {
      what: 'max.message.bytes true',
      text: JSON.stringify({...GOOD_TOPIC, config: {'max.message.bytes': true}}),
      message: /config max\.message\.bytes is true/,
      hint: /logpipe topic alter m --delete-config max\.message\.bytes/,
      mend: ['topic', 'alter', 'm', '--delete-config', 'max.message.bytes'],
    },
    {
      what: 'an unknown config',
      text: JSON.stringify({...GOOD_TOPIC, config: {'no.such': 1}}),
      message: /unknown topic config 'no\.such'/,
      hint: /logpipe topic alter m --delete-config no\.such`$/,
      mend: ['topic', 'alter', 'm', '--delete-config', 'no.such'],
    },
  ]
  const commands = [
    ['consume', 'm', '-e'],
    ['topic', 'describe', 'm'],
    ['topic', 'list'],
    ['produce', 'm'],
    ['topic', 'alter', 'm', '--partitions', '2'],
  ]

  test.each(cases)('$what: every command exits 1 with one line naming the file, and the hint mends it', async ({text, message, hint, mend}) => {
    const c = cli()
    expectOk(await c.run(['produce', 'm', '--create', '-q'], {input: 'kept\n'}))
    const path = join(c.dataDir, 'topics', 'm', 'topic.json')
    writeFileSync(path, text)
    for (const args of commands) {
      const r = await c.run(args, {input: 'lost?\n'})
      const line = expectCleanError(r, EXIT.RUNTIME, message)
      expect(line, args.join(' ')).toContain(path)
      expect(lines(r.stderr)[1], args.join(' ')).toMatch(hint)
    }
    expect(readFileSync(path, 'utf8'), 'no command rewrote the damaged file').toBe(text)
    if (mend) {
      expectOk(await c.run([...mend, '-q']))
      expect((await c.run(['consume', 'm', '-e'])).stdout).toBe('kept\n')
    }
  })
})

describe('point 9: damaged store.json', () => {
  const cases = [
    {what: 'null', text: 'null', message: /store\.json is damaged: it holds null, not an object/},
    {what: 'an empty object', text: '{}', message: /formatVersion is missing/},
    {what: 'not JSON', text: '{"formatVersion"', message: /store\.json is not valid JSON/},
    {what: 'storeId a number', text: JSON.stringify({formatVersion: 1, storeId: 5, createdAt: '2024-05-01T00:00:00Z'}), message: /storeId is not a non-empty string/},
    {what: 'createdAt missing', text: JSON.stringify({formatVersion: 1, storeId: 'x'}), message: /createdAt is not a date/},
  ]
  test.each(cases)('$what: read and write commands exit 1 naming the file, nothing rewrites it; moving it aside mends the store', async ({text, message}) => {
    const c = cli()
    expectOk(await c.run(['produce', 'm', '--create', '-q'], {input: 'kept\n'}))
    const path = join(c.dataDir, 'store.json')
    writeFileSync(path, text)
    for (const args of [['topic', 'list'], ['consume', 'm', '-e'], ['produce', 'm', '--create'], ['topic', 'create', 'n']]) {
      const r = await c.run(args, {input: 'lost?\n'})
      const line = expectCleanError(r, EXIT.RUNTIME, message)
      expect(line).toContain(path)
      expect(lines(r.stderr)[1]).toMatch(/^hint: restore .*store\.json.*or move it aside/)
    }
    expect(readFileSync(path, 'utf8')).toBe(text)
    // What the hint says: move it aside, and the next command that writes makes a new one.
    renameSync(path, `${path}.bad`)
    expectCleanError(await c.run(['topic', 'list']), EXIT.RUNTIME, /store\.json is missing/)
    expectOk(await c.run(['topic', 'create', 'n', '-q']))
    expect((await c.run(['consume', 'm', '-e'])).stdout).toBe('kept\n')
  })

  test('a newer format version says which logpipe to use', async () => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 'm', '-q']))
    writeFileSync(join(c.dataDir, 'store.json'), JSON.stringify({formatVersion: 2, storeId: 'x', createdAt: '2024-05-01T00:00:00Z'}))
    expectCleanError(await c.run(['topic', 'list']), EXIT.RUNTIME, /has format version 2; this logpipe reads version 1/)
  })
})

describe('point 10: read-only commands do not create a store', () => {
  const reads = [
    ['topic', 'list'],
    ['topic', 'describe', 't'],
    ['topic', 'verify', 't'],
    ['consume', 't', '-e'],
    ['consume', 't', '-e', '-g', 'g'],
    ['group', 'list'],
    ['group', 'describe', 'g'],
    ['group', 'reset-offsets', 'g', '--all-topics', '--to-earliest'],
    ['bench', 'consume', '--topic', 't'],
    ['produce', 't'],
    ['topic', 'alter', 't', '--partitions', '2'],
    ['topic', 'delete', 't'],
  ]
  test.each(reads.map((args) => ({args, shown: args.join(' ')})))('$shown on a missing data dir: exit 3 `no store at DIR`, nothing created', async ({args}) => {
    const {run, base, env} = cli()
    const typo = join(base, 'typo-dir')
    for (const how of [{args: ['--data-dir', typo], env: {}}, {args: [], env: {LOGPIPE_DATA_DIR: typo}}]) {
      const r = await run([...args, ...how.args], {input: 'x\n', env: {...env, ...how.env}})
      expectCleanError(r, EXIT.NOT_FOUND, new RegExp(`^logpipe: no store at ${typo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`))
      expect(lines(r.stderr)[1]).toMatch(/^hint: produce with --create, or topic create, makes one; check --data-dir \/ LOGPIPE_DATA_DIR$/)
      expect(existsSync(typo)).toBe(false)
    }
  })

  test('an existing empty directory is no store either; commands that write create one there', async () => {
    const {run, base} = cli()
    const dir = join(base, 'empty')
    mkdirSync(dir)
    expectCleanError(await run(['topic', 'list', '--data-dir', dir]), EXIT.NOT_FOUND, /no store at/)
    expect(tree(dir)).toEqual([])
    expectOk(await run(['topic', 'create', 'a', '-q', '--data-dir', dir]))
    expectOk(await run(['produce', 'b', '--create', '-q', '--data-dir', join(base, 'other')], {input: 'x\n'}))
    expect(existsSync(join(base, 'other', 'store.json'))).toBe(true)
    expect(lines((await run(['topic', 'list', '--data-dir', dir])).stdout)).toEqual(['a'])
  })
})

describe('point 11: what a killed topic create or delete leaves', () => {
  test('a .creating-* directory whose creator is gone is rolled back by the next command, which says so', async () => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 'keep', '-q']))
    const leftover = join(c.dataDir, 'topics', '.creating-x-0badf00d')
    mkdirSync(join(leftover, '0'), {recursive: true})
    writeFileSync(join(leftover, '0', '00000000000000000000.log'), '')
    writeFileSync(join(leftover, 'creator.json'), JSON.stringify({pid: deadPid(), host: hostname(), startTime: null}))
    const r = await c.run(['topic', 'list'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toBe('keep\n')
    expect(String(r.stderr)).toMatch(/^logpipe: rolled back an interrupted create \(.*\.creating-x-0badf00d, pid \d+ on .* is gone\)\n$/)
    expect(existsSync(leftover)).toBe(false)
    expectOk(await c.run(['topic', 'list', '-q']))
  })

  test('a .creating-* directory of a create still running (its creator alive, same start time) is left alone', async () => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 'keep', '-q']))
    const running = join(c.dataDir, 'topics', '.creating-y-0badf00d')
    mkdirSync(running)
    writeFileSync(join(running, 'creator.json'), JSON.stringify({pid: process.pid, host: hostname(), startTime: processStat(process.pid)!.startTime}))
    expectOk(await c.run(['topic', 'list', '-q']))
    expect(existsSync(running)).toBe(true)
    // The same pid with another start time is another process: the creator is gone.
    writeFileSync(join(running, 'creator.json'), JSON.stringify({pid: process.pid, host: hostname(), startTime: '1'}))
    expect(String((await c.run(['topic', 'list'])).stderr)).toMatch(/rolled back an interrupted create/)
    expect(existsSync(running)).toBe(false)
  })

  test('a .creating-* directory with no creator.json yet whose name names a live creator (stopped before it wrote the file) is left alone', async () => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 'keep', '-q']))
    const me = processStat(process.pid)!.startTime
    const early = join(c.dataDir, 'topics', `.creating-z-${process.pid}.${me}-0badf00d`)
    mkdirSync(early)
    const old = new Date(Date.now() - 60_000)
    utimesSync(early, old, old)
    expectOk(await c.run(['topic', 'list', '-q']))
    expect(existsSync(early)).toBe(true)
    // Named for a process that is gone: rolled back once it is older than a taker could take.
    const gone = join(c.dataDir, 'topics', `.creating-z-${process.pid}.1-0badf00d`)
    mkdirSync(gone)
    utimesSync(gone, old, old)
    expect(String((await c.run(['topic', 'list'])).stderr)).toMatch(/rolled back an interrupted create/)
    expect(existsSync(gone)).toBe(false)
    expect(existsSync(early)).toBe(true)
  })

  test('a .deleting-* directory is finished by the next command', async () => {
    const c = cli()
    expectOk(await c.run(['produce', 'gone', '--create', '-q'], {input: 'x\n'}))
    renameSync(join(c.dataDir, 'topics', 'gone'), join(c.dataDir, 'topics', '.deleting-gone-0badf00d'))
    const r = await c.run(['topic', 'list'])
    expect(r.exitCode).toBe(0)
    expect(String(r.stderr)).toMatch(/^logpipe: finished an interrupted delete of topic 'gone'/)
    expect(readdirSync(join(c.dataDir, 'topics')).filter((n) => !n.endsWith('.lock'))).toEqual([])
  })

  test('a temp file of a killed topic.json writer is removed by the next alter, which says so', async () => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 'a', '-q']))
    const tmp = join(c.dataDir, 'topics', 'a', '.topic.json.0123456789ab.tmp')
    writeFileSync(tmp, '')
    const r = await c.run(['topic', 'alter', 'a', '--config', 'retention.ms=5'])
    expect(r.exitCode).toBe(0)
    expect(String(r.stderr)).toMatch(/^logpipe: removed .*\.topic\.json\.0123456789ab\.tmp, left by a command that was killed\n$/)
    expect(r.stdout).toMatch(/^Altered topic a/)
    expect(existsSync(tmp)).toBe(false)
  })
})

describe('point 12: names and RECORDS', () => {
  test.each([
    {kind: 'topic', args: ['topic', 'create', '.hidden']},
    {kind: 'topic', args: ['produce', '.creating-x', '--create']},
    {kind: 'topic', args: ['topic', 'create', '.topics.lock']},
    {kind: 'group', args: ['consume', 'ok', '-e', '-g', '.deleting-g']},
  ])('$args: a name starting with "." is refused with a usage error', async ({kind, args}) => {
    const c = cli()
    expectOk(await c.run(['produce', 'ok', '--create', '-q'], {input: 'x\n'}))
    const before = tree(c.dataDir)
    expectCleanError(await c.run(args, {input: 'x\n'}), EXIT.USAGE, new RegExp(`^logpipe: ${kind} name '\\..*' cannot start with '\\.'$`))
    expect(tree(c.dataDir)).toEqual(before)
  })

  test('RECORDS of a compacted topic counts the records it holds, not end minus start', async () => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 'k', '-q', '--config', 'cleanup.policy=compact', '--config', 'segment.bytes=2000']))
    // Ten keys written over and over, in many small batches: every roll compacts.
    for (let round = 0; round < 6; round++) {
      const input = Array.from({length: 100}, (_, i) => `key${i % 10}:v${round}-${i}\n`).join('')
      expectOk(await c.run(['produce', 'k', '-q', '-K', ':', '--batch-bytes', '200'], {input}))
    }
    const held = lines((await c.run(['consume', 'k', '-e'])).stdout).length
    const d = JSON.parse(String((await c.run(['topic', 'describe', 'k', '--json'])).stdout))
    const p = d.partitions[0]
    expect(p.logEndOffset - p.logStartOffset).toBe(600)
    expect(held).toBeLessThan(600)
    expect(p.records).toBe(held)
    const line = lines((await c.run(['topic', 'describe', 'k', '--verbose'])).stdout)[1]
    expect(line).toContain(`\tRecords: ${held}\t`)
  })
})
