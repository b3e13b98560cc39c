/**
 * Every consume feature through a broker whose data directory the client
 * does not share (issue 10, point 5): the broker runs on one temp data
 * dir, the CLI on another that it never creates, so nothing can come from
 * the files.
 *
 * - `consume -g --bootstrap-server`: joins, reads by Fetch, commits by
 *   OffsetCommit and starts from OffsetFetch; two logpipe members and a
 *   kcat member share a group; a member joining and one killed with
 *   SIGKILL hand partitions over, and every record is printed exactly
 *   once across them (a new owner starts at the committed offset); a
 *   kafka-python member's commits are where a logpipe member starts; an
 *   assignment from a leader that is not ours is checked before use;
 * - `-c N`, `-e`, auto.offset.reset (also for a commit outside the log)
 *   and `--exec` with its dead-letter topic behave as on the files;
 *   `--exec-stream` too;
 * - `--include` picks up a topic created later (metadata.max.age.ms),
 *   with and without -g;
 * - `produce --bootstrap-server` notices partitions added while it runs,
 *   and keys hash over the new count after.
 */
import {existsSync, writeFileSync} from 'node:fs'
import {connect} from 'node:net'
import {join} from 'node:path'
import {execa, type ResultPromise} from 'execa'
import {describe, expect, test} from 'vitest'
import {ROOT, cli} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'
import {expectOk, library, lines, trackProcesses, watchOutput} from './support.js'
import type {GroupDescription} from '../../src/core/group/group-admin.js'
import {encodeAssignment, encodeSubscription} from '../../src/core/group/consumer-protocol.js'
import {decodeResponseFrame, encodeRequestFrame} from '../../src/core/wire/envelope.js'
import {ErrorCode} from '../../src/core/wire/error-codes.js'
import {FrameSplitter} from '../../src/core/wire/frame.js'
import {heartbeat} from '../../src/core/wire/messages/12-heartbeat.js'
import {offsetCommit} from '../../src/core/wire/messages/08-offset-commit.js'
import {joinGroup} from '../../src/core/wire/messages/11-join-group.js'
import {syncGroup} from '../../src/core/wire/messages/14-sync-group.js'
import type {ApiSchema, RequestInput, ResponseOf} from '../../src/core/wire/schema.js'

const running = trackProcesses()
const BROKER_ARGS = ['-X', 'group.initial.rebalance.delay.ms=0']
const PY_GROUP = join(ROOT, 'test', 'fixtures', 'broker', 'kafka-python-group.py')

type Cli = ReturnType<typeof cli>

async function describeGroup(c: Cli, group: string): Promise<GroupDescription | null> {
  const r = await c.run(['group', 'describe', group, '--json'])
  return r.exitCode === 0 ? (JSON.parse(String(r.stdout)) as GroupDescription) : null
}

/** Polls an asynchronous condition to a deadline (never a fixed sleep). */
async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string | (() => string), deadlineMs = 45_000): Promise<T> {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    const v = await probe()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function stableWith(c: Cli, group: string, members: number, partitions: number): Promise<GroupDescription> {
  let d: GroupDescription | null = null
  return until(async () => {
    d = await describeGroup(c, group)
    if (!d || d.state !== 'Stable' || d.members.length !== members) return null
    return d.members.reduce((n, m) => n + m.assignment.length, 0) === partitions ? d : null
  }, () => `group ${group} to be Stable with ${members} members owning ${partitions} partitions; last seen: ${JSON.stringify(d)}`)
}

function committed(c: Cli, group: string, total: number): Promise<GroupDescription> {
  let d: GroupDescription | null = null
  return until(async () => {
    d = await describeGroup(c, group)
    if (!d) return null
    const sum = d.partitions.reduce((n, p) => n + (p.currentOffset ?? 0), 0)
    return sum === total && d.partitions.every((p) => p.lag === 0 || p.logEndOffset === 0) ? d : null
  }, () => `group ${group} to commit ${total} offsets; last seen: ${JSON.stringify(d?.partitions)}`)
}

/** One raw connection speaking our codec, answers in order: a group leader that assigns what it likes. */
async function rawMember(port: number) {
  const socket = connect({host: '127.0.0.1', port})
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const splitter = new FrameSplitter()
  const waiting: Array<(frame: Buffer) => void> = []
  socket.on('data', (chunk: Buffer) => {
    for (const frame of splitter.push(chunk)) waiting.shift()?.(frame)
  })
  let correlationId = 0
  return {
    send<A extends ApiSchema>(schema: A, version: number, value: RequestInput<A>): Promise<ResponseOf<A>> {
      const id = ++correlationId
      return new Promise((resolve) => {
        waiting.push((frame) => resolve(decodeResponseFrame(schema, version, frame).body))
        socket.write(encodeRequestFrame(schema, version, {correlationId: id, clientId: 'raw-leader'}, value))
      })
    },
    close: () => socket.destroy(),
  }
}

/** Keyed (the value is the key too), so the records spread over every partition. */
async function produce(c: Cli, address: string, topic: string, values: string[]): Promise<void> {
  expectOk(await c.run(['produce', topic, '-K:', '-X', 'acks=all', '--bootstrap-server', address], {input: values.map((v) => `${v}:${v}\n`).join('')}))
}

describe('consume -g through a remote broker', () => {
  test('two logpipe members and a kcat member share a group; a join and a SIGKILL hand partitions over; every record once', async () => {
    const b = cli()
    const client = cli()
    expectOk(await b.run(['topic', 'create', 'rg', '--partitions', '6']))
    const broker = await startBroker(b.env, BROKER_ARGS)
    const member = (name: string): ResultPromise => {
      const p = client.run(['consume', 'rg', '-g', 'rg', '-u', '-F', '%s\n', '-X', `client.id=${name}`, '--session-timeout', '6000', '--bootstrap-server', broker.address])
      running.push(p)
      return p
    }
    const kc = execa(
      'kcat',
      ['-b', broker.address, '-G', 'rg', '-u', '-q', '-f', '%s\n', '-X', 'client.id=kc', '-X', 'session.timeout.ms=6000', '-X', 'heartbeat.interval.ms=500',
        '-X', 'auto.commit.interval.ms=100', '-X', 'auto.offset.reset=earliest', 'rg'],
      {reject: false, stdin: 'ignore'},
    )
    running.push(kc)
    const one = member('one')
    const outputs = [watchOutput(kc), watchOutput(one)]
    const first = await stableWith(b, 'rg', 2, 6)
    expect(first.members.map((m) => m.clientId).sort()).toEqual(['kc', 'one'])

    const a = Array.from({length: 200}, (_, i) => `a-${i}`)
    await produce(client, broker.address, 'rg', a)
    await committed(b, 'rg', 200)

    const two = member('two')
    outputs.push(watchOutput(two))
    const three = await stableWith(b, 'rg', 3, 6)
    for (const m of three.members) expect(m.assignment).toHaveLength(2)
    const bs = Array.from({length: 200}, (_, i) => `b-${i}`)
    await produce(client, broker.address, 'rg', bs)
    await committed(b, 'rg', 400)

    // All it printed is committed: its partitions' next owners start after it.
    one.kill('SIGKILL')
    await one
    const after = await stableWith(b, 'rg', 2, 6)
    expect(after.members.map((m) => m.clientId).sort()).toEqual(['kc', 'two'])
    const cs = Array.from({length: 200}, (_, i) => `c-${i}`)
    await produce(client, broker.address, 'rg', cs)
    await committed(b, 'rg', 600)
    two.kill('SIGTERM')
    expect((await two).exitCode).toBe(0)
    kc.kill('SIGTERM')
    await kc

    const printed = outputs.map((o) => lines(o.stdout))
    expect(printed.flat().sort()).toEqual([...a, ...bs, ...cs].sort())
    for (const p of printed) expect(p.length).toBeGreaterThan(0)
    expect(printed[1].some((v) => v.startsWith('c-'))).toBe(false)
    expect(printed[2].some((v) => v.startsWith('a-'))).toBe(false)
    // The client's own data directory was never needed.
    expect(existsSync(client.dataDir)).toBe(false)
    await broker.stop()
  })

  test('a kafka-python member and a logpipe member share a group; logpipe starts where kafka-python committed, and takes its partition when it leaves', async () => {
    const b = cli()
    const client = cli()
    const broker = await startBroker(b.env, BROKER_ARGS)
    const via = ['--bootstrap-server', broker.address]
    expectOk(await client.run(['topic', 'create', 'py', '--partitions', '2', ...via]))
    const early = Array.from({length: 10}, (_, i) => `v${i}`)
    await produce(client, broker.address, 'py', early)
    // kafka-python reads and commits all ten, then stays in the group (polling, committing nothing more) until told to leave.
    const stop = join(client.base, 'stop-py')
    const py = execa('/usr/bin/python3', [PY_GROUP, broker.address, 'py', 'pyg', '10', stop], {reject: false, env: {PYTHONDONTWRITEBYTECODE: '1'}, timeout: 120_000})
    running.push(py)
    await watchOutput(py).until((s) => s.includes('consumed'), 'kafka-python to commit', 60_000)
    const lp = client.run(['consume', 'py', '-g', 'pyg', '-u', '-F', '%p %s\n', ...via])
    running.push(lp)
    const out = watchOutput(lp)
    const both = await stableWith(b, 'pyg', 2, 2)
    expect(both.members.map((m) => m.clientId).sort()).toEqual(['logpipe-consume', 'py-client'])
    const mine = both.members.find((m) => m.clientId === 'logpipe-consume')!.assignment
    expect(mine).toHaveLength(1)
    const later = Array.from({length: 30}, (_, i) => `w${i}`)
    await produce(client, broker.address, 'py', later)
    const byPartition = async (p: number) => lines((await client.run(['consume', 'py', '-p', String(p), '-e', ...via])).stdout).filter((v) => v.startsWith('w'))
    const ours = await byPartition(mine[0].partition)
    await out.until((s) => lines(s).length === ours.length, `the logpipe member to print partition ${mine[0].partition}'s new records`, 30_000)
    // It started at kafka-python's commit: none of the ten it had read.
    expect(lines(out.stdout)).toEqual(ours.map((v) => `${mine[0].partition} ${v}`))
    writeFileSync(stop, '')
    await py
    // kafka-python left having committed only the ten: its partition's new records come to logpipe, from that commit.
    const theirs = await byPartition(1 - mine[0].partition)
    await out.until((s) => lines(s).length === later.length, 'every new record', 30_000)
    expect(lines(out.stdout).map((l) => l.split(' ')[1]).sort()).toEqual([...ours, ...theirs].sort())
    lp.kill('SIGTERM')
    expect((await lp).exitCode).toBe(0)
    await committed(b, 'pyg', 40)
    await broker.stop()
  })

  test('an assignment from another leader is not trusted: partitions that do not exist, or come twice, are left out with a notice', async () => {
    const b = cli()
    const client = cli()
    const broker = await startBroker(b.env, BROKER_ARGS)
    const via = ['--bootstrap-server', broker.address]
    expectOk(await client.run(['topic', 'create', 'lt', '--partitions', '2', ...via]))
    await produce(client, broker.address, 'lt', Array.from({length: 20}, (_, i) => `x${i}`))
    const raw = await rawMember(broker.port)
    const join = {groupId: 'lg', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, groupInstanceId: null, protocolType: 'consumer', protocols: [{name: 'range', metadata: encodeSubscription(['lt'])}]}
    const id = (await raw.send(joinGroup, 5, {...join, memberId: ''})).memberId
    const first = await raw.send(joinGroup, 5, {...join, memberId: id})
    expect(first.leader).toBe(id)
    expect((await raw.send(syncGroup, 3, {groupId: 'lg', generationId: first.generationId, memberId: id, groupInstanceId: null, assignments: []})).errorCode).toBe(ErrorCode.NONE)
    const lp = client.run(['consume', 'lt', '-g', 'lg', '-F', '%p %s\n', ...via])
    running.push(lp)
    const out = watchOutput(lp)
    // The raw leader rejoins once the coordinator says a rebalance is on, and gives the logpipe member nonsense around partition 1.
    await until(async () => (await raw.send(heartbeat, 3, {groupId: 'lg', generationId: first.generationId, memberId: id, groupInstanceId: null})).errorCode === ErrorCode.REBALANCE_IN_PROGRESS, 'the rebalance')
    const second = await raw.send(joinGroup, 5, {...join, memberId: id})
    expect(second.leader).toBe(id)
    const other = second.members.find((m) => m.memberId !== id)!.memberId
    const bogus = encodeAssignment([{topic: 'lt', partition: 1}, {topic: 'lt', partition: 1}, {topic: 'lt', partition: 7}, {topic: 'lt', partition: -1}, {topic: 'elsewhere', partition: 0}])
    const synced = await raw.send(syncGroup, 3, {groupId: 'lg', generationId: second.generationId, memberId: id, groupInstanceId: null, assignments: [{memberId: other, assignment: bogus}, {memberId: id, assignment: encodeAssignment([])}]})
    expect(synced.errorCode).toBe(ErrorCode.NONE)
    const want = lines((await client.run(['consume', 'lt', '-p', '1', '-e', '-F', '%p %s\n', ...via])).stdout)
    expect(want.length).toBeGreaterThan(0)
    await out.until((s) => lines(s).length === want.length, 'partition 1, once', 30_000)
    lp.kill('SIGTERM')
    const r = await lp
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(lines(out.stdout)).toEqual(want)
    expect(String(r.stderr)).toMatch(/group lg: the leader assigned 3 partition\(s\) this member cannot read \(unknown or named twice\); ignoring them/)
    raw.close()
    await broker.stop()
  })

  test('a committed offset outside the log is reset by auto.offset.reset, saying so', async () => {
    const b = cli()
    const client = cli()
    const broker = await startBroker(b.env, BROKER_ARGS)
    const via = ['--bootstrap-server', broker.address]
    expectOk(await client.run(['topic', 'create', 'oor', ...via]))
    await produce(client, broker.address, 'oor', ['r0', 'r1', 'r2'])
    // A simple commit (no member, generation -1), as a consumer that assigns its own partitions makes.
    const raw = await rawMember(broker.port)
    const commit999 = async () => {
      const r = await raw.send(offsetCommit, 2, {groupId: 'og', generationIdOrMemberEpoch: -1, memberId: '', topics: [{name: 'oor', partitions: [{partitionIndex: 0, committedOffset: 999n, committedMetadata: null}]}]})
      expect(r.topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE)
    }
    for (const [reset, want] of [['earliest', ['r0', 'r1', 'r2']], ['latest', []]] as const) {
      await commit999()
      const run = await client.run(['consume', 'oor', '-g', 'og', '-e', '--auto-offset-reset', reset, ...via])
      expect(run.exitCode, String(run.stderr)).toBe(0)
      expect(lines(run.stdout)).toEqual(want)
      expect(String(run.stderr)).toBe(`logpipe: group og: committed offset 999 of oor/0 is outside the log (0..3); resetting to ${reset}\n`)
      // Where it ended is committed: the next run starts there.
      await committed(b, 'og', 3)
    }
    raw.close()
    await broker.stop()
  })

  test('-c N then -e carry on from the commit; a new group with auto.offset.reset latest reads nothing; --exec dead letters go to the broker', async () => {
    const b = cli()
    const client = cli()
    const broker = await startBroker(b.env, BROKER_ARGS)
    const via = ['--bootstrap-server', broker.address]
    expectOk(await client.run(['topic', 'create', 'cg', '--partitions', '3', ...via]))
    const values = Array.from({length: 50}, (_, i) => `v${i}`)
    await produce(client, broker.address, 'cg', values)

    const firstRun = await client.run(['consume', 'cg', '-g', 'g', '-c', '20', ...via])
    expectOk(firstRun)
    expect(lines(firstRun.stdout)).toHaveLength(20)
    const rest = await client.run(['consume', 'cg', '-g', 'g', '-e', ...via])
    expectOk(rest)
    expect([...lines(firstRun.stdout), ...lines(rest.stdout)].sort()).toEqual([...values].sort())
    const none = await client.run(['consume', 'cg', '-g', 'g', '-e', ...via])
    expectOk(none)
    expect(String(none.stdout)).toBe('')
    await committed(b, 'g', 50)

    const latest = await client.run(['consume', 'cg', '-g', 'late', '-e', '--auto-offset-reset', 'latest', ...via])
    expectOk(latest)
    expect(String(latest.stdout)).toBe('')
    const fromStart = await client.run(['consume', 'cg', '-g', 'early', '-e', '-o', 'beginning', ...via])
    expect(lines(fromStart.stdout).sort()).toEqual([...values].sort())

    // --exec fails for one value: after its retry it goes to the broker's dead-letter topic, and the rest is committed.
    const exec = await client.run(['consume', 'cg', '-g', 'ex', '-e', '--exec', 'test "$(cat)" != v7', '--retries', '1', '--dead-letter-topic', 'cg-dead', ...via])
    expect(exec.exitCode, String(exec.stderr)).toBe(0)
    expect(String(exec.stderr)).toContain('created dead-letter topic cg-dead')
    expect(String(exec.stderr)).toMatch(/--exec failed for cg\/\d offset \d+ \(exit code 1, 2 attempts\); sent to the dead-letter topic/)
    await committed(b, 'ex', 50)
    const dead = await client.run(['consume', 'cg-dead', '-e', '-f', '%s %h\n', ...via])
    expectOk(dead)
    expect(String(dead.stdout)).toMatch(/^v7 .*logpipe\.error\.topic=cg,.*logpipe\.error\.attempts=2/)
    expect(lines(dead.stdout)).toHaveLength(1)
    expect(existsSync(client.dataDir)).toBe(false)
    await broker.stop()
  })

  test('--exec-stream through a broker: answers commit, an ERR after its retries goes to the dead-letter topic with its key and headers', async () => {
    const b = cli()
    const client = cli()
    const broker = await startBroker(b.env, BROKER_ARGS)
    const via = ['--bootstrap-server', broker.address]
    expectOk(await client.run(['topic', 'create', 'es', '--partitions', '2', ...via]))
    const values = Array.from({length: 40}, (_, i) => `w${i}`)
    await produce(client, broker.address, 'es', values)
    // A shell loop answers line by line (mawk would read ahead and wait for more input).
    const handler = 'while IFS= read -r l; do if [ "$l" = w13 ]; then echo "ERR not today"; else echo ok; fi; done'
    for (const group of [undefined, 'es-g']) {
      const dlq = group ? 'es-dead-g' : 'es-dead'
      const r = await client.run(['consume', 'es', '-e', ...(group ? ['-g', group] : []), '--exec-stream', handler, '--retries', '1', '--dead-letter-topic', dlq, ...via])
      expect(r.exitCode, String(r.stderr)).toBe(0)
      expect(String(r.stderr)).toMatch(/--exec-stream failed for es\/\d offset \d+ \(ERR not today, 2 attempts\); sent to the dead-letter topic/)
      expect(lines(r.stdout)).toEqual([])
      const dead = await client.run(['consume', dlq, '-e', '-f', '%k=%s %h\n', ...via])
      expectOk(dead)
      expect(lines(dead.stdout)).toHaveLength(1)
      expect(String(dead.stdout)).toMatch(/^w13=w13 .*logpipe\.error\.topic=es,.*logpipe\.error\.reason=ERR not today/)
    }
    await committed(b, 'es-g', 40)
    expect(existsSync(client.dataDir)).toBe(false)
    await broker.stop()
  })
})

describe('consume --include through a remote broker', () => {
  test('a topic created later, and a partition added, are read once metadata is refreshed (metadata.max.age.ms), with and without -g', async () => {
    const b = cli()
    const client = cli()
    const broker = await startBroker(b.env, BROKER_ARGS)
    const via = ['--bootstrap-server', broker.address]
    expectOk(await client.run(['topic', 'create', 'inc-a', ...via]))
    expectOk(await client.run(['topic', 'create', 'other', ...via]))
    await produce(client, broker.address, 'inc-a', ['a0'])
    await produce(client, broker.address, 'other', ['o0'])
    const plain = client.run(['consume', '--include', 'inc-.*', '-u', '-F', '%t %s\n', '-X', 'metadata.max.age.ms=200', ...via])
    const grouped = client.run(['consume', '--include', 'inc-.*', '-g', 'ig', '-u', '-F', '%t %s\n', '-X', 'metadata.max.age.ms=200', ...via])
    running.push(plain, grouped)
    const outs = [watchOutput(plain), watchOutput(grouped)]
    for (const o of outs) await o.until((s) => s.includes('inc-a a0\n'), 'the first topic', 30_000)
    expectOk(await client.run(['topic', 'create', 'inc-b', '--partitions', '2', ...via]))
    await produce(client, broker.address, 'inc-b', ['b0', 'b1', 'b2'])
    for (const o of outs) await o.until((s) => ['b0', 'b1', 'b2'].every((v) => s.includes(`inc-b ${v}\n`)), 'the topic created later', 30_000)
    // A partition added later is read from its start too: the group's leader sees the new count and rebalances.
    expectOk(await client.run(['topic', 'alter', 'inc-b', '--partitions', '3', ...via]))
    expectOk(await client.run(['produce', 'inc-b', '-p', '2', ...via], {input: 'p2\n'}))
    for (const o of outs) await o.until((s) => s.includes('inc-b p2\n'), 'the record in the added partition', 30_000)
    await committed(b, 'ig', 5)
    plain.kill('SIGTERM')
    grouped.kill('SIGTERM')
    for (const p of [plain, grouped]) expect((await p).exitCode).toBe(0)
    for (const o of outs) expect(lines(o.stdout).sort()).toEqual(['inc-a a0', 'inc-b b0', 'inc-b b1', 'inc-b b2', 'inc-b p2'])
    await broker.stop()
  })
})

describe('produce through a remote broker', () => {
  test('partitions added while it runs are noticed (metadata.max.age.ms) and keyed records spread over them', async () => {
    const b = cli()
    const client = cli()
    const broker = await startBroker(b.env, BROKER_ARGS)
    const via = ['--bootstrap-server', broker.address]
    expectOk(await client.run(['topic', 'create', 'grow', '--partitions', '2', ...via]))
    const producer = client.run(['produce', 'grow', '-K:', '--linger-ms', '0', '-X', 'metadata.max.age.ms=100', ...via])
    running.push(producer)
    const keys: string[] = []
    const write = (n: number) => {
      const batch = Array.from({length: n}, (_, i) => `k${keys.length + i}`)
      keys.push(...batch)
      producer.stdin!.write(batch.map((k) => `${k}:${k}\n`).join(''))
    }
    // What has landed, as "partition key" pairs (acknowledgements are printed only at the end; the log says at once).
    const landed = async () => lines((await client.run(['consume', 'grow', '-e', '-f', '%p %k\n', ...via])).stdout).map((l) => l.split(' '))
    const allLanded = async () => {
      const got = await landed()
      return got.length === keys.length ? got : null
    }
    write(40)
    expect(new Set((await until(allLanded, 'the first 40 records')).map(([p]) => p))).toEqual(new Set(['0', '1']))
    expectOk(await client.run(['topic', 'alter', 'grow', '--partitions', '4', ...via]))
    const deadline = Date.now() + 30_000
    let onNew = false
    while (!onNew && Date.now() < deadline) {
      write(20)
      onNew = (await until(allLanded, () => `${keys.length} records`)).some(([p]) => Number(p) >= 2)
    }
    expect(onNew).toBe(true)
    producer.stdin!.end()
    expect((await producer).exitCode).toBe(0)
    // Every record once; those on the new partitions were hashed over four.
    const r = await client.run(['consume', 'grow', '-e', '-f', '%p %k\n', ...via])
    expectOk(r)
    const got = lines(r.stdout).map((l) => l.split(' '))
    expect(got.map(([, k]) => k).sort()).toEqual([...keys].sort())
    const {partitionForKey} = await library()
    for (const [p, k] of got) if (Number(p) >= 2) expect(partitionForKey(Buffer.from(k), 4)).toBe(Number(p))
    await broker.stop()
  })
})
