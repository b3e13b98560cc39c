/**
 * Windowed aggregations as Kafka's developer guide defines them: a record
 * counts in every window containing it (tumbling: one, hopping: size /
 * advance), a late record counts while its window is within the grace
 * period and is dropped after, updates carry the Windowed key, which
 * WindowedSerdes writes as Kafka's TimeWindowedSerializer (key bytes, then
 * the window start as 8 bytes), and the window store keeps what its
 * retention covers.
 */
import {expect, test} from 'vitest'
import {BufferConfig, Materialized, Produced, Serdes, StreamsBuilder, Suppressed, TimeWindows, TopologyTestDriver, type WindowStore, WindowedSerdes} from '../../../src/index.js'

const S = Serdes.String()
const PROPS = {'application.id': 'win', 'default.key.serde': S, 'default.value.serde': S}

function windowedCount(windows: TimeWindows, store = 'counts') {
  const b = new StreamsBuilder()
  b.stream<string, string>('clicks')
    .groupByKey()
    .windowedBy(windows)
    .count(Materialized.as(store))
    .toStream()
    .to('out', Produced.with(WindowedSerdes.timeWindowedSerdeFrom(S, windows.sizeMs), Serdes.Long()))
  return b.build()
}

test('tumbling windows with grace: late records count within the grace, and are dropped after it', () => {
  const d = new TopologyTestDriver(windowedCount(TimeWindows.ofSizeAndGrace(10_000, 5_000)), PROPS)
  const input = d.createInputTopic('clicks', S, S)
  const out = d.createOutputTopic('out', WindowedSerdes.timeWindowedSerdeFrom(S, 10_000), Serdes.Long())
  for (const [v, t] of [['a', 1_000], ['b', 9_000], ['c', 12_000], ['d', 8_000], ['e', 16_000], ['f', 9_500]] as const) input.pipeInput('user', v, t)
  expect(out.readRecordsToList().map((r) => [r.key!.key, r.key!.window.start(), r.key!.window.end(), r.value, r.timestamp])).toEqual([
    ['user', 0, 10_000, 1, 1_000],
    ['user', 0, 10_000, 2, 9_000],
    ['user', 10_000, 20_000, 1, 12_000],
    ['user', 0, 10_000, 3, 9_000], // late but within grace: counted, the window keeps its latest timestamp
    ['user', 10_000, 20_000, 2, 16_000],
    // f at 9,500: stream time 16,000 - grace 5,000 = 11,000 is past the window's end: dropped
  ])
  const store = d.getStateStore<WindowStore<string, number>>('counts')!
  expect(store.fetch('user', 0)).toBe(3)
  expect(store.fetchAll().map((w) => [w.key, w.windowStart, w.value])).toEqual([
    ['user', 0, 3],
    ['user', 10_000, 2],
  ])
})

test('hopping windows: a record counts in size / advance windows', () => {
  const d = new TopologyTestDriver(windowedCount(TimeWindows.ofSizeWithNoGrace(10_000).advanceBy(5_000)), PROPS)
  const input = d.createInputTopic('clicks', S, S)
  input.pipeInput('k', 'x', 7_000)
  input.pipeInput('k', 'y', 12_000)
  const out = d.createOutputTopic('out', WindowedSerdes.timeWindowedSerdeFrom(S, 10_000), Serdes.Long())
  expect(out.readRecordsToList().map((r) => [r.key!.window.start(), r.value])).toEqual([
    [0, 1],
    [5_000, 1],
    [5_000, 2],
    [10_000, 1],
  ])
  expect(TimeWindows.ofSizeWithNoGrace(10_000).advanceBy(5_000).windowsFor(7_000)).toEqual([0, 5_000])
  expect(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(11)).toThrow(/larger than the window size/)
})

test("the windowed key's bytes are Kafka's: the key, then the window start as 8 bytes big-endian", () => {
  const serde = WindowedSerdes.timeWindowedSerdeFrom(S, 60_000)
  const bytes = serde.serialize('t', {key: 'ab', window: {start: () => 120_000, end: () => 180_000} as never})!
  expect(bytes.toString('hex')).toBe('6162' + '000000000001d4c0')
  const back = serde.deserialize('t', bytes)!
  expect([back.key, back.window.start(), back.window.end()]).toEqual(['ab', 120_000, 180_000])
})

test('the window store forgets windows past its retention; its changelog key is key, start and sequence number', () => {
  const b = new StreamsBuilder()
  b.stream<string, string>('clicks').groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(1_000)).count(Materialized.as<string, number>('w').withRetention(3_000))
  const d = new TopologyTestDriver(b.build(), PROPS)
  const input = d.createInputTopic('clicks', S, S)
  input.pipeInput('k', 'v', 500)
  input.pipeInput('k', 'v', 10_500)
  const store = d.getStateStore<WindowStore<string, number>>('w')!
  expect(store.fetchAll().map((w) => w.windowStart)).toEqual([10_000])
  const changelog = d.createOutputTopic('win-w-changelog', Serdes.ByteArray(), Serdes.Long()).readRecordsToList()
  expect(changelog.map((r) => r.key!.toString('hex'))).toEqual(['6b' + '0000000000000000' + '00000000', '6b' + '0000000000002710' + '00000000'])
})

test("a windowed count's key without a serde given is written by the windowed serde over the default key serde, and prints as Kafka's", () => {
  const b = new StreamsBuilder()
  const counts = b.stream<string, string>('clicks').groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count()
  counts.toStream().to('out', Produced.valueSerde(Serdes.Long()))
  const printed: string[] = []
  // No sink after the suppression: its buffer gets the default too.
  counts.suppress(Suppressed.untilTimeLimit(0, BufferConfig.unbounded())).toStream().foreach((k) => printed.push(String(k)))
  const d = new TopologyTestDriver(b.build(), PROPS)
  d.createInputTopic('clicks', S, S).pipeInput('user', 'x', 15)
  const out = d.createOutputTopic('out', WindowedSerdes.timeWindowedSerdeFrom(S, 10), Serdes.Long()).readRecordsToList()
  expect(out.map((r) => [r.key!.key, r.key!.window.start(), r.value])).toEqual([['user', 10, 1]])
  expect(printed).toEqual(['[user@10/20]'])
})
