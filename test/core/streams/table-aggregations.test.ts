/**
 * KTable.groupBy with an adder and a subtractor, over the Streams
 * developer guide's "Example of semantics for table aggregations" (user
 * regions, aggregated by region as the sum of the users' name lengths): a
 * row's update subtracts its old value from its old group first, then adds
 * the new one; a delete only subtracts; a record without a key is ignored.
 * The repartition topic carries Kafka's Change encoding.
 */
import {expect, test} from 'vitest'
import {Grouped, KeyValue, Materialized, Produced, Serdes, StreamsBuilder, TopologyTestDriver} from '../../../src/index.js'

const S = Serdes.String()
const I = Serdes.Integer()
const PROPS = {'application.id': 'agg', 'default.key.serde': S, 'default.value.serde': S}

test("the guide's table: each update, in Kafka's order, and the final state", () => {
  const b = new StreamsBuilder()
  b.table<string, string>('user-regions')
    .groupBy((user, region) => KeyValue.pair(region, user.length), Grouped.with(S, I))
    .aggregate(() => 0, (_k, v, agg) => agg + v, (_k, v, agg) => agg - v, Materialized.as<string, number>('aggregated-table-store').withKeySerde(S).withValueSerde(I))
    .toStream()
    .to('out', Produced.with(S, I))
  const d = new TopologyTestDriver(b.build(), PROPS)
  const input = d.createInputTopic('user-regions', S, S)
  const out = d.createOutputTopic('out', S, I)
  const steps: Array<[string | null, string | null, number]> = [
    ['alice', 'E', 1],
    ['bob', 'A', 2],
    ['charlie', 'A', 3],
    ['alice', 'A', 4],
    ['charlie', null, 5],
    [null, 'E', 6],
    ['bob', 'E', 7],
  ]
  const got: Array<[number, string[]]> = []
  for (const [k, v, t] of steps) {
    input.pipeInput(k, v, t)
    got.push([t, out.readRecordsToList().map((r) => `${r.key}:${r.value}`)])
  }
  expect(got).toEqual([
    [1, ['E:5']],
    [2, ['A:3']],
    [3, ['A:10']],
    [4, ['E:0', 'A:15']],
    [5, ['A:8']],
    [6, []],
    [7, ['A:5', 'E:3']],
  ])
  expect(d.getKeyValueStore<string, number>('aggregated-table-store')!.all()).toEqual([{key: 'A', value: 5}, {key: 'E', value: 3}])
})

test("count and reduce with a subtractor; Kafka's names and the repartition topic's Change bytes", () => {
  const b = new StreamsBuilder()
  const byRegion = b.table<string, string>('users').groupBy((user, region) => KeyValue.pair(region, user))
  byRegion.count().toStream().to('counts', Produced.with(S, Serdes.Long()))
  const topology = b.build()
  const desc = topology.describe().toString()
  for (const n of ['Processor: KTABLE-SELECT-0000000003', 'Sink: KSTREAM-SINK-0000000005 (topic: KTABLE-AGGREGATE-STATE-STORE-0000000004-repartition)', 'Source: KSTREAM-SOURCE-0000000006 (topics: [KTABLE-AGGREGATE-STATE-STORE-0000000004-repartition])', 'Processor: KTABLE-AGGREGATE-0000000007 (stores: [KTABLE-AGGREGATE-STATE-STORE-0000000004])']) expect(desc).toContain(n)
  const d = new TopologyTestDriver(topology, PROPS)
  const input = d.createInputTopic('users', S, S)
  input.pipeInput('alice', 'E', 1)
  input.pipeInput('bob', 'E', 2)
  input.pipeInput('alice', 'A', 3)
  input.pipeInput('bob', 'E', 4) // the same group: one record with both values
  expect(d.createOutputTopic('counts', S, Serdes.Long()).readKeyValuesToList().map((r) => `${r.key}:${r.value}`)).toEqual(['E:1', 'E:2', 'E:1', 'A:1', 'E:1'])
  const raw = d.createOutputTopic('agg-KTABLE-AGGREGATE-STATE-STORE-0000000004-repartition', S, Serdes.ByteArray()).readKeyValuesToList()
  expect(raw.map((r) => [r.key, Buffer.from(r.value!).toString('latin1')])).toEqual([
    ['E', 'alice\x01'], // only a new value, then 1
    ['E', 'bob\x01'],
    ['E', 'alice\x00'], // only an old value, then 0
    ['A', 'alice\x01'],
    ['E', '\x06bobbob\x02'], // both: the new one's length as a zigzag varint (3 -> 6), new, old, then 2
  ])

  const b2 = new StreamsBuilder()
  b2.table<string, string>('scores')
    .groupBy((user, score) => KeyValue.pair(user[0], Number(score)), Grouped.as<string, number>('by-initial').withValueSerde(I))
    .reduce((agg, v) => agg + v, (agg, v) => agg - v, Materialized.as<string, number>('totals').withValueSerde(I))
  expect(b2.build().describe().toString()).toContain('Processor: by-initial (stores: [])\n      --> KSTREAM-SINK-0000000003')
  const d2 = new TopologyTestDriver(b2.build(), PROPS)
  const scores = d2.createInputTopic('scores', S, S)
  scores.pipeInput('ann', '10', 1)
  scores.pipeInput('amy', '5', 2)
  scores.pipeInput('ann', '7', 3)
  scores.pipeInput('amy', null, 4)
  expect(d2.getKeyValueStore<string, number>('totals')!.get('a')).toBe(7)
})
