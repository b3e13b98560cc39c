/**
 * docs/STREAMS.md's "A windowed join, and final results" example, as
 * written there: its store names and its records.
 */
import {expect, test} from 'vitest'
import {BufferConfig, JoinWindows, KeyValue, Produced, Serdes, StreamJoined, StreamsBuilder, Suppressed, TimeWindows, TopologyTestDriver} from '../../../src/index.js'

const S = Serdes.String()

test('impressions left-joined with clicks, and clicks per user per minute once the minute is over', () => {
  const builder = new StreamsBuilder()
  const impressions = builder.stream<string, string>('ad-impressions')
  const clicks = builder.stream<string, string>('ad-clicks')
  impressions.leftJoin(clicks, (imp, click) => (click === null ? `${imp}/not-clicked` : `${imp}/clicked`), JoinWindows.ofTimeDifferenceAndGrace(10_000, 5_000), StreamJoined.with(S, S, S)).to('ad-results')
  clicks
    .groupBy((_ad, user) => user)
    .windowedBy(TimeWindows.ofSizeAndGrace(60_000, 10_000))
    .count()
    .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
    .toStream()
    .map((windowed, count) => KeyValue.pair(String(windowed), count))
    .to('clicks-per-minute', Produced.with(S, Serdes.Long()))
  const topology = builder.build()
  const desc = topology.describe().toString()
  for (const store of ['KSTREAM-JOINTHIS-0000000004-store', 'KSTREAM-OUTEROTHER-0000000005-store', 'KSTREAM-OUTERSHARED-0000000004-store']) expect(desc).toContain(store)
  const d = new TopologyTestDriver(topology, {'application.id': 'ads', 'default.key.serde': S, 'default.value.serde': S})
  const imp = d.createInputTopic('ad-impressions', S, S)
  const clk = d.createInputTopic('ad-clicks', S, S)
  imp.pipeInput('ad1', 'imp1', 1_000)
  imp.pipeInput('ad2', 'imp2', 2_000)
  clk.pipeInput('ad1', 'alice', 5_000)
  clk.pipeInput('ad9', 'alice', 61_000)
  clk.pipeInput('ad9', 'bob', 80_000) // past 60,000 + 10,000: alice's first minute is final
  expect(d.createOutputTopic('ad-results', S, S).readKeyValuesToList().map((r) => `${r.key}=${r.value}`)).toEqual(['ad1=imp1/clicked', 'ad2=imp2/not-clicked'])
  expect(d.createOutputTopic('clicks-per-minute', S, Serdes.Long()).readKeyValuesToList().map((r) => `${r.key}=${r.value}`)).toEqual(['[alice@0/60000]=1'])
})
