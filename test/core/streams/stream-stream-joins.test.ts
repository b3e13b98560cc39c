/**
 * Stream-stream joins over the input sequence of the Streams developer
 * guide's "Semantics of stream-stream joins" table (join window 15 with a
 * grace of 5; all records one key), and Kafka's KStreamKStreamLeftJoinTest
 * cases. The inner results are the table's, row for row. The left/outer
 * results for records without a partner ([E, null], [F, null], [null, f])
 * are the table's too; they come out when stream time passes the record's
 * window end plus the grace, as KStreamKStreamJoin decides it (strictly
 * past: E at 40 is still joinable at stream time 60, so it comes with f at
 * 80, one row below where the guide prints it, and likewise F and f).
 */
import {expect, test} from 'vitest'
import {JoinWindows, KeyValue, Produced, Serdes, StreamJoined, StreamsBuilder, TopologyTestDriver} from '../../../src/index.js'

const S = Serdes.String()
const PROPS = {'application.id': 'ssj', 'default.key.serde': S, 'default.value.serde': S}

/** [timestamp, side, value]: the guide's rows. */
const GUIDE: Array<[number, 'L' | 'R', string | null]> = [
  [1, 'L', null], [2, 'R', null], [3, 'L', 'A'], [4, 'R', 'a'], [5, 'L', 'B'], [6, 'R', 'b'], [7, 'L', null], [8, 'R', null],
  [9, 'L', 'C'], [10, 'R', 'c'], [11, 'R', null], [12, 'L', null], [13, 'R', null], [14, 'R', 'd'], [15, 'L', 'D'],
  [40, 'L', 'E'], [60, 'L', 'F'], [80, 'R', 'f'], [100, 'L', 'G'],
]

function run(kind: 'join' | 'leftJoin' | 'outerJoin'): Array<[number, string[]]> {
  const b = new StreamsBuilder()
  const left = b.stream<string, string>('left')
  const right = b.stream<string, string>('right')
  const joiner = (l: string | null, r: string | null) => `[${l}, ${r}]`
  left[kind](right, joiner, JoinWindows.ofTimeDifferenceAndGrace(15, 5)).to('out')
  const d = new TopologyTestDriver(b.build(), PROPS)
  const l = d.createInputTopic('left', S, S)
  const r = d.createInputTopic('right', S, S)
  const out = d.createOutputTopic('out', S, S)
  const rows: Array<[number, string[]]> = []
  for (const [t, side, v] of GUIDE) {
    ;(side === 'L' ? l : r).pipeInput('k', v, t)
    const got = out.readValuesToList() as string[]
    if (got.length > 0) rows.push([t, got])
  }
  return rows
}

const INNER: Array<[number, string[]]> = [
  [4, ['[A, a]']],
  [5, ['[B, a]']],
  [6, ['[A, b]', '[B, b]']],
  [9, ['[C, a]', '[C, b]']],
  [10, ['[A, c]', '[B, c]', '[C, c]']],
  [14, ['[A, d]', '[B, d]', '[C, d]']],
  [15, ['[D, a]', '[D, b]', '[D, c]', '[D, d]']],
]

test("inner join: the guide's results, row for row", () => {
  expect(run('join')).toEqual(INNER)
})

test("left join: the guide's results; [E, null] and [F, null] once their windows and grace have passed", () => {
  expect(run('leftJoin')).toEqual([...INNER, [80, ['[E, null]']], [100, ['[F, null]']]])
})

test("outer join: the guide's results; f's [null, f] waits for its window too", () => {
  const rows = run('outerJoin')
  expect(rows).toEqual([...INNER, [80, ['[E, null]']], [100, ['[F, null]']]])
})

test('outer join: [null, f] comes once stream time is past 80 + 15 + 5, with its own timestamp', () => {
  const b = new StreamsBuilder()
  b.stream<string, string>('left').outerJoin(b.stream<string, string>('right'), (l, r) => `[${l}, ${r}]`, JoinWindows.ofTimeDifferenceAndGrace(15, 5)).to('out')
  const d = new TopologyTestDriver(b.build(), PROPS)
  const l = d.createInputTopic('left', S, S)
  d.createInputTopic('right', S, S).pipeInput('k', 'f', 80)
  l.pipeInput('other', 'x', 100)
  const out = d.createOutputTopic('out', S, S)
  expect(out.readRecordsToList()).toEqual([])
  l.pipeInput('other', 'y', 101)
  expect(out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([['k', '[null, f]', 80]])
})

// Kafka's KStreamKStreamLeftJoinTest.testLeftExpiredNonJoinedRecordsAreEmittedByTheLeftProcessor and ...ByTheRightProcessor
test.each(['left', 'right'] as const)('unmatched left records are emitted by a later record on the %s side, each with its own timestamp', (bump) => {
  const b = new StreamsBuilder()
  const I = Serdes.Integer()
  const s1 = b.stream<number, string>('topic1')
  const s2 = b.stream<number, string>('topic2')
  s1.leftJoin(s2, (v1, v2) => `${v1}+${v2}`, JoinWindows.ofTimeDifferenceAndGrace(100, 0), StreamJoined.with(I, S, S)).to('out', Produced.with(I, S))
  const d = new TopologyTestDriver(b.build(), {...PROPS, 'default.key.serde': I})
  const in1 = d.createInputTopic('topic1', I, S)
  const in2 = d.createInputTopic('topic2', I, S)
  const out = d.createOutputTopic('out', I, S)
  const read = () => out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])
  in1.pipeInput(0, 'A0', 1)
  in1.pipeInput(1, 'A1', 2)
  in1.pipeInput(0, 'A0-0', 3)
  expect(read()).toEqual([])
  in2.pipeInput(1, 'a1', 3)
  expect(read()).toEqual([[1, 'A1+a1', 3]])
  ;(bump === 'left' ? in1 : in2).pipeInput(2, 'dummy', 401)
  expect(read()).toEqual([
    [0, 'A0+null', 1],
    [0, 'A0-0+null', 3],
  ])
  ;(bump === 'left' ? in2 : in1).pipeInput(2, 'dummy', 402)
  expect(read()).toEqual([[2, 'dummy+dummy', 402]])
})

// Kafka's KStreamKStreamLeftJoinTest.testLeftJoinDuplicates
test('duplicates: both records with one key and timestamp are kept, joined and emitted', () => {
  const b = new StreamsBuilder()
  const I = Serdes.Integer()
  b.stream<number, string>('topic1').leftJoin(b.stream<number, string>('topic2'), (v1, v2) => `${v1}+${v2}`, JoinWindows.ofTimeDifferenceAndGrace(100, 10)).to('out')
  const d = new TopologyTestDriver(b.build(), {...PROPS, 'default.key.serde': I})
  const in1 = d.createInputTopic('topic1', I, S)
  const in2 = d.createInputTopic('topic2', I, S)
  const out = d.createOutputTopic('out', I, S)
  const read = () => out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])
  in1.pipeInput(0, 'A0', 0)
  in1.pipeInput(0, 'A0-0', 0)
  in2.pipeInput(1, 'a0', 111)
  in2.pipeInput(2, 'dummy', 500)
  expect(read()).toEqual([
    [0, 'A0+null', 0],
    [0, 'A0-0+null', 0],
  ])
  in1.pipeInput(2, 'A2', 1000)
  in1.pipeInput(2, 'A2-0', 1000)
  in2.pipeInput(2, 'a2', 1001)
  expect(read()).toEqual([
    [2, 'A2+a2', 1001],
    [2, 'A2-0+a2', 1001],
  ])
  in2.pipeInput(3, 'a3', 315)
  expect(read()).toEqual([])
})

test("Kafka's node and store names, a StreamJoined's names, and a repartition of a re-keyed side", () => {
  const b = new StreamsBuilder()
  const left = b.stream<string, string>('left')
  const right = b.stream<string, string>('right')
  left.leftJoin(right, (a, c) => a + c, JoinWindows.ofTimeDifferenceWithNoGrace(10)).to('out')
  const desc = b.build().describe().toString()
  for (const n of ['KSTREAM-WINDOWED-0000000002', 'KSTREAM-WINDOWED-0000000003', 'Processor: KSTREAM-JOINTHIS-0000000004 (stores: [KSTREAM-OUTEROTHER-0000000005-store, KSTREAM-OUTERSHARED-0000000004-store])', 'Processor: KSTREAM-OUTEROTHER-0000000005 (stores: [KSTREAM-JOINTHIS-0000000004-store, KSTREAM-OUTERSHARED-0000000004-store])', 'KSTREAM-MERGE-0000000006', 'Sink: KSTREAM-SINK-0000000007']) expect(desc).toContain(n)

  const b2 = new StreamsBuilder()
  b2.stream<string, string>('left')
    .map((_k, v) => KeyValue.pair(v, v))
    .outerJoin(b2.stream<string, string>('right'), (a, c) => `${a}${c}`, JoinWindows.ofTimeDifferenceWithNoGrace(10), StreamJoined.as<string, string, string>('orders').withName('o'))
    .to('out')
  const desc2 = b2.build().describe().toString()
  for (const n of ['Sink: o-left-repartition-sink (topic: o-left-repartition)', 'Processor: o-this-windowed (stores: [orders-outer-this-join-store])', 'Processor: o-outer-this-join (stores: [orders-outer-other-join-store, orders-outer-shared-join-store])', 'o-outer-other-join', 'o-merge']) expect(desc2).toContain(n)
})

test('null values are dropped; a left join emits a record without a key at once, an inner join drops it', () => {
  for (const kind of ['join', 'leftJoin'] as const) {
    const b = new StreamsBuilder()
    b.stream<string, string>('left')[kind](b.stream<string, string>('right'), (l: string, r: string | null) => `${l}+${r}`, JoinWindows.ofTimeDifferenceWithNoGrace(10)).to('out')
    const d = new TopologyTestDriver(b.build(), PROPS)
    const l = d.createInputTopic('left', S, S)
    l.pipeInput(null, 'nokey', 1)
    l.pipeInput('k', null, 2)
    d.createInputTopic('right', S, S).pipeInput('k', 'r', 3)
    expect(d.createOutputTopic('out', S, S).readValuesToList()).toEqual(kind === 'join' ? [] : ['nokey+null'])
  }
})
