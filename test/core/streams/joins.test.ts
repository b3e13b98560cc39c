/**
 * Stream-table joins over the input sequence of Kafka's join semantics
 * table (Streams DSL guide, "KStream-KTable Join"): the stream side drives,
 * the table is looked up as it is at that moment, null values are dropped,
 * and the left join keeps stream records the table has no value for.
 */
import {expect, test} from 'vitest'
import {Joined, KeyValue, Materialized, Serdes, StreamsBuilder, TopologyTestDriver} from '../../../src/index.js'

const S = Serdes.String()
const PROPS = {'application.id': 'join', 'default.key.serde': S, 'default.value.serde': S}

/** The guide's sequence: [timestamp, stream value | undefined, table value | undefined]; null is a null value. */
const SEQUENCE: Array<[number, string | null | undefined, string | null | undefined]> = [
  [1, null, undefined],
  [2, undefined, null],
  [3, 'A', undefined],
  [4, undefined, 'a'],
  [5, 'B', undefined],
  [6, undefined, 'b'],
  [7, null, undefined],
  [8, undefined, null],
  [9, 'C', undefined],
  [10, undefined, 'c'],
  [11, undefined, null],
  [12, undefined, null],
  [13, undefined, 'd'],
  [14, 'D', undefined],
]

function run(left: boolean): Array<[number, string]> {
  const b = new StreamsBuilder()
  const table = b.table<string, string>('right')
  const stream = b.stream<string, string>('left')
  const joiner = (l: string, r: string | null) => `[${l}, ${r}]`
  ;(left ? stream.leftJoin(table, joiner) : stream.join(table, joiner)).to('out')
  const d = new TopologyTestDriver(b.build(), PROPS)
  const l = d.createInputTopic('left', S, S)
  const r = d.createInputTopic('right', S, S)
  for (const [t, lv, rv] of SEQUENCE) {
    if (lv !== undefined) l.pipeInput('k', lv, t)
    if (rv !== undefined) r.pipeInput('k', rv, t)
  }
  return d.createOutputTopic('out', S, S).readRecordsToList().map((x) => [x.timestamp, x.value!])
}

test("inner join: the guide's results", () => {
  expect(run(false)).toEqual([
    [5, '[B, a]'],
    [14, '[D, d]'],
  ])
})

test("left join: the guide's results", () => {
  expect(run(true)).toEqual([
    [3, '[A, null]'],
    [5, '[B, a]'],
    [9, '[C, null]'],
    [14, '[D, d]'],
  ])
})

test('a stream whose key changed is repartitioned before the join; the joiner may take the key', () => {
  const b = new StreamsBuilder()
  const users = b.table<string, string>('users')
  b.stream<string, string>('clicks')
    .map((_k, v) => KeyValue.pair(v.split(' ')[0], v.split(' ')[1]))
    .leftJoin(users, (page: string, region: string | null, user: string) => `${user}@${region ?? '?'}:${page}`, Joined.as('clicks-by-user'))
    .to('enriched')
  const topology = b.build()
  expect(topology.describe().toString()).toContain('Sink: clicks-by-user-repartition-sink (topic: clicks-by-user-repartition)')
  const d = new TopologyTestDriver(topology, PROPS)
  d.createInputTopic('users', S, S).pipeInput('alice', 'eu', 1)
  const clicks = d.createInputTopic('clicks', S, S)
  clicks.pipeInput(null, 'alice /home', 2)
  clicks.pipeInput(null, 'bob /cart', 3)
  expect(d.createOutputTopic('enriched', S, S).readValuesToList()).toEqual(['alice@eu:/home', 'bob@?:/cart'])
})

test("a table with no store of its own is looked up through its parent's, as Kafka's value getters do", () => {
  const b = new StreamsBuilder()
  const t = b.table<string, string>('t').mapValues((v) => v.toUpperCase()).filter((_k, v) => v !== 'HIDDEN')
  b.stream<string, string>('s').leftJoin(t, (a, c) => `${a}:${c}`).to('out')
  expect(b.build().describe().toString()).toContain('Processor: KSTREAM-JOIN-0000000006 (stores: [t-STATE-STORE-0000000000])')
  const d = new TopologyTestDriver(b.build(), PROPS)
  const table = d.createInputTopic('t', S, S)
  const stream = d.createInputTopic('s', S, S)
  table.pipeInput('a', 'x', 1)
  table.pipeInput('b', 'hidden', 2)
  stream.pipeInput('a', '1', 3)
  stream.pipeInput('b', '2', 4)
  expect(d.createOutputTopic('out', S, S).readValuesToList()).toEqual(['1:X', '2:null'])
  const b2 = new StreamsBuilder()
  const materialized = b2.stream<string, string>('x').toTable(Materialized.as('m'))
  expect(() => b2.stream<string, string>('s').join(materialized, (a, c) => a + c)).not.toThrow()
})
