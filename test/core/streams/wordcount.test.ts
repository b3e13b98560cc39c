/**
 * Kafka's WordCount, ported line by line from the Java demo
 * (streams/examples/.../WordCountDemo.java and the "Writing a Streams
 * Application" tutorial), gives Kafka's documented counts for the
 * quickstart's three lines, and its topology description is the one the
 * tutorial prints, node names and repartition topic included.
 */
import {expect, test} from 'vitest'
import {KeyValue, Materialized, Produced, Serdes, StreamsBuilder, TopologyTestDriver} from '../../../src/index.js'

function wordCount(materialized?: boolean) {
  const builder = new StreamsBuilder()
  const source = builder.stream<string, string>('streams-plaintext-input')
  const grouped = source.flatMapValues((value) => value.toLowerCase().split(/\W+/)).groupBy((_key, value) => value)
  const counts = materialized ? grouped.count(Materialized.as<string, number>('counts-store')) : grouped.count()
  counts.toStream().to('streams-wordcount-output', Produced.with(Serdes.String(), Serdes.Long()))
  return builder.build()
}

const PROPS = {
  'application.id': 'streams-wordcount',
  'default.key.serde': 'org.apache.kafka.common.serialization.Serdes$StringSerde',
  'default.value.serde': Serdes.String(),
}

test("the quickstart's three lines give Kafka's documented counts, in order", () => {
  const driver = new TopologyTestDriver(wordCount(), PROPS)
  const input = driver.createInputTopic('streams-plaintext-input', Serdes.String(), Serdes.String())
  const output = driver.createOutputTopic('streams-wordcount-output', Serdes.String(), Serdes.Long())
  input.pipeInput('all streams lead to kafka')
  input.pipeInput('hello kafka streams')
  input.pipeInput('join kafka summit')
  expect(output.readKeyValuesToList()).toEqual(
    [
      ['all', 1],
      ['streams', 1],
      ['lead', 1],
      ['to', 1],
      ['kafka', 1],
      ['hello', 1],
      ['kafka', 2],
      ['streams', 2],
      ['join', 1],
      ['kafka', 3],
      ['summit', 1],
    ].map(([k, v]) => KeyValue.pair(k, v)).map((kv) => ({key: kv.key, value: kv.value})),
  )
  // The counts are in the store too, and its changelog and repartition topic carry Kafka's names.
  const store = driver.getKeyValueStore<string, number>('KSTREAM-AGGREGATE-STATE-STORE-0000000003')!
  expect(store.get('kafka')).toBe(3)
  expect(store.all().map((e) => [e.key, e.value])).toEqual([
    ['all', 1],
    ['hello', 1],
    ['join', 1],
    ['kafka', 3],
    ['lead', 1],
    ['streams', 2],
    ['summit', 1],
    ['to', 1],
  ])
  expect(driver.producedTopicNames().sort()).toEqual([
    'streams-wordcount-KSTREAM-AGGREGATE-STATE-STORE-0000000003-changelog',
    'streams-wordcount-KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition',
    'streams-wordcount-output',
  ])
  // The changelog holds each update, as Long bytes.
  const changelog = driver.createOutputTopic('streams-wordcount-KSTREAM-AGGREGATE-STATE-STORE-0000000003-changelog', Serdes.String(), Serdes.Long())
  expect(changelog.readKeyValuesToMap()).toEqual(new Map([['all', 1], ['streams', 2], ['lead', 1], ['to', 1], ['kafka', 3], ['hello', 1], ['join', 1], ['summit', 1]]))
  driver.close()
})

test("describe() prints the tutorial's topology, character for character", () => {
  expect(wordCount(true).describe().toString()).toBe(
    [
      'Topologies:',
      '   Sub-topology: 0',
      '    Source: KSTREAM-SOURCE-0000000000 (topics: [streams-plaintext-input])',
      '      --> KSTREAM-FLATMAPVALUES-0000000001',
      '    Processor: KSTREAM-FLATMAPVALUES-0000000001 (stores: [])',
      '      --> KSTREAM-KEY-SELECT-0000000002',
      '      <-- KSTREAM-SOURCE-0000000000',
      '    Processor: KSTREAM-KEY-SELECT-0000000002 (stores: [])',
      '      --> counts-store-repartition-filter',
      '      <-- KSTREAM-FLATMAPVALUES-0000000001',
      '    Processor: counts-store-repartition-filter (stores: [])',
      '      --> counts-store-repartition-sink',
      '      <-- KSTREAM-KEY-SELECT-0000000002',
      '    Sink: counts-store-repartition-sink (topic: counts-store-repartition)',
      '      <-- counts-store-repartition-filter',
      '',
      '  Sub-topology: 1',
      '    Source: counts-store-repartition-source (topics: [counts-store-repartition])',
      '      --> KSTREAM-AGGREGATE-0000000003',
      '    Processor: KSTREAM-AGGREGATE-0000000003 (stores: [counts-store])',
      '      --> KTABLE-TOSTREAM-0000000007',
      '      <-- counts-store-repartition-source',
      '    Processor: KTABLE-TOSTREAM-0000000007 (stores: [])',
      '      --> KSTREAM-SINK-0000000008',
      '      <-- KSTREAM-AGGREGATE-0000000003',
      '    Sink: KSTREAM-SINK-0000000008 (topic: streams-wordcount-output)',
      '      <-- KTABLE-TOSTREAM-0000000007',
      '',
      '',
    ].join('\n'),
  )
})

test('the unnamed count is the demo\'s: the store takes the counter before the processor, the repartition burns three', () => {
  const text = wordCount(false).describe().toString()
  expect(text).toContain('Processor: KSTREAM-AGGREGATE-0000000004 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000003])')
  expect(text).toContain('Sink: KSTREAM-SINK-0000000005 (topic: KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition)')
  expect(text).toContain('Processor: KSTREAM-FILTER-0000000006 (stores: [])')
  expect(text).toContain('Source: KSTREAM-SOURCE-0000000007 (topics: [KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition])')
  expect(text).toContain('Sink: KSTREAM-SINK-0000000009 (topic: streams-wordcount-output)')
})
