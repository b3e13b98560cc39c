/**
 * Streams state through the CLI: Kafka's WordCount killed with -9 again
 * and again mid-stream ends with exactly the counts of its input (no word
 * lost, none counted twice, downstream of a repartition topic too), its
 * persistent store read by `stream query`; and two instances with
 * num.standby.replicas=1 each keep a warm copy of the other's tasks, so
 * the survivor of a kill -9 has every count.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {expect, onTestFinished, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {latestCounts as counts, until as untilWithin, wordCountApp} from '../helpers/wordcount.js'
import {expectOk} from './support.js'

type Cli = ReturnType<typeof cli>

const STORE = 'KSTREAM-AGGREGATE-STATE-STORE-0000000003'

const until = <T>(what: string, check: () => Promise<T | undefined>) => untilWithin(what, check, 60000)

const APP = wordCountApp({'commit.interval.ms': 30})

async function query(c: Cli, stateDir?: string): Promise<Record<string, number>> {
  const r = await c.run(['stream', 'query', 'wordcount', STORE, '--all', '--value-serde', 'long', ...(stateDir ? ['--state-dir', stateDir] : [])])
  expectOk(r)
  return Object.fromEntries(String(r.stdout).split('\n').filter(Boolean).map((l) => [l.split('\t')[0], Number(l.split('\t')[1])]))
}

/** Committed offsets of the app's group on `text`, summed, and the lag over every input. */
async function progress(c: Cli): Promise<{committed: number; lag: number} | undefined> {
  const r = await c.run(['group', 'describe', 'wordcount', '--json'])
  if (r.exitCode !== 0) return undefined
  const parts = (JSON.parse(String(r.stdout)) as {partitions: Array<{topic: string; lag: number; currentOffset: number | null}>}).partitions
  return {committed: parts.filter((p) => p.topic === 'text').reduce((n, p) => n + Number(p.currentOffset ?? 0), 0), lag: parts.reduce((n, p) => n + p.lag, 0)}
}

function start(c: Cli, app: string, extra: string[] = []) {
  const sub = c.run(['stream', 'run', app, ...extra])
  onTestFinished(() => {
    sub.kill('SIGKILL')
  })
  return sub
}

const VOCABULARY = Array.from({length: 60}, (_, i) => `w${i}`)

function chunk(round: number, lines: number): {text: string; words: string[]} {
  const words: string[] = []
  const out: string[] = []
  for (let i = 0; i < lines; i++) {
    const line = Array.from({length: 10}, (_, j) => VOCABULARY[(round * 7919 + i * 31 + j * 17) % VOCABULARY.length])
    words.push(...line)
    out.push(`k${round}-${i}:${line.join(' ')}`)
  }
  return {text: out.join('\n') + '\n', words}
}

test('WordCount killed with -9 again and again mid-stream ends with exactly the counts of its input; stream query reads its store', async () => {
  const c = cli()
  const app = join(c.base, 'wordcount.mjs')
  writeFileSync(app, APP)
  expectOk(await c.run(['topic', 'create', 'text', '--partitions', '2']))
  expectOk(await c.run(['topic', 'create', 'counts', '--partitions', '2']))
  const want: Record<string, number> = {}
  let killedMidStream = 0
  for (let round = 0; round < 5; round++) {
    const {text, words} = chunk(round, 3000)
    for (const w of words) want[w] = (want[w] ?? 0) + 1
    expectOk(await c.run(['produce', 'text', '-q', '-K', ':'], {input: text}))
    const before = (await progress(c))?.committed ?? 0
    const sub = start(c, app)
    // Killed once it has committed part of the new lines (or, in the first round, as soon as it runs).
    const p = await until('progress', async () => {
      const p = await progress(c)
      return p && (round === 0 || p.committed > before) ? p : undefined
    })
    // Killed at once on what that look saw: another look first would let a fast run finish.
    sub.kill('SIGKILL')
    if (p.lag > 0) killedMidStream++
    expect((await sub).signal).toBe('SIGKILL')
  }
  const last = start(c, app)
  let said = ''
  last.stderr?.on('data', (d: Buffer) => (said += d.toString()))
  // Running (signal handlers in place) before it is asked to stop: the inputs may all be processed by the killed runs already.
  await until('the last run running', async () => (/running \(tasks/.test(said) ? true : undefined))
  await until('every input processed', async () => ((await progress(c))?.lag === 0 ? true : undefined))
  await until('the counts out', async () => {
    const got = await counts(c)
    return VOCABULARY.every((w) => got[w] === want[w]) ? true : undefined
  })
  last.kill('SIGTERM')
  expect((await last).exitCode).toBe(0)
  expect(await counts(c)).toEqual(want)
  expect(await query(c)).toEqual(want)
  expect(killedMidStream).toBeGreaterThan(0)
  const one = await c.run(['stream', 'query', 'wordcount', STORE, 'w3', '--value-serde', 'long', '--json'])
  expectOk(one)
  expect(JSON.parse(String(one.stdout))).toMatchObject({key: 'w3', value: want.w3})
}, 180_000)

test('two instances with num.standby.replicas=1 keep warm copies of each other’s tasks; the survivor of a kill -9 has every count', async () => {
  const c = cli()
  const app = join(c.base, 'wordcount.mjs')
  writeFileSync(app, APP)
  expectOk(await c.run(['topic', 'create', 'text', '--partitions', '2']))
  expectOk(await c.run(['topic', 'create', 'counts', '--partitions', '2']))
  const dirA = join(c.base, 'state-a')
  const dirB = join(c.base, 'state-b')
  const a = start(c, app, ['-X', `state.dir=${dirA}`, '-X', 'num.standby.replicas=1'])
  const b = start(c, app, ['-X', `state.dir=${dirB}`, '-X', 'num.standby.replicas=1'])
  await until('both members in the group', async () => {
    const r = await c.run(['group', 'describe', 'wordcount', '--members', '--json'])
    if (r.exitCode !== 0) return undefined
    return ((JSON.parse(String(r.stdout)) as {members?: unknown[]}).members ?? []).length === 2 ? true : undefined
  })
  const first = chunk(0, 400)
  expectOk(await c.run(['produce', 'text', '-q', '-K', ':'], {input: first.text}))
  const want: Record<string, number> = {}
  for (const w of first.words) want[w] = (want[w] ?? 0) + 1
  await until('every input processed', async () => ((await progress(c))?.lag === 0 ? true : undefined))
  // Each state dir holds every count, its own tasks' and the other's kept warm.
  await until('warm copies in both state dirs', async () => {
    const [qa, qb] = [await query(c, dirA).catch(() => ({})), await query(c, dirB).catch(() => ({}))]
    const same = (got: Record<string, number>) => Object.keys(got).length === Object.keys(want).length && Object.keys(want).every((w) => got[w] === want[w])
    return same(qa) && same(qb) ? true : undefined
  })
  a.kill('SIGKILL')
  const second = chunk(1, 400)
  expectOk(await c.run(['produce', 'text', '-q', '-K', ':'], {input: second.text}))
  for (const w of second.words) want[w] = (want[w] ?? 0) + 1
  await until('the survivor counted everything', async () => {
    const got = await counts(c)
    return VOCABULARY.every((w) => got[w] === want[w]) ? true : undefined
  })
  b.kill('SIGTERM')
  expect((await b).exitCode).toBe(0)
  expect(await query(c, dirB)).toEqual(want)
}, 120_000)

const GLOBAL_APP = `import {Materialized, Serdes} from 'logpipe'
export const config = {'application.id': 'pricing', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String(), 'commit.interval.ms': 30}
export default (builder) => {
  const rates = builder.globalTable('rates', undefined, Materialized.as('rates-store'))
  builder.stream('orders').leftJoin(rates, (k, currency) => currency, (currency, rate) => currency + '@' + rate).to('priced')
}
`

test("a globalTable's store keeps Kafka's .checkpoint in <state.dir>/<app>/global: after a kill -9 the restarted app has the table, updates made while it was down included; stream query reads it", async () => {
  const c = cli()
  const app = join(c.base, 'pricing.mjs')
  writeFileSync(app, GLOBAL_APP)
  for (const [t, n] of [['rates', '2'], ['orders', '1'], ['priced', '1']]) expectOk(await c.run(['topic', 'create', t, '--partitions', n, '-q']))
  const produce = async (topic: string, records: Array<{key: string; value: string; partition?: number}>) =>
    expectOk(await c.run(['produce', topic, '-q', '--input', 'json'], {input: records.map((r) => JSON.stringify(r)).join('\n') + '\n'}))
  const priced = async () => String((await c.run(['consume', 'priced', '-e', '-q', '-f', '%k=%s\n'])).stdout).split('\n').filter(Boolean)
  const checkpoint = () => {
    try {
      return readFileSync(join(c.dataDir, 'streams', 'pricing', 'global', '.checkpoint'), 'utf8')
    } catch {
      return ''
    }
  }
  await produce('rates', [{key: 'EUR', value: '1.1', partition: 0}, {key: 'GBP', value: '1.3', partition: 1}, {key: 'JPY', value: '0.007', partition: 0}])
  await produce('orders', [{key: 'o1', value: 'EUR'}])
  const first = start(c, app)
  await until('o1 priced', async () => ((await priced()).length === 1 ? true : undefined))
  // Kafka's format: the next offset of each partition of the global topic the store's files hold.
  await until('the global checkpoint', async () => (checkpoint() === '0\n2\nrates 0 2\nrates 1 1\n' ? true : undefined))
  first.kill('SIGKILL')
  expect((await first).signal).toBe('SIGKILL')

  await produce('rates', [{key: 'EUR', value: '1.2', partition: 0}, {key: 'CHF', value: '1.05', partition: 1}])
  await produce('orders', [{key: 'o2', value: 'EUR'}, {key: 'o3', value: 'JPY'}, {key: 'o4', value: 'CHF'}, {key: 'o5', value: 'GBP'}])
  const second = start(c, app)
  await until('o2..o5 priced', async () => ((await priced()).length >= 5 ? true : undefined))
  expect((await priced()).slice(-4)).toEqual(['o2=EUR@1.2', 'o3=JPY@0.007', 'o4=CHF@1.05', 'o5=GBP@1.3'])
  await until('the checkpoint of the updates', async () => (checkpoint() === '0\n2\nrates 0 3\nrates 1 2\n' ? true : undefined))
  const q = await c.run(['stream', 'query', 'pricing', 'rates-store', 'EUR'])
  expectOk(q)
  expect(String(q.stdout)).toBe('EUR\t1.2\n')
  second.kill('SIGTERM')
  expect((await second).exitCode).toBe(0)
}, 120_000)
