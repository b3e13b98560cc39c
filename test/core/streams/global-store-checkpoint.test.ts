/**
 * Checkpointed global stores, as Kafka's GlobalStateManagerImpl: a
 * globalTable's store is persistent (Kafka's default), its files under
 * `<state.dir>/<app>/global/<store>/` with Kafka's `.checkpoint` beside
 * them, and a restart reads the global topic only from the checkpointed
 * offsets when the files are there; without them, or with a checkpoint
 * outside the log, the store is read again from the start. In-memory
 * global stores are read from the start at every start.
 */
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {KafkaStreams, Materialized, Serdes, Stores, StreamsBuilder, Topology} from '../../../src/index.js'
import {Producer} from '../../../src/core/client/producer.js'
import {Store} from '../../../src/core/store/store.js'
import type {StateRestoreListener} from '../../../src/core/streams/runtime/state-manager.js'
import {queryStore} from '../../../src/core/streams/runtime/interactive-query.js'
import {readAll} from './read-topic.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

const S = Serdes.String()
const PROPS = {'application.id': 'gs', 'commit.interval.ms': 20, 'default.key.serde': S, 'default.value.serde': S}

async function produce(store: Store, topic: string, records: Array<[string, string | null, number?]>) {
  const p = new Producer(store, topic)
  await p.send(records.map(([key, value, partition]) => ({key: Buffer.from(key), value: value === null ? null : Buffer.from(value), partition})))
  await p.close()
}

function pricing() {
  const b = new StreamsBuilder()
  const rates = b.globalTable<string, string>('rates', undefined, Materialized.as('rates-store'))
  b.stream<string, string>('orders')
    .leftJoin(rates, (_k, currency) => currency, (currency, rate) => `${currency}@${rate}`)
    .to('priced')
  return b.build()
}

/** One run to the end of the orders; what the restore listener was told of the global store, per partition. */
async function run(dataDir: string, topology: Topology, notices: string[] = []) {
  const restores: Array<{partition: number; from: number; to: number; restored?: number}> = []
  const listener: StateRestoreListener = {
    onRestoreStart: (tp, store, from, to) => {
      if (tp.topic === 'rates') restores.push({partition: tp.partition, from, to})
      expect(store).toBe('rates-store')
    },
    onRestoreEnd: (tp, _store, n) => {
      if (tp.topic === 'rates') restores.find((r) => r.partition === tp.partition)!.restored = n
    },
  }
  const streams = new KafkaStreams(topology, PROPS, {dataDir, exitAtEnd: true, onNotice: (m) => notices.push(m)})
  streams.setGlobalStateRestoreListener(listener)
  await streams.start()
  await streams.stopped
  expect(streams.error).toBeNull()
  const table = Object.fromEntries(streams.keyValueStore<string, string>('rates-store').all().map((kv) => [kv.key, kv.value]))
  await streams.close()
  return {restores: restores.sort((a, b) => a.partition - b.partition), table}
}

function setup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'logpipe-global-'))
  dirs.push(dataDir)
  const store = Store.open(dataDir, {create: true})
  store.createTopic('rates', 2, 1, {})
  store.createTopic('orders', 1, 1, {})
  store.createTopic('priced', 1, 1, {})
  return {dataDir, store, globalDir: join(dataDir, 'streams', 'gs', 'global')}
}

test("a globalTable's store is persistent with Kafka's .checkpoint in <state.dir>/<app>/global, and a restart reads its topic only from there", async () => {
  const {dataDir, store, globalDir} = setup()
  await produce(store, 'rates', [['EUR', '1.1', 0], ['GBP', '1.3', 1], ['JPY', '0.007', 0]])
  await produce(store, 'orders', [['o1', 'EUR'], ['o2', 'GBP']])
  const first = await run(dataDir, pricing())
  expect(first.restores).toEqual([{partition: 0, from: 0, to: 2, restored: 2}, {partition: 1, from: 0, to: 1, restored: 1}])
  expect(existsSync(join(globalDir, 'rates-store', 'data.mdb'))).toBe(true)
  expect(readFileSync(join(globalDir, '.checkpoint'), 'utf8')).toBe('0\n2\nrates 0 2\nrates 1 1\n')

  // Two updates while the app was down: the next start reads only those, and the store has the rest from its files.
  await produce(store, 'rates', [['EUR', '1.2', 0], ['CHF', '1.05', 1]])
  await produce(store, 'orders', [['o3', 'EUR'], ['o4', 'JPY'], ['o5', 'CHF']])
  const second = await run(dataDir, pricing())
  expect(second.restores).toEqual([{partition: 0, from: 2, to: 3, restored: 1}, {partition: 1, from: 1, to: 2, restored: 1}])
  expect(second.table).toEqual({EUR: '1.2', GBP: '1.3', JPY: '0.007', CHF: '1.05'})
  expect(readAll(store, 'priced')).toEqual(['o1=EUR@1.1', 'o2=GBP@1.3', 'o3=EUR@1.2', 'o4=JPY@0.007', 'o5=CHF@1.05'])
  expect(readFileSync(join(globalDir, '.checkpoint'), 'utf8')).toBe('0\n2\nrates 0 3\nrates 1 2\n')
  // stream query reads it where the app keeps it.
  const q = queryStore({stateDir: join(dataDir, 'streams'), applicationId: 'gs', store: 'rates-store', kind: 'key-value', keySerde: S, valueSerde: S, key: 'EUR'})
  expect(q.map((e) => [e.task, e.value])).toEqual([['global', '1.2']])
})

test('without its files, or with a checkpoint outside the log, the global store is read again from the start', async () => {
  const {dataDir, store, globalDir} = setup()
  await produce(store, 'rates', [['EUR', '1.1', 0], ['GBP', '1.3', 1], ['EUR', null, 0], ['USD', '1', 0]])
  await run(dataDir, pricing())
  // The files removed by hand, the checkpoint left: a checkpoint says nothing without them.
  rmSync(join(globalDir, 'rates-store'), {recursive: true})
  const again = await run(dataDir, pricing())
  expect(again.restores).toEqual([{partition: 0, from: 0, to: 3, restored: 3}, {partition: 1, from: 0, to: 1, restored: 1}])
  expect(again.table).toEqual({GBP: '1.3', USD: '1'})
  // A checkpoint past the log's end (the topic made again, say): the files are wiped and the topic read whole.
  writeFileSync(join(globalDir, '.checkpoint'), '0\n2\nrates 0 99\nrates 1 1\n')
  const notices: string[] = []
  const past = await run(dataDir, pricing(), notices)
  expect(past.restores).toEqual([{partition: 0, from: 0, to: 3, restored: 3}, {partition: 1, from: 0, to: 1, restored: 1}])
  expect(past.table).toEqual({GBP: '1.3', USD: '1'})
  expect(notices.some((n) => n.includes('its checkpoint of rates/0 (99) is outside the log (0..3)'))).toBe(true)
})

test('an in-memory global store (Topology.addGlobalStore) is read from the start at every start, and not checkpointed', async () => {
  const {dataDir, store, globalDir} = setup()
  await produce(store, 'rates', [['EUR', '1.1', 0], ['GBP', '1.3', 1]])
  const topology = () => {
    const t = new Topology()
    t.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('rates-store'), S, S), 'rates-source', S, S, 'rates', 'rates-put', () => {
      let kv: {put(k: unknown, v: unknown): void}
      return {
        init: (ctx) => {
          kv = ctx.getStateStore('rates-store')
        },
        process: (r) => kv.put(r.key(), r.value()),
      }
    })
    t.addSource('orders-source', 'orders')
    t.addProcessor('noop', () => ({process: () => {}}), 'orders-source')
    return t
  }
  const first = await run(dataDir, topology())
  expect(first.restores).toEqual([{partition: 0, from: 0, to: 1, restored: 1}, {partition: 1, from: 0, to: 1, restored: 1}])
  const second = await run(dataDir, topology())
  expect(second.restores).toEqual(first.restores)
  expect(second.table).toEqual({EUR: '1.1', GBP: '1.3'})
  expect(existsSync(join(globalDir, '.checkpoint'))).toBe(false)
})

test('a second instance on the same state.dir keeps the global store in memory and reads it from the start, leaving the files to the first', async () => {
  const {dataDir, store, globalDir} = setup()
  await produce(store, 'rates', [['EUR', '1.1', 0], ['GBP', '1.3', 1]])
  await run(dataDir, pricing())
  // The directory held by a live process that is not this one: its pid is ours' parent's.
  writeFileSync(join(globalDir, '.lock'), `${process.ppid}\n`)
  const notices: string[] = []
  const other = await run(dataDir, pricing(), notices)
  expect(other.restores).toEqual([{partition: 0, from: 0, to: 1, restored: 1}, {partition: 1, from: 0, to: 1, restored: 1}])
  expect(other.table).toEqual({EUR: '1.1', GBP: '1.3'})
  expect(notices.some((n) => n.includes('another instance on this state.dir holds'))).toBe(true)
  expect(readFileSync(join(globalDir, '.checkpoint'), 'utf8')).toBe('0\n2\nrates 0 1\nrates 1 1\n')
})
