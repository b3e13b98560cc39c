/**
 * Consumer groups across processes (DESIGN.md "Consumer groups"), through
 * the built CLI as a user runs it:
 *
 * - two, then three `consume -g` processes split a 6-partition topic
 *   (`group describe --json`: disjoint shares that together are all 6);
 *   one is killed with SIGKILL and the others take its partitions; records
 *   produced while members come and go are all processed at least once,
 *   none skipped (the union of "$LOGPIPE_PARTITION $LOGPIPE_OFFSET" lines
 *   written by --exec is every (partition, offset) up to the log end);
 * - a member stopped cleanly (SIGTERM, SIGINT, -c reached) hands over at
 *   once: with a 60 s session timeout the others own its partitions within
 *   seconds, which a timeout-based takeover could not do;
 * - a member waiting seconds on an --exec command to hand a partition
 *   over keeps heartbeating and is never taken for dead;
 * - a member frozen with SIGSTOP is dead after its session timeout: the
 *   other takes its partitions; when it wakes it finds it lost them (its
 *   stale commits are fenced), rejoins, and nothing is skipped.
 *
 * Nothing waits by sleeping: every wait polls the group's description (the
 * library's, in this process; each stage is then confirmed with the CLI's
 * `group describe --json`) or the output file, up to a deadline.
 */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {ResultPromise} from 'execa'
import {describe, expect, onTestFinished, test} from 'vitest'
import {GroupAdmin} from '../../src/core/group/group-admin.js'
import {Store} from '../../src/core/store/store.js'
import {cli} from '../helpers/cli.js'
import {expectOk} from './support.js'

type Cli = ReturnType<typeof cli>

interface Member {
  memberId: string
  pid: number
  owned: Array<{topic: string; partition: number}>
}
interface Description {
  state: string
  members: Member[]
  partitions: Array<{topic: string; partition: number; currentOffset: number | null; logEndOffset: number; lag: number | null; consumerId: string | null}>
}

/** `group describe G --json`, as a user runs it. */
async function describeGroup(c: Cli, group: string): Promise<Description> {
  const r = await c.run(['group', 'describe', group, '--json'])
  expect(r.exitCode, String(r.stderr)).toBe(0)
  return JSON.parse(String(r.stdout)) as Description
}

/**
 * The same description through the library in this process: what the
 * waits poll (a CLI start-up per poll would make them slow on two cores);
 * each stage is then confirmed once with the CLI.
 */
async function describeNow(c: Cli, group: string): Promise<Description> {
  return new GroupAdmin(Store.open(c.dataDir)).describeGroup(group) as unknown as Description
}

/** Polls `check` until it returns a value, failing at the deadline with the last thing it saw. */
async function until<T>(what: string, check: () => Promise<T | undefined>, deadlineMs = 20_000): Promise<T> {
  const deadline = Date.now() + deadlineMs
  let last: unknown
  for (;;) {
    try {
      const v = await check()
      if (v !== undefined) return v
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}${last ? `; last: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/**
 * The group once exactly `pids` are its live members and each owns an
 * equal share, the shares disjoint and together every partition of the
 * topic.
 */
async function waitForSplit(c: Cli, group: string, partitions: number, pids: number[], deadlineMs = 20_000): Promise<Description> {
  const what = `group ${group} split among pids ${pids.join(',')}`
  const split = (d: Description) => {
    const show = JSON.stringify(d.members.map((m) => [m.pid, m.owned]))
    if (d.members.map((m) => m.pid).sort().join() !== [...pids].sort().join()) throw new Error(`members ${show}`)
    const keys = d.members.flatMap((m) => m.owned.map((tp) => `${tp.topic}/${tp.partition}`))
    if (keys.length !== partitions || new Set(keys).size !== partitions) throw new Error(`owned ${show}`)
    if (!d.members.every((m) => m.owned.length === partitions / pids.length)) throw new Error(`unbalanced ${show}`)
    return d
  }
  await until(what, async () => split(await describeNow(c, group)), deadlineMs)
  // Confirmed by the CLI; polled again in case a heartbeat moved on in between.
  return until(what, async () => split(await describeGroup(c, group)), 5000)
}

/** Owned partitions as sorted "topic/partition" sets per member pid. */
function shares(d: Description): Map<number, string[]> {
  return new Map(d.members.map((m) => [m.pid, m.owned.map((tp) => `${tp.topic}/${tp.partition}`).sort()]))
}

/** Produces `perPartition` records to each partition (value "r<p>-<n>"). */
async function produceRound(c: Cli, topic: string, partitions: number, perPartition: number, round: number): Promise<void> {
  const lines: string[] = []
  for (let i = 0; i < perPartition; i++) for (let p = 0; p < partitions; p++) lines.push(JSON.stringify({value: `r${round}-p${p}-${i}`, partition: p}))
  expectOk(await c.run(['produce', topic, '--input', 'json', '-q'], {input: lines.join('\n') + '\n'}))
}

/** The (partition, offset) lines --exec wrote, as a set of "p o". */
function processed(file: string): Set<string> {
  if (!existsSync(file)) return new Set()
  return new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))
}

function expected(partitions: number, perPartition: number): Set<string> {
  const out = new Set<string>()
  for (let p = 0; p < partitions; p++) for (let o = 0; o < perPartition; o++) out.add(`${p} ${o}`)
  return out
}

/** Waits until every record up to the log end was processed and committed, then checks nothing else was processed. */
async function expectAllProcessed(c: Cli, group: string, file: string, partitions: number, perPartition: number): Promise<void> {
  const want = expected(partitions, perPartition)
  await until(`every record of ${partitions} x ${perPartition} processed and committed`, async () => {
    const seen = processed(file)
    const missing = [...want].filter((k) => !seen.has(k))
    if (missing.length > 0) throw new Error(`not processed yet: ${missing.slice(0, 10).join(', ')}`)
    const d = await describeNow(c, group)
    const behind = d.partitions.filter((p) => p.logEndOffset !== perPartition || p.currentOffset !== perPartition)
    if (behind.length > 0) throw new Error(`not committed yet: ${JSON.stringify(behind)}`)
    return true
  })
  const d = await describeGroup(c, group)
  expect(d.partitions.map((p) => [p.partition, p.currentOffset, p.logEndOffset, p.lag])).toEqual(Array.from({length: partitions}, (_, p) => [p, perPartition, perPartition, 0]))
  // At least once, and nothing that is not in the log.
  expect([...processed(file)].filter((k) => !want.has(k))).toEqual([])
}

/** Starts a group member in the background; killed at the end of the test if still running. */
function startMember(c: Cli, args: string[]): ResultPromise {
  const sub = c.run(['consume', ...args], {cwd: c.base})
  onTestFinished(async () => {
    if (sub.exitCode === null && sub.signalCode === null && sub.pid) {
      try {
        process.kill(sub.pid, 'SIGCONT') // in case the test stopped it
      } catch {}
      sub.kill('SIGKILL')
    }
    await sub.catch(() => {})
  })
  return sub
}

const execLine = (file: string) => `echo "$LOGPIPE_PARTITION $LOGPIPE_OFFSET" >> ${JSON.stringify(file)}`

describe('consume -g across processes', () => {
  test('two then three members split six partitions; a member killed with SIGKILL is replaced; every record processed, none skipped', async () => {
    const c = cli()
    const out = join(c.base, 'processed.txt')
    expectOk(await c.run(['topic', 'create', 'events', '--partitions', '6', '-q']))
    await produceRound(c, 'events', 6, 10, 1)
    const args = ['events', '-g', 'workers', '--session-timeout', '1500', '--exec', execLine(out)]

    const m1 = startMember(c, args)
    const m2 = startMember(c, args)
    const two = await waitForSplit(c, 'workers', 6, [m1.pid!, m2.pid!])
    expect(two.state).toBe('Stable')
    expect([...shares(two).values()].map((s) => s.length)).toEqual([3, 3])

    await produceRound(c, 'events', 6, 10, 2)
    const m3 = startMember(c, args)
    const three = await waitForSplit(c, 'workers', 6, [m1.pid!, m2.pid!, m3.pid!])
    expect([...shares(three).values()].map((s) => s.length)).toEqual([2, 2, 2])
    expect(new Set([...shares(three).values()].flat()).size).toBe(6)
    // --members shows the same split for humans.
    const human = await c.run(['group', 'describe', 'workers', '--members'])
    expectOk(human)
    for (const [pid, owned] of shares(three)) {
      const row = String(human.stdout).split('\n').find((l) => l.includes(` ${pid} `))
      expect(row, String(human.stdout)).toBeDefined()
      expect(row!.trim().split(/\s+/).slice(-2)).toEqual([String(owned.length), owned.join(',')])
    }

    await produceRound(c, 'events', 6, 10, 3)
    const killedShare = shares(three).get(m2.pid!)!
    m2.kill('SIGKILL')
    const killed = await m2
    expect(killed.signal).toBe('SIGKILL')
    const after = await waitForSplit(c, 'workers', 6, [m1.pid!, m3.pid!])
    // The survivors took the dead member's partitions (and kept their own).
    const survivors = [...shares(after).values()].flat()
    for (const tp of killedShare) expect(survivors).toContain(tp)

    await produceRound(c, 'events', 6, 10, 4)
    await expectAllProcessed(c, 'workers', out, 6, 40)
    m1.kill('SIGTERM')
    m3.kill('SIGTERM')
    for (const m of [m1, m3]) expect((await m).exitCode, String((await m).stderr)).toBe(0)
    const end = await describeGroup(c, 'workers')
    expect(end.members).toEqual([])
    expect(end.state).toBe('Empty')
  })

  test('a member stopped cleanly (SIGTERM, SIGINT, -c reached) hands over at once, long before its 60 s session timeout', async () => {
    const c = cli()
    const out = join(c.base, 'processed.txt')
    expectOk(await c.run(['topic', 'create', 'jobs', '--partitions', '6', '-q']))
    await produceRound(c, 'jobs', 6, 5, 1)
    const args = ['jobs', '-g', 'crew', '--session-timeout', '60000', '--exec', execLine(out)]
    // Far below the 60 s a takeover by timeout would need.
    const HANDOVER_DEADLINE = 15_000

    const a = startMember(c, args)
    let perPartition = 5

    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const b = startMember(c, args)
      const split = await waitForSplit(c, 'crew', 6, [a.pid!, b.pid!])
      expect(shares(split).get(b.pid!)).toHaveLength(3)
      await produceRound(c, 'jobs', 6, 5, perPartition)
      perPartition += 5
      b.kill(signal)
      const sent = Date.now()
      const r = await b
      expect(r.exitCode, `${signal}: ${String(r.stderr)}`).toBe(0)
      await waitForSplit(c, 'crew', 6, [a.pid!], HANDOVER_DEADLINE)
      expect(Date.now() - sent).toBeLessThan(HANDOVER_DEADLINE)
    }

    // -c reached: the member leaves as soon as it has handed on its count.
    // First let A commit everything, so the newcomer's share has nothing to
    // read until the next round is produced.
    await expectAllProcessed(c, 'crew', out, 6, perPartition)
    const d = startMember(c, [...args, '-c', '3'])
    await waitForSplit(c, 'crew', 6, [a.pid!, d.pid!])
    await produceRound(c, 'jobs', 6, 5, perPartition)
    perPartition += 5
    const r = await d
    const ended = Date.now()
    expect(r.exitCode, String(r.stderr)).toBe(0)
    await waitForSplit(c, 'crew', 6, [a.pid!], HANDOVER_DEADLINE)
    expect(Date.now() - ended).toBeLessThan(HANDOVER_DEADLINE)

    await expectAllProcessed(c, 'crew', out, 6, perPartition)
    a.kill('SIGTERM')
    expect((await a).exitCode).toBe(0)
  })

  test('a member waiting on a slow --exec command to hand a partition over keeps heartbeating: it is never taken for dead', async () => {
    const c = cli()
    const started = join(c.base, 'started.txt')
    expectOk(await c.run(['topic', 'create', 'slow', '--partitions', '2', '-q']))
    await produceRound(c, 'slow', 2, 1, 1)
    // Each command outlives the 1.5 s session timeout twice over.
    const args = ['slow', '-g', 'patient', '--session-timeout', '1500', '--exec-concurrency', '2', '--exec', `echo "$LOGPIPE_PARTITION" >> ${JSON.stringify(started)}; sleep 3`]
    const a = startMember(c, args)
    await until('both commands running', async () => (processed(started).size === 2 ? true : undefined))
    const b = startMember(c, args)
    // A must let go of one partition, which waits for its command; all the
    // while it must stay a live member, until B has taken its share.
    let sawB = false
    let aMissing: string | null = null
    await until(
      'the hand-over to B',
      async () => {
        const d = await describeNow(c, 'patient')
        const pids = d.members.map((m) => m.pid)
        if (pids.includes(b.pid!)) sawB = true
        if (sawB && !pids.includes(a.pid!)) aMissing = JSON.stringify(d.members.map((m) => [m.pid, m.owned]))
        return aMissing || (d.members.length === 2 && d.members.every((m) => m.owned.length === 1)) ? true : undefined
      },
      15_000,
    )
    expect(aMissing, 'A was taken for dead while handing over').toBeNull()
    await waitForSplit(c, 'patient', 2, [a.pid!, b.pid!])
    a.kill('SIGTERM')
    b.kill('SIGTERM')
    expect((await a).exitCode).toBe(0)
    expect((await b).exitCode).toBe(0)
  })

  test('a member frozen with SIGSTOP is dead after the session timeout; when it wakes its ownership is gone, it rejoins, nothing is skipped', async () => {
    const c = cli()
    const out = join(c.base, 'processed.txt')
    expectOk(await c.run(['topic', 'create', 'feed', '--partitions', '4', '-q']))
    await produceRound(c, 'feed', 4, 5, 1)
    const args = ['feed', '-g', 'readers', '--session-timeout', '1500', '--exec', execLine(out)]
    const a = startMember(c, args)
    const b = startMember(c, args)
    await waitForSplit(c, 'readers', 4, [a.pid!, b.pid!])
    await expectAllProcessed(c, 'readers', out, 4, 5)

    process.kill(b.pid!, 'SIGSTOP')
    // B's process is alive, so only its silence can tell: after the session
    // timeout A takes everything (the ownership locks go stale as well).
    await waitForSplit(c, 'readers', 4, [a.pid!])
    await produceRound(c, 'feed', 4, 5, 2)
    await expectAllProcessed(c, 'readers', out, 4, 10)

    process.kill(b.pid!, 'SIGCONT')
    await waitForSplit(c, 'readers', 4, [a.pid!, b.pid!])
    await produceRound(c, 'feed', 4, 5, 3)
    await expectAllProcessed(c, 'readers', out, 4, 15)
    a.kill('SIGTERM')
    b.kill('SIGTERM')
    const rb = await b
    expect((await a).exitCode).toBe(0)
    expect(rb.exitCode, String(rb.stderr)).toBe(0)
    // B found out on waking that its partitions had been taken over.
    expect(String(rb.stderr)).toMatch(/lost ownership of feed\/\d/)
  })
})
