/**
 * The new DSL stores through KafkaStreams over a store and a restart: a
 * left join's record still waiting for a partner when the app stops is
 * emitted with a null partner by the next run, once stream time passes its
 * window (the outer-join store came back from its changelog), and a
 * session counted before the restart is merged with a record after it.
 * A window's final result waiting in suppress comes out after a restart.
 * And a foreign-key join over two partitions: an answer that went to the
 * wrong partition would find no left row there and be dropped.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {BufferConfig, JoinWindows, KafkaStreams, KeyValue, Produced, Serdes, SessionWindows, StreamsBuilder, Suppressed, TimeWindows} from '../../../src/index.js'
import {Producer} from '../../../src/core/client/producer.js'
import {Store} from '../../../src/core/store/store.js'
import {readAll} from './read-topic.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

const S = Serdes.String()
// Recent timestamps: the topics' retention (7 days) would delete records stamped in 1970 when the next writer comes.
const T = Date.now() - 60_000
const PROPS = {'application.id': 'rs', 'commit.interval.ms': 50, 'default.key.serde': S, 'default.value.serde': S}

async function produce(store: Store, topic: string, records: Array<[string, string, number]>) {
  const p = new Producer(store, topic)
  await p.send(records.map(([key, value, timestamp]) => ({key: Buffer.from(key), value: Buffer.from(value), timestamp})))
  await p.close()
}

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

function app() {
  const b = new StreamsBuilder()
  b.stream<string, string>('left').leftJoin(b.stream<string, string>('right'), (l, r) => `${l}+${r}`, JoinWindows.ofTimeDifferenceAndGrace(1_000, 0)).to('joined')
  b.stream<string, string>('clicks')
    .groupByKey()
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(1_000, 60_000))
    .count()
    .toStream()
    .map((k, v) => KeyValue.pair(String(k), v === null ? null : String(v)))
    .to('sessions', Produced.with(S, S))
  return b.build()
}

test('a waiting left-join record and an open session survive a restart through their changelogs', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'logpipe-dsl-restart-'))
  dirs.push(dataDir)
  const store = Store.open(dataDir)
  for (const t of ['left', 'right', 'joined', 'clicks', 'sessions']) store.createTopic(t, 1, 1, {})
  await produce(store, 'left', [['k', 'A', T + 1_000]])
  await produce(store, 'clicks', [['u', 'c', T + 10_000]])

  const first = new KafkaStreams(app(), PROPS, {dataDir})
  await first.start()
  await until('the first session', () => readAll(store, 'sessions').length === 1)
  await first.close()
  expect(readAll(store, 'joined')).toEqual([]) // A's window is still open: it waits

  await produce(store, 'right', [['other', 'x', T + 5_000]]) // moves stream time past A's 1,000 + 1,000
  await produce(store, 'clicks', [['u', 'c', T + 10_500]]) // within the gap of the session before the restart
  const second = new KafkaStreams(app(), PROPS, {dataDir})
  await second.start()
  await until('the join and the merged session', () => readAll(store, 'joined').length === 1 && readAll(store, 'sessions').length === 3).catch((e) => {
    throw new Error(`${e.message}: joined ${readAll(store, 'joined')}, sessions ${readAll(store, 'sessions')}`)
  })
  await second.close()
  expect(readAll(store, 'joined')).toEqual(['k=A+null'])
  const s = T + 10_000
  expect(readAll(store, 'sessions')).toEqual([`[u@${s}/${s}]=1`, `[u@${s}/${s}]=null`, `[u@${s}/${s + 500}]=2`])
})

test('a foreign-key join over two partitions: answers come back to the partition of their left row', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'logpipe-dsl-fk-'))
  dirs.push(dataDir)
  const store = Store.open(dataDir)
  for (const t of ['orders', 'customers', 'enriched']) store.createTopic(t, 2, 1, {})
  const b = new StreamsBuilder()
  b.table<string, string>('orders').join(b.table<string, string>('customers'), (v: string) => v.split(':')[0], (o: string, c: string) => `${o}@${c}`).toStream().to('enriched')
  await produce(store, 'customers', [['ann', 'Ann', T], ['bob', 'Bob', T]])
  await produce(store, 'orders', Array.from({length: 20}, (_, i): [string, string, number] => [`o${i}`, `${i % 2 ? 'ann' : 'bob'}:item${i}`, T + 1 + i]))
  const app = new KafkaStreams(b.build(), {...PROPS, 'application.id': 'fkapp'}, {dataDir})
  await app.start()
  await until('20 enriched orders', () => readAll(store, 'enriched').length === 20)
  await app.close()
  expect(readAll(store, 'enriched').sort()).toEqual(Array.from({length: 20}, (_, i) => `o${i}=${i % 2 ? 'ann' : 'bob'}:item${i}@${i % 2 ? 'Ann' : 'Bob'}`).sort())
})

test("a window's final result held by suppress when the app stops is emitted by the next run", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'logpipe-dsl-sup-'))
  dirs.push(dataDir)
  const store = Store.open(dataDir)
  for (const t of ['views', 'final']) store.createTopic(t, 1, 1, {})
  const build = () => {
    const b = new StreamsBuilder()
    b.stream<string, string>('views')
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeAndGrace(10_000, 1_000))
      .count()
      .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
      .toStream()
      .map((k, v) => KeyValue.pair(String(k), String(v)))
      .to('final', Produced.with(S, S))
    return b.build()
  }
  const w = Math.floor(T / 10_000) * 10_000
  await produce(store, 'views', [['p', 'v', w + 1], ['p', 'v', w + 2]])
  const first = new KafkaStreams(build(), {...PROPS, 'application.id': 'sup'}, {dataDir})
  await first.start()
  // Both views counted (the window store's record cache logs the window's count once, at a commit); the buffer logs its entry at the commit that close() makes.
  await until('the two views counted', () => store.topicExists('sup-KSTREAM-AGGREGATE-STATE-STORE-0000000001-changelog') && readAll(store, 'sup-KSTREAM-AGGREGATE-STATE-STORE-0000000001-changelog').length >= 1)
  await first.close()
  expect(readAll(store, 'final')).toEqual([])
  await produce(store, 'views', [['q', 'v', w + 11_000]]) // the window [w, w + 10,000) closes with its grace
  const second = new KafkaStreams(build(), {...PROPS, 'application.id': 'sup'}, {dataDir})
  await second.start()
  await until('the final count', () => readAll(store, 'final').length === 1)
  await second.close()
  expect(readAll(store, 'final')).toEqual([`[p@${w}/${w + 10_000}]=2`])
})

test('stream time goes on from the last commit: a record too late before a restart is too late after it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'logpipe-dsl-time-'))
  dirs.push(dataDir)
  const store = Store.open(dataDir)
  for (const t of ['views', 'counts']) store.createTopic(t, 1, 1, {})
  const build = () => {
    const b = new StreamsBuilder()
    b.stream<string, string>('views')
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeAndGrace(2_000, 1_000))
      .count()
      .toStream()
      .map((k, v) => KeyValue.pair(String(k), String(v)))
      .to('counts', Produced.with(S, S))
    return b.build()
  }
  const w = Math.floor(T / 2_000) * 2_000
  await produce(store, 'views', [['p', 'v', w + 5_000]])
  const first = new KafkaStreams(build(), {...PROPS, 'application.id': 'late'}, {dataDir})
  await first.start()
  await until('the first count', () => readAll(store, 'counts').length === 1)
  await first.close()
  // [w, w + 2,000) closed at stream time w + 3,000: this record is late, and still late for the next run.
  await produce(store, 'views', [['p', 'v', w + 500], ['q', 'v', w + 5_001]])
  const second = new KafkaStreams(build(), {...PROPS, 'application.id': 'late'}, {dataDir})
  await second.start()
  await until('the count after the late record', () => readAll(store, 'counts').length >= 2)
  await second.close()
  expect(readAll(store, 'counts')).toEqual([`[p@${w + 4_000}/${w + 6_000}]=1`, `[q@${w + 4_000}/${w + 6_000}]=1`])
})
