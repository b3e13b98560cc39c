/**
 * split/branch and repartition as Kafka's KStream javadoc and
 * BranchedKStreamIntegrationTest define them: a record goes to the first
 * branch it matches (or the default, or nowhere), the branches are named
 * `<split name><branch name or position>`, withFunction/withConsumer chain
 * a branch, and repartition() goes through `<app>-<name>-repartition`.
 */
import {expect, test} from 'vitest'
import {Branched, KeyValue, Named, Produced, Repartitioned, Serdes, StreamsBuilder, TopologyError, TopologyTestDriver} from '../../../src/index.js'

const S = Serdes.String()
const PROPS = {'application.id': 'app', 'default.key.serde': S, 'default.value.serde': S}

test('each record goes to the first branch it matches, the rest to the default; names are the prefix and the branch', () => {
  const b = new StreamsBuilder()
  const branches = b
    .stream<string, string>('numbers')
    .split(Named.as('Branch-'))
    .branch((_k, v) => Number(v) < 0, Branched.as('negative'))
    .branch((_k, v) => Number(v) === 0, Branched.withFunction((s) => s.mapValues((v) => `zero:${v}`), 'zero'))
    .defaultBranch(Branched.as('positive'))
  expect([...branches.keys()]).toEqual(['Branch-negative', 'Branch-zero', 'Branch-positive'])
  branches.get('Branch-negative')!.to('negative')
  branches.get('Branch-zero')!.to('zero')
  branches.get('Branch-positive')!.to('positive')
  const d = new TopologyTestDriver(b.build(), PROPS)
  const input = d.createInputTopic('numbers', S, S)
  for (const v of ['-1', '0', '5', '-7', '0', '3']) input.pipeInput('k', v)
  expect(d.createOutputTopic('negative', S, S).readValuesToList()).toEqual(['-1', '-7'])
  expect(d.createOutputTopic('zero', S, S).readValuesToList()).toEqual(['zero:0', 'zero:0'])
  expect(d.createOutputTopic('positive', S, S).readValuesToList()).toEqual(['5', '3'])
})

test('generated names: KSTREAM-BRANCH-n then the position (1, 2, ... and 0 for the default), each using up a counter value', () => {
  const b = new StreamsBuilder()
  const branches = b
    .stream<string, string>('in')
    .split()
    .branch((_k, v) => v === 'a')
    .branch((_k, v) => v === 'b', Branched.withConsumer((s) => s.to('bs')))
    .noDefaultBranch()
  expect([...branches.keys()]).toEqual(['KSTREAM-BRANCH-00000000011'])
  // the source is 0, the splitter 1, the branches used 2 and 3: the sink of the consumer is 4
  const desc = b.build().describe().toString()
  // successors listed largest subtree first, as Kafka's describe() orders them
  expect(desc).toContain('Processor: KSTREAM-BRANCH-0000000001 (stores: [])\n      --> KSTREAM-BRANCH-00000000012, KSTREAM-BRANCH-00000000011')
  expect(desc).toContain('Sink: KSTREAM-SINK-0000000004 (topic: bs)')
  const d = new TopologyTestDriver(b.build(), PROPS)
  const input = d.createInputTopic('in', S, S)
  for (const v of ['a', 'b', 'c', 'b']) input.pipeInput('k', v)
  expect(d.createOutputTopic('bs', S, S).readValuesToList()).toEqual(['b', 'b'])
})

test('no branch can be added after the default branch', () => {
  const b = new StreamsBuilder()
  const split = b.stream<string, string>('in').split()
  split.defaultBranch()
  expect(() => split.branch(() => true)).toThrow(TopologyError)
})

test('repartition(): through <app>-<name>-repartition with Kafka node names, and the key that changed partitions it', () => {
  const b = new StreamsBuilder()
  b.stream<string, string>('in')
    .map((_k, v) => KeyValue.pair(v.split(':')[0], v.split(':')[1]))
    .repartition(Repartitioned.as('by-user'))
    .groupByKey()
    .count()
    .toStream()
    .to('counts', Produced.with(S, Serdes.Long()))
  const topology = b.build()
  const desc = topology.describe().toString()
  expect(desc).toContain('Sink: by-user-repartition-sink (topic: by-user-repartition)')
  expect(desc).toContain('Source: by-user-repartition-source (topics: [by-user-repartition])')
  // repartition() clears the mark: the count reads the repartitioned stream, no second topic
  expect(desc.match(/-repartition\)/g)!.length).toBe(1)
  const d = new TopologyTestDriver(topology, PROPS)
  const input = d.createInputTopic('in', S, S)
  for (const v of ['ann:1', 'bob:2', 'ann:3']) input.pipeInput(null, v)
  expect(d.producedTopicNames()).toContain('app-by-user-repartition')
  expect(d.createOutputTopic('app-by-user-repartition', S, S).readKeyValuesToList()).toEqual([
    {key: 'ann', value: '1'},
    {key: 'bob', value: '2'},
    {key: 'ann', value: '3'},
  ])
})

test('a generated repartition: KSTREAM-REPARTITION-n, then the sink, filter and source take the next three numbers', () => {
  const b = new StreamsBuilder()
  b.stream<string, string>('in').repartition().to('out')
  const desc = b.build().describe().toString()
  expect(desc).toContain('Sink: KSTREAM-SINK-0000000002 (topic: KSTREAM-REPARTITION-0000000001-repartition)')
  expect(desc).toContain('Source: KSTREAM-SOURCE-0000000004 (topics: [KSTREAM-REPARTITION-0000000001-repartition])')
})
