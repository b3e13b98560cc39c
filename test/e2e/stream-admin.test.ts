/**
 * `logpipe stream list|describe|reset` around Kafka's WordCount run with
 * `stream run`: the app listed with its group state and topics, described
 * with the topology its run saved, its tasks and their owner, lag per input
 * partition and its store's changelog; reset as
 * kafka-streams-application-reset: a dry run by default, refused while an
 * instance runs, and with --execute the input offsets back to the start,
 * the internal topics deleted and local state wiped, so a new run counts
 * from nothing again (the same counts, not doubled ones).
 */
import {existsSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {expect, onTestFinished, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {latestCounts, until} from '../helpers/wordcount.js'
import {expectCleanError, expectOk, lines} from './support.js'

type Cli = ReturnType<typeof cli>

const APP = `import {Produced, Serdes} from 'logpipe'
// No record cache: the test counts every update in the changelog.
export const config = {'application.id': 'wordcount', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String(), 'commit.interval.ms': 50, 'statestore.cache.max.bytes': 0}
export default (builder) => {
  builder.stream('text').flatMapValues((line) => line.toLowerCase().split(/\\W+/)).groupBy((_key, word) => word).count().toStream().to('counts', Produced.with(Serdes.String(), Serdes.Long()))
}
`

async function json<T>(c: Cli, args: string[]): Promise<T> {
  const r = await c.run([...args, '--json'])
  expectOk(r)
  return JSON.parse(String(r.stdout)) as T
}

function start(c: Cli, app: string) {
  const sub = c.run(['stream', 'run', app])
  onTestFinished(() => {
    sub.kill('SIGKILL')
  })
  return sub
}

const CHANGELOG = 'wordcount-KSTREAM-AGGREGATE-STATE-STORE-0000000003-changelog'
const REPARTITION = 'wordcount-KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition'

test('list and describe a running WordCount; reset is a dry run, refused while it runs, and --execute makes the next run start over', async () => {
  const c = cli()
  const app = join(c.base, 'wordcount.mjs')
  writeFileSync(app, APP)
  expectOk(await c.run(['topic', 'create', 'text', '--partitions', '2', '-q']))
  expectOk(await c.run(['topic', 'create', 'counts', '--partitions', '2', '-q']))
  expectOk(await c.run(['produce', 'text', '-q'], {input: 'all streams lead to kafka\nhello kafka streams\n'}))
  const run = start(c, app)
  await until('the counts', async () => ((await latestCounts(c)).kafka === 2 ? true : undefined))
  await until('the commit', async () => {
    const d = await json<{lag: Array<{lag: number | null}>}>(c, ['stream', 'describe', 'wordcount'])
    return d.lag.length === 4 && d.lag.every((l) => l.lag === 0) ? true : undefined
  })

  const list = await json<Array<{applicationId: string; state: string; members: number; inputTopics: string[]; internalTopics: string[]}>>(c, ['stream', 'list'])
  expect(list).toEqual([{applicationId: 'wordcount', state: 'Stable', members: 1, inputTopics: ['text'], internalTopics: [CHANGELOG, REPARTITION], topologyKnown: true}])
  const text = await c.run(['stream', 'describe', 'wordcount'])
  expectOk(text)
  expect(String(text.stdout)).toContain('Application wordcount: group Stable, 1 live member(s)\n\nTopologies:\n   Sub-topology: 0\n    Source: KSTREAM-SOURCE-0000000000 (topics: [text])')
  expect(String(text.stdout)).toContain('(topics: [KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition])')
  const d = await json<{tasks: Array<{taskId: string; partitions: unknown[]; owner: string | null}>; stores: Array<{name: string; changelog: string; changelogRecords: number}>}>(c, ['stream', 'describe', 'wordcount'])
  expect(d.tasks.map((t) => t.taskId)).toEqual(['0_0', '0_1', '1_0', '1_1'])
  expect(d.tasks.every((t) => t.owner !== null && t.owner.startsWith('wordcount-StreamThread-1-consumer'))).toBe(true)
  expect(d.stores).toEqual([{name: 'KSTREAM-AGGREGATE-STATE-STORE-0000000003', changelog: CHANGELOG, changelogRecords: 8, cleanupPolicy: 'compact', retentionMs: null}])

  expectCleanError(await c.run(['stream', 'reset', 'wordcount', '--input-topics', 'text', '--execute']), 1, /cannot reset application wordcount: its group has 1 live member/)
  run.kill('SIGTERM')
  expect((await run).exitCode).toBe(0)

  // Local state: wiped by the reset, the saved description kept.
  const state = join(c.dataDir, 'streams', 'wordcount')
  // The stopped run left its persistent stores and checkpoints, one directory per task.
  expect(existsSync(join(state, '0_0', '.checkpoint'))).toBe(true)
  const dry = await c.run(['stream', 'reset', 'wordcount', '--input-topics', 'text'])
  expect(dry.exitCode).toBe(0)
  expect(String(dry.stdout)).toContain(`Internal topics to delete: ${CHANGELOG}, ${REPARTITION}`)
  expect(String(dry.stderr)).toContain('logpipe: dry run: nothing changed; add --execute to apply')
  expect(lines((await c.run(['topic', 'list'])).stdout)).toContain(CHANGELOG)

  const done = await json<{executed: boolean; offsets: Array<{topic: string; newOffset: number}>; deleteTopics: string[]; localState: {entries: string[]}}>(c, ['stream', 'reset', 'wordcount', '--input-topics', 'text', '--execute'])
  expect(done.executed).toBe(true)
  expect(done.offsets.map((o) => [o.topic, o.newOffset])).toEqual([['text', 0], ['text', 0]])
  expect(done.localState.entries).toEqual(['0_0', '0_1', '1_0', '1_1'])
  expect(lines((await c.run(['topic', 'list'])).stdout).sort()).toEqual(['counts', 'text'])
  expect(readdirSync(state)).toEqual(['application.json'])
  expect(existsSync(join(state, '0_0'))).toBe(false)

  // Started again, it reads text from the start into new, empty state: the same counts, written again.
  const again = start(c, app)
  await until('the recount', async () => {
    const r = await c.run(['consume', 'counts', '-e', '-q'])
    return lines(r.stdout).length === 16 ? true : undefined
  })
  expect(await latestCounts(c)).toEqual({all: 1, streams: 2, lead: 1, to: 1, kafka: 2, hello: 1})
  again.kill('SIGTERM')
  await again
})

test('reset and describe of an app that does not exist, and bad reset flags: one clean line each', async () => {
  const c = cli()
  expectOk(await c.run(['topic', 'create', 'text', '-q']))
  expectCleanError(await c.run(['stream', 'describe', 'nope']), 3, /no Streams application nope in this store/)
  expectCleanError(await c.run(['stream', 'reset', 'nope', '--input-topics', 'missing']), 3, /topic missing does not exist/)
  expectCleanError(await c.run(['stream', 'reset', 'nope', '--to-latest']), 2, /name them with --input-topics/)
  expectCleanError(await c.run(['stream', 'reset', 'nope', '--input-topics', 'text', '--to-latest', '--to-earliest']), 2, /choose one of/)
  expect(lines((await c.run(['stream', 'list'])).stdout)).toEqual([])
  // An id that would name a directory outside streams/ (streams/.. is the data directory itself) is refused before anything is read or wiped.
  for (const bad of ['..', '.', 'a/../..']) {
    expectCleanError(await c.run(['stream', 'reset', bad, '--execute']), 2, /is not an application\.id/)
    expectCleanError(await c.run(['stream', 'describe', bad]), 2, /is not an application\.id/)
  }
  expect(existsSync(join(c.dataDir, 'topics', 'text'))).toBe(true)
})
