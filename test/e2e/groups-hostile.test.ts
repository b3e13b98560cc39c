/**
 * A group's files under attack and after crashes, through the CLI
 * (DESIGN.md section 2 "Nothing read from a file is trusted"; issue 8
 * points 6, 9 and 11):
 *
 * - a planted member file whose memberId is `../../../../victim` deletes
 *   nothing outside the data directory when a member tidies up; the file
 *   is removed with a one-line notice and consuming goes on;
 * - a damaged offsets file is one error naming it (exit 1), whose hint is a
 *   command that, run as printed, really repairs it; `group delete` works on
 *   such a group too;
 * - `group delete` follows no planted link out of the data directory;
 * - `group reset-offsets --execute` over 3,000 partitions killed (-9) at
 *   random points (seeded, printed) leaves the offsets all old or all new,
 *   and the next command that touches the group finishes it, saying so.
 */
import {existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {describe, expect, test} from 'vitest'
import {OffsetStore} from '../../src/core/group/offset-store.js'
import {cli} from '../helpers/cli.js'
import {testSeed} from '../core/support.js'
import {EXIT, expectCleanError, expectOk, seededRandom, trackProcesses, waitFor} from './support.js'

const running = trackProcesses()

describe('a planted member file', () => {
  test('memberId ../../../../victim: the victim outside the data dir survives, the file goes with a notice', async () => {
    const c = cli()
    expectOk(await c.run(['produce', 't', '--create', '-q'], {input: 'a\nb\n'}))
    const victim = join(c.base, 'victim.json')
    writeFileSync(victim, 'precious\n')
    const members = join(c.dataDir, 'groups', 'g', 'members')
    mkdirSync(members, {recursive: true})
    const memberId = relative(members, join(c.base, 'victim'))
    expect(memberId).toMatch(/^(\.\.\/){4}victim$/)
    // A member long dead by its heartbeat: old code unlinked members/<memberId>.json.
    const planted = {memberId, clientId: 'x', host: 'elsewhere', pid: 1, topics: ['t'], strategy: 'range', sessionTimeoutMs: 1, joinedAt: '', heartbeatAt: 0, owned: [], positions: {}}
    writeFileSync(join(members, 'evil.json'), JSON.stringify(planted))
    const r = await c.run(['consume', 't', '-g', 'g', '-e'])
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(r.stdout).toBe('a\nb\n')
    expect(String(r.stderr)).toMatch(/^logpipe: group g: removed damaged member file .*evil\.json: memberId '\.\.\/\.\.\/\.\.\/\.\.\/victim' is not the file's name$/m)
    expect(readFileSync(victim, 'utf8')).toBe('precious\n')
    expect(readdirSync(members)).toEqual([])
  })
})

describe('a damaged offsets file', () => {
  async function damagedGroup() {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 't', '--partitions', '2', '-q']))
    expectOk(await c.run(['produce', 't', '-p', '0', '-q'], {input: 'a\nb\nc\n'}))
    expectOk(await c.run(['consume', 't', '-g', 'g', '-e', '-q'], {stdout: 'ignore'}))
    const file = join(c.dataDir, 'groups', 'g', 'offsets', 't', '0.json')
    expect(JSON.parse(readFileSync(file, 'utf8')).offset).toBe(3)
    writeFileSync(file, '{"offset": 3, "genera')
    return {c, file}
  }

  test('is one error naming it, exit 1, and the command its hint names repairs it', async () => {
    const {c, file} = await damagedGroup()
    for (const args of [['group', 'describe', 'g'], ['consume', 't', '-g', 'g', '-e']]) {
      const r = await c.run(args)
      expectCleanError(r, EXIT.RUNTIME, new RegExp(`^logpipe: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is damaged: it is not valid JSON`))
    }
    const r = await c.run(['group', 'describe', 'g'])
    const hint = /`logpipe ([^`]+)`/.exec(String(r.stderr))
    expect(hint, String(r.stderr)).not.toBeNull()
    expect(hint![1]).toBe('group reset-offsets g --topic t:0 --to-earliest --execute')
    // Run the hint exactly as printed.
    const repair = await c.run(hint![1].split(' '))
    expect(repair.exitCode, String(repair.stderr)).toBe(0)
    expect(String(repair.stderr)).toMatch(/t\/0: .*0\.json is damaged \(it is not valid JSON.*\); it will be replaced/)
    const d = await c.run(['group', 'describe', 'g', '--json'])
    expectOk(d)
    expect(JSON.parse(String(d.stdout)).partitions.map((p: {partition: number; currentOffset: number}) => [p.partition, p.currentOffset])).toEqual([
      [0, 0],
      [1, 0],
    ])
    const again = await c.run(['consume', 't', '-g', 'g', '-e'])
    expect(again.exitCode, String(again.stderr)).toBe(0)
    expect(again.stdout).toBe('a\nb\nc\n')
  })

  test('group delete removes such a group', async () => {
    const {c} = await damagedGroup()
    expectOk(await c.run(['group', 'delete', 'g', '-q']))
    expect(existsSync(join(c.dataDir, 'groups', 'g'))).toBe(false)
  })
})

describe('group delete and planted links', () => {
  test('follows no link out of the data dir: links inside the group and a link in place of the group are removed themselves', async () => {
    const c = cli()
    expectOk(await c.run(['produce', 't', '--create', '-q'], {input: 'a\n'}))
    expectOk(await c.run(['consume', 't', '-g', 'g', '-e', '-q'], {stdout: 'ignore'}))
    const outside = join(c.base, 'outside')
    mkdirSync(outside)
    writeFileSync(join(outside, 'keep.json'), 'precious\n')
    const g = join(c.dataDir, 'groups', 'g')
    symlinkSync(outside, join(g, 'offsets', 'linked-dir'))
    symlinkSync(join(outside, 'keep.json'), join(g, 'members', 'linked.json'))
    symlinkSync(outside, join(c.dataDir, 'groups', 'h'))
    expectOk(await c.run(['group', 'delete', 'g', '-q']))
    expectOk(await c.run(['group', 'delete', 'h', '-q']))
    expect(readdirSync(outside)).toEqual(['keep.json'])
    expect(readFileSync(join(outside, 'keep.json'), 'utf8')).toBe('precious\n')
    expect(readdirSync(join(c.dataDir, 'groups'))).toEqual([])
  })
})

describe('reset-offsets --execute killed with -9', () => {
  const seed = testSeed()
  // 1,000 partitions, not the 3,000 of the report: each reset fsyncs every
  // file, and the property does not depend on the count.
  test(`over 1,000 partitions leaves all old or all new, and the next command finishes it (seed ${seed})`, async () => {
    const rnd = seededRandom(seed)
    const P = 1000
    const c = cli()
    expectOk(await c.run(['topic', 'create', 't', '--partitions', String(P), '-q']))
    const dir = join(c.dataDir, 'groups', 'g')
    mkdirSync(dir, {recursive: true})
    const OLD = 5
    // Written directly (nobody else is running): a locked, fsynced reset per round would double the test's time.
    const setOld = () => {
      mkdirSync(join(dir, 'offsets', 't'), {recursive: true})
      for (let p = 0; p < P; p++) writeFileSync(join(dir, 'offsets', 't', `${p}.json`), JSON.stringify({offset: OLD, generation: 0, memberId: null, committedAt: ''}))
    }
    /** The committed offsets as any reader sees them: how many are old, how many new (0, the log start). */
    const census = () => {
      const counts = {old: 0, new: 0}
      for (const c of new OffsetStore(dir).readAll().get('t')!.values()) counts[c.offset === OLD ? 'old' : 'new']++
      return counts
    }
    const reset = ['group', 'reset-offsets', 'g', '--topic', 't', '--to-earliest', '--execute', '-q']
    setOld()
    const started = Date.now()
    expectOk(await c.run(reset, {stdout: 'ignore'}))
    const fullMs = Date.now() - started
    expect(census()).toEqual({old: 0, new: P})

    const outcomes: string[] = []
    const journal = join(dir, 'reset-journal.json')
    for (let round = 0; round < 5; round++) {
      setOld()
      const sub = c.run(reset, {stdout: 'ignore'})
      running.push(sub)
      // The last round kills it as soon as the journal is in place, so one kill surely lands mid-apply.
      if (round === 4) await waitFor(() => existsSync(journal), 'the reset journal')
      else await new Promise((r) => setTimeout(r, Math.floor(rnd() * fullMs)))
      sub.kill('SIGKILL')
      await sub
      const counts = census()
      const interrupted = existsSync(journal)
      outcomes.push(`${round}: ${counts.old} old, ${counts.new} new${interrupted ? ', journal left' : ''}`)
      expect([{old: P, new: 0}, {old: 0, new: P}], outcomes.join('; ')).toContainEqual(counts)
      if (interrupted) {
        // The next command touching the group finishes it and says so
        // (a reset of one partition: consume -g would take 1,000 ownership locks).
        const r = await c.run(['group', 'reset-offsets', 'g', '--topic', 't:0', '--to-earliest', '--execute'], {stdout: 'ignore'})
        expect(r.exitCode, String(r.stderr)).toBe(0)
        expect(String(r.stderr)).toMatch(new RegExp(`^logpipe: group g: finished an interrupted reset-offsets of ${P} partition\\(s\\)`, 'm'))
        expect(existsSync(journal)).toBe(false)
        expect(census()).toEqual({old: 0, new: P})
      }
    }
    expect(outcomes.at(-1)).toMatch(/journal left/)
  }, 300_000)
})
