/**
 * KafkaStreams over a store: WordCount consumes its topic as the group
 * `application.id`, writes the counts and the changelog, commits, and a
 * second run continues the counts from the changelog (in-memory stores
 * restored), with the repartition and changelog topics Kafka names.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {KafkaStreams, Produced, Serdes, StreamsBuilder} from '../../../src/index.js'
import {Consumer} from '../../../src/core/client/consumer.js'
import {Producer} from '../../../src/core/client/producer.js'
import {Store} from '../../../src/core/store/store.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

function wordCount() {
  const builder = new StreamsBuilder()
  builder
    .stream<string, string>('text')
    .flatMapValues((v) => v.toLowerCase().split(/\W+/))
    .groupBy((_k, word) => word)
    .count()
    .toStream()
    .to('counts', Produced.with(Serdes.String(), Serdes.Long()))
  return builder.build()
}

// No record cache: every update is on `counts`, as the record counts below expect (with it, each word once per commit).
const PROPS = {'application.id': 'wc', 'commit.interval.ms': 50, 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String(), 'statestore.cache.max.bytes': 0}

async function produce(store: Store, topic: string, lines: string[]) {
  const p = new Producer(store, topic)
  await p.send(lines.map((value) => ({value})))
  await p.close()
}

function readAll(store: Store, topic: string): Array<[string, number]> {
  const c = new Consumer(store, [topic])
  const out: Array<[string, number]> = []
  try {
    for (;;) {
      const {records} = c.poll((_a, r) => {
        out.push([r.key()!.toString(), Number(r.value()!.readBigInt64BE(0))])
      })
      if (records === 0 && c.allAtEnd) return out
    }
  } finally {
    c.close()
  }
}

async function until<T>(what: string, check: () => T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = check()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

test('WordCount on the store: counts out, changelog kept, and a restart continues the counts from the changelog', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'logpipe-streams-'))
  dirs.push(dataDir)
  const store = Store.open(dataDir)
  store.createTopic('text', 2, 1, {})
  store.createTopic('counts', 2, 1, {})
  await produce(store, 'text', ['all streams lead to kafka', 'hello kafka streams'])

  const first = new KafkaStreams(wordCount(), PROPS, {dataDir})
  const states: string[] = []
  first.setStateListener((next) => states.push(next))
  await first.start()
  await until('the counts of the first two lines', () => (readAll(store, 'counts').length === 8 ? true : undefined))
  expect(first.keyValueStore<string, number>('KSTREAM-AGGREGATE-STATE-STORE-0000000003').get('kafka')).toBe(2)
  await first.close()
  expect(states).toEqual(['REBALANCING', 'RUNNING', 'PENDING_SHUTDOWN', 'NOT_RUNNING'])
  expect(store.listTopics().sort()).toEqual(['counts', 'text', 'wc-KSTREAM-AGGREGATE-STATE-STORE-0000000003-changelog', 'wc-KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition'])
  expect(store.readTopic('wc-KSTREAM-AGGREGATE-STATE-STORE-0000000003-changelog').config).toMatchObject({'cleanup.policy': 'compact'})

  // A new instance: the store is rebuilt from the changelog, the committed input is not read again.
  await produce(store, 'text', ['join kafka summit'])
  const second = new KafkaStreams(wordCount(), PROPS, {dataDir})
  await second.start()
  await until('the third line\'s counts', () => (readAll(store, 'counts').length === 11 ? true : undefined))
  await second.close()
  const latest = new Map(readAll(store, 'counts'))
  expect(Object.fromEntries(latest)).toEqual({all: 1, streams: 2, lead: 1, to: 1, kafka: 3, hello: 1, join: 1, summit: 1})
})

test('a missing source topic and topics that are not co-partitioned are refused at start', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'logpipe-streams-'))
  dirs.push(dataDir)
  const store = Store.open(dataDir)
  await expect(new KafkaStreams(wordCount(), PROPS, {dataDir}).start()).rejects.toThrow(/source topic text does not exist/)
  store.createTopic('a', 2, 1, {})
  store.createTopic('b', 3, 1, {})
  const b = new StreamsBuilder()
  b.stream('a').merge(b.stream('b')).to('out')
  await expect(new KafkaStreams(b.build(), PROPS, {dataDir}).start()).rejects.toThrow(/not co-partitioned: a has 2, b has 3/)
})
