/**
 * `logpipe stream run APP`: Kafka's WordCount as a module outside the
 * package (its `import 'logpipe'` resolves to this logpipe), run over the
 * store: counts out as Long bytes, the app's group and internal topics as
 * Kafka names them, a kill -9 after a commit and a restart continue the
 * counts from the changelog with no word lost, two instances split the
 * tasks and one carries on alone after the other is killed, and a module
 * that is not an app gets a one-line error.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {expect, onTestFinished, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {latestCounts as counts, until, wordCountApp} from '../helpers/wordcount.js'
import {expectCleanError, expectOk} from './support.js'

type Cli = ReturnType<typeof cli>

const APP = wordCountApp({'commit.interval.ms': 50})

async function lagIsZero(c: Cli): Promise<true | undefined> {
  const r = await c.run(['group', 'describe', 'wordcount', '--json'])
  if (r.exitCode !== 0) return undefined
  const parts = (JSON.parse(String(r.stdout)) as {partitions: Array<{lag: number}>}).partitions
  return parts.length > 0 && parts.every((p) => p.lag === 0) ? true : undefined
}

function start(c: Cli, app: string) {
  const sub = c.run(['stream', 'run', app])
  onTestFinished(() => {
    sub.kill('SIGKILL')
  })
  return sub
}

function lines(words: string[][]): string {
  return words.map((w) => w.join(' ')).join('\n') + '\n'
}

test('WordCount runs over the store; after kill -9 and a restart the counts go on from the changelog', async () => {
  const c = cli()
  const app = join(c.base, 'wordcount.mjs')
  writeFileSync(app, APP)
  expectOk(await c.run(['topic', 'create', 'text', '--partitions', '2']))
  expectOk(await c.run(['topic', 'create', 'counts', '--partitions', '2']))
  expectOk(await c.run(['produce', 'text', '-q'], {input: 'all streams lead to kafka\nhello kafka streams\n'}))
  const first = start(c, app)
  await until('the first counts', async () => ((await counts(c)).kafka === 2 ? true : undefined))
  await until('the commit', () => lagIsZero(c))
  first.kill('SIGKILL')
  expect((await first).signal).toBe('SIGKILL')

  expectOk(await c.run(['produce', 'text', '-q'], {input: 'join kafka summit\n'}))
  const second = start(c, app)
  await until('the third line counted', async () => ((await counts(c)).summit === 1 ? true : undefined))
  expect(await counts(c)).toEqual({all: 1, streams: 2, lead: 1, to: 1, kafka: 3, hello: 1, join: 1, summit: 1})
  second.kill('SIGTERM')
  const r = await second
  expect(r.exitCode, String(r.stderr)).toBe(0)
  expect(String(r.stderr)).toMatch(/^logpipe: stream wordcount: running \(tasks /m)

  const topics = (await c.run(['topic', 'list'])).stdout
  expect(String(topics).split('\n').filter(Boolean).sort()).toEqual([
    'counts',
    'text',
    'wordcount-KSTREAM-AGGREGATE-STATE-STORE-0000000003-changelog',
    'wordcount-KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition',
  ])
})

test('two instances split the tasks; when one is killed the other takes its partitions and no word is lost', async () => {
  const c = cli()
  const app = join(c.base, 'wordcount.mjs')
  writeFileSync(app, APP)
  expectOk(await c.run(['topic', 'create', 'text', '--partitions', '4']))
  expectOk(await c.run(['topic', 'create', 'counts', '--partitions', '4']))
  const a = start(c, app)
  const b = start(c, app)
  await until('both members in the group', async () => {
    const r = await c.run(['group', 'describe', 'wordcount', '--members', '--json'])
    if (r.exitCode !== 0) return undefined
    const members = (JSON.parse(String(r.stdout)) as {members?: unknown[]}).members ?? []
    return members.length === 2 ? true : undefined
  })
  const words = Array.from({length: 40}, (_, i) => [`w${i % 10}`, `w${(i * 3) % 10}`])
  expectOk(await c.run(['produce', 'text', '-q', '-K', ':'], {input: lines(words).split('\n').filter(Boolean).map((l, i) => `k${i}:${l}`).join('\n') + '\n'}))
  await until('the commit', () => lagIsZero(c))
  a.kill('SIGKILL')
  const more = Array.from({length: 20}, (_, i) => [`w${i % 10}`])
  expectOk(await c.run(['produce', 'text', '-q', '-K', ':'], {input: lines(more).split('\n').filter(Boolean).map((l, i) => `m${i}:${l}`).join('\n') + '\n'}))
  const want: Record<string, number> = {}
  for (const w of [...words, ...more].flat()) want[w] = (want[w] ?? 0) + 1
  // The killed member's partitions move once its session times out (on this host: at once, its pid is gone).
  await until('every word counted', async () => {
    const got = await counts(c)
    return Object.keys(want).every((w) => got[w] === want[w]) ? true : undefined
  }, 30_000)
  b.kill('SIGTERM')
  expect((await b).exitCode).toBe(0)
})

test('a module that is not a Streams app, and a missing source topic, get one clean line each', async () => {
  const c = cli()
  const bad = join(c.base, 'bad.mjs')
  writeFileSync(bad, 'export const x = 1\n')
  expectCleanError(await c.run(['stream', 'run', bad]), 1, /bad\.mjs has no default export to run/)
  expectCleanError(await c.run(['stream', 'run', join(c.base, 'missing.mjs')]), 2, /cannot read .*missing\.mjs: no such file/)
  const app = join(c.base, 'wordcount.mjs')
  writeFileSync(app, APP)
  expectCleanError(await c.run(['stream', 'run', app]), 3, /source topic text does not exist/)
})

// TypeScript that Node's own type stripping (22.6+) would refuse: an enum and a parameter property; a `./words.js` import of a .ts file.
const TS_APP = `import {Produced, Serdes, type StreamsBuilder} from 'logpipe'
import {splitWords} from './words.js'

enum Case {
  Lower = 'lower',
  Upper = 'upper',
}

interface AppConfig {
  'application.id': string
  [key: string]: unknown
}

export const config: AppConfig = {'application.id': 'tswordcount', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String(), 'commit.interval.ms': 50}

class Words {
  constructor(private readonly mode: Case) {}
  of(line: string): string[] {
    return splitWords(this.mode === Case.Lower ? line.toLowerCase() : line.toUpperCase())
  }
}

export default (builder: StreamsBuilder): void => {
  const words = new Words(Case.Lower)
  builder
    .stream<string, string>('text')
    .flatMapValues((line: string) => words.of(line))
    .groupBy((_key: string | null, word: string) => word)
    .count()
    .toStream()
    .to('counts', Produced.with(Serdes.String(), Serdes.Long()))
}
`

test('a TypeScript app runs with no build step: types, enums and parameter properties compiled as it loads', async () => {
  const c = cli()
  const app = join(c.base, 'wordcount.ts')
  writeFileSync(app, TS_APP)
  writeFileSync(join(c.base, 'words.ts'), 'export function splitWords(line: string): string[] {\n  return line.split(/\\W+/).filter((w: string): boolean => w.length > 0)\n}\n')
  expectOk(await c.run(['topic', 'create', 'text', '--partitions', '2', '-q']))
  expectOk(await c.run(['topic', 'create', 'counts', '--partitions', '2', '-q']))
  expectOk(await c.run(['produce', 'text', '-q'], {input: 'all streams lead to kafka\nhello kafka streams\n'}))
  const sub = start(c, app)
  await until('the counts', async () => ((await counts(c)).hello === 1 ? true : undefined))
  expect(await counts(c)).toEqual({all: 1, streams: 2, lead: 1, to: 1, kafka: 2, hello: 1})
  sub.kill('SIGTERM')
  expect((await sub).exitCode).toBe(0)
  const cjs = join(c.base, 'app.cts')
  writeFileSync(cjs, 'export default () => {}\n')
  expectCleanError(await c.run(['stream', 'run', cjs]), 2, /stream run loads ES modules: \.js, \.mjs, \.ts or \.mts/)
})

test("the app's Materialized, Grouped and Topology are the runtime's own classes: Materialized.as names the store and its changelog", async () => {
  const c = cli()
  const app = join(c.base, 'named.mjs')
  writeFileSync(
    app,
    `import {Grouped, Materialized, Produced, Serdes, Topology} from 'logpipe'
export const config = {'application.id': 'named', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String(), 'commit.interval.ms': 50}
export default (builder) => {
  builder.stream('text').flatMapValues((line) => line.split(' ')).groupBy((_k, w) => w, Grouped.as('by-word'))
    .count(Materialized.as('word-counts')).toStream().to('counts', Produced.with(Serdes.String(), Serdes.Long()))
  const topology = builder.build()
  if (!(topology instanceof Topology)) throw new Error('not the app\\'s Topology class')
  return topology
}
`,
  )
  expectOk(await c.run(['topic', 'create', 'text', '-q']))
  expectOk(await c.run(['topic', 'create', 'counts', '-q']))
  expectOk(await c.run(['produce', 'text', '-q'], {input: 'a b a\n'}))
  const run = start(c, app)
  await until('the counts', async () => ((await counts(c)).a === 2 ? true : undefined))
  run.kill('SIGTERM')
  expect((await run).exitCode).toBe(0)
  const topics = String((await c.run(['topic', 'list'])).stdout).split('\n').filter(Boolean).sort()
  expect(topics).toEqual(['counts', 'named-by-word-repartition', 'named-word-counts-changelog', 'text'])
  const q = await c.run(['stream', 'query', 'named', 'word-counts', 'a', '--value-serde', 'long'])
  expectOk(q)
  expect(String(q.stdout)).toBe('a\t2\n')
})
