/**
 * Consumer groups over the wire, with clients nobody here wrote, and the
 * CLI looking at the same files:
 *
 * - kcat (librdkafka) `-G`: three members share a topic; once everything
 *   produced is committed, one is killed with SIGKILL; after its session
 *   times out the two others take its partitions, and every record
 *   produced before and after is printed exactly once across the three
 *   (the committed offsets are where each new owner starts);
 * - kafka-python KafkaConsumer with group_id: while it is a member,
 *   `group describe` shows the group Stable with its member (consumer id,
 *   host, client id) owning every partition, the offsets it committed and
 *   lag 0; `reset-offsets` and `delete` refuse while it is live and work
 *   once it has left;
 * - kafkajs consumer group: commits on its own, read back by `group
 *   describe`.
 */
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {execa, type ResultPromise} from 'execa'
import {Kafka, logLevel} from 'kafkajs'
import {describe, expect, test} from 'vitest'
import {ROOT, cli} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'
import {expectCleanError, trackProcesses, watchOutput} from './support.js'
import type {GroupDescription} from '../../src/core/group/group-admin.js'

const running = trackProcesses()
const PY_GROUP = join(ROOT, 'test', 'fixtures', 'broker', 'kafka-python-group.py')
// The coordinator answers the first JoinGroup at once; the members' own timing is what the tests wait on.
const BROKER_ARGS = ['-X', 'group.initial.rebalance.delay.ms=0']

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

/** The group once it is Stable with `members` members and every partition of the topic assigned. */
function stableWith(c: Cli, group: string, members: number, partitions: number): Promise<GroupDescription> {
  let d: GroupDescription | null = null
  return until(async () => {
    d = await describeGroup(c, group)
    if (!d || d.state !== 'Stable' || d.members.length !== members) return null
    return d.members.reduce((n, m) => n + m.assignment.length, 0) === partitions ? d : null
  }, () => `group ${group} to be Stable with ${members} members owning ${partitions} partitions; last seen: ${JSON.stringify(d)}`)
}

/** The group once its committed offsets add up to `total` with no lag. */
function committed(c: Cli, group: string, total: number): Promise<GroupDescription> {
  let d: GroupDescription | null = null
  return until(async () => {
    d = await describeGroup(c, group)
    if (!d) return null
    const sum = d.partitions.reduce((n, p) => n + (p.currentOffset ?? 0), 0)
    return sum === total && d.partitions.every((p) => p.lag === 0 || p.logEndOffset === 0) ? d : null
  }, () => `group ${group} to commit ${total} offsets; last seen: ${JSON.stringify(d?.partitions)}`)
}

/** Keyed (the value is the key too), so the records spread over every partition by murmur2. */
async function produceWithKcat(address: string, topic: string, values: string[]): Promise<void> {
  const r = await execa('kcat', ['-P', '-b', address, '-t', topic, '-K', ':', '-X', 'acks=all'], {input: values.map((v) => `${v}:${v}`).join('\n') + '\n', reject: false, timeout: 30_000})
  expect(r.exitCode, r.stderr).toBe(0)
}

describe('kcat -G against a broker', () => {
  test('three members, one killed: the others take its partitions and every record is consumed once, by committed offsets', async () => {
    const c = cli()
    expect((await c.run(['topic', 'create', 'gt', '--partitions', '6'])).exitCode).toBe(0)
    const broker = await startBroker(c.env, BROKER_ARGS)
    const member = (name: string): ResultPromise => {
      const p = execa(
        'kcat',
        ['-b', broker.address, '-G', 'grp', '-u', '-q', '-f', '%s\n', '-X', `client.id=${name}`, '-X', 'session.timeout.ms=6000', '-X', 'heartbeat.interval.ms=500',
          '-X', 'auto.commit.interval.ms=100', '-X', 'auto.offset.reset=earliest', 'gt'],
        {reject: false, stdin: 'ignore'},
      )
      running.push(p)
      return p
    }
    const members = ['one', 'two', 'three'].map((name) => ({name, proc: member(name)}))
    const outputs = members.map((m) => watchOutput(m.proc))
    const first = await stableWith(c, 'grp', 3, 6)
    expect(first.members.map((m) => m.clientId).sort()).toEqual(['one', 'three', 'two'])
    for (const m of first.members) expect(m.host).toBe('/127.0.0.1')

    const before = Array.from({length: 300}, (_, i) => `a-${i}`)
    await produceWithKcat(broker.address, 'gt', before)
    await committed(c, 'grp', 300)

    // Everything it printed is committed: its partitions' new owners start after it.
    const victim = 1
    members[victim].proc.kill('SIGKILL')
    await members[victim].proc
    const after = await stableWith(c, 'grp', 2, 6)
    expect(after.members.map((m) => m.clientId).sort()).toEqual(['one', 'three'])

    const later = Array.from({length: 300}, (_, i) => `b-${i}`)
    await produceWithKcat(broker.address, 'gt', later)
    await committed(c, 'grp', 600)
    for (const i of [0, 2]) members[i].proc.kill('SIGTERM')
    await Promise.all(members.map((m) => m.proc))

    const printed = outputs.map((o) => o.stdout.split('\n').filter((l) => l !== ''))
    expect(printed.flat().sort()).toEqual([...before, ...later].sort())
    expect(printed[victim].length).toBeGreaterThan(0)
    expect(printed[victim].every((v) => v.startsWith('a-'))).toBe(true)
    for (const i of [0, 2]) expect(printed[i].length).toBeGreaterThan(0)
    await broker.stop()
  })
})

describe('logpipe consume -g while a broker runs', () => {
  test('joins through the broker\'s coordinator, sharing the group with a kcat member; every record once; its partitions go to kcat when it leaves', async () => {
    const c = cli()
    expect((await c.run(['topic', 'create', 'mix', '--partitions', '4'])).exitCode).toBe(0)
    const broker = await startBroker(c.env, BROKER_ARGS)
    const kc = execa(
      'kcat',
      ['-b', broker.address, '-G', 'mixed', '-u', '-q', '-f', '%s\n', '-X', 'client.id=kc', '-X', 'session.timeout.ms=6000', '-X', 'heartbeat.interval.ms=500',
        '-X', 'auto.commit.interval.ms=100', '-X', 'auto.offset.reset=earliest', 'mix'],
      {reject: false, stdin: 'ignore'},
    )
    running.push(kc)
    const lp = c.run(['consume', 'mix', '-g', 'mixed', '-F', '%s\n'])
    running.push(lp)
    const kcOut = watchOutput(kc)
    const lpOut = watchOutput(lp)
    const both = await stableWith(c, 'mixed', 2, 4)
    expect(both.members.map((m) => m.clientId).sort()).toEqual(['kc', 'logpipe-consume'])
    for (const m of both.members) expect(m.assignment).toHaveLength(2)

    const first = Array.from({length: 200}, (_, i) => `a-${i}`)
    await produceWithKcat(broker.address, 'mix', first)
    await committed(c, 'mixed', 200)
    lp.kill('SIGTERM')
    expect((await lp).exitCode).toBe(0)
    await stableWith(c, 'mixed', 1, 4)
    const later = Array.from({length: 100}, (_, i) => `b-${i}`)
    await produceWithKcat(broker.address, 'mix', later)
    await committed(c, 'mixed', 300)
    kc.kill('SIGTERM')
    await kc
    const byLogpipe = lpOut.stdout.split('\n').filter((l) => l !== '')
    const byKcat = kcOut.stdout.split('\n').filter((l) => l !== '')
    expect(byLogpipe.length).toBeGreaterThan(0)
    expect(byLogpipe.every((v) => v.startsWith('a-'))).toBe(true)
    expect([...byLogpipe, ...byKcat].sort()).toEqual([...first, ...later].sort())
    await broker.stop()
  })
})

describe('kcat static membership (KIP-345) against a broker', () => {
  test('a static member killed and restarted within its session takes its place back without a rebalance', async () => {
    const c = cli()
    expect((await c.run(['topic', 'create', 'st', '--partitions', '4'])).exitCode).toBe(0)
    const broker = await startBroker(c.env, BROKER_ARGS)
    const member = (name: string, instance?: string): ResultPromise => {
      const p = execa(
        'kcat',
        ['-b', broker.address, '-G', 'sgrp', '-u', '-q', '-f', '%s\n', '-X', `client.id=${name}`, '-X', 'session.timeout.ms=20000', '-X', 'heartbeat.interval.ms=500',
          ...(instance ? ['-X', `group.instance.id=${instance}`] : []), 'st'],
        {reject: false, stdin: 'ignore'},
      )
      running.push(p)
      return p
    }
    const dynamic = member('dyn')
    let fixed = member('fixed', 'host-a')
    const before = await stableWith(c, 'sgrp', 2, 4)
    const old = before.members.find((m) => m.clientId === 'fixed')!
    expect(old.groupInstanceId).toBe('host-a')
    fixed.kill('SIGKILL')
    await fixed
    fixed = member('fixed', 'host-a')
    const after = await until(async () => {
      const d = await describeGroup(c, 'sgrp')
      const back = d?.members.find((m) => m.groupInstanceId === 'host-a')
      return d && back && back.memberId !== old.memberId && d.state === 'Stable' ? d : null
    }, 'the static member to come back under a new member id')
    // Same generation: nobody rebalanced, and it holds what it held.
    expect(after.coordinator!.generation).toBe(before.coordinator!.generation)
    const back = after.members.find((m) => m.groupInstanceId === 'host-a')!
    expect(back.assignment).toEqual(old.assignment)
    expect(after.members.find((m) => m.clientId === 'dyn')!.memberId).toBe(before.members.find((m) => m.clientId === 'dyn')!.memberId)
    fixed.kill('SIGTERM')
    dynamic.kill('SIGTERM')
    await Promise.all([fixed, dynamic])
    await broker.stop()
  })
})

describe('logpipe consume -X group.instance.id (KIP-345) through a broker', () => {
  test('a static logpipe member stopped and restarted within its session takes its place back without a rebalance; a second one with its id fences it', async () => {
    const c = cli()
    expect((await c.run(['topic', 'create', 'ls', '--partitions', '4'])).exitCode).toBe(0)
    const broker = await startBroker(c.env, BROKER_ARGS)
    const member = (clientId: string, instance?: string) => {
      const p = c.run(['consume', 'ls', '-g', 'lsg', '--bootstrap-server', broker.address, '-X', `client.id=${clientId}`, '-X', 'session.timeout.ms=20000',
        ...(instance ? ['-X', `group.instance.id=${instance}`] : [])])
      running.push(p)
      return p
    }
    const dynamic = member('dyn')
    let fixed = member('fixed', 'host-b')
    const before = await stableWith(c, 'lsg', 2, 4)
    const old = before.members.find((m) => m.clientId === 'fixed')!
    expect(old.groupInstanceId).toBe('host-b')
    // Stopped cleanly, a static member does not leave: the coordinator keeps its place for the session timeout.
    fixed.kill('SIGTERM')
    expect((await fixed).exitCode).toBe(0)
    const kept = await describeGroup(c, 'lsg')
    expect(kept!.members.find((m) => m.groupInstanceId === 'host-b')?.memberId).toBe(old.memberId)
    fixed = member('fixed', 'host-b')
    const after = await until(async () => {
      const d = await describeGroup(c, 'lsg')
      const back = d?.members.find((m) => m.groupInstanceId === 'host-b')
      return d && back && back.memberId !== old.memberId && d.state === 'Stable' ? d : null
    }, 'the static member to come back under a new member id')
    expect(after.coordinator!.generation).toBe(before.coordinator!.generation)
    expect(after.members.find((m) => m.groupInstanceId === 'host-b')!.assignment).toEqual(old.assignment)
    expect(after.members.find((m) => m.clientId === 'dyn')!.memberId).toBe(before.members.find((m) => m.clientId === 'dyn')!.memberId)

    // A second process with the same instance id takes the place; the running one is fenced and says so.
    const intruder = member('fixed', 'host-b')
    const fencedRun = await fixed
    expectCleanError(fencedRun, 1, /group\.instance\.id host-b, which fenced this one/)
    intruder.kill('SIGTERM')
    dynamic.kill('SIGTERM')
    await Promise.all([intruder, dynamic])
    await broker.stop()
  })

  test('without a broker, -X group.instance.id is a usage error: file-based groups have no static members', async () => {
    const c = cli()
    expect((await c.run(['topic', 'create', 'nb'])).exitCode).toBe(0)
    const r = await c.run(['consume', 'nb', '-g', 'g', '-e', '-X', 'group.instance.id=a'])
    expectCleanError(r, 2, /group\.instance\.id needs a broker/)
    const bad = await c.run(['consume', 'nb', '-g', 'g', '-e', '-X', 'group.instance.id=a b'])
    expectCleanError(bad, 2, /not a valid instance id/)
  })
})

describe('kafka-python against a broker', () => {
  test('a KafkaConsumer with group_id commits; group describe shows its group and offsets; reset and delete wait until it leaves', async () => {
    const c = cli()
    expect((await c.run(['topic', 'create', 'pt', '--partitions', '2'])).exitCode).toBe(0)
    // Written to the files before the broker leads the partitions.
    const values = Array.from({length: 10}, (_, i) => `v${i}`)
    expect((await c.run(['produce', 'pt', '-K', ':'], {input: values.map((v, i) => `k${i}:${v}`).join('\n') + '\n'})).exitCode).toBe(0)
    const broker = await startBroker(c.env, BROKER_ARGS)
    const stop = join(c.base, 'stop-python')
    const py = execa('/usr/bin/python3', [PY_GROUP, broker.address, 'pt', 'pyg', '10', stop], {reject: false, env: {PYTHONDONTWRITEBYTECODE: '1'}, timeout: 90_000})
    running.push(py)
    const out = watchOutput(py)
    const text = await out.until((s) => s.includes('consumed'), 'the consumer to commit', 60_000)
    expect(JSON.parse(text.split('\n')[0])).toEqual({consumed: 10, values: [...values].sort()})

    const d = (await describeGroup(c, 'pyg'))!
    expect(d).toMatchObject({group: 'pyg', state: 'Stable', strategy: 'range', coordinator: {brokerId: 0, protocolType: 'consumer'}})
    expect(d.members).toHaveLength(1)
    const [m] = d.members
    expect(m).toMatchObject({clientId: 'py-client', host: '/127.0.0.1', topics: ['pt']})
    expect(m.memberId).toMatch(/^py-client-/)
    expect(d.partitions.map((p) => [p.partition, p.consumerId, p.clientId, p.lag])).toEqual([
      [0, m.memberId, 'py-client', 0],
      [1, m.memberId, 'py-client', 0],
    ])
    expect(d.partitions.reduce((n, p) => n + p.currentOffset!, 0)).toBe(10)
    const human = String((await c.run(['group', 'describe', 'pyg'])).stdout)
    expect(human).toMatch(/CONSUMER-ID\s+HOST\s+CLIENT-ID/)
    expect(human).toContain(`${m.memberId}  /127.0.0.1  py-client`)
    const list = String((await c.run(['group', 'list'])).stdout)
    expect(list).toMatch(/pyg\s+Stable\s+1/)

    expectCleanError(await c.run(['group', 'reset-offsets', 'pyg', '--all-topics', '--to-earliest', '--execute']), 1, /broker 0 coordinates it with 1 live member/)
    expectCleanError(await c.run(['group', 'delete', 'pyg']), 1, /broker 0 coordinates it with 1 live member/)

    writeFileSync(stop, '')
    await out.until((s) => s.includes('closed'), 'the consumer to leave', 30_000)
    await py
    const left = await until(async () => {
      const g = await describeGroup(c, 'pyg')
      return g && g.members.length === 0 ? g : null
    }, 'the member to be gone')
    expect(left.state).toBe('Empty')
    expect(left.partitions.map((p) => p.currentOffset).reduce((a, b) => a! + b!, 0)).toBe(10)
    expect((await c.run(['group', 'reset-offsets', 'pyg', '--all-topics', '--to-earliest', '--execute'])).exitCode).toBe(0)
    expect((await describeGroup(c, 'pyg'))!.partitions.map((p) => p.currentOffset)).toEqual([0, 0])
    expect((await c.run(['group', 'delete', 'pyg'])).exitCode).toBe(0)
    expect(existsSync(join(c.dataDir, 'groups', 'pyg'))).toBe(false)
    await broker.stop()
  })
})

describe('kafkajs against a broker', () => {
  test('a consumer group reads every record and its commits are the group\'s offsets in the files', async () => {
    const c = cli()
    expect((await c.run(['topic', 'create', 'jt', '--partitions', '3'])).exitCode).toBe(0)
    const broker = await startBroker(c.env, BROKER_ARGS)
    const kafka = new Kafka({clientId: 'kjs', brokers: [broker.address], logLevel: logLevel.NOTHING, retry: {retries: 3}})
    const producer = kafka.producer({allowAutoTopicCreation: false})
    await producer.connect()
    await producer.send({topic: 'jt', messages: Array.from({length: 30}, (_, i) => ({key: `k${i}`, value: `v${i}`}))})
    await producer.disconnect()

    const consumer = kafka.consumer({groupId: 'jsg', sessionTimeout: 6000, heartbeatInterval: 500})
    await consumer.connect()
    await consumer.subscribe({topic: 'jt', fromBeginning: true})
    const seen: string[] = []
    await consumer.run({eachMessage: async ({message}) => void seen.push(String(message.value))})
    await until(async () => seen.length >= 30, 'kafkajs to read 30 records')
    const live = await committed(c, 'jsg', 30)
    expect(live).toMatchObject({state: 'Stable', members: [expect.objectContaining({clientId: 'kjs', host: '/127.0.0.1'})]})
    const admin = kafka.admin()
    await admin.connect()
    // DescribeGroups over the wire while it is a member: kafkajs decodes our answer with its own assigner protocol.
    const [described] = (await admin.describeGroups(['jsg'])).groups
    expect(described).toMatchObject({groupId: 'jsg', state: 'Stable', protocolType: 'consumer', protocol: 'RoundRobinAssigner'})
    expect(described.members).toEqual([expect.objectContaining({memberId: live.members[0].memberId, clientId: 'kjs', clientHost: '/127.0.0.1'})])
    const {AssignerProtocol} = await import('kafkajs')
    expect(AssignerProtocol.MemberAssignment.decode(described.members[0].memberAssignment)!.assignment).toEqual({jt: [0, 1, 2]})
    await consumer.disconnect()
    expect(seen.sort()).toEqual(Array.from({length: 30}, (_, i) => `v${i}`).sort())
    expect((await admin.describeGroups(['jsg'])).groups[0]).toMatchObject({groupId: 'jsg', state: 'Empty'})
    expect((await admin.fetchOffsets({groupId: 'jsg', topics: ['jt']}))[0].partitions.reduce((n, p) => n + Number(p.offset), 0)).toBe(30)
    await admin.deleteGroups(['jsg'])
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain('jsg')
    await admin.disconnect()
    await broker.stop()
  })
})
