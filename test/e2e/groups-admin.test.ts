/**
 * Group administration through the CLI (DESIGN.md "Consumer groups" and
 * section 3), in the form of kafka-consumer-groups:
 *
 * - `group describe` lag figures are log end minus committed, the log end
 *   being the topic's own; owner, host and pid show while a member lives;
 * - every reset-offsets target (--to-earliest, --to-latest, --to-offset,
 *   --shift-by either way, --to-datetime, --by-duration, --to-current,
 *   --from-file CSV) prints a plan and changes nothing in a dry run (the
 *   group's files are byte for byte the same), and with --execute moves the
 *   offsets as planned; --export writes CSV that --from-file reads back;
 *   --topic T:P,P picks partitions, --all-topics every topic with offsets;
 *   targets outside the log are clamped to it, as Kafka does, and said;
 * - bad input: unknown group (exit 3), reset or delete while members live
 *   (exit 1 with a hint), joining with another --assignment than the
 *   group's (exit 1), -p with -g and bad group names (exit 2, nothing
 *   created), bad reset flags (exit 2).
 */
import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {describe, expect, onTestFinished, test} from 'vitest'
import {OffsetStore} from '../../src/core/group/offset-store.js'
import type {PartitionLag} from '../../src/core/group/group-admin.js'
import {cli} from '../helpers/cli.js'
import {EXIT, expectCleanError, expectOk, lines, once, sharedCli, tree} from './support.js'

type Cli = ReturnType<typeof cli>

type PartitionRow = PartitionLag
interface PlanRow {
  topic: string
  partition: number
  currentOffset: number | null
  newOffset: number
  note?: string
}

async function describeJson(c: Cli, group: string): Promise<{state: string; members: Array<{memberId: string; pid: number}>; partitions: PartitionRow[]}> {
  const r = await c.run(['group', 'describe', group, '--json'])
  expectOk(r)
  return JSON.parse(String(r.stdout))
}

/**
 * Committed offsets as "topic/partition" -> offset, read from the group's
 * offset files (describe's reading of them is tested on its own; a CLI
 * start-up per check would make this file slow on two cores).
 */
function offsetsOf(c: Cli, group: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [topic, parts] of new OffsetStore(join(c.dataDir, 'groups', group)).readAll()) for (const [p, o] of parts) out[`${topic}/${p}`] = o.offset
  return out
}

/** Every file under the group's directory with its content: to prove a dry run changed nothing at all. */
function snapshot(c: Cli, group: string): Record<string, string> {
  const root = join(c.dataDir, 'groups', group)
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else out[relative(root, p)] = readFileSync(p, 'utf8')
    }
  }
  walk(root)
  return out
}

/** Polls until `check` returns a value; fails at the deadline. */
async function until<T>(what: string, check: () => Promise<T | undefined>, deadlineMs = 15_000): Promise<T> {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Records value "v<i>", partition p, timestamp ts(i, p). */
function recordsJson(partitions: number, perPartition: number, ts: (i: number, p: number) => number): string {
  const out: string[] = []
  for (let i = 0; i < perPartition; i++) for (let p = 0; p < partitions; p++) out.push(JSON.stringify({value: `v${i}`, partition: p, timestamp: ts(i, p)}))
  return out.join('\n') + '\n'
}

describe('group describe', () => {
  test('LAG is LOG-END-OFFSET minus CURRENT-OFFSET, the log end is the topic own', async () => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 'lagt', '--partitions', '3', '-q']))
    const some = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1].map((p, i) => JSON.stringify({value: `x${i}`, partition: p}))
    expectOk(await c.run(['produce', 'lagt', '--input', 'json', '-q'], {input: some.join('\n') + '\n'}))
    expectOk(await c.run(['consume', 'lagt', '-g', 'lagging', '-e', '-q'], {stdout: 'ignore'}))
    // More records after the commits: partition 0 gets 4, partition 2 gets 2.
    const more = [0, 0, 0, 0, 2, 2].map((p, i) => JSON.stringify({value: `y${i}`, partition: p}))
    expectOk(await c.run(['produce', 'lagt', '--input', 'json', '-q'], {input: more.join('\n') + '\n'}))

    const d = await describeJson(c, 'lagging')
    expect(d.state).toBe('Empty')
    expect(d.members).toEqual([])
    expect(d.partitions.map((p) => [p.partition, p.currentOffset, p.logEndOffset, p.lag])).toEqual([
      [0, 5, 9, 4],
      [1, 8, 8, 0],
      [2, 0, 2, 2],
    ])
    for (const p of d.partitions) expect(p.lag).toBe(p.logEndOffset - p.currentOffset!)
    // The log ends are the topic's own.
    const topic = await c.run(['topic', 'describe', 'lagt', '--json'])
    expectOk(topic)
    const ends = (JSON.parse(String(topic.stdout)) as {partitions: Array<{partition: number; logEndOffset: number}>}).partitions.map((p) => p.logEndOffset)
    expect(ends).toEqual(d.partitions.map((p) => p.logEndOffset))

    // The table for humans says the same, with no owner while nobody is there.
    const h = await c.run(['group', 'describe', 'lagging'])
    expectOk(h)
    const [note, header, ...rows] = lines(h.stdout)
    expect(note).toBe("Consumer group 'lagging' has no active members.")
    expect(header.split(/\s+/)).toEqual(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', 'POSITION'])
    expect(rows.map((r) => r.split(/\s+/))).toEqual([
      ['lagging', 'lagt', '0', '5', '9', '4', '-', '-', '-', '-'],
      ['lagging', 'lagt', '1', '8', '8', '0', '-', '-', '-', '-'],
      ['lagging', 'lagt', '2', '0', '2', '2', '-', '-', '-', '-'],
    ])
  })
})

describe('group reset-offsets', () => {
  const c = sharedCli()
  // ts: 3 partitions x 10 records, record i at (i+1) s after the epoch.
  // recent: 1 partition x 10 records, record i (10 - i) hours before setup.
  // other: 2 partitions x 4 records.
  const setup = once(async () => {
    expectOk(await c.run(['topic', 'create', 'ts', '--partitions', '3', '-q']))
    expectOk(await c.run(['produce', 'ts', '--input', 'json', '-q'], {input: recordsJson(3, 10, (i) => (i + 1) * 1000)}))
    const now = Date.now()
    expectOk(await c.run(['produce', 'recent', '--create', '--input', 'json', '-q'], {input: recordsJson(1, 10, (i) => now - (10 - i) * 3_600_000)}))
    expectOk(await c.run(['topic', 'create', 'other', '--partitions', '2', '-q']))
    expectOk(await c.run(['produce', 'other', '--input', 'json', '-q'], {input: recordsJson(2, 4, () => now)}))
    // One group with offsets on all three topics (all at the log end).
    expectOk(await c.run(['consume', 'ts', 'recent', 'other', '-g', 'ops', '-e', '-q'], {stdout: 'ignore'}))
  })
  /**
   * Puts the group at ts 3, 6, 9; recent 10; other 4, 4, as an earlier
   * reset would have (the store's own reset, in this process).
   */
  const toBase = async () => {
    await new OffsetStore(join(c.dataDir, 'groups', 'ops')).resetAll([
      ...[3, 6, 9].map((offset, partition) => ({topic: 'ts', partition, offset})),
      {topic: 'recent', partition: 0, offset: 10},
      {topic: 'other', partition: 0, offset: 4},
      {topic: 'other', partition: 1, offset: 4},
    ])
  }

  test.each([
    {target: ['--to-earliest'], want: [0, 0, 0]},
    {target: ['--to-latest'], want: [10, 10, 10]},
    {target: ['--to-offset', '4'], want: [4, 4, 4]},
    {target: ['--shift-by', '2'], want: [5, 8, 10], note: /ts\/2: 11 is beyond the log end offset 10; using 10/},
    {target: ['--shift-by', '-4'], want: [0, 2, 5], note: /ts\/0: -1 is before the log start offset 0; using 0/},
    {target: ['--shift-by=-1'], want: [2, 5, 8]},
    {target: ['--to-datetime', '1970-01-01T00:00:05Z'], want: [4, 4, 4]},
    {target: ['--to-datetime', '1970-01-01T00:00:05.001Z'], want: [5, 5, 5]},
    {target: ['--to-datetime', '7000'], want: [6, 6, 6]},
    {target: ['--to-current'], want: [3, 6, 9]},
    {target: ['--to-offset', '25'], want: [10, 10, 10], note: /ts\/0: 25 is beyond the log end offset 10; using 10/},
  ].map((c) => ({...c, label: c.target.join(' ')})))('$label: a dry run plans and changes nothing; --execute applies the plan', async ({target, want, note}) => {
    await setup()
    await toBase()
    const before = snapshot(c, 'ops')
    expect(offsetsOf(c, 'ops')).toMatchObject({'ts/0': 3, 'ts/1': 6, 'ts/2': 9})

    const dry = await c.run(['group', 'reset-offsets', 'ops', '--topic', 'ts', ...target, '--json'])
    expect(dry.exitCode, String(dry.stderr)).toBe(0)
    const plan = JSON.parse(String(dry.stdout)) as PlanRow[]
    expect(plan.map((r) => [r.topic, r.partition, r.currentOffset, r.newOffset])).toEqual(want.map((n, p) => ['ts', p, [3, 6, 9][p], n]))
    expect(String(dry.stderr)).toMatch(/dry run: nothing changed; add --execute to apply/)
    if (note) expect(String(dry.stderr)).toMatch(note)
    else expect(String(dry.stderr)).not.toMatch(/beyond|before the log start/)
    expect(snapshot(c, 'ops')).toEqual(before)

    const run = await c.run(['group', 'reset-offsets', 'ops', '--topic', 'ts', ...target, '--execute'])
    expect(run.exitCode, String(run.stderr)).toBe(0)
    expect(String(run.stderr)).not.toMatch(/dry run/)
    const rows = lines(run.stdout).slice(1).map((l) => l.split(/\s+/))
    expect(rows).toEqual(want.map((n, p) => ['ops', 'ts', String(p), String(n)]))
    expect(offsetsOf(c, 'ops')).toMatchObject({'ts/0': want[0], 'ts/1': want[1], 'ts/2': want[2]})
  })

  test('--by-duration: the first record at or after now minus the duration', async () => {
    await setup()
    await toBase()
    const before = snapshot(c, 'ops')
    // Records are 10..1 hours old: 5h30m back lands on the one 5 hours old, offset 5.
    const dry = await c.run(['group', 'reset-offsets', 'ops', '--topic', 'recent', '--by-duration', 'PT5H30M', '--json'])
    expect(dry.exitCode, String(dry.stderr)).toBe(0)
    expect((JSON.parse(String(dry.stdout)) as PlanRow[]).map((r) => [r.topic, r.partition, r.currentOffset, r.newOffset])).toEqual([['recent', 0, 10, 5]])
    expect(snapshot(c, 'ops')).toEqual(before)
    expectOk(await c.run(['group', 'reset-offsets', 'ops', '--topic', 'recent', '--by-duration', 'P1D', '--execute', '-q'], {stdout: 'ignore'}))
    expect(offsetsOf(c, 'ops')['recent/0']).toBe(0)
    expectOk(await c.run(['group', 'reset-offsets', 'ops', '--topic', 'recent', '--by-duration', 'PT1H30M', '--execute', '-q'], {stdout: 'ignore'}))
    expect(offsetsOf(c, 'ops')['recent/0']).toBe(9)
    // Nothing that recent: the log end.
    expectOk(await c.run(['group', 'reset-offsets', 'ops', '--topic', 'recent', '--by-duration', 'PT10M', '--execute', '-q'], {stdout: 'ignore'}))
    expect(offsetsOf(c, 'ops')['recent/0']).toBe(10)
  })

  test('--topic T:P,P changes only those partitions; --all-topics every topic with offsets; --topic repeats', async () => {
    await setup()
    await toBase()
    const sel = await c.run(['group', 'reset-offsets', 'ops', '--topic', 'ts:0,2', '--to-offset', '1', '--execute', '--json'])
    expect(sel.exitCode, String(sel.stderr)).toBe(0)
    expect((JSON.parse(String(sel.stdout)) as PlanRow[]).map((r) => `${r.topic}/${r.partition}`)).toEqual(['ts/0', 'ts/2'])
    expect(offsetsOf(c, 'ops')).toMatchObject({'ts/0': 1, 'ts/1': 6, 'ts/2': 1, 'other/0': 4, 'other/1': 4})

    const two = await c.run(['group', 'reset-offsets', 'ops', '--topic', 'ts:1', '--topic', 'other:1', '--to-earliest', '--json'])
    expect(two.exitCode, String(two.stderr)).toBe(0)
    expect((JSON.parse(String(two.stdout)) as PlanRow[]).map((r) => `${r.topic}/${r.partition}`)).toEqual(['ts/1', 'other/1'])

    const all = await c.run(['group', 'reset-offsets', 'ops', '--all-topics', '--to-latest', '--execute', '--json'])
    expect(all.exitCode, String(all.stderr)).toBe(0)
    expect((JSON.parse(String(all.stdout)) as PlanRow[]).map((r) => [`${r.topic}/${r.partition}`, r.newOffset])).toEqual([
      ['other/0', 4],
      ['other/1', 4],
      ['recent/0', 10],
      ['ts/0', 10],
      ['ts/1', 10],
      ['ts/2', 10],
    ])
    expect(offsetsOf(c, 'ops')).toEqual({'other/0': 4, 'other/1': 4, 'recent/0': 10, 'ts/0': 10, 'ts/1': 10, 'ts/2': 10})
  })

  test('--export writes the plan as CSV (nothing changes); --from-file reads it back', async () => {
    await setup()
    await toBase()
    const before = snapshot(c, 'ops')
    const exported = await c.run(['group', 'reset-offsets', 'ops', '--all-topics', '--shift-by', '-1', '--export'])
    expect(exported.exitCode, String(exported.stderr)).toBe(0)
    expect(lines(exported.stdout)).toEqual(['other,0,3', 'other,1,3', 'recent,0,9', 'ts,0,2', 'ts,1,5', 'ts,2,8'])
    expect(snapshot(c, 'ops')).toEqual(before)
    const file = join(c.base, 'plan.csv')
    writeFileSync(file, String(exported.stdout))
    const applied = await c.run(['group', 'reset-offsets', 'ops', '--all-topics', '--from-file', file, '--execute', '--json'])
    expect(applied.exitCode, String(applied.stderr)).toBe(0)
    expect(offsetsOf(c, 'ops')).toEqual({'other/0': 3, 'other/1': 3, 'recent/0': 9, 'ts/0': 2, 'ts/1': 5, 'ts/2': 8})
    // Kafka's multi-group form (group,topic,partition,offset) is read as well; offsets past the end are clamped.
    writeFileSync(file, 'ops,ts,0,7\r\nops,ts,1,0\nops,ts,2,99\n')
    const k = await c.run(['group', 'reset-offsets', 'ops', '--topic', 'ts', '--from-file', file, '--execute'])
    expect(k.exitCode, String(k.stderr)).toBe(0)
    expect(String(k.stderr)).toMatch(/ts\/2: 99 is beyond the log end offset 10; using 10/)
    expect(offsetsOf(c, 'ops')).toMatchObject({'ts/0': 7, 'ts/1': 0, 'ts/2': 10})
    await toBase()
  })

  test('the human plan is a table; a dry run says so on stderr', async () => {
    await setup()
    await toBase()
    const r = await c.run(['group', 'reset-offsets', 'ops', '--topic', 'ts:1', '--to-earliest'])
    expect(r.exitCode).toBe(0)
    expect(lines(r.stdout).map((l) => l.split(/\s+/))).toEqual([
      ['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'],
      ['ops', 'ts', '1', '0'],
    ])
    expect(String(r.stderr)).toBe('logpipe: dry run: nothing changed; add --execute to apply\n')
  })

  test.each([
    {args: ['--topic', 'ts'], what: /say where to reset to/},
    {args: ['--topic', 'ts', '--to-earliest', '--to-latest'], what: /choose one of --to-earliest, --to-latest/},
    {args: ['--to-earliest'], what: /--topic T\[:P,\.\.\.\] or --all-topics/},
    {args: ['--topic', 'ts', '--all-topics', '--to-earliest'], what: /cannot also be provided|all-topics/},
    {args: ['--topic', 'ts:5', '--to-earliest'], what: /partition 5 does not exist/},
    {args: ['--topic', 'ts:x', '--to-earliest'], what: /'x' is not a partition number/},
    {args: ['--topic', 'ts', '--to-offset', '-1'], what: /--to-offset must be 0 or more/},
    {args: ['--topic', 'ts', '--shift-by', 'two'], what: /--shift-by must be an integer/},
    {args: ['--topic', 'ts', '--to-datetime', 'yesterday'], what: /--to-datetime: 'yesterday' is not a time/},
    {args: ['--topic', 'ts', '--by-duration', '1h'], what: /--by-duration: '1h' is not a duration/},
  ].map((c) => ({...c, label: c.args.join(' ')})))('usage error, exit 2, nothing changed: $label', async ({args, what}) => {
    await setup()
    const before = snapshot(c, 'ops')
    expectCleanError(await c.run(['group', 'reset-offsets', 'ops', ...args, '--execute']), EXIT.USAGE, what)
    expect(snapshot(c, 'ops')).toEqual(before)
  })

  test('--from-file: a missing file is not found (3); a bad line is a usage error (2)', async () => {
    await setup()
    expectCleanError(await c.run(['group', 'reset-offsets', 'ops', '--topic', 'ts', '--from-file', join(c.base, 'nope.csv')]), EXIT.NOT_FOUND, /--from-file: cannot read/)
    const bad = join(c.base, 'bad.csv')
    writeFileSync(bad, 'ts,0,1\nts;1;2\n')
    expectCleanError(await c.run(['group', 'reset-offsets', 'ops', '--topic', 'ts', '--from-file', bad]), EXIT.USAGE, /--from-file line 2/)
  })
})

describe('bad input', () => {
  test('an unknown group: describe, delete and reset-offsets --all-topics exit 3 (a reset of named topics pre-seeds it: kafka-tools.test.ts)', async () => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 't', '-q']))
    for (const args of [['describe', 'ghost'], ['describe', 'ghost', '--members'], ['delete', 'ghost'], ['reset-offsets', 'ghost', '--all-topics', '--to-earliest', '--execute']]) {
      expectCleanError(await c.run(['group', ...args]), EXIT.NOT_FOUND, /^logpipe: group 'ghost' does not exist/)
    }
    expect(tree(join(c.dataDir, 'groups'))).toEqual([])
  })

  test('reset and delete while a member lives: exit 1 with a hint; describe shows its owner; after it leaves both work', async () => {
    const c = cli()
    expectOk(await c.run(['produce', 't', '--create', '-q'], {input: 'a\nb\nc\n'}))
    const member = c.run(['consume', 't', '-g', 'live', '--session-timeout', '60000'])
    onTestFinished(() => {
      member.kill('SIGKILL')
    })
    const d = await until('the member to own t/0, commit and publish its position', async () => {
      const r = await c.run(['group', 'describe', 'live', '--json'])
      if (r.exitCode !== 0) return undefined
      const j = JSON.parse(String(r.stdout)) as {members: Array<{memberId: string; pid: number}>; partitions: PartitionRow[]}
      // Committed, and the position published with a heartbeat since.
      return j.partitions[0]?.consumerId && j.partitions[0].currentOffset === 3 && j.partitions[0].position === 3 ? j : undefined
    })
    expect(d.partitions[0]).toMatchObject({consumerId: d.members[0].memberId, pid: member.pid, position: 3, logEndOffset: 3, lag: 0})
    expect(d.partitions[0].host).toBeTruthy()

    const list = await c.run(['group', 'list'])
    expectOk(list)
    expect(lines(list.stdout).map((l) => l.split(/\s+/))).toEqual([
      ['GROUP', 'STATE', 'MEMBERS'],
      ['live', 'Stable', '1'],
    ])
    const state = await c.run(['group', 'describe', 'live', '--state'])
    expectOk(state)
    expect(lines(state.stdout)[1].split(/\s+/)).toEqual(['live', 'range', 'Stable', '1'])
    // A member asking for another assignment strategy cannot join (Kafka: INCONSISTENT_GROUP_PROTOCOL).
    expectCleanError(
      await c.run(['consume', 't', '-g', 'live', '--assignment', 'roundrobin', '-e']),
      EXIT.RUNTIME,
      /^logpipe: group 'live' assigns partitions with range; this member asked for roundrobin$/,
    )

    const before = snapshot(c, 'live')
    const reset = await c.run(['group', 'reset-offsets', 'live', '--topic', 't', '--to-earliest', '--execute'])
    expectCleanError(reset, EXIT.RUNTIME, /^logpipe: cannot reset offsets of group 'live': it has 1 live member/)
    expect(String(reset.stderr)).toMatch(/\nhint: stop its consumers first/)
    expectCleanError(await c.run(['group', 'delete', 'live']), EXIT.RUNTIME, /^logpipe: cannot delete group 'live': it has 1 live member/)
    expect(snapshot(c, 'live')['offsets/t/0.json']).toBe(before['offsets/t/0.json'])

    member.kill('SIGTERM')
    expect((await member).exitCode).toBe(0)
    expectOk(await c.run(['group', 'reset-offsets', 'live', '--topic', 't', '--to-earliest', '--execute', '-q'], {stdout: 'ignore'}))
    expect((await describeJson(c, 'live')).partitions[0].currentOffset).toBe(0)
    const del = await c.run(['group', 'delete', 'live'])
    expectOk(del)
    expect(String(del.stdout)).toBe('Deleted group live.\n')
    expectCleanError(await c.run(['group', 'describe', 'live']), EXIT.NOT_FOUND, /group 'live' does not exist/)
    expect(lines((await c.run(['group', 'list'])).stdout)).toEqual([])
    expect(tree(join(c.dataDir, 'groups'))).toEqual([])
  })

  test('-p with -g: exit 2', async () => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 't', '--partitions', '2', '-q']))
    expectCleanError(await c.run(['consume', 't', '-g', 'g', '-p', '0', '-e']), EXIT.USAGE, /-p\/--partition cannot be used with -g/)
    expect(tree(join(c.dataDir, 'groups'))).toEqual([])
  })

  test.each([
    {name: '../x', what: /group name '\.\.\/x' is not valid/},
    {name: '', what: /group name is empty/},
  ])('bad group name $name: exit 2 from every command, nothing created', async ({name, what}) => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 't', '-q']))
    const before = tree(c.base)
    for (const args of [
      ['consume', 't', '-g', name, '-e'],
      ['group', 'describe', name],
      ['group', 'delete', name],
      ['group', 'reset-offsets', name, '--topic', 't', '--to-earliest', '--execute'],
    ]) {
      expectCleanError(await c.run(args), EXIT.USAGE, what)
    }
    expect(tree(c.base)).toEqual(before)
  })

  test('other bad group names: exit 2', async () => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 't', '-q']))
    const before = tree(c.base)
    expectCleanError(await c.run(['consume', 't', '-g', '..', '-e']), EXIT.USAGE, /group name cannot be '\.\.'/)
    expectCleanError(await c.run(['group', 'describe', 'a/b']), EXIT.USAGE, /group name 'a\/b' is not valid/)
    expectCleanError(await c.run(['group', 'delete', 'x'.repeat(250)]), EXIT.USAGE, /group name '.*' is 250 characters; the limit is 249/)
    expect(tree(c.base)).toEqual(before)
  })
})
