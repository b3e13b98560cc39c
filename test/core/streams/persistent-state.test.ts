/**
 * Persistent state: the lmdb bytes store (waiting writes merged into reads
 * and ranges, only flushed writes survive a reopen), Kafka's .checkpoint
 * file, and KafkaStreams' use of them: stores under
 * `<state.dir>/<app>/<task>/<store>/`, a restart restoring only from the
 * checkpoint, changelog records past the last commit (a crashed run's)
 * not restored and logged back over, and a standby copy that lets a
 * takeover restore only the tail.
 */
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {KafkaStreams, Materialized, Produced, Serdes, SessionWindows, StreamsBuilder, TimeWindows} from '../../../src/index.js'
import {queryStore} from '../../../src/core/streams/runtime/interactive-query.js'
import {Consumer} from '../../../src/core/client/consumer.js'
import {Producer} from '../../../src/core/client/producer.js'
import {Store} from '../../../src/core/store/store.js'
import {readCheckpoint, writeCheckpoint} from '../../../src/core/streams/state/offset-checkpoint.js'
import {PersistentBytesStore} from '../../../src/core/streams/state/persistent-bytes-store.js'
import {lockedByOther, lockTaskDir} from '../../../src/core/streams/runtime/state-manager.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'logpipe-state-'))
  dirs.push(d)
  return d
}

const b = (s: string) => Buffer.from(s)

test('the lmdb bytes store: reads see waiting writes, ranges are in key-byte order, only flushed writes survive a reopen', () => {
  const dir = join(tmp(), 's')
  const s = new PersistentBytesStore(dir)
  s.put(b('b'), {value: b('2'), timestamp: 20})
  s.put(b('a'), {value: b('1'), timestamp: 10})
  s.flush()
  s.put(b('c'), {value: b('3'), timestamp: 30})
  s.put(b('a'), null)
  s.put(b('ab'), {value: b('x'), timestamp: 5})
  expect(s.get(b('a'))).toBeUndefined()
  expect(s.get(b('b'))).toEqual({value: b('2'), timestamp: 20})
  expect([...s.range(null, null)].map(([k, e]) => [k.toString(), e.value.toString()])).toEqual([['ab', 'x'], ['b', '2'], ['c', '3']])
  expect([...s.range(b('ab'), b('b'))].map(([k]) => k.toString())).toEqual(['ab', 'b'])
  expect([...s.range(null, b('b'), true)].map(([k]) => k.toString())).toEqual(['b', 'ab'])
  expect(s.size).toBe(3)
  s.close()
  const again = new PersistentBytesStore(dir)
  // The unflushed delete of a, and c and ab, are gone: the files are as of the last flush.
  expect([...again.range(null, null)].map(([k, e]) => [k.toString(), e.value.toString(), e.timestamp])).toEqual([['a', '1', 10], ['b', '2', 20]])
  again.close()
  const ro = new PersistentBytesStore(dir, {readOnly: true})
  expect(ro.get(b('b'))?.value.toString()).toBe('2')
  ro.close()
})

test('a new or cleared lmdb store answers misses without lmdb until its first flush, and reads what it flushed; a read-only one reads the files', () => {
  const dir = join(tmp(), 'fresh')
  const s = new PersistentBytesStore(dir)
  expect(s.get(b('k'))).toBeUndefined()
  s.put(b('k'), {value: b('v'), timestamp: 1})
  s.flush()
  // Past the flush the pending writes are gone: this read is lmdb's.
  expect(s.get(b('k'))).toEqual({value: b('v'), timestamp: 1})
  // A reader opened on the files beside the writer (an interactive query) reads them, not its own idea of them.
  s.put(b('later'), {value: b('w'), timestamp: 2})
  s.flush()
  const ro = new PersistentBytesStore(dir, {readOnly: true})
  expect(ro.get(b('later'))?.value.toString()).toBe('w')
  expect(ro.get(b('nothing'))).toBeUndefined()
  ro.close()
  s.clear()
  expect(s.get(b('k'))).toBeUndefined()
  s.put(b('k2'), {value: b('v2'), timestamp: 2})
  s.flush()
  expect(s.get(b('k2'))?.value.toString()).toBe('v2')
  s.close()
  const reopened = new PersistentBytesStore(dir)
  expect(reopened.get(b('k2'))?.value.toString()).toBe('v2')
  expect(reopened.get(b('k'))).toBeUndefined()
  reopened.close()
})

test(".checkpoint is Kafka's format, and anything else read back is no checkpoint", () => {
  const dir = tmp()
  writeCheckpoint(dir, new Map([['app-s-changelog 3', 42]]))
  expect(readFileSync(join(dir, '.checkpoint'), 'utf8')).toBe('0\n1\napp-s-changelog 3 42\n')
  expect(readCheckpoint(dir)).toEqual(new Map([['app-s-changelog 3', 42]]))
  for (const bad of ['', '1\n1\nt 0 1\n', '0\n2\nt 0 1\n', '0\n1\nt x 1\n', '0\n1\nt 0 -1\n']) {
    writeFileSync(join(dir, '.checkpoint'), bad)
    expect(readCheckpoint(dir)).toBeNull()
  }
  expect(readCheckpoint(tmp())).toBeNull()
})

function wordCount(storeName = 'counts-store') {
  const builder = new StreamsBuilder()
  builder
    .stream<string, string>('text')
    .flatMapValues((v) => v.toLowerCase().split(/\W+/))
    .groupBy((_k, word) => word)
    .count(Materialized.as<string, number>(storeName).withValueSerde(Serdes.Long()))
    .toStream()
    .to('counts', Produced.with(Serdes.String(), Serdes.Long()))
  return builder.build()
}

async function produce(store: Store, topic: string, records: Array<{key?: string; value: string | Buffer | null; partition?: number}>) {
  const p = new Producer(store, topic)
  await p.send(records.map((r) => ({key: r.key === undefined ? null : Buffer.from(r.key), value: typeof r.value === 'string' ? Buffer.from(r.value) : r.value, partition: r.partition})))
  await p.close()
}

function readAll(store: Store, topic: string): Array<{key: string; value: Buffer | null; offset: number}> {
  const c = new Consumer(store, [topic])
  const out: Array<{key: string; value: Buffer | null; offset: number}> = []
  try {
    for (;;) {
      const {records} = c.poll((_a, r) => {
        out.push({key: r.key()!.toString(), value: r.value() === null ? null : Buffer.from(r.value()!), offset: r.offset})
      })
      if (records === 0 && c.allAtEnd) return out
    }
  } finally {
    c.close()
  }
}

function latestCounts(store: Store, topic: string): Record<string, number | null> {
  const out: Record<string, number | null> = {}
  for (const r of readAll(store, topic)) out[r.key] = r.value === null ? null : Number(r.value.readBigInt64BE(0))
  return out
}

async function runToEnd(dataDir: string, props: Record<string, unknown>, topology = wordCount(), listener?: Parameters<KafkaStreams['setGlobalStateRestoreListener']>[0]) {
  const streams = new KafkaStreams(topology, props, {dataDir, exitAtEnd: true})
  if (listener) streams.setGlobalStateRestoreListener(listener)
  await streams.start()
  await streams.stopped
  expect(streams.error).toBeNull()
  const seen = streams.keyValueStore<string, number>('counts-store').all()
  await streams.close()
  return seen
}

test('WordCount with a persistent store: files and .checkpoint under state.dir, a restart restores nothing, and a crashed run’s changelog tail is not restored but logged back over', async () => {
  const dataDir = tmp()
  const store = Store.open(dataDir, {create: true})
  store.createTopic('text', 1, 1, {})
  store.createTopic('counts', 1, 1, {})
  const props = {'application.id': 'wc', 'commit.interval.ms': 50, 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String()}
  await produce(store, 'text', [{value: 'all streams lead to kafka'}, {value: 'hello kafka streams'}])
  await runToEnd(dataDir, props)

  const taskDir = join(dataDir, 'streams', 'wc', '1_0')
  expect(existsSync(join(taskDir, 'counts-store', 'data.mdb'))).toBe(true)
  const changelog = 'wc-counts-store-changelog'
  const logged = readAll(store, changelog).length
  expect(readFileSync(join(taskDir, '.checkpoint'), 'utf8')).toBe(`0\n1\n${changelog} 0 ${logged}\n`)

  // A second run with new input restores nothing: the files are as of the checkpoint, which is the changelog's end.
  const restored: Array<[string, number, number]> = []
  await produce(store, 'text', [{value: 'join kafka summit'}])
  await runToEnd(dataDir, props, wordCount(), {onRestoreStart: (_tp, s, from, to) => restored.push([s, from, to]), onRestoreEnd: (_tp, s, n) => restored.push([s, n, -1])})
  expect(restored).toEqual([['counts-store', logged, logged], ['counts-store', 0, -1]])
  expect(latestCounts(store, 'counts')).toMatchObject({kafka: 3, streams: 2, all: 1, join: 1, summit: 1})

  // A run that crashed after logging but before committing left records past the committed offset: kafka 999, a new word.
  const committedEnd = readAll(store, changelog).length
  const long = (n: number) => {
    const v = Buffer.alloc(8)
    v.writeBigInt64BE(BigInt(n))
    return v
  }
  await produce(store, changelog, [{key: 'kafka', value: long(999)}, {key: 'ghost', value: long(1)}])
  // And its files are gone (a wiped state dir): the task restores from the changelog, up to the committed offset only.
  rmSync(join(dataDir, 'streams'), {recursive: true})
  const seen = await runToEnd(dataDir, props)
  expect(Object.fromEntries(seen.map((kv) => [kv.key, kv.value]))).toMatchObject({kafka: 3, streams: 2})
  expect(seen.find((kv) => kv.key === 'ghost')).toBeUndefined()
  // The tail was logged back over: the changelog's last word on each key is the committed state again.
  const after = readAll(store, changelog)
  expect(after.length).toBe(committedEnd + 4)
  expect(latestCounts(store, changelog)).toMatchObject({kafka: 3, ghost: null})
})

test('a standby keeps a warm copy of the task it does not run, so taking it over restores from its checkpoint, not from the start', async () => {
  const dataDir = tmp()
  const store = Store.open(dataDir, {create: true})
  store.createTopic('text', 2, 1, {})
  store.createTopic('counts', 2, 1, {})
  await produce(store, 'text', Array.from({length: 40}, (_, i) => ({key: `k${i}`, value: `w${i % 7} common`, partition: i % 2})))
  const base = {'application.id': 'sb', 'commit.interval.ms': 20, 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String(), 'num.standby.replicas': 1}
  const a = new KafkaStreams(wordCount(), {...base, 'state.dir': join(dataDir, 'state-a')}, {dataDir})
  await a.start()
  const starts: Array<{task: number; from: number}> = []
  const b2 = new KafkaStreams(wordCount(), {...base, 'state.dir': join(dataDir, 'state-b')}, {dataDir})
  b2.setGlobalStateRestoreListener({onRestoreStart: (tp, _s, from) => starts.push({task: tp.partition, from})})
  await b2.start()
  const deadline = Date.now() + 20_000
  // Both hold tasks; each keeps the other's count task warm.
  while (!(a.taskIds().length > 0 && b2.taskIds().length > 0 && b2.standbyTaskIds().length > 0)) {
    if (Date.now() > deadline) throw new Error(`no split: a ${a.taskIds()} b ${b2.taskIds()} standby ${b2.standbyTaskIds()}`)
    await new Promise((r) => setTimeout(r, 20))
  }
  const warm = b2.standbyTaskIds().filter((id) => id.startsWith('1_'))
  expect(warm.length).toBeGreaterThan(0)
  for (const id of warm) expect(a.taskIds()).toContain(id)
  // Wait until the standby copy has caught up with what a committed.
  const total = () => readAll(store, 'sb-counts-store-changelog').length
  while (!warm.every((id) => readCheckpoint(join(dataDir, 'state-b', 'sb', id))?.size === 1 && [...readCheckpoint(join(dataDir, 'state-b', 'sb', id))!.values()][0] > 0)) {
    if (Date.now() > deadline) throw new Error('the standby did not catch up')
    await new Promise((r) => setTimeout(r, 20))
  }
  expect(total()).toBeGreaterThan(0)
  starts.length = 0
  await a.close()
  while (!warm.every((id) => b2.taskIds().includes(id))) {
    if (Date.now() > deadline) throw new Error('b did not take over')
    await new Promise((r) => setTimeout(r, 20))
  }
  for (const id of warm) {
    const s = starts.find((x) => x.task === Number(id.split('_')[1]))
    expect(s?.from).toBeGreaterThan(0)
  }
  await produce(store, 'text', [{key: 'z', value: 'common', partition: 0}, {key: 'y', value: 'common', partition: 1}])
  while (latestCounts(store, 'counts').common !== 42) {
    if (Date.now() > deadline) throw new Error(`counts: ${JSON.stringify(latestCounts(store, 'counts'))}`)
    await new Promise((r) => setTimeout(r, 20))
  }
  await b2.close()
  // Each instance's files are in its own state.dir: b's has the count tasks it kept warm and then ran.
  for (const id of warm) expect(readdirSync(join(dataDir, 'state-b', 'sb', id))).toContain('counts-store')
})

test('the record cache: a caching count forwards and logs each word once per commit; withCachingDisabled or a cache of 0 forwards every update', async () => {
  const lines = [{value: 'a b a'}, {value: 'b a c'}, {value: 'a'}]
  const run = async (props: Record<string, unknown>, caching: boolean) => {
    const dataDir = tmp()
    const store = Store.open(dataDir, {create: true})
    store.createTopic('text', 1, 1, {})
    store.createTopic('counts', 1, 1, {})
    await produce(store, 'text', lines)
    const builder = new StreamsBuilder()
    const m = Materialized.as<string, number>('counts-store').withValueSerde(Serdes.Long())
    builder
      .stream<string, string>('text')
      .flatMapValues((v) => v.split(' '))
      .groupBy((_k, w) => w)
      .count(caching ? m : m.withCachingDisabled())
      .toStream()
      .to('counts', Produced.with(Serdes.String(), Serdes.Long()))
    await runToEnd(dataDir, {'application.id': 'cache', 'commit.interval.ms': 600_000, 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String(), ...props}, builder.build())
    const out = readAll(store, 'counts').map((r) => `${r.key}=${Number(r.value!.readBigInt64BE(0))}`)
    return {out, changelog: readAll(store, 'cache-counts-store-changelog').length}
  }
  const cached = await run({}, true)
  expect(cached.out.sort()).toEqual(['a=4', 'b=2', 'c=1'])
  expect(cached.changelog).toBe(3)
  const every = ['a=1', 'b=1', 'a=2', 'b=2', 'a=3', 'c=1', 'a=4']
  expect((await run({}, false)).out).toEqual(every)
  expect((await run({'statestore.cache.max.bytes': 0}, true)).out).toEqual(every)
  expect((await run({'cache.max.bytes.buffering': 0}, true)).out).toEqual(every)
  // A cache too small for two keys evicts as it goes: fewer forwards than updates, the same final counts.
  const tiny = await run({'statestore.cache.max.bytes': 160}, true)
  expect(tiny.out.length).toBeLessThan(every.length)
  expect(Object.fromEntries(tiny.out.map((s) => s.split('=')))).toEqual({a: '4', b: '2', c: '1'})
})

test('num.standby.replicas=1 over three instances: each count task has one standby, on an instance that does not run it; when one instance leaves, its tasks and standbys are placed on the other two', async () => {
  const dataDir = tmp()
  const store = Store.open(dataDir, {create: true})
  store.createTopic('text', 3, 1, {})
  store.createTopic('counts', 3, 1, {})
  await produce(store, 'text', Array.from({length: 60}, (_, i) => ({key: `k${i}`, value: `w${i % 7} common`, partition: i % 3})))
  const base = {'application.id': 'sb3', 'commit.interval.ms': 20, 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String(), 'num.standby.replicas': 1}
  const apps = ['a', 'b', 'c'].map((n) => new KafkaStreams(wordCount(), {...base, 'state.dir': join(dataDir, `state-${n}`)}, {dataDir}))
  for (const app of apps) await app.start()
  const countTasks = ['1_0', '1_1', '1_2']
  const deadline = Date.now() + 30_000
  /** Whether the running apps split the count tasks, each kept warm by exactly one other of them. */
  const settled = (running: KafkaStreams[]) =>
    countTasks.every((id) => {
      const active = running.filter((x) => x.taskIds().includes(id))
      const standby = running.filter((x) => x.standbyTaskIds().includes(id))
      return active.length === 1 && standby.length === 1 && active[0] !== standby[0]
    }) && running.every((x) => x.standbyTaskIds().every((id) => countTasks.includes(id)))
  const describe = (running: KafkaStreams[]) => running.map((x) => `tasks ${x.taskIds()} standbys ${x.standbyTaskIds()}`).join('; ')
  while (!settled(apps) || !apps.every((x) => x.taskIds().some((id) => id.startsWith('1_')))) {
    if (Date.now() > deadline) throw new Error(`not settled: ${describe(apps)}`)
    await new Promise((r) => setTimeout(r, 20))
  }
  // A standby copy is only where it was placed: three instances, one copy each.
  expect(apps.map((x) => x.standbyTaskIds().length).reduce((x, y) => x + y)).toBe(3)
  await apps[2].close()
  const rest = apps.slice(0, 2)
  while (!settled(rest)) {
    if (Date.now() > deadline) throw new Error(`not settled after c left: ${describe(rest)}`)
    await new Promise((r) => setTimeout(r, 20))
  }
  await produce(store, 'text', [{key: 'z', value: 'common', partition: 0}])
  while (latestCounts(store, 'counts').common !== 61) {
    if (Date.now() > deadline) throw new Error(`counts: ${JSON.stringify(latestCounts(store, 'counts'))}`)
    await new Promise((r) => setTimeout(r, 20))
  }
  for (const app of rest) await app.close()
})

test("a task directory another live process runs is not used for a standby copy; a dead process's lock does not count", () => {
  const dir = tmp()
  expect(lockedByOther(dir)).toBe(false)
  lockTaskDir(dir)
  expect(lockedByOther(dir)).toBe(false) // our own
  writeFileSync(join(dir, '.lock'), `${process.ppid}\n`)
  expect(lockedByOther(dir)).toBe(true)
  writeFileSync(join(dir, '.lock'), '2147483646\n')
  expect(lockedByOther(dir)).toBe(false)
  writeFileSync(join(dir, '.lock'), 'not a pid\n')
  expect(lockedByOther(dir)).toBe(false)
})

test('queryStore reads persistent key-value, window and session stores from the state directory: a key, a range, everything', async () => {
  const dataDir = tmp()
  const store = Store.open(dataDir, {create: true})
  store.createTopic('clicks', 1, 1, {})
  const p = new Producer(store, 'clicks')
  await p.send([
    {key: Buffer.from('ann'), value: Buffer.from('x'), timestamp: 1000},
    {key: Buffer.from('bob'), value: Buffer.from('x'), timestamp: 1500},
    {key: Buffer.from('ann'), value: Buffer.from('x'), timestamp: 2500},
    {key: Buffer.from('cy'), value: Buffer.from('x'), timestamp: 2600},
  ])
  await p.close()
  const builder = new StreamsBuilder()
  const grouped = builder.stream<string, string>('clicks').groupByKey()
  grouped.count(Materialized.as<string, number>('per-user').withValueSerde(Serdes.Long()))
  grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(1000)).count(Materialized.as<string, number>('per-second').withValueSerde(Serdes.Long()).withRetention(60_000))
  grouped.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(2000)).count(Materialized.as<string, number>('sessions').withValueSerde(Serdes.Long()).withRetention(60_000))
  const streams = new KafkaStreams(builder.build(), {'application.id': 'q', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String()}, {dataDir, exitAtEnd: true})
  await streams.start()
  await streams.stopped
  expect(streams.error).toBeNull()
  await streams.close()
  const base = {stateDir: join(dataDir, 'streams'), applicationId: 'q', keySerde: Serdes.String(), valueSerde: Serdes.Long()} as const
  const kv = (q: object) => queryStore({...base, store: 'per-user', kind: 'key-value', ...q}).map((e) => [e.key, e.value])
  expect(kv({})).toEqual([['ann', 2], ['bob', 1], ['cy', 1]])
  expect(kv({key: 'bob'})).toEqual([['bob', 1]])
  expect(kv({range: {from: 'b', to: 'cz'}})).toEqual([['bob', 1], ['cy', 1]])
  const win = queryStore({...base, store: 'per-second', kind: 'window', key: 'ann'}).map((e) => [e.key, e.start, e.value])
  expect(win).toEqual([['ann', 1000, 1], ['ann', 2000, 1]])
  const sessions = queryStore({...base, store: 'sessions', kind: 'session'}).map((e) => [e.key, e.start, e.end, e.value])
  expect(sessions).toEqual([['ann', 1000, 2500, 2], ['bob', 1500, 1500, 1], ['cy', 2600, 2600, 1]])
  expect(() => queryStore({...base, store: 'nope', kind: 'key-value'})).toThrow(/no persistent store nope.*/)
})
