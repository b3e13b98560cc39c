/**
 * Sliding windows (KIP-450) with Kafka's KStreamSlidingWindowAggregateTest
 * inputs and expected results (testAggregateSmallInput,
 * testEarlyRecordsSmallInput): per window start, the set of aggregates
 * (with their timestamps) forwarded for it, as that test gathers them.
 */
import {expect, test} from 'vitest'
import {Grouped, Materialized, Serdes, SlidingWindows, StreamsBuilder, TopologyTestDriver, type Windowed} from '../../../src/index.js'

const S = Serdes.String()
const PROPS = {'application.id': 'slide', 'default.key.serde': S, 'default.value.serde': S}

function run(windows: SlidingWindows, input: Array<[string, number]>): Record<number, string[]> {
  const b = new StreamsBuilder()
  const seen: Record<number, Set<string>> = {}
  b.stream<string, string>('topic')
    .groupByKey(Grouped.with(S, S))
    .windowedBy(windows)
    .aggregate(() => '0', (_k, v, agg) => `${agg}+${v}`, Materialized.as<string, string>('store').withValueSerde(S))
    .toStream()
    .process(() => ({
      process(r) {
        const start = (r.key() as Windowed<string>).window.start()
        ;(seen[start] ??= new Set()).add(`${r.value()}@${r.timestamp()}`)
      },
    }))
  const d = new TopologyTestDriver(b.build(), PROPS)
  const t = d.createInputTopic('topic', S, S)
  for (const [v, ts] of input) t.pipeInput('A', v, ts)
  return Object.fromEntries(Object.entries(seen).map(([k, s]) => [k, [...s].sort()]))
}

const sorted = (x: Record<number, string[]>) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, [...v].sort()]))

test('testAggregateSmallInput', () => {
  expect(run(SlidingWindows.ofTimeDifferenceAndGrace(10, 5), [['1', 10], ['2', 10], ['3', 14], ['4', 15], ['5', 20], ['6', 22], ['7', 30]])).toEqual(
    sorted({
      0: ['0+1@10', '0+1+2@10'],
      4: ['0+1+2+3@14'],
      5: ['0+1+2+3+4@15'],
      10: ['0+1+2+3+4+5@20'],
      11: ['0+3@14', '0+3+4@15', '0+3+4+5@20'],
      12: ['0+3+4+5+6@22'],
      15: ['0+4@15', '0+4+5@20', '0+4+5+6@22'],
      16: ['0+5@20', '0+5+6@22'],
      20: ['0+5+6+7@30'],
      21: ['0+6@22', '0+6+7@30'],
      23: ['0+7@30'],
    }),
  )
})

test('testEarlyRecordsSmallInput: records before the time difference go in [0, d]', () => {
  expect(run(SlidingWindows.ofTimeDifferenceAndGrace(50, 0), [['1', 0], ['2', 5], ['3', 6], ['4', 3], ['5', 13], ['6', 10], ['7', 70]])).toEqual(
    sorted({
      0: ['0+1@0', '0+1+2@5', '0+1+2+3@6', '0+1+2+3+4@6', '0+1+2+3+4+5@13', '0+1+2+3+4+5+6@13'],
      1: ['0+2@5', '0+2+3@6', '0+2+3+4@6', '0+2+3+4+5@13', '0+2+3+4+5+6@13'],
      4: ['0+2+3@6', '0+2+3+5@13', '0+2+3+5+6@13'],
      6: ['0+3@6', '0+3+5@13', '0+3+5+6@13'],
      7: ['0+5@13', '0+5+6@13'],
      11: ['0+5@13'],
      20: ['0+7@70'],
    }),
  )
})

test('sliding counts: a window per distinct set of records, keyed and printed as Kafka does', () => {
  const b = new StreamsBuilder()
  const out: string[] = []
  b.stream<string, string>('clicks').groupByKey().windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(10)).count().toStream().foreach((k, v) => out.push(`${k}=${v}`))
  const d = new TopologyTestDriver(b.build(), PROPS)
  const t = d.createInputTopic('clicks', S, S)
  t.pipeInput('u', 'x', 20)
  t.pipeInput('u', 'x', 25)
  t.pipeInput('u', 'x', 40) // more than 10 after 25: no right window for 25 (it would hold nothing), a new left one
  expect(out).toEqual(['[u@10/20]=1', '[u@21/31]=1', '[u@15/25]=2', '[u@30/40]=1'])
})
