/**
 * EmitStrategy.onWindowClose (KIP-825): a windowed aggregation forwards
 * each window once, its final result, when stream time passes its end and
 * the grace: the same records as suppress(untilWindowCloses) gives over
 * the same input (Kafka's SuppressScenarioTest sequence), with no buffer.
 */
import {expect, test} from 'vitest'
import {BufferConfig, EmitStrategy, Grouped, KeyValue, Materialized, Produced, Serdes, SlidingWindows, StreamsBuilder, Suppressed, TimeWindows, TopologyTestDriver, type Windowed} from '../../../src/index.js'

const S = Serdes.String()
const L = Serdes.Long()
const PROPS = {'application.id': 'emit', 'default.key.serde': S, 'default.value.serde': S}

function run(windows: TimeWindows | SlidingWindows, input: Array<[string, number]>, emit: 'close' | 'suppress' | 'update') {
  const b = new StreamsBuilder()
  const grouped = b.stream<string, string>('input').groupBy((k) => k, Grouped.with(S, S))
  let windowed = grouped.windowedBy(windows as TimeWindows)
  if (emit === 'close') windowed = windowed.emitStrategy(EmitStrategy.onWindowClose())
  if (emit === 'update') windowed = windowed.emitStrategy(EmitStrategy.onWindowUpdate())
  let counts = windowed.count(Materialized.as('counts'))
  if (emit === 'suppress') counts = counts.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
  counts.toStream().map((k: Windowed<string>, v: number) => KeyValue.pair(String(k), v)).to('output', Produced.with(S, L))
  const d = new TopologyTestDriver(b.build(), PROPS)
  const topic = d.createInputTopic('input', S, S)
  for (const [k, t] of input) topic.pipeInput(k, 'v', t)
  const out = d.createOutputTopic('output', S, L).readRecordsToList().map((r) => [r.key, r.value, r.timestamp])
  d.close()
  return out
}

test('tumbling windows: only final results, as suppress(untilWindowCloses) gives them', () => {
  const input: Array<[string, number]> = [['k1', 0], ['k1', 1], ['k1', 2], ['k1', 1], ['k1', 0], ['k1', 5], ['k1', 0]]
  const w = TimeWindows.ofSizeAndGrace(2, 1)
  const closed = run(w, input, 'close')
  expect(closed).toEqual([
    ['[k1@0/2]', 4, 1],
    ['[k1@2/4]', 1, 2],
  ])
  expect(closed).toEqual(run(w, input, 'suppress'))
})

test('onWindowUpdate is the default: every update is forwarded', () => {
  const input: Array<[string, number]> = [['k1', 0], ['k1', 1], ['k1', 2]]
  const w = TimeWindows.ofSizeWithNoGrace(2)
  expect(run(w, input, 'update')).toEqual([['[k1@0/2]', 1, 0], ['[k1@0/2]', 2, 1], ['[k1@2/4]', 1, 2]])
})

test('hopping windows of several keys close in window start order, then key order, each once', () => {
  const w = TimeWindows.ofSizeAndGrace(10, 0).advanceBy(5)
  const input: Array<[string, number]> = [['b', 1], ['a', 2], ['a', 7], ['b', 12], ['a', 30], ['b', 31], ['a', 60]]
  const closed = run(w, input, 'close')
  expect(closed).toEqual([
    ['[a@0/10]', 2, 7],
    ['[b@0/10]', 1, 1],
    ['[a@5/15]', 1, 7],
    ['[b@5/15]', 1, 12],
    ['[b@10/20]', 1, 12],
    ['[a@25/35]', 1, 30],
    ['[b@25/35]', 1, 31],
    ['[a@30/40]', 1, 30],
    ['[b@30/40]', 1, 31],
  ])
  expect(closed).toEqual(run(w, input, 'suppress'))
})

test('sliding windows: final results once a window ends before stream time minus the grace', () => {
  const w = SlidingWindows.ofTimeDifferenceAndGrace(10, 5)
  const input: Array<[string, number]> = [['k', 10], ['k', 15], ['k', 40], ['k', 100]]
  const closed = run(w, input, 'close')
  expect(closed).toEqual(run(w, input, 'suppress'))
  expect(closed.map((r) => r[0])).toEqual(['[k@0/10]', '[k@5/15]', '[k@11/21]', '[k@30/40]'])
  expect(closed.map((r) => r[1])).toEqual([1, 2, 1, 1])
})
