/**
 * KTable.suppress, with Kafka's SuppressScenarioTest cases and their
 * expected records: final results of time and session windows
 * (untilWindowCloses), and a key's latest value after a time limit or
 * when the buffer is full (untilTimeLimit).
 */
import {expect, test} from 'vitest'
import {BufferConfig, Grouped, KeyValue, Materialized, Produced, Serdes, SessionWindows, StreamsBuilder, Suppressed, TimeWindows, TopologyError, TopologyTestDriver, type Windowed} from '../../../src/index.js'

const S = Serdes.String()
const L = Serdes.Long()
// Kafka's SuppressScenarioTest's application id: the repartition topic's name is part of each buffered entry's size.
const PROPS = {'application.id': 'suppressscenariotest', 'default.key.serde': S, 'default.value.serde': S}

function drain(d: TopologyTestDriver, topic: string) {
  return d.createOutputTopic(topic, S, L).readRecordsToList().map((r) => [r.key, r.value, r.timestamp])
}

function windowed(windowedBy: (g: ReturnType<ReturnType<StreamsBuilder['stream']>['groupBy']>) => any) {
  const b = new StreamsBuilder()
  const counts = windowedBy(b.stream<string, string>('input').groupBy((k) => k, Grouped.with(S, S))).count(Materialized.as('counts'))
  counts.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded())).toStream().map((k: Windowed<string>, v: number) => KeyValue.pair(String(k), v)).to('output-suppressed', Produced.with(S, L))
  counts.toStream().map((k: Windowed<string>, v: number) => KeyValue.pair(String(k), v)).to('output-raw', Produced.with(S, L))
  return new TopologyTestDriver(b.build(), PROPS)
}

test('shouldSupportFinalResultsForTimeWindows', () => {
  const d = windowed((g) => g.windowedBy(TimeWindows.ofSizeAndGrace(2, 1)))
  const input = d.createInputTopic('input', S, S)
  for (const t of [0, 1, 2, 1, 0, 5, 0]) input.pipeInput('k1', 'v1', t) // the last is beyond the grace: dropped
  expect(drain(d, 'output-raw')).toEqual([
    ['[k1@0/2]', 1, 0],
    ['[k1@0/2]', 2, 1],
    ['[k1@2/4]', 1, 2],
    ['[k1@0/2]', 3, 1],
    ['[k1@0/2]', 4, 1],
    ['[k1@4/6]', 1, 5],
  ])
  expect(drain(d, 'output-suppressed')).toEqual([
    ['[k1@0/2]', 4, 1],
    ['[k1@2/4]', 1, 2],
  ])
})

test('shouldSupportFinalResultsForSessionWindows', () => {
  const d = windowed((g) => g.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(5)))
  const input = d.createInputTopic('input', S, S)
  for (const [k, t] of [['k1', 0], ['k1', 5], ['k1', 1], ['k2', 11], ['k1', 5], ['k1', 30]] as const) input.pipeInput(k, 'v1', t)
  expect(drain(d, 'output-raw')).toEqual([
    ['[k1@0/0]', 1, 0],
    ['[k1@0/0]', null, 0],
    ['[k1@0/5]', 2, 5],
    ['[k1@0/5]', null, 5],
    ['[k1@0/5]', 3, 5],
    ['[k2@11/11]', 1, 11],
    ['[k1@30/30]', 1, 30],
  ])
  expect(drain(d, 'output-suppressed')).toEqual([
    ['[k1@0/5]', 3, 5],
    ['[k2@11/11]', 1, 11],
  ])
})

function regionCounts(suppressed: Suppressed) {
  const b = new StreamsBuilder()
  const counts = b.table<string, string>('input', undefined, Materialized.with<string, string>(S, S).withLoggingDisabled()).groupBy((k, v) => KeyValue.pair(v, k), Grouped.with(S, S)).count(Materialized.with(S, L))
  counts.suppress(suppressed).toStream().to('output-suppressed', Produced.with(S, L))
  counts.toStream().to('output-raw', Produced.with(S, L))
  return new TopologyTestDriver(b.build(), PROPS)
}

test('shouldSuppressIntermediateEventsWithTimeLimit', () => {
  const d = regionCounts(Suppressed.untilTimeLimit(2, BufferConfig.unbounded()))
  const input = d.createInputTopic('input', S, S)
  input.pipeInput('k1', 'v1', 0)
  input.pipeInput('k1', 'v2', 1)
  input.pipeInput('k2', 'v1', 2)
  expect(drain(d, 'output-raw')).toEqual([['v1', 1, 0], ['v1', 0, 1], ['v2', 1, 1], ['v1', 1, 2]])
  expect(drain(d, 'output-suppressed')).toEqual([['v1', 1, 2]])
  input.pipeInput('tick', 'tick', 3)
  expect(drain(d, 'output-raw')).toEqual([['tick', 1, 3]])
  expect(drain(d, 'output-suppressed')).toEqual([['v2', 1, 1]])
  input.pipeInput('tick', 'tock', 4)
  expect(drain(d, 'output-raw')).toEqual([['tick', 0, 4], ['tock', 1, 4]])
  expect(drain(d, 'output-suppressed')).toEqual([]) // tick was first buffered at 3
})

test('shouldSuppressIntermediateEventsWithRecordLimit', () => {
  const d = regionCounts(Suppressed.untilTimeLimit(Number.MAX_SAFE_INTEGER, BufferConfig.maxRecords(1).emitEarlyWhenFull()))
  const input = d.createInputTopic('input', S, S)
  input.pipeInput('k1', 'v1', 0)
  input.pipeInput('k1', 'v2', 1)
  input.pipeInput('k2', 'v1', 2)
  expect(drain(d, 'output-raw')).toEqual([['v1', 1, 0], ['v1', 0, 1], ['v2', 1, 1], ['v1', 1, 2]])
  expect(drain(d, 'output-suppressed')).toEqual([['v1', 0, 1], ['v2', 1, 1]])
  input.pipeInput('x', 'x', 3)
  expect(drain(d, 'output-raw')).toEqual([['x', 1, 3]])
  expect(drain(d, 'output-suppressed')).toEqual([['v1', 1, 2]])
})

test("a full buffer told to shut down fails; untilWindowCloses needs a windowed table; Kafka's names", () => {
  const d = regionCounts(Suppressed.untilTimeLimit(1000, BufferConfig.maxRecords(1).shutDownWhenFull()))
  const input = d.createInputTopic('input', S, S)
  input.pipeInput('k1', 'v1', 0)
  expect(() => input.pipeInput('k2', 'v2', 1)).toThrow(/is full/)
  const b = new StreamsBuilder()
  const t = b.table<string, string>('t')
  expect(() => t.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))).toThrow(TopologyError)
  t.suppress(Suppressed.untilTimeLimit(10, BufferConfig.unbounded())).toStream().to('o')
  expect(b.build().describe().toString()).toContain('Processor: KTABLE-SUPPRESS-0000000003 (stores: [KTABLE-SUPPRESS-STATE-STORE-0000000004])')
})

// Kafka's bytes-limit scenario and bound: an entry is a little over 100 bytes by Kafka's estimate (the record's topic name counts), so 200 holds one.
test('shouldSuppressIntermediateEventsWithBytesLimit', () => {
  const d = regionCounts(Suppressed.untilTimeLimit(Number.MAX_SAFE_INTEGER, BufferConfig.maxBytes(200).emitEarlyWhenFull()))
  const input = d.createInputTopic('input', S, S)
  input.pipeInput('k1', 'v1', 0)
  input.pipeInput('k1', 'v2', 1)
  input.pipeInput('k2', 'v1', 2)
  expect(drain(d, 'output-raw')).toEqual([['v1', 1, 0], ['v1', 0, 1], ['v2', 1, 1], ['v1', 1, 2]])
  expect(drain(d, 'output-suppressed')).toEqual([['v1', 0, 1], ['v2', 1, 1]])
  input.pipeInput('x', 'x', 3)
  expect(drain(d, 'output-raw')).toEqual([['x', 1, 3]])
  expect(drain(d, 'output-suppressed')).toEqual([['v1', 1, 2]])
})

test('a bytes bound told to shut down fails when passed; maxRecords and maxBytes together: whichever is reached first', () => {
  const d = regionCounts(Suppressed.untilTimeLimit(1000, BufferConfig.maxBytes(150).shutDownWhenFull()))
  const input = d.createInputTopic('input', S, S)
  input.pipeInput('k1', 'v1', 0)
  expect(() => input.pipeInput('k2', 'v2', 1)).toThrow(/is full \(more than 150 bytes\)/)
  const both = regionCounts(Suppressed.untilTimeLimit(Number.MAX_SAFE_INTEGER, BufferConfig.maxRecords(3).withMaxBytes(150)))
  const i2 = both.createInputTopic('input', S, S)
  i2.pipeInput('a', 'v1', 0)
  i2.pipeInput('b', 'v2', 1)
  expect(drain(both, 'output-suppressed')).toEqual([['v1', 1, 0]])
  expect(() => BufferConfig.maxBytes(-1)).toThrow(/maxBytes must be a non-negative integer/)
})
