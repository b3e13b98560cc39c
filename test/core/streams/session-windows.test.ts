/**
 * Session windows as the Streams developer guide's "Session Windows"
 * example describes them (inactivity gap 5; green at 0, blue at 2, green
 * at 6, then out of order green at 4 and blue at 5, then blue at 11). The
 * guide's code has no grace, but with none Kafka's own processor closes
 * green's [0, 0] at stream time 6 (its end is before 6 - 5) and would not
 * merge it; with a grace of 5 it does what the guide draws: the
 * two green sessions merge into [0, 6] with 3 records, blue's extends to
 * [2, 5] with 2, and blue at 11 starts a new one. Each merge forwards the
 * merged-away sessions as deletes, as Kafka's KStreamSessionWindowAggregate
 * does; keys print as Kafka's Windowed ([key@start/end]) and are written
 * by the session windowed serde (key, end, start).
 */
import {expect, test} from 'vitest'
import {Materialized, Produced, Serdes, SessionWindows, type SessionStore, StreamsBuilder, TopologyTestDriver, WindowedSerdes} from '../../../src/index.js'

const S = Serdes.String()
const PROPS = {'application.id': 'sess', 'default.key.serde': S, 'default.value.serde': S}

function sessions(windows: SessionWindows) {
  const b = new StreamsBuilder()
  b.stream<string, string>('clicks').groupByKey().windowedBy(windows).count(Materialized.as('sessions')).toStream().to('out', Produced.with(WindowedSerdes.sessionWindowedSerdeFrom(S), Serdes.Long()))
  return b.build()
}

test("the guide's six records: merges, an extension and a new session", () => {
  const d = new TopologyTestDriver(sessions(SessionWindows.ofInactivityGapAndGrace(5, 5)), PROPS)
  const input = d.createInputTopic('clicks', S, S)
  for (const [k, t] of [['green', 0], ['blue', 2], ['green', 6], ['green', 4], ['blue', 5], ['blue', 11]] as const) input.pipeInput(k, 'click', t)
  const out = d.createOutputTopic('out', WindowedSerdes.sessionWindowedSerdeFrom(S), Serdes.Long())
  expect(out.readRecordsToList().map((r) => [String(r.key), r.value, r.timestamp])).toEqual([
    ['[green@0/0]', 1, 0],
    ['[blue@2/2]', 1, 2],
    ['[green@6/6]', 1, 6],
    ['[green@0/0]', null, 0],
    ['[green@6/6]', null, 6],
    ['[green@0/6]', 3, 6],
    ['[blue@2/2]', null, 2],
    ['[blue@2/5]', 2, 5],
    ['[blue@11/11]', 1, 11],
  ])
  const store = d.getStateStore<SessionStore<string, number>>('sessions')!
  expect(store.all().map((s) => [s.key, s.start, s.end, s.value])).toEqual([
    ['blue', 2, 5, 2],
    ['green', 0, 6, 3],
    ['blue', 11, 11, 1],
  ])
  expect(store.findSessions('blue', 0, 20).map((s) => s.value)).toEqual([2, 1])
})

test('a late record: within the grace it merges, after it it is dropped', () => {
  const noGrace = new TopologyTestDriver(sessions(SessionWindows.ofInactivityGapWithNoGrace(5)), PROPS)
  const withGrace = new TopologyTestDriver(sessions(SessionWindows.ofInactivityGapAndGrace(5, 10)), PROPS)
  for (const d of [noGrace, withGrace]) {
    const input = d.createInputTopic('clicks', S, S)
    input.pipeInput('blue', 'x', 2)
    input.pipeInput('blue', 'x', 11) // stream time 11: a session must end at 11 - 5 - grace or later
    input.pipeInput('blue', 'x', 5) // merges with [2, 2] into [2, 5]: late without a grace
  }
  const read = (d: TopologyTestDriver) => d.createOutputTopic('out', WindowedSerdes.sessionWindowedSerdeFrom(S), Serdes.Long()).readRecordsToList().map((r) => `${r.key}=${r.value}`)
  expect(read(noGrace)).toEqual(['[blue@2/2]=1', '[blue@11/11]=1'])
  expect(read(withGrace)).toEqual(['[blue@2/2]=1', '[blue@11/11]=1', '[blue@2/2]=null', '[blue@2/5]=2'])
})

test('aggregate with a merger, reduce, and the session serde bytes (key, end, start)', () => {
  const b = new StreamsBuilder()
  const grouped = b.stream<string, string>('words').groupByKey()
  grouped
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 20))
    .aggregate(() => '', (_k, v, agg) => agg + v, (_k, a, c) => a + c, Materialized.as<string, string>('letters'))
    .toStream()
    .to('letters-out', Produced.with(WindowedSerdes.sessionWindowedSerdeFrom(S), S))
  grouped.windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 20)).reduce((a, c) => `${a}|${c}`).toStream().to('reduced', Produced.with(WindowedSerdes.sessionWindowedSerdeFrom(S), S))
  expect(b.build().describe().toString()).toContain('Processor: KSTREAM-REDUCE-0000000005 (stores: [KSTREAM-REDUCE-STATE-STORE-0000000004])')
  const d = new TopologyTestDriver(b.build(), PROPS)
  const input = d.createInputTopic('words', S, S)
  input.pipeInput('k', 'a', 0)
  input.pipeInput('k', 'c', 20)
  input.pipeInput('k', 'b', 10) // within the gap of both: [0, 20]
  const s = d.getStateStore<SessionStore<string, string>>('letters')!
  expect(s.all().map((x) => [x.start, x.end, x.value])).toEqual([[0, 20, 'acb']])
  expect(d.createOutputTopic('reduced', WindowedSerdes.sessionWindowedSerdeFrom(S), S).readValuesToList().at(-1)).toBe('a|c|b')
  const raw = d.createOutputTopic('letters-out', Serdes.ByteArray(), S).readRecordsToList().at(-1)!
  const key = Buffer.from(raw.key!)
  expect([key.subarray(0, 1).toString(), Number(key.readBigInt64BE(1)), Number(key.readBigInt64BE(9))]).toEqual(['k', 20, 0])
})
