/**
 * Foreign-key table-table joins (KIP-213) over the Streams developer
 * guide's "Semantics of table-table foreign-key joins" table: the left
 * value is the foreign key (row 5's has none: here 'none', which the
 * extractor maps to null), and each row's results are the table's column.
 * "(k,null)" is a delete of k's result.
 */
import {expect, test} from 'vitest'
import {Materialized, Named, Serdes, StreamsBuilder, TopologyTestDriver} from '../../../src/index.js'

const S = Serdes.String()
const PROPS = {'application.id': 'fk', 'default.key.serde': S, 'default.value.serde': S}

/** [offset, side, key, value] */
const GUIDE: Array<[number, 'L' | 'R', string, string]> = [
  [1, 'R', '1', 'foo'],
  [1, 'L', 'k', '1'],
  [2, 'L', 'k', '2'],
  [3, 'L', 'k', '3'],
  [4, 'R', '3', 'bar'],
  [5, 'L', 'k', 'none'],
  [6, 'L', 'k', '1'],
  [7, 'L', 'q', '10'],
  [8, 'L', 'r', '10'],
  [9, 'R', '10', 'baz'],
]

function run(left: boolean): Array<[number, string[]]> {
  const b = new StreamsBuilder()
  const l = b.table<string, string>('left')
  const r = b.table<string, string>('right')
  const fk = (v: string) => (v === 'none' ? null : v)
  const joiner = (lv: string, rv: string | null) => `${lv === 'none' ? 'null' : lv},${rv}`
  ;(left ? l.leftJoin(r, fk, joiner) : l.join(r, fk, joiner)).toStream().to('out')
  const d = new TopologyTestDriver(b.build(), PROPS)
  const li = d.createInputTopic('left', S, S)
  const ri = d.createInputTopic('right', S, S)
  const out = d.createOutputTopic('out', S, S)
  const rows = new Map<number, string[]>()
  for (const [offset, side, k, v] of GUIDE) {
    ;(side === 'L' ? li : ri).pipeInput(k, v, offset)
    const got = out.readKeyValuesToList().map((x) => (x.value === null ? `(${x.key},null)` : `(${x.key},${x.value})`))
    if (got.length > 0) rows.set(offset, [...(rows.get(offset) ?? []), ...got])
  }
  return [...rows]
}

test("inner join: the guide's column", () => {
  expect(run(false)).toEqual([
    [1, ['(k,1,foo)']],
    [2, ['(k,null)']],
    [3, ['(k,null)']],
    [4, ['(k,3,bar)']],
    [5, ['(k,null)']],
    [6, ['(k,1,foo)']],
    [9, ['(q,10,baz)', '(r,10,baz)']],
  ])
})

test("left join: the guide's column", () => {
  expect(run(true)).toEqual([
    [1, ['(k,1,foo)']],
    [2, ['(k,2,null)']],
    [3, ['(k,3,null)']],
    [4, ['(k,3,bar)']],
    [5, ['(k,null,null)']],
    [6, ['(k,1,foo)']],
    [7, ['(q,10,null)']],
    [8, ['(r,10,null)']],
    [9, ['(q,10,baz)', '(r,10,baz)']],
  ])
})

test("a left delete deletes the result; a right delete deletes the inner join's; Kafka's topic and store names", () => {
  const b = new StreamsBuilder()
  b.table<string, string>('orders').join(b.table<string, string>('customers'), (v: string) => v.split(':')[0], (o: string, c: string) => `${o}@${c}`, Materialized.as('enriched')).toStream().to('out')
  const topology = b.build()
  const desc = topology.describe().toString()
  for (const n of ['KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006-topic', 'KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-0000000010', 'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000014-topic', 'KTABLE-FK-JOIN-OUTPUT-0000000018 (stores: [enriched])']) expect(desc).toContain(n)
  const d = new TopologyTestDriver(topology, PROPS)
  const o = d.createInputTopic('orders', S, S)
  const c = d.createInputTopic('customers', S, S)
  c.pipeInput('ann', 'Ann', 1)
  o.pipeInput('o1', 'ann:book', 2)
  o.pipeInput('o2', 'ann:pen', 3)
  c.pipeInput('ann', 'Anne', 4)
  o.pipeInput('o1', null, 5)
  c.pipeInput('ann', null, 6)
  expect(d.createOutputTopic('out', S, S).readKeyValuesToList().map((x) => `${x.key}=${x.value}`)).toEqual(['o1=ann:book@Ann', 'o2=ann:pen@Ann', 'o1=ann:book@Anne', 'o2=ann:pen@Anne', 'o1=null', 'o2=null'])
  expect(d.getKeyValueStore<string, string>('enriched')!.all()).toEqual([])
  expect(d.producedTopicNames()).toContain('fk-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006-topic')
  const b2 = new StreamsBuilder()
  b2.table<string, string>('a').leftJoin(b2.table<string, string>('b'), (v: string) => v, (x: string, y: string | null) => `${x}${y}`, Named.as('ab')).toStream().to('out')
  expect(b2.build().describe().toString()).toContain('Sink: ab-subscription-registration-sink (topic: ab-subscription-registration-topic)')
})
