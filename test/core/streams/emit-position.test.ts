/**
 * onWindowClose's emit position is kept as Kafka keeps it: the close time
 * of the last emit goes into the task's processor metadata, committed with
 * the input offsets (Kafka's ProcessorMetadata in its commit metadata),
 * and a restarted task emits only windows that close after it, even when
 * the store's retention still holds the closed ones. A commit from before
 * an emit (a crash after it) has that window emitted again by the records
 * processed again: at least once, never lost.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {EmitStrategy, KafkaStreams, KeyValue, Materialized, Produced, Serdes, SlidingWindows, StreamsBuilder, TimeWindows, type Windowed} from '../../../src/index.js'
import {Consumer} from '../../../src/core/client/consumer.js'
import {Producer} from '../../../src/core/client/producer.js'
import {groupDir} from '../../../src/core/group/group-member.js'
import {OffsetStore} from '../../../src/core/group/offset-store.js'
import {Store} from '../../../src/core/store/store.js'
import {decodeCommitMetadata, encodeCommitMetadata} from '../../../src/core/streams/runtime/state-manager.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

const S = Serdes.String()
const L = Serdes.Long()
// Recent timestamps: the topics' retention (7 days) would delete records stamped in 1970 when the next writer comes.
const T = Math.floor((Date.now() - 60_000) / 1000) * 1000
const PROPS = {'application.id': 'ewc', 'commit.interval.ms': 20, 'default.key.serde': S, 'default.value.serde': S}

async function produce(store: Store, topic: string, records: Array<[string, number]>) {
  const p = new Producer(store, topic)
  await p.send(records.map(([key, t]) => ({key: Buffer.from(key), value: Buffer.from('v'), timestamp: T + t})))
  await p.close()
}

/** `[key@start/end] count`, window times relative to T. */
function output(store: Store): string[] {
  const c = new Consumer(store, ['closed'])
  const out: string[] = []
  try {
    for (;;) {
      const {records} = c.poll((_a, r) => {
        const key = r.key()!.toString().replace(/@(\d+)\/(\d+)\]/, (_m, s, e) => `@${Number(s) - T}/${Number(e) - T}]`)
        out.push(`${key} ${Buffer.from(r.value()!).readBigInt64BE(0)}`)
      })
      if (records === 0 && c.allAtEnd) return out
    }
  } finally {
    c.close()
  }
}

function app(windows: TimeWindows | SlidingWindows) {
  const b = new StreamsBuilder()
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(windows as TimeWindows)
    .emitStrategy(EmitStrategy.onWindowClose())
    // A long retention: every closed window is still in the store at the restart.
    .count(Materialized.as<string, number>('counts').withRetention(3_600_000))
    .toStream()
    .map((k: Windowed<string>, v: number) => KeyValue.pair(String(k), v))
    .to('closed', Produced.with(S, L))
  return b.build()
}

async function runToEnd(dataDir: string, windows: TimeWindows | SlidingWindows) {
  const streams = new KafkaStreams(app(windows), PROPS, {dataDir, exitAtEnd: true})
  await streams.start()
  await streams.stopped
  expect(streams.error).toBeNull()
  await streams.close()
}

function committedMetadata(store: Store) {
  return decodeCommitMetadata(new OffsetStore(groupDir(store, 'ewc')).read('in', 0)?.metadata)
}

function setup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'logpipe-emit-'))
  dirs.push(dataDir)
  const store = Store.open(dataDir, {create: true})
  store.createTopic('in', 1, 1, {})
  store.createTopic('closed', 1, 1, {})
  return {dataDir, store}
}

test('tumbling windows: the commit records the last emit, and a restart emits only the windows that close after it', async () => {
  const {dataDir, store} = setup()
  const w = TimeWindows.ofSizeWithNoGrace(10)
  await produce(store, 'in', [['a', 1], ['b', 2], ['a', 12], ['a', 25]])
  await runToEnd(dataDir, w)
  expect(output(store)).toEqual(['[a@0/10] 1', '[b@0/10] 1', '[a@10/20] 1'])
  // Kafka's value: the window close time of that emit (stream time 25, no grace), under the store's name.
  expect(committedMetadata(store)?.processorMetadata).toEqual({counts: T + 25})

  await produce(store, 'in', [['b', 31], ['a', 47]])
  await runToEnd(dataDir, w)
  // Only [a@20/30] and [b@30/40] are new; the first run's three are not emitted again though the store still has them.
  expect(output(store)).toEqual(['[a@0/10] 1', '[b@0/10] 1', '[a@10/20] 1', '[a@20/30] 1', '[b@30/40] 1'])
  expect(committedMetadata(store)?.processorMetadata).toEqual({counts: T + 47})
})

test('sliding windows keep their emit position too', async () => {
  const {dataDir, store} = setup()
  const w = SlidingWindows.ofTimeDifferenceWithNoGrace(5)
  await produce(store, 'in', [['a', 10], ['a', 20]])
  await runToEnd(dataDir, w)
  const first = output(store)
  expect(first).toEqual(['[a@5/10] 1'])
  await produce(store, 'in', [['a', 40]])
  await runToEnd(dataDir, w)
  expect(output(store)).toEqual([...first, '[a@15/20] 1'])
})

test('a commit from before an emit (a crash right after it) has the window emitted again when its records are processed again: none lost', async () => {
  const {dataDir, store} = setup()
  const w = TimeWindows.ofSizeWithNoGrace(10)
  await produce(store, 'in', [['a', 1]])
  await runToEnd(dataDir, w)
  const offsets = new OffsetStore(groupDir(store, 'ewc'))
  const before = offsets.read('in', 0)!
  // Kafka records the close time of every emit pass, windows or not.
  expect(committedMetadata(store)?.processorMetadata).toEqual({counts: T + 1})
  await produce(store, 'in', [['a', 15]])
  await runToEnd(dataDir, w)
  expect(output(store)).toEqual(['[a@0/10] 1'])
  // As after a kill -9 between the emit and the commit: the group and the task's files are back at the first commit.
  rmSync(join(dataDir, 'streams', 'ewc'), {recursive: true})
  await offsets.commitAll([{topic: 'in', partition: 0, offset: before.offset, metadata: before.metadata ?? null, topicId: before.topicId}], null)
  await runToEnd(dataDir, w)
  expect(output(store)).toEqual(['[a@0/10] 1', '[a@0/10] 1'])
})

test('the processor metadata goes through the commit metadata and back; a value that is not an integer is dropped', () => {
  const m = {changelogs: {s: 3}, origins: {}, streamTime: 9, processorMetadata: {counts: 42}}
  expect(decodeCommitMetadata(encodeCommitMetadata(m))).toEqual(m)
  expect(encodeCommitMetadata({changelogs: {}, origins: {}, processorMetadata: {}})).toBe('logpipe-streams/1 {"c":{},"o":{}}')
  expect(decodeCommitMetadata('logpipe-streams/1 {"c":{},"o":{},"p":{"a":1.5,"b":7}}')?.processorMetadata).toEqual({b: 7})
})
