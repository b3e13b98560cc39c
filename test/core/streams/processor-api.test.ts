/**
 * The Processor API as Kafka's developer guide uses it: a word-count
 * processor with a key-value store, a stream-time punctuator that forwards
 * the counts, and the topology description of addSource/addProcessor/
 * addSink; plus what the task does with stream time, commits, headers and
 * record metadata, and the errors a wrong topology gets.
 */
import {expect, test} from 'vitest'
import {
  Headers,
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  PunctuationType,
  Record,
  Serdes,
  Stores,
  Topology,
  TopologyError,
  TopologyTestDriver,
} from '../../../src/index.js'

/** The developer guide's WordCountProcessor: counts into a store, forwards every count each second of stream time. */
class WordCountProcessor implements Processor<string, string, string, string> {
  private kvStore!: KeyValueStore<string, number>
  private context!: ProcessorContext<string, string>

  init(context: ProcessorContext<string, string>): void {
    this.context = context
    this.kvStore = context.getStateStore('Counts')
    context.schedule(1000, PunctuationType.STREAM_TIME, (timestamp) => {
      for (const entry of this.kvStore.all()) context.forward(new Record(entry.key, String(entry.value), timestamp))
    })
  }

  process(record: Record<string, string>): void {
    for (const word of record.value().toLowerCase().split(/\W+/)) {
      const old = this.kvStore.get(word)
      this.kvStore.put(word, old === null ? 1 : old + 1)
    }
  }
}

function guideTopology(): Topology {
  const countStoreBuilder = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('Counts'), Serdes.String(), Serdes.Long())
  return new Topology()
    .addSource('Source', 'source-topic')
    .addProcessor('Process', () => new WordCountProcessor(), 'Source')
    .addStateStore(countStoreBuilder, 'Process')
    .addSink('Sink', 'sink-topic', 'Process')
}

test("the developer guide's processor: counts in the store, forwarded when stream time passes each second", () => {
  const driver = new TopologyTestDriver(guideTopology(), {'application.id': 'wc', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String()}, 0)
  const input = driver.createInputTopic('source-topic', Serdes.String(), Serdes.String())
  const output = driver.createOutputTopic('sink-topic', Serdes.String(), Serdes.String())
  // Stream-time schedules are aligned to 0: the first record punctuates (after it is processed), the next at 1000.
  input.pipeInput(null, 'a b', 100)
  expect(output.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
    ['a', '1', 100],
    ['b', '1', 100],
  ])
  input.pipeInput(null, 'b c', 600)
  expect(output.isEmpty()).toBe(true) // 600 < 1000
  input.pipeInput(null, 'c', 1100)
  expect(output.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
    ['a', '1', 1100],
    ['b', '2', 1100],
    ['c', '2', 1100],
  ])
  // Stream time never goes back: a late record updates the store, punctuates nothing.
  input.pipeInput(null, 'a', 50)
  expect(output.isEmpty()).toBe(true)
  expect(driver.getKeyValueStore<string, number>('Counts')!.get('a')).toBe(2)
  // Wall-clock time does not move stream-time punctuators.
  driver.advanceWallClockTime(10_000)
  expect(output.isEmpty()).toBe(true)
  input.pipeInput(null, 'z', 1999)
  expect(output.isEmpty()).toBe(true) // the next is due at 2000
  input.pipeInput(null, 'z', 2100)
  expect(output.readKeyValuesToList().map((kv) => [kv.key, kv.value])).toEqual([['a', '2'], ['b', '2'], ['c', '2'], ['z', '2']])
})

test("describe() of the guide's topology in Kafka's format", () => {
  expect(guideTopology().describe().toString()).toBe(
    'Topologies:\n' +
      '   Sub-topology: 0\n' +
      '    Source: Source (topics: [source-topic])\n' +
      '      --> Process\n' +
      '    Processor: Process (stores: [Counts])\n' +
      '      --> Sink\n' +
      '      <-- Source\n' +
      '    Sink: Sink (topic: sink-topic)\n' +
      '      <-- Process\n' +
      '\n',
  )
})

test('wall-clock punctuators fire when the clock moves; a cancelled one does not; forward(record, child) reaches one child', () => {
  const fired: number[] = []
  let cancelled = 0
  const topology = new Topology()
    .addSource('src', 'in')
    .addProcessor('p', () => {
      let ctx: ProcessorContext<string, string>
      return {
        init(c: ProcessorContext<string, string>) {
          ctx = c
          c.schedule(500, PunctuationType.WALL_CLOCK_TIME, (ts) => fired.push(ts))
          const handle = c.schedule(100, PunctuationType.WALL_CLOCK_TIME, () => cancelled++)
          handle.cancel()
        },
        process(r: Record<string, string>) {
          ctx.forward(r.withValue(r.value().toUpperCase()), r.key() === 'left' ? 'left-sink' : 'right-sink')
        },
      }
    }, 'src')
    .addSink('left-sink', 'left', 'p')
    .addSink('right-sink', 'right', 'p')
  const driver = new TopologyTestDriver(topology, {'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String()}, 1_000)
  driver.advanceWallClockTime(499)
  expect(fired).toEqual([])
  driver.advanceWallClockTime(1)
  expect(fired).toEqual([1_500])
  driver.advanceWallClockTime(1_200) // 2_700: one call, however many intervals passed
  expect(fired).toEqual([1_500, 2_700])
  expect(cancelled).toBe(0)
  const input = driver.createInputTopic('in', Serdes.String(), Serdes.String())
  input.pipeInput('left', 'x')
  input.pipeInput('right', 'y')
  expect(driver.createOutputTopic('left', Serdes.String(), Serdes.String()).readKeyValuesToList()).toEqual([{key: 'left', value: 'X'}])
  expect(driver.createOutputTopic('right', Serdes.String(), Serdes.String()).readKeyValuesToList()).toEqual([{key: 'right', value: 'Y'}])
})

test('record metadata, headers and the task id reach the processor; headers go out with the record', () => {
  const seen: unknown[] = []
  const topology = new Topology()
    .addSource('src', 'in')
    .addProcessor('p', () => {
      let ctx: ProcessorContext<string, string>
      return {
        init: (c: ProcessorContext<string, string>) => (ctx = c),
        process(r: Record<string, string>) {
          seen.push([ctx.recordMetadata(), ctx.taskId(), ctx.applicationId(), r.headers().lastHeader('h')?.value?.toString()])
          ctx.forward(r.withHeaders(r.headers().copy().add('seen', 'yes')))
        },
      }
    }, 'src')
    .addSink('out', 'out', 'p')
  const driver = new TopologyTestDriver(topology, {'application.id': 'meta', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String()})
  const input = driver.createInputTopic('in', Serdes.String(), Serdes.String())
  input.pipeRecord({key: 'k', value: 'v', timestamp: 5, headers: [{key: 'h', value: Buffer.from('hv')}]})
  input.pipeInput('k', 'w', 6)
  expect(seen).toEqual([
    [{topic: 'in', partition: 0, offset: 0}, '0_0', 'meta', 'hv'],
    [{topic: 'in', partition: 0, offset: 1}, '0_0', 'meta', undefined],
  ])
  const out = driver.createOutputTopic('out', Serdes.String(), Serdes.String()).readRecord()
  expect(out.headers.map((h) => [h.key, h.value?.toString()])).toEqual([
    ['h', 'hv'],
    ['seen', 'yes'],
  ])
  expect(out.timestamp).toBe(5)
})

test('a wrong topology is refused with the reason', () => {
  const t = new Topology().addSource('s', 'in')
  expect(() => t.addSource('s', 'other')).toThrow(TopologyError)
  expect(() => t.addSource('s2', 'in')).toThrow(/already read by source s/)
  expect(() => t.addProcessor('p', () => ({process() {}}), 'nope')).toThrow(/parent nope of p is not added yet/)
  expect(() => t.addSink('k', 'out')).toThrow(/needs at least one parent/)
  expect(() => t.connectProcessorAndStateStores('s', 'x')).toThrow(/only processors have state stores/)
  t.addProcessor('p', () => ({process() {}}), 's')
  expect(() => t.connectProcessorAndStateStores('p', 'missing')).toThrow(/state store missing is not added yet/)
  expect(() => Stores.inMemoryKeyValueStore('bad name/')).toThrow(/cannot be part of a topic name/)
  // A processor asking for a store it is not connected to.
  const t2 = new Topology()
    .addSource('s', 'in')
    .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('st'), Serdes.String(), Serdes.String()))
    .addProcessor('p', () => ({init: (c: ProcessorContext) => void c.getStateStore('st'), process() {}}), 's')
  expect(() => new TopologyTestDriver(t2, {})).toThrow(/processor p has no access to state store st/)
})

test('Headers keep order and repeated keys', () => {
  const h = new Headers().add('a', '1').add('b', Buffer.from('2')).add('a', '3')
  expect(h.lastHeader('a')?.value?.toString()).toBe('3')
  expect(h.headers('a').map((x) => x.value?.toString())).toEqual(['1', '3'])
  h.remove('a')
  expect(h.toArray().map((x) => x.key)).toEqual(['b'])
})
