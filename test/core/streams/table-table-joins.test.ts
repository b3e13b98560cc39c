/**
 * Table-table joins over the input sequence of the Streams developer
 * guide's "Semantics of table-table equi-joins" table (one key, records in
 * timestamp order): each variant's output is the table's column, record
 * for record, a "null" cell being a delete of the result. Also: the
 * result's store, old values downstream, and tables that are not
 * materialized themselves.
 */
import {expect, test} from 'vitest'
import {Materialized, Named, Serdes, StreamsBuilder, TopologyTestDriver} from '../../../src/index.js'

const S = Serdes.String()
const PROPS = {'application.id': 'ttj', 'default.key.serde': S, 'default.value.serde': S}

/** [timestamp, side, value] */
const GUIDE: Array<[number, 'L' | 'R', string | null]> = [
  [1, 'L', null], [2, 'R', null], [3, 'L', 'A'], [4, 'R', 'a'], [5, 'L', 'B'], [6, 'R', 'b'], [7, 'L', null], [8, 'R', null],
  [9, 'L', 'C'], [10, 'R', 'c'], [11, 'R', null], [12, 'L', null], [13, 'R', null], [14, 'R', 'd'], [15, 'L', 'D'],
]

function run(kind: 'join' | 'leftJoin' | 'outerJoin'): Array<[number, string | null]> {
  const b = new StreamsBuilder()
  const left = b.table<string, string>('left')
  const right = b.table<string, string>('right')
  left[kind](right, (l: string | null, r: string | null) => `[${l}, ${r}]`).toStream().to('out')
  const d = new TopologyTestDriver(b.build(), PROPS)
  const l = d.createInputTopic('left', S, S)
  const r = d.createInputTopic('right', S, S)
  for (const [t, side, v] of GUIDE) (side === 'L' ? l : r).pipeInput('k', v, t)
  return d.createOutputTopic('out', S, S).readRecordsToList().map((x) => [x.timestamp, x.value])
}

test("inner join: the guide's column", () => {
  expect(run('join')).toEqual([[4, '[A, a]'], [5, '[B, a]'], [6, '[B, b]'], [7, null], [10, '[C, c]'], [11, null], [15, '[D, d]']])
})

test("left join: the guide's column", () => {
  expect(run('leftJoin')).toEqual([[3, '[A, null]'], [4, '[A, a]'], [5, '[B, a]'], [6, '[B, b]'], [7, null], [9, '[C, null]'], [10, '[C, c]'], [11, '[C, null]'], [12, null], [15, '[D, d]']])
})

test("outer join: the guide's column", () => {
  expect(run('outerJoin')).toEqual([[3, '[A, null]'], [4, '[A, a]'], [5, '[B, a]'], [6, '[B, b]'], [7, '[null, b]'], [8, null], [9, '[C, null]'], [10, '[C, c]'], [11, '[C, null]'], [12, null], [14, '[null, d]'], [15, '[D, d]']])
})

test('a materialized join keeps the current results in its store; the result is stamped with the later side', () => {
  const b = new StreamsBuilder()
  b.table<string, string>('users').join(b.table<string, string>('regions'), (u, r) => `${u}@${r}`, Materialized.as('user-regions')).toStream().to('out')
  const d = new TopologyTestDriver(b.build(), PROPS)
  d.createInputTopic('users', S, S).pipeInput('alice', 'Alice', 10)
  d.createInputTopic('regions', S, S).pipeInput('alice', 'eu', 5)
  d.createInputTopic('regions', S, S).pipeInput('bob', 'us', 6)
  expect(d.getKeyValueStore<string, string>('user-regions')!.all()).toEqual([{key: 'alice', value: 'Alice@eu'}])
  expect(d.createOutputTopic('out', S, S).readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([['alice', 'Alice@eu', 10]])
})

test("Kafka's names: KTABLE-JOINTHIS-n and KTABLE-JOINOTHER-n into KTABLE-MERGE-n, or the Named name's", () => {
  const b = new StreamsBuilder()
  b.table<string, string>('a').leftJoin(b.table<string, string>('b'), (x, y) => `${x}${y}`).toStream().to('out')
  const desc = b.build().describe().toString()
  expect(desc).toContain('Processor: KTABLE-JOINTHIS-0000000007 (stores: [b-STATE-STORE-0000000003])')
  expect(desc).toContain('Processor: KTABLE-JOINOTHER-0000000008 (stores: [a-STATE-STORE-0000000000])')
  expect(desc).toContain('<-- KTABLE-JOINOTHER-0000000008, KTABLE-JOINTHIS-0000000007')
  expect(desc).toContain('Processor: KTABLE-MERGE-0000000006')
  const b2 = new StreamsBuilder()
  b2.table<string, string>('a').join(b2.table<string, string>('b'), (x, y) => `${x}${y}`, Named.as('ab')).toStream().to('out')
  const desc2 = b2.build().describe().toString()
  for (const n of ['Processor: ab-join-this', 'Processor: ab-join-other', 'Processor: ab (stores: [])']) expect(desc2).toContain(n)
})

test('a filtered or mapped table that has no store is looked up through its parent', () => {
  const b = new StreamsBuilder()
  const prices = b.table<string, string>('prices').mapValues((v) => Number(v) * 2).filter((_k, v) => v > 10)
  b.table<string, string>('items').join(prices, (item, price) => `${item}:${price}`).toStream().to('out')
  const d = new TopologyTestDriver(b.build(), PROPS)
  const p = d.createInputTopic('prices', S, S)
  const i = d.createInputTopic('items', S, S)
  p.pipeInput('x', '3', 1) // 6: filtered out
  p.pipeInput('y', '8', 2) // 16
  i.pipeInput('x', 'cup', 3)
  i.pipeInput('y', 'pot', 4)
  p.pipeInput('y', '2', 5) // 4: filtered out now, so the result is deleted
  expect(d.createOutputTopic('out', S, S).readRecordsToList().map((r) => [r.key, r.value])).toEqual([
    ['y', 'pot:16'],
    ['y', null],
  ])
})

test('filter and mapValues with Materialized keep a store of their own, named as Kafka names it when not given', () => {
  const b = new StreamsBuilder()
  const prices = b.table<string, string>('prices')
  prices.filter((_k, v) => Number(v) > 10, Materialized.as('expensive'))
  prices.mapValues((v) => `${v} EUR`, Materialized.with<string, string>(S, S))
  const topology = b.build()
  const desc = topology.describe().toString()
  expect(desc).toContain('Processor: KTABLE-FILTER-0000000003 (stores: [expensive])')
  expect(desc).toContain('Processor: KTABLE-MAPVALUES-0000000005 (stores: [KTABLE-MAPVALUES-STATE-STORE-0000000004])')
  const d = new TopologyTestDriver(topology, PROPS)
  const p = d.createInputTopic('prices', S, S)
  p.pipeInput('a', '5', 1)
  p.pipeInput('b', '50', 2)
  p.pipeInput('b', '7', 3) // no longer matches: deleted from the filtered store
  p.pipeInput('c', '99', 4)
  expect(d.getKeyValueStore<string, string>('expensive')!.all()).toEqual([{key: 'c', value: '99'}])
  expect(d.getKeyValueStore<string, string>('KTABLE-MAPVALUES-STATE-STORE-0000000004')!.get('b')).toBe('7 EUR')
})
