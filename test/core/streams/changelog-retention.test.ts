/**
 * Changelog topics get Kafka's configs: key-value stores' (and the outer
 * join's shared store, a key-value store in Kafka too) `compact`; window,
 * session and stream-stream join window stores' `compact,delete` with the
 * store's retention plus windowstore.changelog.additional.retention.ms
 * (Kafka's WindowedChangelogTopicConfig). So the log cleaner deletes an
 * expired window's changelog records (time driven by the records'
 * timestamps against the clock, as retention.ms is), and a store restored
 * from what is left holds the windows still in retention.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {JoinWindows, KafkaStreams, Materialized, Serdes, SessionWindows, StreamJoined, StreamsBuilder, TimeWindows} from '../../../src/index.js'
import {Consumer} from '../../../src/core/client/consumer.js'
import {Producer} from '../../../src/core/client/producer.js'
import {Store} from '../../../src/core/store/store.js'
import {changelogTopicConfig} from '../../../src/core/streams/runtime/changelog-config.js'
import {WindowStoreBuilder} from '../../../src/core/streams/state/window-store.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'logpipe-retention-'))
  dirs.push(d)
  return d
}

const S = Serdes.String()
const DAY = 24 * 3600 * 1000

async function produce(store: Store, topic: string, records: Array<[string, string, number]>) {
  const p = new Producer(store, topic)
  await p.send(records.map(([key, value, timestamp]) => ({key: Buffer.from(key), value: Buffer.from(value), timestamp})))
  await p.close()
}

/** Every record of a topic's partition 0 that is still in the log: [offset, key bytes, timestamp]. */
function readAll(store: Store, topic: string): Array<{offset: number; key: Buffer; timestamp: number}> {
  const c = new Consumer(store, [topic])
  const out: Array<{offset: number; key: Buffer; timestamp: number}> = []
  try {
    for (;;) {
      const {records} = c.poll((_a, r) => {
        out.push({offset: r.offset, key: Buffer.from(r.key()!), timestamp: r.timestamp})
      })
      if (records === 0 && c.allAtEnd) return out
    }
  } finally {
    c.close()
  }
}

async function runToEnd(dataDir: string, topology: ReturnType<StreamsBuilder['build']>, props: Record<string, unknown>, read?: (s: KafkaStreams) => unknown) {
  const streams = new KafkaStreams(topology, props, {dataDir, exitAtEnd: true})
  await streams.start()
  await streams.stopped
  expect(streams.error).toBeNull()
  const seen = read?.(streams)
  await streams.close()
  return seen
}

test("each changelog is created with Kafka's configs: compact for key-value stores, compact,delete and the retention plus a day for window, session and join window stores", async () => {
  const dataDir = tmp()
  const store = Store.open(dataDir, {create: true})
  for (const t of ['in', 'other']) store.createTopic(t, 1, 1, {})
  const b = new StreamsBuilder()
  const input = b.stream<string, string>('in')
  input.groupByKey().count(Materialized.as('kv'))
  input.groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(60_000, 5_000)).count(Materialized.as('win'))
  // A retention of its own (Materialized.withRetention) is what the changelog keeps too.
  input.groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(1_000)).count(Materialized.as<string, number>('long').withRetention(3_600_000))
  input.groupByKey().windowedBy(SessionWindows.ofInactivityGapAndGrace(10_000, 2_000)).count(Materialized.as('ses'))
  // A topic config of the store's own goes over the defaults; its retention.ms is taken as it is.
  input.groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(1_000)).count(Materialized.as<string, number>('own').withLoggingEnabled({'retention.ms': '1234', 'segment.bytes': '100000'}))
  input.outerJoin(b.stream<string, string>('other'), (l, r) => `${l}${r}`, JoinWindows.ofTimeDifferenceAndGrace(15_000, 5_000), StreamJoined.with(S, S, S).withStoreName('j'))
  await runToEnd(dataDir, b.build(), {'application.id': 'cfg', 'default.key.serde': S, 'default.value.serde': S})
  const config = (store: string) => Store.open(dataDir).readTopic(`cfg-${store}-changelog`).config
  expect(config('kv')).toEqual({'cleanup.policy': 'compact'})
  expect(config('win')).toEqual({'cleanup.policy': 'compact,delete', 'retention.ms': 65_000 + DAY})
  expect(config('long')).toEqual({'cleanup.policy': 'compact,delete', 'retention.ms': 3_600_000 + DAY})
  expect(config('ses')).toEqual({'cleanup.policy': 'compact,delete', 'retention.ms': 12_000 + DAY})
  expect(config('own')).toEqual({'cleanup.policy': 'compact,delete', 'retention.ms': 1234, 'segment.bytes': 100_000})
  // The join windows: before + after + grace, as Kafka's join window stores; the shared store is a key-value store there too.
  expect(config('j-outer-this-join-store')).toEqual({'cleanup.policy': 'compact,delete', 'retention.ms': 35_000 + DAY})
  expect(config('j-outer-other-join-store')).toEqual({'cleanup.policy': 'compact,delete', 'retention.ms': 35_000 + DAY})
  expect(config('j-outer-shared-join-store')).toEqual({'cleanup.policy': 'compact'})
})

test('windowstore.changelog.additional.retention.ms is added to the retention, up to the largest retention.ms; a bad store topic config is refused', () => {
  const builder = new WindowStoreBuilder({name: 'w', retentionMs: 500, windowSizeMs: 100}, S, S)
  expect(changelogTopicConfig(builder, 0)).toEqual({'cleanup.policy': 'compact,delete', 'retention.ms': 500})
  expect(changelogTopicConfig(builder, Number.MAX_SAFE_INTEGER)).toEqual({'cleanup.policy': 'compact,delete', 'retention.ms': Number.MAX_SAFE_INTEGER})
  expect(() => changelogTopicConfig(builder.withLoggingEnabled({'retention.ms': 'soon'}), 0)).toThrow(/store w: its changelog's config retention.ms must be an integer/)
  expect(() => changelogTopicConfig(builder.withLoggingEnabled({'no.such.config': '1'}), 0)).toThrow(/unknown topic config 'no.such.config'/)
})

test("an expired window's changelog records are deleted by retention, and a store restored from what is left has the windows still in retention", async () => {
  const dataDir = tmp()
  const store = Store.open(dataDir, {create: true})
  store.createTopic('clicks', 1, 1, {})
  const topology = () => {
    const b = new StreamsBuilder()
    b.stream<string, string>('clicks')
      .groupByKey()
      // Tiny segments, so the changelog rolls and its old segments can go.
      .windowedBy(TimeWindows.ofSizeWithNoGrace(1_000))
      .count(Materialized.as<string, number>('per-second').withLoggingEnabled({'segment.bytes': '300'}))
    return b.build()
  }
  // The window store keeps 1 s (its size); the changelog 1 s more.
  const props = {'application.id': 'ret', 'commit.interval.ms': 20, 'default.key.serde': S, 'default.value.serde': S, 'windowstore.changelog.additional.retention.ms': 1_000}
  const changelog = 'ret-per-second-changelog'
  // A minute ago, then now: the clock against the records' timestamps is what retention.ms counts.
  const old = Math.floor((Date.now() - 60_000) / 1000) * 1000
  await produce(store, 'clicks', ['a', 'b', 'c', 'a'].map((k) => [k, 'x', old + 10]))
  await runToEnd(dataDir, topology(), props)
  expect(store.readTopic(changelog).config).toEqual({'cleanup.policy': 'compact,delete', 'retention.ms': 2_000, 'segment.bytes': 300})
  const before = readAll(store, changelog)
  expect(before.filter((r) => r.timestamp === old + 10).length).toBeGreaterThan(0)

  const now = Math.floor(Date.now() / 1000) * 1000
  const keys = Array.from({length: 40}, (_, i) => `k${i}`)
  await produce(store, 'clicks', keys.map((k) => [k, 'x', now]))
  const counted = (await runToEnd(dataDir, topology(), props, (s) => s.keyValueStore('per-second').all().length)) as number
  expect(counted).toBeGreaterThan(0)

  const after = readAll(store, changelog)
  const reader = store.openReader(changelog, 0)
  const logStart = reader.logStartOffset()
  reader.close()
  // The minute-old window's records went with their segments; the new windows' are there.
  expect(logStart).toBeGreaterThan(0)
  expect(after.filter((r) => r.timestamp < now)).toEqual([])
  expect(new Set(after.map((r) => r.key.subarray(0, r.key.length - 12).toString()))).toEqual(new Set(keys))

  // A restore from the start of what is left (the local files wiped): every window still in retention, counted once.
  rmSync(join(dataDir, 'streams'), {recursive: true})
  const restored = (await runToEnd(dataDir, topology(), props, (s) => s.keyValueStore<unknown, number>('per-second').all())) as Array<{value: number}>
  expect(restored.length).toBe(keys.length)
  expect(restored.every((w) => w.value === 1)).toBe(true)
})

test('a window changelog made compact by an earlier version keeps its configs, and the app says what Kafka would create', async () => {
  const dataDir = tmp()
  const store = Store.open(dataDir, {create: true})
  store.createTopic('in', 1, 1, {})
  store.createTopic('old-win-changelog', 1, 1, {'cleanup.policy': 'compact'})
  const b = new StreamsBuilder()
  b.stream<string, string>('in').groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(1_000)).count(Materialized.as('win'))
  const notices: string[] = []
  const streams = new KafkaStreams(b.build(), {'application.id': 'old', 'default.key.serde': S, 'default.value.serde': S}, {dataDir, exitAtEnd: true, onNotice: (m) => notices.push(m)})
  await streams.start()
  await streams.stopped
  await streams.close()
  expect(store.readTopic('old-win-changelog').config).toEqual({'cleanup.policy': 'compact'})
  expect(notices).toContain(`changelog old-win-changelog keeps the configs it has: cleanup.policy=compact (created now it would be compact,delete), retention.ms=604800000 (created now it would be ${1_000 + DAY}); logpipe topic alter old-win-changelog --config ... changes them`)
})
