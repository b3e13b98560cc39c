/**
 * The record cache (state/record-cache.ts, Kafka's ThreadCache and
 * NamedCache): LRU eviction and entry sizes of the cache itself; what a
 * caching key-value or window store logs and forwards; and what the DSL's
 * caching stores forward under KafkaStreams (table sources, table
 * aggregations, windowed aggregations): updates to a key merged until the
 * commit, every update with the cache off.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {KafkaStreams, KeyValue, Materialized, Produced, Serdes, SlidingWindows, StreamsBuilder, TimeWindows} from '../../../src/index.js'
import {Consumer} from '../../../src/core/client/consumer.js'
import {Headers} from '../../../src/core/streams/record.js'
import type {ProcessorContext} from '../../../src/core/streams/processor.js'
import {Producer} from '../../../src/core/client/producer.js'
import {Store} from '../../../src/core/store/store.js'
import {type CacheEntry, ENTRY_OVERHEAD, NamedCache, RecordCache} from '../../../src/core/streams/state/record-cache.js'
import {Rng, testSeed} from '../support.js'
import {Stores} from '../../../src/core/streams/state/stores.js'
import type {StoreInit} from '../../../src/core/streams/state/state-store.js'
import {readAll} from './read-topic.js'

const S = Serdes.String()
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

const b = (s: string) => Buffer.from(s)
/** Puts `key` with a value of `n` bytes. */
function put(c: NamedCache, key: string, n: number | null, old: unknown = null) {
  c.put(key, b(key), old, 0, n)
}
const keysOf = (entries: Array<{key: Buffer}>) => entries.map((e) => e.key.toString())

test("an entry's size is Kafka's LRUNode size less the topic: key, value and header bytes plus 45; the budget is shared and freed", () => {
  const budget = new RecordCache(1000)
  const one = new NamedCache(budget)
  const two = new NamedCache(budget)
  expect(ENTRY_OVERHEAD).toBe(45)
  put(one, 'abc', 10)
  expect(budget.usedBytes).toBe(3 + 10 + 45)
  put(one, 'abc', 2) // overwritten: the new size replaces the old
  expect(budget.usedBytes).toBe(3 + 2 + 45)
  put(two, 'k', null) // a delete holds its key, no value
  expect(budget.usedBytes).toBe(3 + 2 + 45 + 1 + 45)
  expect(one.bytes + two.bytes).toBe(budget.usedBytes)
  // A flush leaves the written key cached clean and drops the deleted one.
  expect(keysOf(two.flush())).toEqual(['k'])
  expect(two.size).toBe(0)
  expect(keysOf(one.flush())).toEqual(['abc'])
  expect(one.size).toBe(1)
  expect(one.dirtyCount).toBe(0)
  expect(budget.usedBytes).toBe(50)
  one.clear()
  expect(budget.usedBytes).toBe(0)
  // Headers count their keys and values, as Kafka's LRUCacheEntry.
  one.put('h', b('h'), null, 0, 4, new Headers([{key: 'ab', value: b('xyz')}, {key: 'c', value: null}]))
  expect(budget.usedBytes).toBe(1 + 4 + 45 + 2 + 3 + 1)
  one.clear()
})

test('eviction takes the least recently used key (reads count); a dirty one flushes the whole store cache, it first, then the dirty keys by last write; a clean one goes silently', () => {
  const budget = new RecordCache(3 * (1 + 10 + ENTRY_OVERHEAD)) // three one-letter keys of 10 bytes
  const c = new NamedCache(budget)
  put(c, 'a', 10)
  put(c, 'b', 10)
  put(c, 'c', 10)
  expect(c.evict()).toEqual([])
  c.touch('a', b('a'), 10, 0) // a read: a is now the most recent
  expect(keysOf(c.keys().map((key) => ({key})))).toEqual(['b', 'c', 'a'])
  put(c, 'd', 10)
  // b is the least recently used, and dirty: it goes first, then the rest in last-write order (a, c, d).
  expect(keysOf(c.evict())).toEqual(['b', 'a', 'c', 'd'])
  expect(c.dirtyCount).toBe(0)
  expect(keysOf(c.keys().map((key) => ({key})))).toEqual(['c', 'a', 'd'])
  // Everything clean now: the next eviction drops c and flushes nothing.
  put(c, 'e', 10)
  expect(c.evict()).toEqual([])
  expect(keysOf(c.keys().map((key) => ({key})))).toEqual(['a', 'd', 'e'])
  // A write again moves a key to the end of the flush order.
  put(c, 'a', 10)
  put(c, 'e', 10)
  put(c, 'a', 10)
  expect(keysOf(c.flush())).toEqual(['e', 'a'])
})

test("the old value a flush gives is the key's value before its first write since the last flush", () => {
  const c = new NamedCache(new RecordCache(10_000))
  put(c, 'a', 1, 'v0')
  put(c, 'a', 1, 'v1')
  expect(c.flush().map((e) => e.oldValue)).toEqual(['v0'])
  put(c, 'a', 1, 'v2')
  expect(c.flush().map((e) => e.oldValue)).toEqual(['v2'])
})

function init(cache: RecordCache | undefined, log: string[]): StoreInit {
  return {
    defaultKeySerde: S as never,
    defaultValueSerde: S as never,
    timestamp: () => 0,
    cache,
    changelog: (k, v) => log.push(`${k.toString('latin1')}=${v?.toString() ?? null}`),
  }
}

test('a caching key-value store logs and forwards each changed key once per flush with (new, old); reads see every write; a key added and deleted between flushes sends nothing', () => {
  const log: string[] = []
  const out: string[] = []
  const store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('s'), S, S).withCachingEnabled().build()
  store.init(init(new RecordCache(10_000), log), 'app-s-changelog')
  expect(store.setFlushListener((k, n, o, ts) => out.push(`${k}:${n}/${o}@${ts}`))).toBe(true)
  store.put('a', '1', 1)
  store.put('a', '2', 2)
  store.put('b', '1', 3)
  expect(store.get('a')).toBe('2')
  expect(out).toEqual([])
  expect(log).toEqual([])
  store.flushCache()
  expect(out).toEqual(['a:2/null@2', 'b:1/null@3'])
  expect(log).toEqual(['a=2', 'b=1'])
  out.length = log.length = 0
  store.put('a', '3', 4)
  store.put('a', null, 5)
  store.put('c', '1', 6)
  store.delete('c')
  store.flushCache()
  expect(out).toEqual(['a:null/2@5'])
  expect(log).toEqual(['a=null'])
  store.close()

  // Without a cache (caching off, or a budget of 0: none given) every write is logged at once and the processor forwards.
  const plain = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('p'), S, S).withCachingDisabled().build()
  const plainLog: string[] = []
  plain.init(init(new RecordCache(10_000), plainLog), 'app-p-changelog')
  expect(plain.setFlushListener(() => {})).toBe(false)
  plain.put('a', '1')
  plain.put('a', '2')
  expect(plainLog).toEqual(['a=1', 'a=2'])
})

test("a caching store's flush forwards the headers of each key's last write (Kafka's record context); a read caches no headers", () => {
  let current = new Headers()
  const out: string[] = []
  const show = (h: Headers | null) => (h === null ? 'none' : [...h].map((x) => `${x.key}:${x.value?.toString() ?? null}`).join(',') || 'empty')
  const kv = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('s'), S, S).withCachingEnabled().build()
  kv.init({...init(new RecordCache(10_000), []), headers: () => current}, 'app-s-changelog')
  kv.setFlushListener((k, n, _o, _ts, headers) => out.push(`${k}=${n} ${show(headers)}`))
  current = new Headers([{key: 'trace', value: b('1')}])
  kv.put('a', '1')
  current = new Headers([{key: 'trace', value: b('2')}])
  kv.put('a', '2')
  current = new Headers()
  kv.put('b', '1')
  kv.flushCache()
  expect(out).toEqual(['a=2 trace:2', 'b=1 empty'])
  const win = Stores.windowStoreBuilder(Stores.inMemoryWindowStore('w', 60_000, 10_000), S, S).withCachingEnabled().build()
  win.init({...init(new RecordCache(10_000), []), headers: () => current}, 'app-w-changelog')
  win.setFlushListener((k, start, n, _o, _ts, headers) => out.push(`${k}@${start}=${n} ${show(headers)}`))
  current = new Headers([{key: 'w', value: null}])
  win.put('k', '1', 0)
  win.flushCache()
  expect(out.at(-1)).toBe('k@0=1 w:null')
  // A store opened without a source of headers (a test of its own, a standby) forwards none.
  const bare = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('t'), S, S).withCachingEnabled().build()
  bare.init(init(new RecordCache(10_000), []), 'app-t-changelog')
  bare.setFlushListener((k, _n, _o, _ts, headers) => out.push(`${k} ${show(headers)}`))
  bare.put('x', '1')
  bare.flushCache()
  expect(out.at(-1)).toBe('x none')
})

test("a write after a read of the same key keeps the read value as the old one, unless the value is an object the processor may have changed in place", () => {
  const out: string[] = []
  const J = Serdes.JSON<{n: number}>()
  const store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('s'), S, J).withCachingEnabled().build()
  store.init(init(new RecordCache(10_000), []), 'app-s-changelog')
  store.setFlushListener((k, n, o) => out.push(`${k}:${JSON.stringify(n)}/${JSON.stringify(o)}`))
  store.put('a', {n: 1})
  store.flushCache()
  out.length = 0
  // An aggregator that changes its aggregate in place: the old value must still be what the store held.
  const agg = store.getWithTimestamp('a')!.value
  agg.n = 2
  store.put('a', agg)
  store.flushCache()
  expect(out).toEqual(['a:{"n":2}/{"n":1}'])
  const L = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('l'), S, Serdes.Long()).withCachingEnabled().build()
  L.init(init(new RecordCache(10_000), []), 'app-l-changelog')
  L.setFlushListener((k, n, o) => out.push(`${k}:${n}/${o}`))
  L.put('c', 1)
  L.flushCache()
  // Read c, then write another key, then c: the value read of c is not taken for the other key.
  expect(L.getWithTimestamp('c')!.value).toBe(1)
  L.put('d', 5)
  L.put('c', 2)
  L.flushCache()
  expect(out.slice(-2)).toEqual(['d:5/null', 'c:2/1'])
})

test('a caching key-value store evicts its least recently used key when the budget is over: that key and the other dirty ones are logged and forwarded', () => {
  const log: string[] = []
  const out: string[] = []
  const store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('s'), S, S).withCachingEnabled().build()
  store.init(init(new RecordCache(2 * (1 + 1 + ENTRY_OVERHEAD)), log), 'app-s-changelog')
  store.setFlushListener((k, n) => out.push(`${k}=${n}`))
  store.put('a', '1')
  store.put('b', '1')
  store.get('a') // a read: b is now the least recently used
  store.put('a', '2')
  expect(out).toEqual([])
  store.put('c', '1')
  expect(out).toEqual(['b=1', 'a=2', 'c=1'])
  expect(store.cachedKeys()).toEqual(['a', 'c'])
  // An interactive query's read is no use: a stays the least recently used and goes first.
  expect(store.query('a')).toBe('2')
  store.put('d', '1')
  expect(store.cachedKeys()).toEqual(['c', 'd'])
})

test('a caching window store merges the updates of each window (per windowed key) until the flush', () => {
  const log: string[] = []
  const out: string[] = []
  const store = Stores.windowStoreBuilder(Stores.inMemoryWindowStore('w', 60_000, 10_000), S, S).withCachingEnabled().build()
  store.init(init(new RecordCache(10_000), log), 'app-w-changelog')
  expect(store.setFlushListener((k, start, n, o) => out.push(`${k}@${start}:${n}/${o}`))).toBe(true)
  store.put('k', '1', 0)
  store.put('k', '2', 0)
  store.put('k', '1', 10_000)
  store.put('j', '1', 0)
  expect(store.fetch('k', 0)).toBe('2')
  expect(log).toEqual([])
  store.flushCache()
  expect(out).toEqual(['k@0:2/null', 'k@10000:1/null', 'j@0:1/null'])
  expect(log.length).toBe(3)
  out.length = 0
  store.put('k', '3', 0)
  store.flushCache()
  expect(out).toEqual(['k@0:3/2'])
})

async function produce(store: Store, topic: string, records: Array<[string, string | null, number]>) {
  const p = new Producer(store, topic)
  await p.send(records.map(([key, value, timestamp]) => ({key: b(key), value: value === null ? null : b(value), timestamp})))
  await p.close()
}

/** Runs `topology` over `input` to the end with one commit (the last), and reads `out`. */
async function run(topics: string[], input: Array<[string, string | null, number]>, build: (b: StreamsBuilder, caching: boolean) => void, caching: boolean, props: Record<string, unknown> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'logpipe-cache-'))
  dirs.push(dataDir)
  const store = Store.open(dataDir, {create: true})
  for (const t of topics) store.createTopic(t, 1, 1, {})
  await produce(store, topics[0]!, input)
  const builder = new StreamsBuilder()
  build(builder, caching)
  const streams = new KafkaStreams(builder.build(), {'application.id': 'cache', 'commit.interval.ms': 600_000, 'default.key.serde': S, 'default.value.serde': S, ...props}, {dataDir, exitAtEnd: true})
  await streams.start()
  await streams.stopped
  expect(streams.error).toBeNull()
  await streams.close()
  return readAll(store, 'out')
}

const T = 1_700_000_000_000

test("a caching table source forwards each key's latest value once per commit, in the order of the keys' last updates; withCachingDisabled or a cache of 0 forwards every update", async () => {
  const input: Array<[string, string | null, number]> = [
    ['a', '1', T],
    ['b', '1', T + 1],
    ['a', '2', T + 2],
    ['c', '1', T + 3],
    ['a', '3', T + 4],
    ['c', null, T + 5],
  ]
  const table = (builder: StreamsBuilder, caching: boolean) => {
    const m = Materialized.as<string, string>('in-store')
    builder
      .table<string, string>('in', undefined, caching ? m : m.withCachingDisabled())
      .toStream()
      .to('out', Produced.with(S, S))
  }
  // c added and deleted between commits: nothing of it goes out.
  expect(await run(['in', 'out'], input, table, true)).toEqual(['b=1', 'a=3'])
  const every = ['a=1', 'b=1', 'a=2', 'c=1', 'a=3', 'c=null']
  expect(await run(['in', 'out'], input, table, false)).toEqual(every)
  expect(await run(['in', 'out'], input, table, true, {'statestore.cache.max.bytes': 0})).toEqual(every)
})

test("a caching table aggregation merges the subtractor's and the adder's updates of a key until the commit", async () => {
  // Users move between regions: alice EU, bob EU, alice US, carol US.
  const input: Array<[string, string | null, number]> = [
    ['alice', 'EU', T],
    ['bob', 'EU', T + 1],
    ['alice', 'US', T + 2],
    ['carol', 'US', T + 3],
  ]
  const perRegion = (builder: StreamsBuilder, caching: boolean) => {
    const m = Materialized.as<string, number>('per-region').withValueSerde(Serdes.Long())
    builder
      .table<string, string>('users')
      .groupBy((user, region) => KeyValue.pair(region, user))
      .count(caching ? m : m.withCachingDisabled())
      .toStream()
      .mapValues((v) => String(v))
      .to('out', Produced.with(S, S))
  }
  expect(await run(['users', 'out'], input, perRegion, true)).toEqual(['EU=1', 'US=2'])
  // Without the cache, every subtraction and addition: EU 1, 2, then alice leaves (1); US 1, 2.
  expect(await run(['users', 'out'], input, perRegion, false)).toEqual(['EU=1', 'EU=2', 'EU=1', 'US=1', 'US=2'])
})

/** A windowed count of topic views into store `store`, each update out as `[key@start/end]=count`; caching on or off. */
function windowedCounts(store: string, windows: TimeWindows | SlidingWindows) {
  return (builder: StreamsBuilder, caching: boolean) => {
    const m = Materialized.as<string, number>(store).withValueSerde(Serdes.Long())
    builder
      .stream<string, string>('views')
      .groupByKey()
      .windowedBy(windows as TimeWindows)
      .count(caching ? m : m.withCachingDisabled())
      .toStream()
      .map((k, v) => KeyValue.pair(String(k), String(v)))
      .to('out', Produced.with(S, S))
  }
}

test('a caching windowed count forwards each window of each key once per commit', async () => {
  const w = Math.floor(T / 10_000) * 10_000
  const input: Array<[string, string | null, number]> = [
    ['p', 'v', w + 1],
    ['p', 'v', w + 2],
    ['q', 'v', w + 3],
    ['p', 'v', w + 10_001],
    ['p', 'v', w + 4],
  ]
  const counts = windowedCounts('views', TimeWindows.ofSizeAndGrace(10_000, 60_000))
  const p0 = `[p@${w}/${w + 10_000}]`
  const q0 = `[q@${w}/${w + 10_000}]`
  const p1 = `[p@${w + 10_000}/${w + 20_000}]`
  expect(await run(['views', 'out'], input, counts, true)).toEqual([`${q0}=1`, `${p1}=1`, `${p0}=3`])
  expect(await run(['views', 'out'], input, counts, false)).toEqual([`${p0}=1`, `${p0}=2`, `${q0}=1`, `${p1}=1`, `${p0}=3`])
})

test("a caching sliding-window count forwards each window once per commit, with the value the uncached run's last update for it gives", async () => {
  const input: Array<[string, string | null, number]> = [
    ['p', 'v', T],
    ['p', 'v', T + 1],
    ['q', 'v', T + 1],
    ['p', 'v', T + 2],
    ['p', 'v', T + 3],
  ]
  const counts = windowedCounts('sliding', SlidingWindows.ofTimeDifferenceAndGrace(5, 60_000))
  const cached = await run(['views', 'out'], input, counts, true)
  const every = await run(['views', 'out'], input, counts, false)
  const windows = cached.map((r) => r.split('=')[0])
  expect(new Set(windows).size).toBe(windows.length)
  expect(cached.length).toBeLessThan(every.length)
  const last = new Map(every.map((r) => r.split('=') as [string, string]))
  expect(Object.fromEntries(cached.map((r) => r.split('=')))).toEqual(Object.fromEntries(last))
})

test('a cached aggregation sends each key with the headers of the record that last updated it, the uncached one each update with its own', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'logpipe-cache-'))
  dirs.push(dataDir)
  const store = Store.open(dataDir, {create: true})
  // An output topic per run: a writer of the second would delete the first's records past retention.ms (timestamps of 2023).
  for (const t of ['views', 'out-true', 'out-false']) store.createTopic(t, 1, 1, {})
  const p = new Producer(store, 'views')
  await p.send([
    {key: b('p'), value: b('v'), timestamp: T, headers: [{key: 'req', value: b('1')}]},
    {key: b('q'), value: b('v'), timestamp: T + 1, headers: [{key: 'req', value: b('2')}]},
    {key: b('p'), value: b('v'), timestamp: T + 2, headers: [{key: 'req', value: b('3')}]},
  ])
  await p.close()
  const outputs: string[][] = []
  for (const caching of [true, false]) {
    const builder = new StreamsBuilder()
    const m = Materialized.as<string, number>(`counts-${caching}`).withValueSerde(Serdes.Long())
    builder
      .stream<string, string>('views')
      // A processor that changes a record's headers before the store: the store keeps what it was given.
      .processValues<string>(() => {
        let ctx: ProcessorContext<string, string>
        return {
          init: (c) => {
            ctx = c
          },
          process: (r) => ctx.forward(r.withHeaders(r.headers().copy().add('seen', 'yes'))),
        }
      })
      .groupByKey()
      .count(caching ? m : m.withCachingDisabled())
      .toStream()
      .mapValues((v) => String(v))
      .to(`out-${caching}`, Produced.with(S, S))
    const streams = new KafkaStreams(builder.build(), {'application.id': `headers-${caching}`, 'commit.interval.ms': 600_000, 'default.key.serde': S, 'default.value.serde': S}, {dataDir, exitAtEnd: true})
    await streams.start()
    await streams.stopped
    expect(streams.error).toBeNull()
    await streams.close()
    const c = new Consumer(store, [`out-${caching}`])
    const got: string[] = []
    try {
      for (;;) {
        const {records} = c.poll((_a, r) => {
          got.push(`${r.key()?.toString()}=${r.value()?.toString()} ${r.headers().map((h) => `${h.key}:${h.value?.toString()}`).join(',')}`)
        })
        if (records === 0 && c.allAtEnd) break
      }
    } finally {
      c.close()
    }
    outputs.push(got)
  }
  expect(outputs[0]).toEqual(['q=1 req:2,seen:yes', 'p=2 req:3,seen:yes'])
  expect(outputs[1]).toEqual(['p=1 req:1,seen:yes', 'q=1 req:2,seen:yes', 'p=2 req:3,seen:yes'])
})

test('an eviction that flushes more dirty keys than a call takes arguments forwards them all', () => {
  const n = 200_000
  const budget = new RecordCache(n * (7 + 1 + ENTRY_OVERHEAD)) // n keys of 7 bytes with a value of 1, and no room for more
  const c = new NamedCache(budget)
  for (let i = 0; i < n; i++) c.put(`k${String(i).padStart(6, '0')}`, b(`k${String(i).padStart(6, '0')}`), null, 0, 1)
  expect(c.evict()).toEqual([])
  c.put('one-more-key', b('one-more-key'), null, 0, 1)
  expect(c.evict().length).toBe(n + 1)
})

/** Kafka's NamedCache by the book: an LRU list and a LinkedHashSet of dirty keys (a Set deleted from and added to). */
class ModelCache {
  lru: string[] = [] // least recently used first
  dirty = new Set<string>()
  entries = new Map<string, {bytes: number; dirty: boolean; deleted: boolean; oldValue: unknown}>()
  used = 0
  constructor(readonly max: number) {}
  private use(id: string) {
    this.lru = this.lru.filter((k) => k !== id)
    this.lru.push(id)
  }
  touch(id: string, valueBytes: number | null) {
    if (this.entries.has(id)) return this.use(id)
    if (valueBytes === null) return
    this.entries.set(id, {bytes: id.length + valueBytes + ENTRY_OVERHEAD, dirty: false, deleted: false, oldValue: null})
    this.used += id.length + valueBytes + ENTRY_OVERHEAD
    this.use(id)
  }
  put(id: string, old: unknown, valueBytes: number | null) {
    const bytes = id.length + (valueBytes ?? 0) + ENTRY_OVERHEAD
    const e = this.entries.get(id)
    if (e) {
      this.used += bytes - e.bytes
      if (!e.dirty) e.oldValue = old
      Object.assign(e, {bytes, dirty: true, deleted: valueBytes === null})
    } else {
      this.entries.set(id, {bytes, dirty: true, deleted: valueBytes === null, oldValue: old})
      this.used += bytes
    }
    this.use(id)
    this.dirty.delete(id)
    this.dirty.add(id)
  }
  flush(): string[] {
    const out: string[] = []
    for (const id of this.dirty) {
      const e = this.entries.get(id)!
      out.push(`${id}:${String(e.oldValue)}:${e.deleted}`)
      e.dirty = false
      if (e.deleted) this.drop(id)
    }
    this.dirty.clear()
    return out
  }
  private drop(id: string) {
    this.used -= this.entries.get(id)!.bytes
    this.entries.delete(id)
    this.lru = this.lru.filter((k) => k !== id)
  }
  evict(): string[] {
    const out: string[] = []
    while (this.used > this.max && this.lru.length > 0) {
      const id = this.lru[0]
      const e = this.entries.get(id)!
      this.drop(id)
      if (e.dirty) {
        this.dirty.delete(id)
        out.push(`${id}:${String(e.oldValue)}:${e.deleted}`, ...this.flush())
      }
    }
    return out
  }
}

test('the cache gives what the by-the-book model gives, over random reads, writes, deletes, flushes and evictions', () => {
  const seed = testSeed()
  const rng = new Rng(seed)
  for (let round = 0; round < 30; round++) {
    const max = rng.int(100, 2000)
    const budget = new RecordCache(max)
    const c = new NamedCache(budget)
    const m = new ModelCache(max)
    const show = (es: CacheEntry[]) => es.map((e) => `${e.key.toString()}:${String(e.oldValue)}:${e.deleted}`)
    for (let step = 0; step < 400; step++) {
      const id = `k${rng.int(0, 12)}`
      const op = rng.int(0, 10)
      let got: string[] = []
      let want: string[] = []
      if (op < 3) {
        const v = rng.int(0, 3) === 0 ? null : rng.int(0, 40)
        c.touch(id, b(id), v, 0)
        m.touch(id, v)
        got = show(c.evict())
        want = m.evict()
      } else if (op < 8) {
        const v = rng.int(0, 4) === 0 ? null : rng.int(0, 40)
        c.put(id, b(id), step, 0, v)
        m.put(id, step, v)
        got = show(c.evict())
        want = m.evict()
      } else {
        got = show(c.flush())
        want = m.flush()
      }
      expect(got, `seed ${seed} round ${round} step ${step}`).toEqual(want)
      expect(c.dirtyCount).toBe(m.dirty.size)
      expect(c.keys().map((k) => k.toString())).toEqual(m.lru)
      expect(budget.usedBytes).toBe(m.used)
      for (const k of m.lru) expect(c.isDirty(k)).toBe(m.entries.get(k)!.dirty)
    }
  }
})
