/**
 * KGroupedStream.cogroup (KIP-150), with Kafka's CogroupedKStreamImplTest
 * cases: the records it expects, the names its topology descriptions
 * show, and the windowed forms.
 */
import {expect, test} from 'vitest'
import {Consumed, Grouped, KeyValue, Materialized, Named, Produced, Serdes, SessionWindows, SlidingWindows, StreamsBuilder, TimeWindows, TopologyTestDriver, type Windowed} from '../../../src/index.js'

const S = Serdes.String()
const I = Serdes.Integer()
const PROPS = {'application.id': 'cogroup', 'default.key.serde': S, 'default.value.serde': S}
const STRING_AGGREGATOR = (_k: string, v: string, agg: string) => agg + v
const STRSUM_AGGREGATOR = (_k: string, v: string, agg: number) => agg + Number.parseInt(v, 10)
const SUM_AGGREGATOR = (_k: string, v: number, agg: number) => agg + v

function read<V>(d: TopologyTestDriver, topic: string, valueSerde = S as unknown as typeof I | typeof S) {
  return d.createOutputTopic(topic, S, valueSerde).readRecordsToList().map((r) => [r.key, r.value as V, r.timestamp])
}

test('shouldCogroupAndAggregateSingleKStreams (and null values are skipped)', () => {
  const b = new StreamsBuilder()
  b.stream<string, string>('one', Consumed.with(S, S)).groupByKey().cogroup(STRING_AGGREGATOR).aggregate(() => '').toStream().to('output')
  const d = new TopologyTestDriver(b.build(), PROPS)
  const one = d.createInputTopic('one', S, S)
  for (const [k, v] of [['k1', 'A'], ['k2', 'B'], ['k2', null], ['k2', 'B'], ['k1', 'A']] as const) one.pipeInput(k, v, 0)
  expect(read(d, 'output')).toEqual([['k1', 'A', 0], ['k2', 'B', 0], ['k2', 'BB', 0], ['k1', 'AA', 0]])
})

test('shouldCogroupAndAggregateTwoKStreamsWithSharedKeys', () => {
  const b = new StreamsBuilder()
  const g1 = b.stream<string, string>('one', Consumed.with(S, S)).groupByKey()
  const g2 = b.stream<string, string>('two', Consumed.with(S, S)).groupByKey()
  g1.cogroup(STRING_AGGREGATOR).cogroup(g2, STRING_AGGREGATOR).aggregate(() => '').toStream().to('output')
  const d = new TopologyTestDriver(b.build(), PROPS)
  const one = d.createInputTopic('one', S, S)
  const two = d.createInputTopic('two', S, S)
  one.pipeInput('k1', 'A', 0)
  one.pipeInput('k2', 'A', 1)
  one.pipeInput('k1', 'A', 10)
  one.pipeInput('k2', 'A', 100)
  for (const [k, t] of [['k2', 100], ['k2', 200], ['k1', 1], ['k2', 500], ['k1', 500], ['k2', 500], ['k3', 500], ['k2', 100]] as const) two.pipeInput(k, 'B', t)
  expect(read(d, 'output')).toEqual([
    ['k1', 'A', 0],
    ['k2', 'A', 1],
    ['k1', 'AA', 10],
    ['k2', 'AA', 100],
    ['k2', 'AAB', 100],
    ['k2', 'AABB', 200],
    ['k1', 'AAB', 10],
    ['k2', 'AABBB', 500],
    ['k1', 'AABB', 500],
    ['k2', 'AABBBB', 500],
    ['k3', 'B', 500],
    ['k2', 'AABBBBB', 500],
  ])
})

test('shouldCoGroupStreamsWithDifferentInputTypes, into a Materialized store with its own serde', () => {
  const b = new StreamsBuilder()
  const g1 = b.stream<string, string>('one', Consumed.with(S, S)).groupByKey()
  const g2 = b.stream<string, number>('two', Consumed.with(S, I)).groupByKey()
  g1.cogroup(STRSUM_AGGREGATOR).cogroup(g2, SUM_AGGREGATOR).aggregate(() => 0, Materialized.as<string, number>('store1').withValueSerde(I)).toStream().to('output', Produced.with(S, I))
  const d = new TopologyTestDriver(b.build(), PROPS)
  const one = d.createInputTopic('one', S, S)
  const two = d.createInputTopic('two', S, I)
  for (const [k, t] of [['k1', 0], ['k2', 1], ['k1', 10], ['k2', 100]] as const) one.pipeInput(k, '1', t)
  for (const [k, v, t] of [['k2', 2, 100], ['k2', 2, 200], ['k1', 2, 1], ['k2', 2, 500], ['k1', 2, 500], ['k2', 3, 500], ['k3', 2, 500], ['k2', 2, 100]] as const) two.pipeInput(k, v, t)
  expect(read(d, 'output', I)).toEqual([
    ['k1', 1, 0],
    ['k2', 1, 1],
    ['k1', 2, 10],
    ['k2', 2, 100],
    ['k2', 4, 100],
    ['k2', 6, 200],
    ['k1', 4, 10],
    ['k2', 8, 500],
    ['k1', 6, 500],
    ['k2', 11, 500],
    ['k3', 2, 500],
    ['k2', 13, 500],
  ])
  expect(d.getKeyValueStore<string, number>('store1').get('k2')).toBe(13)
})

test("Kafka's names: a Grouped name for the repartition, generated aggregate and merge names", () => {
  const b = new StreamsBuilder()
  const one = b.stream<string, string>('one', Consumed.with(S, S))
  const two = b.stream<string, string>('two', Consumed.with(S, S))
  const g1 = one.map((k, v) => KeyValue.pair(v, k)).groupByKey(Grouped.as('repartition-test'))
  const g2 = two.groupByKey()
  g1.cogroup(STRING_AGGREGATOR).cogroup(g2, STRING_AGGREGATOR).aggregate(() => '').toStream().to('output')
  const text = b.build().describe().toString()
  expect(text).toContain('Processor: COGROUPKSTREAM-AGGREGATE-0000000007 (stores: [COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003])\n      --> COGROUPKSTREAM-MERGE-0000000009\n      <-- repartition-test-repartition-source')
  expect(text).toContain('Processor: COGROUPKSTREAM-AGGREGATE-0000000008 (stores: [COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003])\n      --> COGROUPKSTREAM-MERGE-0000000009\n      <-- KSTREAM-SOURCE-0000000001')
  expect(text).toContain('Processor: COGROUPKSTREAM-MERGE-0000000009 (stores: [])\n      --> KTABLE-TOSTREAM-0000000010\n      <-- COGROUPKSTREAM-AGGREGATE-0000000007, COGROUPKSTREAM-AGGREGATE-0000000008')
  expect(text).toContain('Sink: KSTREAM-SINK-0000000011 (topic: output)')
  expect(text).toContain('Sink: repartition-test-repartition-sink (topic: repartition-test-repartition)')
})

test("Kafka's names with Named and Materialized: <name>-cogroup-agg-<i>, <name>-cogroup-merge, <store>-repartition", () => {
  const b = new StreamsBuilder()
  const one = b.stream<string, string>('one', Consumed.with(S, S))
  const two = b.stream<string, string>('two', Consumed.with(S, S))
  const g1 = one.map((k, v) => KeyValue.pair(v, k)).groupByKey()
  const g2 = two.groupByKey()
  g1.cogroup(STRING_AGGREGATOR).cogroup(g2, STRING_AGGREGATOR).aggregate(() => '', Named.as('test'), Materialized.as('store')).toStream().to('output')
  const topology = b.build()
  const text = topology.describe().toString()
  expect(text).toContain('Processor: test-cogroup-agg-0 (stores: [store])\n      --> test-cogroup-merge\n      <-- store-repartition-source')
  expect(text).toContain('Processor: test-cogroup-agg-1 (stores: [store])\n      --> test-cogroup-merge\n      <-- KSTREAM-SOURCE-0000000001')
  expect(text).toContain('Processor: test-cogroup-merge (stores: [])\n      --> KTABLE-TOSTREAM-0000000009\n      <-- test-cogroup-agg-0, test-cogroup-agg-1')
  expect(text).toContain('Sink: KSTREAM-SINK-0000000010 (topic: output)')
  // Through the repartition topic the records still meet in one store.
  const d = new TopologyTestDriver(topology, PROPS)
  d.createInputTopic('one', S, S).pipeInput('x', 'k', 5)
  d.createInputTopic('two', S, S).pipeInput('k', 'y', 6)
  expect(read(d, 'output')).toEqual([['k', 'x', 5], ['k', 'xy', 6]])
})

test('windowedBy(TimeWindows) and SlidingWindows: per key and window, both streams in one aggregate', () => {
  for (const windows of [TimeWindows.ofSizeWithNoGrace(10), SlidingWindows.ofTimeDifferenceWithNoGrace(10)]) {
    const b = new StreamsBuilder()
    const g1 = b.stream<string, string>('one', Consumed.with(S, S)).groupByKey()
    const g2 = b.stream<string, string>('two', Consumed.with(S, S)).groupByKey()
    g1.cogroup(STRING_AGGREGATOR)
      .cogroup(g2, (_k, v, agg) => agg + v.toLowerCase())
      .windowedBy(windows as TimeWindows)
      .aggregate(() => '')
      .toStream()
      .map((k: Windowed<string>, v: string) => KeyValue.pair(String(k), v))
      .to('output')
    const d = new TopologyTestDriver(b.build(), PROPS)
    d.createInputTopic('one', S, S).pipeInput('k', 'A', 1)
    d.createInputTopic('two', S, S).pipeInput('k', 'B', 2)
    d.createInputTopic('one', S, S).pipeInput('k', 'C', 15)
    const out = read(d, 'output')
    if (windows instanceof TimeWindows) expect(out).toEqual([['[k@0/10]', 'A', 1], ['[k@0/10]', 'Ab', 2], ['[k@10/20]', 'C', 15]])
    // Sliding: B makes the window right after A ([2, 12]) before updating [0, 10]; C is more than 10 after both, alone in [5, 15].
    else expect(out).toEqual([['[k@0/10]', 'A', 1], ['[k@2/12]', 'b', 2], ['[k@0/10]', 'Ab', 2], ['[k@5/15]', 'C', 15]])
  }
})

test('windowedBy(SessionWindows): sessions merge across both streams with the merger', () => {
  const b = new StreamsBuilder()
  const g1 = b.stream<string, string>('one', Consumed.with(S, S)).groupByKey()
  const g2 = b.stream<string, string>('two', Consumed.with(S, S)).groupByKey()
  g1.cogroup(STRING_AGGREGATOR)
    .cogroup(g2, STRING_AGGREGATOR)
    .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(5))
    .aggregate(() => '', (_k, a, c) => a + c, Materialized.as('sessions'))
    .toStream()
    .map((k: Windowed<string>, v: string | null) => KeyValue.pair(String(k), v))
    .to('output')
  const d = new TopologyTestDriver(b.build(), PROPS)
  d.createInputTopic('one', S, S).pipeInput('k', 'A', 0)
  d.createInputTopic('two', S, S).pipeInput('k', 'B', 4)
  d.createInputTopic('one', S, S).pipeInput('k', 'C', 20)
  expect(read(d, 'output')).toEqual([
    ['[k@0/0]', 'A', 0],
    ['[k@0/0]', null, 0],
    ['[k@0/4]', 'AB', 4],
    ['[k@20/20]', 'C', 20],
  ])
})
