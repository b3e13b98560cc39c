/**
 * A windowed stream-stream join and a suppress(untilWindowCloses) app run
 * with `stream run`, killed with -9 again and again while records wait in
 * their join windows and suppression buffers, and restarted: their output
 * holds exactly the records Kafka's semantics give (the developer guide's
 * stream-stream join table for every key, Kafka's
 * SuppressScenarioTest.shouldSupportFinalResultsForTimeWindows for every
 * key): no join match and no final result lost, none made up by a store
 * that forgot its state. At-least-once, so a record written after the last
 * commit before a kill may come twice; the distinct records are exactly
 * the expected ones. `stream describe` lists the join stores and the
 * buffer with their changelogs; `stream reset --execute` deletes those.
 *
 * A windowed count with emitStrategy(onWindowClose()) killed the same way
 * emits every window's final result, none lost, and never again a window
 * it emitted before the last commit of a killed run (the emit position
 * goes with the commit), though the store's retention still holds it.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {expect, onTestFinished, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {groupDir} from '../../src/core/group/group-member.js'
import {OffsetStore} from '../../src/core/group/offset-store.js'
import {Store} from '../../src/core/store/store.js'
import {decodeCommitMetadata} from '../../src/core/streams/runtime/state-manager.js'
import {until as untilWithin} from '../helpers/wordcount.js'
import {expectOk, lines} from './support.js'

type Cli = ReturnType<typeof cli>

const until = <T>(what: string, check: () => Promise<T | undefined>) => untilWithin(what, check, 60_000)

// Recent timestamps: the topics' retention (7 days) would delete records stamped in 1970 when the next writer comes.
const T = Math.floor((Date.now() - 3_600_000) / 1000) * 1000
const KEYS = Array.from({length: 300}, (_, i) => `k${i}`)

function start(c: Cli, app: string) {
  const sub = c.run(['stream', 'run', app])
  onTestFinished(() => {
    sub.kill('SIGKILL')
  })
  return sub
}

/** Every key's record at `timestamp` into `topic`, in one produce. */
async function produceRow(c: Cli, topic: string, timestamp: number, value: string | null) {
  const input = KEYS.map((key) => JSON.stringify({key, value, timestamp})).join('\n') + '\n'
  expectOk(await c.run(['produce', topic, '-q', '--input', 'json'], {input}))
}

/** The group's committed offsets summed over `topics`, and its lag over every input; undefined before the group exists. */
async function progress(c: Cli, group: string, topics: string[]): Promise<{committed: number; lag: number} | undefined> {
  const r = await c.run(['group', 'describe', group, '--json'])
  if (r.exitCode !== 0) return undefined
  const parts = (JSON.parse(String(r.stdout)) as {partitions: Array<{topic: string; lag: number; currentOffset: number | null}>}).partitions
  return {committed: parts.filter((p) => topics.includes(p.topic)).reduce((n, p) => n + Number(p.currentOffset ?? 0), 0), lag: parts.reduce((n, p) => n + p.lag, 0)}
}

/** `key value timestamp` per output record, in log order. */
async function output(c: Cli, topic: string, valueFormat = '%s'): Promise<string[]> {
  const r = await c.run(['consume', topic, '-e', '-q', '-f', `%k ${valueFormat} %T\n`])
  expectOk(r)
  return lines(r.stdout)
}

/** `key count` (and ` timestamp`) per output record in log order, the count read as Kafka's Long. */
async function longOutput(c: Cli, topic: string, withTimestamp: boolean): Promise<string[]> {
  const r = await c.run(['consume', topic, '-e', '--json', '--json-encoding', 'base64'])
  expectOk(r)
  return lines(r.stdout).map((l) => {
    const rec = JSON.parse(l) as {key: {base64: string} | string; value: {base64: string} | string; timestamp: number}
    const b64 = (v: {base64: string} | string) => Buffer.from(typeof v === 'string' ? v : v.base64, 'base64')
    return `${b64(rec.key).toString()} ${b64(rec.value).readBigInt64BE(0)}${withTimestamp ? ` ${rec.timestamp}` : ''}`
  })
}

interface Round {
  produce: () => Promise<void>
  /** Killed once everything is processed and committed, not mid-stream (what comes next then starts from that commit alone). */
  caughtUp?: boolean
}

/**
 * Runs `rounds`: each produces its inputs while the app is down, starts
 * it, and kills it with -9 as soon as it has committed part of them (or
 * all of them, for a round `caughtUp`). Then a last run processes
 * everything and stops cleanly once `done` holds. Returns how many kills
 * came with input still unprocessed.
 */
async function killAndRestart(c: Cli, app: string, group: string, inputs: string[], rounds: Round[], done: () => Promise<boolean>, afterKill?: () => Promise<void>): Promise<number> {
  let midStream = 0
  for (const {produce, caughtUp} of rounds) {
    await produce()
    const before = (await progress(c, group, inputs))?.committed ?? 0
    const sub = start(c, app)
    const p = await until('progress', async () => {
      const p = await progress(c, group, inputs)
      return p && p.committed > before && (!caughtUp || p.lag === 0) ? p : undefined
    })
    // Killed at once on what that look saw: another look first would let a fast run finish.
    sub.kill('SIGKILL')
    if (p.lag > 0) midStream++
    expect((await sub).signal).toBe('SIGKILL')
    await afterKill?.()
  }
  const last = start(c, app)
  let said = ''
  last.stderr?.on('data', (d: Buffer) => (said += d.toString()))
  await until('the last run running', async () => (/running \(tasks/.test(said) ? true : undefined))
  await until('every input processed', async () => ((await progress(c, group, inputs))?.lag === 0 ? true : undefined))
  await until('the whole output', async () => ((await done()) ? true : undefined))
  last.kill('SIGTERM')
  expect((await last).exitCode).toBe(0)
  return midStream
}

async function json<T>(c: Cli, args: string[]): Promise<T> {
  const r = await c.run([...args, '--json'])
  expectOk(r)
  return JSON.parse(String(r.stdout)) as T
}

/** Describe lists `stores` with their changelogs; reset --execute deletes every one of them and the local state. */
async function describeAndReset(c: Cli, appId: string, inputs: string[], stores: string[], keep: string[]) {
  const d = await json<{stores: Array<{name: string; changelog: string; changelogRecords: number}>}>(c, ['stream', 'describe', appId])
  expect(d.stores.map((s) => [s.name, s.changelog])).toEqual(stores.map((s) => [s, `${appId}-${s}-changelog`]))
  expect(d.stores.every((s) => s.changelogRecords > 0)).toBe(true)
  const text = await c.run(['stream', 'describe', appId])
  expectOk(text)
  for (const s of stores) expect(String(text.stdout)).toContain(`${appId}-${s}-changelog`)
  const done = await json<{executed: boolean; deleteTopics: string[]}>(c, ['stream', 'reset', appId, '--input-topics', inputs.join(','), '--execute'])
  expect(done.executed).toBe(true)
  for (const s of stores) expect(done.deleteTopics).toContain(`${appId}-${s}-changelog`)
  expect(lines((await c.run(['topic', 'list'])).stdout).sort()).toEqual([...keep].sort())
}

/** [timestamp, side, value]: the guide's "Semantics of stream-stream joins" rows, and H to move stream time past G's window. */
const GUIDE: Array<[number, 'left' | 'right', string | null]> = [
  [1, 'left', null], [2, 'right', null], [3, 'left', 'A'], [4, 'right', 'a'], [5, 'left', 'B'], [6, 'right', 'b'], [7, 'left', null], [8, 'right', null],
  [9, 'left', 'C'], [10, 'right', 'c'], [11, 'right', null], [12, 'left', null], [13, 'right', null], [14, 'right', 'd'], [15, 'left', 'D'],
  [40, 'left', 'E'], [60, 'left', 'F'], [80, 'right', 'f'], [100, 'left', 'G'], [200, 'left', 'H'],
]

/** The outer join's results per key over GUIDE (window 15, grace 5), with their timestamps: test/core/streams/stream-stream-joins.test.ts checks them against the guide. */
const JOINED: Array<[string, number]> = [
  ['[A, a]', 4], ['[B, a]', 5], ['[A, b]', 6], ['[B, b]', 6], ['[C, a]', 9], ['[C, b]', 9], ['[A, c]', 10], ['[B, c]', 10], ['[C, c]', 10],
  ['[A, d]', 14], ['[B, d]', 14], ['[C, d]', 14], ['[D, a]', 15], ['[D, b]', 15], ['[D, c]', 15], ['[D, d]', 15],
  ['[E, null]', 40], ['[F, null]', 60], ['[null, f]', 80], ['[G, null]', 100],
]

/** Each record takes `ms` in the apps below and a poll hands out 20 (max.poll.records), so a round commits several times before its last record and the kill lands mid-stream. */
const slow = (ms: number) => `const pause = new Int32Array(new SharedArrayBuffer(4))
const slow = () => Atomics.wait(pause, 0, 0, ${ms})`

const JOIN_APP = `import {JoinWindows, StreamJoined, Serdes} from 'logpipe'
${slow(1)}
export const config = {'application.id': 'joinapp', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String(), 'commit.interval.ms': 30, 'max.poll.records': 20}
export default (builder) => {
  const S = Serdes.String()
  builder.stream('left').peek(slow)
    .outerJoin(builder.stream('right').peek(slow), (l, r) => '[' + l + ', ' + r + ']', JoinWindows.ofTimeDifferenceAndGrace(15, 5), StreamJoined.with(S, S, S))
    .to('joined')
}
`

test("an outer stream-stream join killed with -9 mid-stream keeps what waits in its windows: every key gets the guide's results, none lost, none made up", async () => {
  const c = cli()
  const app = join(c.base, 'join.mjs')
  writeFileSync(app, JOIN_APP)
  for (const t of ['left', 'right', 'joined']) expectOk(await c.run(['topic', 'create', t, '--partitions', '2', '-q']))
  const rows = (from: number, to: number): Round => ({
    produce: async () => {
      for (const [t, side, v] of GUIDE.slice(from, to)) await produceRow(c, side, T + t, v)
    },
  })
  // Cut where records wait for partners (A, B, C before d and D; E, F before f) and where unmatched ones wait to be emitted.
  const rounds = [rows(0, 5), rows(5, 10), rows(10, 14), rows(14, 16), rows(16, 18), rows(18, 20)]
  const want = new Set(KEYS.flatMap((k) => JOINED.map(([v, t]) => `${k} ${v} ${T + t}`)))
  const midStream = await killAndRestart(c, app, 'joinapp', ['left', 'right'], rounds, async () => {
    const got = new Set(await output(c, 'joined'))
    return [...want].every((r) => got.has(r))
  })
  const got = await output(c, 'joined')
  expect(new Set(got)).toEqual(want)
  console.log(`join: ${got.length} records out for ${want.size} expected (${got.length - want.size} written twice after a kill); ${midStream} of ${rounds.length} kills mid-stream`)
  expect(midStream).toBeGreaterThan(0)
  await describeAndReset(c, 'joinapp', ['left', 'right'], ['KSTREAM-OUTERTHIS-0000000006-store', 'KSTREAM-OUTEROTHER-0000000007-store', 'KSTREAM-OUTERSHARED-0000000006-store'], ['joined', 'left', 'right'])
}, 240_000)

const SUPPRESS_APP = `import {BufferConfig, Grouped, KeyValue, Produced, Serdes, Suppressed, TimeWindows} from 'logpipe'
${slow(3)}
export const config = {'application.id': 'finalapp', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String(), 'commit.interval.ms': 30, 'max.poll.records': 20}
export default (builder) => {
  const S = Serdes.String()
  builder.stream('input')
    .peek(slow)
    .groupBy((k) => k, Grouped.with(S, S))
    .windowedBy(TimeWindows.ofSizeAndGrace(2, 1))
    .count()
    .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
    .toStream()
    .map((k, v) => KeyValue.pair(String(k), v))
    .to('final', Produced.with(S, Serdes.Long()))
}
`

test("suppress(untilWindowCloses) killed with -9 mid-stream keeps what waits in its buffer: every key gets Kafka's final results once its windows close", async () => {
  const c = cli()
  const app = join(c.base, 'final.mjs')
  writeFileSync(app, SUPPRESS_APP)
  for (const t of ['input', 'final']) expectOk(await c.run(['topic', 'create', t, '--partitions', '2', '-q']))
  // SuppressScenarioTest's timestamps (the last 0 is past the grace: dropped), then 10 to close the window at 4.
  const times = [0, 1, 2, 1, 0, 5, 0, 10]
  const rows = (from: number, to: number, caughtUp = false): Round => ({
    produce: async () => {
      for (const t of times.slice(from, to)) await produceRow(c, 'input', T + t, 'v1')
    },
    caughtUp,
  })
  // The late 0 comes to a run that starts after a kill right behind the commit of the 5s: it must know stream time is 5.
  const rounds = [rows(0, 2), rows(2, 4), rows(4, 5), rows(5, 6, true), rows(6, 7), rows(7, 8)]
  const w = (start: number, end: number) => `@${T + start}/${T + end}]`
  // Kafka's final results ([k1@0/2] 4 and [k1@2/4] 1), and the window at 4 closed by the record at 10.
  const want = new Set(KEYS.flatMap((k) => [`[${k}${w(0, 2)} 4 ${T + 1}`, `[${k}${w(2, 4)} 1 ${T + 2}`, `[${k}${w(4, 6)} 1 ${T + 5}`]))
  const outputs = () => longOutput(c, 'final', true)
  const midStream = await killAndRestart(c, app, 'finalapp', ['input'], rounds, async () => {
    const got = new Set(await outputs())
    return [...want].every((r) => got.has(r))
  })
  const got = await outputs()
  expect(new Set(got)).toEqual(want)
  console.log(`suppress: ${got.length} records out for ${want.size} expected (${got.length - want.size} written twice after a kill); ${midStream} of ${rounds.length} kills mid-stream`)
  expect(midStream).toBeGreaterThan(0)
  // The buffer's changelog is Kafka's: each entry a version 3 value (header v = 3) ending in its buffer time, a window's end.
  const logged = await c.run(['consume', 'finalapp-KTABLE-SUPPRESS-STATE-STORE-0000000009-changelog', '-e', '--json', '--json-encoding', 'base64'])
  expectOk(logged)
  const entries = lines(logged.stdout).map((l) => JSON.parse(l) as {value: string | null; headers: Array<{key: string; value: string | null}>}).filter((r) => r.value !== null)
  expect(entries.length).toBeGreaterThan(0)
  for (const e of entries) {
    expect(e.headers).toEqual([{key: 'v', value: Buffer.from([3]).toString('base64')}])
    const end = Number(Buffer.from(e.value!, 'base64').readBigInt64BE(Buffer.from(e.value!, 'base64').length - 8)) - T
    expect([2, 4, 6, 12]).toContain(end)
  }
  await describeAndReset(c, 'finalapp', ['input'], ['KSTREAM-AGGREGATE-STATE-STORE-0000000003', 'KTABLE-SUPPRESS-STATE-STORE-0000000009'], ['final', 'input'])
}, 240_000)

const EMIT_APP = `import {EmitStrategy, Grouped, KeyValue, Materialized, Produced, Serdes, TimeWindows} from 'logpipe'
${slow(3)}
export const config = {'application.id': 'closeapp', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String(), 'commit.interval.ms': 30, 'max.poll.records': 20}
export default (builder) => {
  const S = Serdes.String()
  builder.stream('clicks')
    .peek(slow)
    .groupByKey(Grouped.with(S, S))
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
    .emitStrategy(EmitStrategy.onWindowClose())
    // An hour's retention: every window emitted is still in the store at every restart.
    .count(Materialized.as('counts').withRetention(3600000))
    .toStream()
    .map((k, v) => KeyValue.pair(String(k), v))
    .to('closed', Produced.with(S, Serdes.Long()))
}
`

test('onWindowClose killed with -9 mid-stream and right behind commits: every window emitted, none lost, and none emitted before a commit emitted again', async () => {
  const c = cli()
  const app = join(c.base, 'close.mjs')
  writeFileSync(app, EMIT_APP)
  // One partition: one task, whose commit on clicks/0 carries the emit position.
  for (const t of ['clicks', 'closed']) expectOk(await c.run(['topic', 'create', t, '-q']))
  // 9 is late but inside the grace (stream time 12, window [0, 10) open until 15); the 2 after 18 is past it and dropped.
  const times = [1, 4, 12, 9, 18, 2, 27, 33, 41, 55, 200]
  const rows = (from: number, to: number, caughtUp = false): Round => ({
    produce: async () => {
      for (const t of times.slice(from, to)) await produceRow(c, 'clicks', T + t, 'v')
    },
    caughtUp,
  })
  const rounds = [rows(0, 2), rows(2, 4, true), rows(4, 6), rows(6, 7, true), rows(7, 9), rows(9, 10, true), rows(10, 11)]
  // Kafka's windows and grace over the input: a record counts in its window while the window's end is after stream time minus 5.
  const counts = new Map<number, number>()
  let streamTime = -1
  for (const t of times) {
    streamTime = Math.max(streamTime, t)
    const start = Math.floor((T + t) / 10) * 10
    if (start + 10 > T + streamTime - 5) counts.set(start, (counts.get(start) ?? 0) + 1)
  }
  // The windows the last record (200) closes: all but its own.
  const closed = [...counts].filter(([s]) => s + 10 <= T + streamTime - 5)
  expect(closed.length).toBe(6)
  const want = new Set(KEYS.flatMap((k) => closed.map(([s, n]) => `[${k}@${s}/${s + 10}] ${n}`)))
  const outputs = () => longOutput(c, 'closed', false)
  // After each kill: how much output there is, and the close time of the last emit the group committed.
  const kills: Array<{outputEnd: number; committedClose: number | undefined}> = []
  const afterKill = async () => {
    const committed = new OffsetStore(groupDir(Store.open(c.dataDir), 'closeapp')).read('clicks', 0)
    kills.push({outputEnd: (await outputs()).length, committedClose: decodeCommitMetadata(committed?.metadata)?.processorMetadata?.counts})
  }
  const midStream = await killAndRestart(c, app, 'closeapp', ['clicks'], rounds, async () => {
    const got = new Set(await outputs())
    return [...want].every((r) => got.has(r))
  }, afterKill)
  const got = await outputs()
  expect(new Set(got)).toEqual(want)
  const end = (record: string) => Number(/\/(\d+)\]/.exec(record)![1])
  let covered = 0
  for (const {outputEnd, committedClose} of kills) {
    if (committedClose === undefined) continue
    // What a killed run emitted up to its last commit is never emitted again by the runs after it.
    covered += got.slice(0, outputEnd).filter((r) => end(r) <= committedClose).length
    expect(got.slice(outputEnd).filter((r) => end(r) <= committedClose)).toEqual([])
  }
  // The check is not empty: restarts came after commits that had emitted windows, which the store still held.
  expect(covered).toBeGreaterThan(0)
  console.log(`onWindowClose: ${got.length} records out for ${want.size} expected (${got.length - want.size} written twice after a kill); ${midStream} of ${rounds.length} kills mid-stream`)
  expect(midStream).toBeGreaterThan(0)
  // The window store's changelog is Kafka's windowed one: compact,delete, the store's retention plus a day.
  const d = await json<{stores: Array<{name: string; changelog: string; cleanupPolicy: string; retentionMs: number | null}>}>(c, ['stream', 'describe', 'closeapp'])
  expect(d.stores).toEqual([expect.objectContaining({name: 'counts', changelog: 'closeapp-counts-changelog', cleanupPolicy: 'compact,delete', retentionMs: 3_600_000 + 86_400_000})])
  const text = await c.run(['stream', 'describe', 'closeapp'])
  expectOk(text)
  expect(String(text.stdout)).toMatch(/closeapp-counts-changelog\s+compact,delete\s+90000000\s+\d+/)
  const topic = await json<{config: Record<string, unknown>}>(c, ['topic', 'describe', 'closeapp-counts-changelog'])
  expect(topic.config).toMatchObject({'cleanup.policy': 'compact,delete', 'retention.ms': 90_000_000})
}, 240_000)
