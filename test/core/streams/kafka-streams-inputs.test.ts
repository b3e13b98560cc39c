/**
 * What KafkaStreams reads, on a store: global tables filled from every
 * partition before processing and kept up to date, pattern sources that
 * pick up topics created later, Repartitioned's partition count, records
 * of a task's partitions taken in timestamp order (Kafka's
 * PartitionGroup), and TableJoined's partitioners in a foreign-key join
 * over tables that are not partitioned by murmur2.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {KafkaStreams, Materialized, Repartitioned, Serdes, StreamsBuilder, TableJoined, type Topology} from '../../../src/index.js'
import {Consumer} from '../../../src/core/client/consumer.js'
import {murmur2, toPositive} from '../../../src/core/client/murmur2.js'
import {Producer} from '../../../src/core/client/producer.js'
import {Store} from '../../../src/core/store/store.js'
import {GroupAdmin} from '../../../src/core/group/group-admin.js'

const dirs: string[] = []
const running: KafkaStreams[] = []
afterEach(async () => {
  for (const s of running.splice(0)) await s.close()
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

const S = Serdes.String()
// Recent timestamps: records stamped in 1970 would be past the topics' retention.
const T0 = Date.now() - 60_000
const PROPS = {'application.id': 'inputs', 'commit.interval.ms': 50, 'default.key.serde': S, 'default.value.serde': S}

function newStore(): {dataDir: string; store: Store} {
  const dataDir = mkdtempSync(join(tmpdir(), 'logpipe-streams-'))
  dirs.push(dataDir)
  return {dataDir, store: Store.open(dataDir)}
}

async function produce(store: Store, topic: string, records: Array<{key?: string; value: string; timestamp?: number; partition?: number}>) {
  const p = new Producer(store, topic)
  await p.send(records.map((r) => ({key: r.key === undefined ? null : Buffer.from(r.key), value: Buffer.from(r.value), timestamp: r.timestamp, partition: r.partition})))
  await p.close()
}

function readAll(store: Store, topic: string): Array<[string | null, string | null]> {
  const c = new Consumer(store, [topic])
  const out: Array<[string | null, string | null]> = []
  try {
    for (;;) {
      const {records} = c.poll((_a, r) => {
        out.push([r.key()?.toString() ?? null, r.value()?.toString() ?? null])
      })
      if (records === 0 && c.allAtEnd) return out
    }
  } finally {
    c.close()
  }
}

async function runToEnd(topology: Topology, dataDir: string, props = PROPS) {
  const streams = new KafkaStreams(topology, props, {dataDir, exitAtEnd: true})
  running.push(streams)
  await streams.start()
  await streams.stopped
  if (streams.error) throw streams.error
  return streams
}

function globalValue(streams: KafkaStreams, key: string): string | null {
  return streams.keyValueStore<string, string>('rates-store').get(key)
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

test('a global table is read from all its partitions before processing starts, and kept up to date', async () => {
  const {dataDir, store} = newStore()
  store.createTopic('rates', 3, 1, {})
  store.createTopic('orders', 1, 1, {})
  store.createTopic('priced', 1, 1, {})
  await produce(store, 'rates', [
    {key: 'EUR', value: '1.1', partition: 0},
    {key: 'GBP', value: '1.3', partition: 1},
    {key: 'JPY', value: '0.007', partition: 2},
  ])
  await produce(store, 'orders', [
    {key: 'o1', value: 'EUR'},
    {key: 'o2', value: 'GBP'},
    {key: 'o3', value: 'JPY'},
    {key: 'o4', value: 'CHF'},
  ])
  const b = new StreamsBuilder()
  const rates = b.globalTable<string, string>('rates', undefined, Materialized.as('rates-store'))
  b.stream<string, string>('orders')
    .leftJoin(rates, (_k, currency) => currency, (currency, rate) => `${currency}@${rate}`)
    .to('priced')
  const streams = new KafkaStreams(b.build(), PROPS, {dataDir})
  running.push(streams)
  await streams.start()
  await until('the four orders priced', () => (readAll(store, 'priced').length === 4 ? true : undefined))
  expect(readAll(store, 'priced')).toEqual([['o1', 'EUR@1.1'], ['o2', 'GBP@1.3'], ['o3', 'JPY@0.007'], ['o4', 'CHF@null']])
  // An update of the global topic while the app runs reaches the store every task reads.
  await produce(store, 'rates', [{key: 'CHF', value: '1.05', partition: 2}])
  await until('the global store to have CHF', () => (globalValue(streams, 'CHF') === '1.05' ? true : undefined))
  await produce(store, 'orders', [{key: 'o5', value: 'CHF'}])
  await until('o5 priced', () => (readAll(store, 'priced').length === 5 ? true : undefined))
  expect(readAll(store, 'priced')[4]).toEqual(['o5', 'CHF@1.05'])
  expect(streams.taskIds()).toEqual(['1_0'])
})

test('a pattern source reads every matching topic, and one created while the app runs', async () => {
  const {dataDir, store} = newStore()
  store.createTopic('events-a', 2, 1, {})
  store.createTopic('other', 2, 1, {})
  store.createTopic('all-events', 1, 1, {})
  await produce(store, 'events-a', [{key: 'k', value: 'a1'}])
  await produce(store, 'other', [{key: 'k', value: 'not me'}])
  const b = new StreamsBuilder()
  b.stream<string, string>(/events-.*/).mapValues((v) => v.toUpperCase()).to('all-events')
  const topology = b.build()
  expect(topology.describe().toString()).toContain('Source: KSTREAM-SOURCE-0000000000 (topics: events-.*)')
  const streams = new KafkaStreams(topology, PROPS, {dataDir})
  running.push(streams)
  await streams.start()
  await until('a1', () => (readAll(store, 'all-events').length === 1 ? true : undefined))
  store.createTopic('events-b', 2, 1, {})
  await produce(store, 'events-b', [{key: 'k', value: 'b1'}])
  await until('b1 from the new topic', () => (readAll(store, 'all-events').length === 2 ? true : undefined))
  // The whole name must match, as Kafka's Pattern.matches: "all-events" (the output) is not read.
  expect(readAll(store, 'all-events').map((r) => r[1])).toEqual(['A1', 'B1'])
})

test('Repartitioned.numberOfPartitions creates the repartition topic with that many partitions', async () => {
  const {dataDir, store} = newStore()
  store.createTopic('in', 1, 1, {})
  store.createTopic('out', 1, 1, {})
  await produce(store, 'in', ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => ({key: k, value: k})))
  const b = new StreamsBuilder()
  b.stream<string, string>('in').repartition(Repartitioned.numberOfPartitions<string, string>(3).withName('spread')).to('out')
  const streams = await runToEnd(b.build(), dataDir)
  expect(store.readTopic('inputs-spread-repartition').partitions).toBe(3)
  expect(readAll(store, 'out').map((r) => r[0]).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
  // Sub-topology 1 reads the repartition topic: one task per partition of it.
  expect(streams.taskIds()).toEqual(['0_0', '1_0', '1_1', '1_2'])
  // Asking again with another count is refused: the topic exists with 3.
  const other = new StreamsBuilder()
  other.stream<string, string>('in').repartition(Repartitioned.numberOfPartitions<string, string>(5).withName('spread')).to('out')
  await expect(new KafkaStreams(other.build(), PROPS, {dataDir}).start()).rejects.toThrow(/inputs-spread-repartition has 3 partitions, but Repartitioned asks for 5/)
  expect(() => Repartitioned.numberOfPartitions(0)).toThrow(/positive integer/)
})

test("a task's records are processed in timestamp order across its partitions (PartitionGroup)", async () => {
  const {dataDir, store} = newStore()
  store.createTopic('left', 1, 1, {})
  store.createTopic('right', 1, 1, {})
  store.createTopic('merged', 1, 1, {})
  await produce(store, 'left', [1, 3, 5, 7].map((t) => ({key: 'l', value: `L${t}`, timestamp: T0 + t})))
  await produce(store, 'right', [2, 4, 6, 8].map((t) => ({key: 'r', value: `R${t}`, timestamp: T0 + t})))
  const b = new StreamsBuilder()
  b.stream<string, string>('left').merge(b.stream<string, string>('right')).to('merged')
  await runToEnd(b.build(), dataDir)
  expect(readAll(store, 'merged').map((r) => r[1])).toEqual(['L1', 'R2', 'L3', 'R4', 'L5', 'R6', 'L7', 'R8'])
})

test('max.task.idle.ms -1 still orders what is buffered; the offsets committed at the end cover every record', async () => {
  const {dataDir, store} = newStore()
  store.createTopic('left', 1, 1, {})
  store.createTopic('right', 1, 1, {})
  store.createTopic('merged', 1, 1, {})
  await produce(store, 'left', [10, 30].map((t) => ({key: 'l', value: `L${t}`, timestamp: T0 + t})))
  await produce(store, 'right', [20, 40].map((t) => ({key: 'r', value: `R${t}`, timestamp: T0 + t})))
  const b = new StreamsBuilder()
  b.stream<string, string>('left').merge(b.stream<string, string>('right')).to('merged')
  await runToEnd(b.build(), dataDir, {...PROPS, 'max.task.idle.ms': -1})
  expect(readAll(store, 'merged').map((r) => r[1])).toEqual(['L10', 'R20', 'L30', 'R40'])
  // Everything was processed, so the group's offsets are at the ends: a second run reads nothing again.
  const again = new StreamsBuilder()
  again.stream<string, string>('left').merge(again.stream<string, string>('right')).to('merged')
  await runToEnd(again.build(), dataDir)
  expect(readAll(store, 'merged')).toHaveLength(4)
})

test('records waiting for another partition are not committed: a stop while they wait leaves them to the next run', async () => {
  const {dataDir, store} = newStore()
  store.createTopic('left', 1, 1, {})
  store.createTopic('right', 1, 1, {})
  store.createTopic('merged', 1, 1, {})
  await produce(store, 'left', [1, 2, 3].map((t) => ({key: 'l', value: `L${t}`, timestamp: T0 + t})))
  const b = () => {
    const builder = new StreamsBuilder()
    builder.stream<string, string>('left').merge(builder.stream<string, string>('right')).to('merged')
    return builder.build()
  }
  // An hour's idle time: the empty right partition holds the task, so the left records wait in its queue.
  const waiting = new KafkaStreams(b(), {...PROPS, 'max.task.idle.ms': 3_600_000}, {dataDir})
  running.push(waiting)
  await waiting.start()
  const admin = new GroupAdmin(store)
  // The first round reads left before it commits: once anything is committed, the records were waiting.
  const committed = await until('a commit', () => {
    const rows = admin.committedOffsets('inputs')
    return rows.some((r) => r.offset !== null) ? rows : undefined
  })
  expect(committed.find((r) => r.topic === 'left')?.offset ?? 0).toBe(0)
  expect(readAll(store, 'merged')).toEqual([])
  await waiting.close()
  expect(admin.committedOffsets('inputs').find((r) => r.topic === 'left')?.offset ?? 0).toBe(0)
  // The next run (no idle time) starts at the first waiting record: none is skipped.
  await runToEnd(b(), dataDir)
  expect(readAll(store, 'merged').map((r) => r[1])).toEqual(['L1', 'L2', 'L3'])
})

test('TableJoined: the partitioners place subscriptions and answers where tables not partitioned by murmur2 have their rows', async () => {
  const customers = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6']
  // The customers all live in partition 1; murmur2 would put some of them in partition 0.
  const murmurZero = customers.filter((c) => toPositive(murmur2(Buffer.from(c))) % 2 === 0)
  expect(murmurZero.length).toBeGreaterThan(0)
  async function run(tableJoined: boolean) {
    const {dataDir, store} = newStore()
    store.createTopic('orders', 2, 1, {})
    store.createTopic('customers', 2, 1, {})
    store.createTopic('enriched', 1, 1, {})
    await produce(store, 'customers', customers.map((c) => ({key: c, value: `name-${c}`, partition: 1})))
    await produce(store, 'orders', customers.map((c, i) => ({key: `o${i}`, value: c, partition: 0})))
    const b = new StreamsBuilder()
    const orders = b.table<string, string>('orders')
    const people = b.table<string, string>('customers')
    const joined = TableJoined.with<string, string>(() => 0, () => 1).withName('order-customer')
    const joiner = (order: string, name: string) => `${order}:${name}`
    ;(tableJoined ? orders.join(people, (v: string) => v, joiner, joined) : orders.join(people, (v: string) => v, joiner)).toStream().to('enriched')
    const topology = b.build()
    await runToEnd(topology, dataDir)
    return {out: readAll(store, 'enriched'), text: topology.describe().toString()}
  }
  const placed = await run(true)
  expect(placed.out.map((r) => r[1]).sort()).toEqual(customers.map((c) => `${c}:name-${c}`))
  expect(placed.text).toContain('order-customer-subscription-registration-sink (topic: order-customer-subscription-registration-topic)')
  const murmured = await run(false)
  expect(murmured.out.map((r) => r[1]).sort()).toEqual(customers.filter((c) => !murmurZero.includes(c)).map((c) => `${c}:name-${c}`))
})

test('max.poll.records bounds a poll: with 1 and commit.interval.ms 0 each record is committed before the next is processed; unbounded, one poll takes all', async () => {
  const {dataDir, store} = newStore()
  store.createTopic('mp-in', 1, 1, {})
  store.createTopic('mp-out', 1, 1, {})
  await produce(store, 'mp-in', Array.from({length: 5}, (_, i) => ({value: `v${i}`})))
  const admin = new GroupAdmin(store)
  const run = async (appId: string, props: Record<string, unknown>) => {
    // Per record, the group's committed offset when it is processed.
    const seen: Array<number | null> = []
    const b = new StreamsBuilder()
    b.stream<string, string>('mp-in')
      .peek(() => seen.push(admin.committedOffsets(appId).find((r) => r.topic === 'mp-in')?.offset ?? null))
      .to('mp-out')
    await runToEnd(b.build(), dataDir, {...PROPS, 'application.id': appId, 'commit.interval.ms': 0, ...props})
    return seen
  }
  expect(await run('mp-one', {'max.poll.records': 1})).toEqual([null, 1, 2, 3, 4])
  expect(await run('mp-all', {'max.poll.records': 1000})).toEqual([null, null, null, null, null])
  expect(() => new KafkaStreams(new StreamsBuilder().build(), {...PROPS, 'max.poll.records': 0})).toThrow(/max.poll.records must be at least 1/)
})

test('records read by serdes that keep nothing of the bytes are lent views of the read buffer; ByteArray values a processor keeps stay what was read', async () => {
  const {dataDir, store} = newStore()
  store.createTopic('raw', 1, 1, {})
  store.createTopic('text', 1, 1, {})
  // Enough records for several read buffers: a view kept past its record would show later bytes.
  const input = Array.from({length: 20_000}, (_, i) => ({key: `k${i}`, value: `value-${i}-${'x'.repeat(i % 300)}`, timestamp: T0}))
  await produce(store, 'raw', input)
  await produce(store, 'text', input)
  const kept: Buffer[] = []
  const strings: string[] = []
  const builder = new StreamsBuilder()
  builder.stream<string, Buffer>('raw', {valueSerde: Serdes.ByteArray()}).foreach((_k, v) => kept.push(v))
  builder.stream<string, string>('text', {valueSerde: S}).foreach((_k, v) => strings.push(v))
  const s = new KafkaStreams(builder.build(), {...PROPS, 'application.id': 'lent'}, {dataDir, exitAtEnd: true})
  running.push(s)
  await s.start()
  await s.stopped
  expect(s.error).toBeNull()
  expect(kept.map((b) => b.toString())).toEqual(input.map((r) => r.value))
  expect(strings).toEqual(input.map((r) => r.value))
})
