/**
 * DSL semantics as Kafka's Streams developer guide states them: which
 * records update or delete a table, what aggregations skip, when a
 * repartition topic is used, reduce/aggregate, toTable, merge and the
 * table operations' forwarding of changes.
 */
import {expect, test} from 'vitest'
import {Consumed, Grouped, KeyValue, Materialized, Named, Produced, Serdes, StreamsBuilder, TopologyTestDriver} from '../../../src/index.js'

const S = Serdes.String()
const PROPS = {'application.id': 'app', 'default.key.serde': S, 'default.value.serde': S}

test('a table: the latest value per key; a null value deletes it; a record without a key is dropped', () => {
  const b = new StreamsBuilder()
  const table = b.table<string, string>('users', Consumed.with(S, S), Materialized.as('users-store'))
  table.toStream().to('changes')
  const d = new TopologyTestDriver(b.build(), PROPS)
  const input = d.createInputTopic('users', S, S)
  input.pipeInput('alice', 'paris', 1)
  input.pipeInput('bob', 'rome', 2)
  input.pipeInput('alice', 'oslo', 3)
  input.pipeInput(null, 'nobody', 4)
  input.pipeInput('bob', null, 5)
  input.pipeInput('carol', null, 6) // deleting a key that was never there changes nothing
  const store = d.getKeyValueStore<string, string>('users-store')!
  expect(store.all()).toEqual([{key: 'alice', value: 'oslo'}])
  expect(d.createOutputTopic('changes', S, S).readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
    ['alice', 'paris', 1],
    ['bob', 'rome', 2],
    ['alice', 'oslo', 3],
    ['bob', null, 5],
  ])
})

test("a table's default store name is Kafka's: <topic>-STATE-STORE-0000000000, then source 1 and table source 2", () => {
  const b = new StreamsBuilder()
  b.table('t').toStream().to('out')
  const text = b.build().describe().toString()
  expect(text).toContain('Source: KSTREAM-SOURCE-0000000001 (topics: [t])')
  expect(text).toContain('Processor: KTABLE-SOURCE-0000000002 (stores: [t-STATE-STORE-0000000000])')
})

test('aggregations skip records with a null key or a null value; reduce starts from the first value; timestamps are the latest', () => {
  const b = new StreamsBuilder()
  const grouped = b.stream<string, string>('in').groupByKey()
  grouped.reduce((agg, v) => `${agg}+${v}`, Materialized.as('joined')).toStream().to('reduced')
  grouped
    .aggregate(() => 0, (_k, v, agg) => agg + v.length, Named.as('lengths'), Materialized.with<string, number>(S, Serdes.Integer()))
    .toStream()
    .to('lengths', Produced.with(S, Serdes.Integer()))
  const d = new TopologyTestDriver(b.build(), PROPS)
  const input = d.createInputTopic('in', S, S)
  input.pipeInput('k', 'a', 10)
  input.pipeInput(null, 'lost', 11)
  input.pipeInput('k', null, 12)
  input.pipeInput('k', 'bb', 5)
  input.pipeInput('j', 'ccc', 20)
  expect(d.createOutputTopic('reduced', S, S).readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
    ['k', 'a', 10],
    ['k', 'a+bb', 10], // out of order: the aggregate keeps the larger timestamp
    ['j', 'ccc', 20],
  ])
  expect(d.createOutputTopic('lengths', S, Serdes.Integer()).readKeyValuesToList()).toEqual([
    {key: 'k', value: 1},
    {key: 'k', value: 3},
    {key: 'j', value: 3},
  ])
  // groupByKey on an unchanged key: no repartition topic.
  expect(d.producedTopicNames().filter((t) => t.endsWith('-repartition'))).toEqual([])
})

test('a changed key goes through <Grouped name>-repartition; records whose new key is null are dropped there', () => {
  const b = new StreamsBuilder()
  b.stream<string, string>('in')
    .map((_k, v) => KeyValue.pair(v === 'none' ? null : v.split(':')[0], v.split(':')[1] ?? ''))
    .groupByKey(Grouped.as('by-prefix'))
    .count(Materialized.as('per-prefix'))
    .toStream()
    .to('counts', Produced.with(S, Serdes.Long()))
  const d = new TopologyTestDriver(b.build(), PROPS)
  const input = d.createInputTopic('in', S, S)
  for (const v of ['x:1', 'y:2', 'none', 'x:3']) input.pipeInput(null, v)
  expect(d.createOutputTopic('counts', S, Serdes.Long()).readKeyValuesToList()).toEqual([
    {key: 'x', value: 1},
    {key: 'y', value: 1},
    {key: 'x', value: 2},
  ])
  const repartition = d.createOutputTopic('app-by-prefix-repartition', S, S).readKeyValuesToList()
  expect(repartition).toEqual([
    {key: 'x', value: '1'},
    {key: 'y', value: '2'},
    {key: 'x', value: '3'},
  ])
  expect(d.isInternalTopic('app-by-prefix-repartition')).toBe(true)
})

test('filter, filterNot, mapValues with and without the key, selectKey, flatMap, peek, merge', () => {
  const b = new StreamsBuilder()
  const peeked: string[] = []
  const a = b.stream<string, string>('a')
  const c = b.stream<string, string>('c')
  a.filter((_k, v) => v.startsWith('keep'))
    .mapValues((v) => v.toUpperCase())
    .merge(c.filterNot((k) => k === 'drop').mapValues((k, v) => `${k}=${v}`))
    .peek((k, v) => peeked.push(`${k}:${v}`))
    .flatMap((k, v) => [KeyValue.pair(k, v), [`${k}2`, `${v}!`]])
    .selectKey((k) => k.toUpperCase())
    .to('out')
  const d = new TopologyTestDriver(b.build(), PROPS)
  const ia = d.createInputTopic('a', S, S)
  const ic = d.createInputTopic('c', S, S)
  ia.pipeInput('k1', 'keep me')
  ia.pipeInput('k2', 'lose me')
  ic.pipeInput('drop', 'x')
  ic.pipeInput('k3', 'y')
  expect(peeked).toEqual(['k1:KEEP ME', 'k3:k3=y'])
  expect(d.createOutputTopic('out', S, S).readKeyValuesToList()).toEqual([
    {key: 'K1', value: 'KEEP ME'},
    {key: 'K12', value: 'KEEP ME!'},
    {key: 'K3', value: 'k3=y'},
    {key: 'K32', value: 'k3=y!'},
  ])
})

test('table filter and mapValues forward deletes for keys that stop matching; toTable reads a stream as a table', () => {
  const b = new StreamsBuilder()
  b.stream<string, string>('in')
    .toTable(Materialized.as('latest'))
    .filter((_k, v) => v !== 'hidden')
    .mapValues((v) => v.length)
    .toStream()
    .to('out', Produced.with(S, Serdes.Integer()))
  const d = new TopologyTestDriver(b.build(), PROPS)
  const input = d.createInputTopic('in', S, S)
  input.pipeInput('k', 'abc')
  input.pipeInput('k', 'hidden')
  input.pipeInput('k', 'hidden') // hidden before and after: nothing changes downstream
  input.pipeInput('k', 'de')
  expect(d.createOutputTopic('out', S, Serdes.Integer()).readKeyValuesToList()).toEqual([
    {key: 'k', value: 3},
    {key: 'k', value: null},
    {key: 'k', value: 2},
  ])
  expect(d.getKeyValueStore<string, string>('latest')!.get('k')).toBe('de')
})
