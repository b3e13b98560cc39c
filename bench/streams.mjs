#!/usr/bin/env node
// Streams state, issue 13's performance points, in one process on one data
// directory (the library, built: npm run build first):
//
// - WordCount over N lines of 10 words (a vocabulary of 50,000 words) as
//   Kafka's demo: flatMapValues, groupBy (through its repartition topic),
//   count into a persistent, changelogged store, counts out as Long. Lines
//   per second, against a hand-written Node loop that reads the same topic
//   with the same Consumer, counts into a Map and writes each update to a
//   topic with the same Producer. Streams runs with Kafka's defaults
//   (commit.interval.ms 30000, statestore.cache.max.bytes 10 MiB) and again
//   with no cache (every update logged and forwarded, as the loop does).
// - Restore of a store of K keys from its changelog after its state
//   directory is removed, and from its checkpoint when it is not.
//
//   node bench/streams.mjs [--json]  BENCH_STREAMS_LINES (1000000), BENCH_RESTORE_KEYS (1000000)
//                                    --json: one JSON object (seconds), for bench/run.mjs's streams section
import {rmSync} from 'node:fs'
import {loadavg} from 'node:os'
import {join} from 'node:path'
import {ROOT, removeDir, tempDir} from './lib.mjs'

const lib = await import(join(ROOT, 'dist/index.js'))
const {KafkaStreams, Materialized, Produced, Serdes, StreamsBuilder} = lib
const {Store} = await import(join(ROOT, 'dist/core/store/store.js'))
const {Producer} = await import(join(ROOT, 'dist/core/client/producer.js'))
const {Consumer} = await import(join(ROOT, 'dist/core/client/consumer.js'))

const LINES = Number(process.env.BENCH_STREAMS_LINES ?? 1_000_000)
const KEYS = Number(process.env.BENCH_RESTORE_KEYS ?? 1_000_000)
const VOCABULARY = 50_000
const words = Array.from({length: VOCABULARY}, (_, i) => `w${(i * 2654435761) % 1_000_003}`)

async function fill(store, topic, n, make) {
  const p = new Producer(store, topic)
  const BATCH = 10_000
  for (let i = 0; i < n; i += BATCH) {
    const batch = []
    for (let j = i; j < Math.min(n, i + BATCH); j++) batch.push(make(j))
    await p.send(batch)
  }
  await p.close()
}

function line(i) {
  let s = ''
  let x = (i * 48271) % 2147483647
  for (let j = 0; j < 10; j++) {
    x = (x * 48271) % 2147483647
    s += (j ? ' ' : '') + words[x % VOCABULARY]
  }
  return s
}

const seconds = (t) => Number(process.hrtime.bigint() - t) / 1e9

async function referenceLoop(store) {
  const t = process.hrtime.bigint()
  const counts = new Map()
  const out = new Producer(store, 'ref-counts')
  const c = new Consumer(store, ['text'])
  let pending = []
  for (;;) {
    const {records} = c.poll((_a, r) => {
      for (const w of r.value().toString().toLowerCase().split(/\W+/)) {
        const n = (counts.get(w) ?? 0) + 1
        counts.set(w, n)
        const v = Buffer.allocUnsafe(8)
        v.writeBigInt64BE(BigInt(n))
        pending.push({key: Buffer.from(w), value: v})
      }
    })
    if (pending.length >= 10_000 || (records === 0 && pending.length > 0)) {
      await out.send(pending)
      pending = []
    }
    if (records === 0 && c.allAtEnd) break
  }
  c.close()
  await out.close()
  return seconds(t)
}

async function wordCount(dataDir, props) {
  const builder = new StreamsBuilder()
  builder
    .stream('text')
    .flatMapValues((v) => v.toLowerCase().split(/\W+/))
    .groupBy((_k, w) => w)
    .count(Materialized.as('counts-store').withValueSerde(Serdes.Long()))
    .toStream()
    .to('counts', Produced.with(Serdes.String(), Serdes.Long()))
  const t = process.hrtime.bigint()
  const s = new KafkaStreams(builder.build(), {'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String(), ...props}, {dataDir, exitAtEnd: true})
  await s.start()
  await s.stopped
  if (s.error) throw s.error
  await s.close()
  return seconds(t)
}

async function restore(dataDir, wipe) {
  if (wipe) rmSync(join(dataDir, 'streams', 'restore'), {recursive: true, force: true})
  const builder = new StreamsBuilder()
  builder.table('kv', Materialized.as('kv-store'))
  let restored = 0
  let took = 0
  const t = process.hrtime.bigint()
  const s = new KafkaStreams(builder.build(), {'application.id': 'restore', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String()}, {dataDir, exitAtEnd: true})
  s.setGlobalStateRestoreListener({onRestoreEnd: (_tp, _s, n) => {
    restored += n
    took = seconds(t)
  }})
  await s.start()
  await s.stopped
  if (s.error) throw s.error
  await s.close()
  return {restored, took}
}

const json = process.argv.includes('--json')
const dir = tempDir('logpipe-bench-streams-')
try {
  const load = loadavg().map((x) => x.toFixed(1)).join(' ')
  const store = Store.open(join(dir, 'data'), {create: true})
  for (const t of ['text', 'counts', 'counts-nc', 'ref-counts', 'kv']) store.createTopic(t, 1, 1, {})
  await fill(store, 'text', LINES, (i) => ({value: Buffer.from(line(i))}))
  const ref = await referenceLoop(store)
  const cached = await wordCount(join(dir, 'data'), {'application.id': 'wc'})
  const uncached = await wordCount(join(dir, 'data'), {'application.id': 'wc-nc', 'statestore.cache.max.bytes': 0})
  await fill(store, 'kv', KEYS, (i) => ({key: Buffer.from(`key-${i}`), value: Buffer.from(`value-${i}`)}))
  await restore(join(dir, 'data'), false) // fills the store and its changelog
  const full = await restore(join(dir, 'data'), true)
  const fromCheckpoint = await restore(join(dir, 'data'), false)
  if (json) {
    console.log(JSON.stringify({lines: LINES, keys: KEYS, loadAtStart: load, referenceS: ref, cachedS: cached, uncachedS: uncached, restore: {records: full.restored, s: full.took}, checkpoint: {records: fromCheckpoint.restored, s: fromCheckpoint.took}}))
  } else {
    console.log(`WordCount, ${LINES.toLocaleString('en')} lines of 10 words (load average at start ${load}):`)
    console.log(`  hand-written loop (Map, every update to a topic): ${ref.toFixed(1)} s, ${Math.round(LINES / ref).toLocaleString('en')} lines/s`)
    console.log(`  streams, persistent changelogged store, Kafka's defaults: ${cached.toFixed(1)} s, ${Math.round(LINES / cached).toLocaleString('en')} lines/s, ${(cached / ref).toFixed(2)}x the loop's time`)
    console.log(`  streams, no record cache (every update logged and forwarded): ${uncached.toFixed(1)} s, ${Math.round(LINES / uncached).toLocaleString('en')} lines/s, ${(uncached / ref).toFixed(2)}x`)
    console.log(`Restore of a ${KEYS.toLocaleString('en')}-key store (load average now ${loadavg().map((x) => x.toFixed(1)).join(' ')}):`)
    console.log(`  state dir removed: ${full.restored.toLocaleString('en')} changelog records in ${full.took.toFixed(1)} s (${Math.round(full.restored / full.took).toLocaleString('en')}/s)`)
    console.log(`  from its checkpoint: ${fromCheckpoint.restored.toLocaleString('en')} records in ${fromCheckpoint.took.toFixed(2)} s`)
  }
} finally {
  removeDir(dir)
}
