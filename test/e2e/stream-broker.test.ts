/**
 * Streams beside a running broker: the broker leads the data dir's
 * partitions and holds their locks, so an app that wrote the files would
 * wait them out. WordCount runs with a broker up: its output, repartition
 * and changelog records go through the broker (every topic stays led by
 * the broker's process), its group commits through the coordinator, and a
 * second run goes on from that commit and the changelog. And standby
 * tasks placed by the group's leader reach the other members in their
 * assignments through the broker's coordinator.
 */
import {join} from 'node:path'
import {expect, test} from 'vitest'
import {KafkaStreams, Materialized, Produced, Serdes, StreamsBuilder} from '../../src/index.js'
import {cli} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'
import {expectOk, lines} from './support.js'

test('WordCount beside a broker writes through it and goes on from its commit', async () => {
  const c = cli()
  expectOk(await c.run(['produce', 'text', '--create', '-q'], {input: 'All streams lead to Kafka\nhello Kafka streams\n'}))
  for (const t of ['words', 'counts']) expectOk(await c.run(['topic', 'create', t]))
  const broker = await startBroker(c.env, ['-X', 'group.initial.rebalance.delay.ms=0'])

  // Nothing said about it (Kafka Streams says nothing either): expectOk wants stderr empty.
  expectOk(await c.run(['stream', 'flatmap', '--from', 'text', '--to', 'words', 'value.toLowerCase().split(/\\W+/)', '-e']))
  expectOk(await c.run(['stream', 'count', '--from', 'words', '--to', 'counts', '--by', 'value', '-e']))
  const latest = () => c.run(['consume', 'counts', '-e', '-f', '%k %s\n']).then((r) => Object.fromEntries(lines(r.stdout).map((l) => l.split(' '))))
  expect(await latest()).toEqual({all: '1', streams: '2', lead: '1', to: '1', kafka: '2', hello: '1'})

  // The app's topics, its own internal ones included, were written through the broker: it still holds every lock.
  const app = 'logpipe-stream-count-words-counts'
  const internal = lines((await c.run(['topic', 'list'])).stdout).filter((t) => t.startsWith(`${app}-`))
  expect(internal.some((t) => t.endsWith('-changelog'))).toBe(true)
  expect(internal.some((t) => t.endsWith('-repartition'))).toBe(true)
  for (const t of ['words', 'counts', ...internal]) {
    const d = await c.run(['topic', 'describe', t])
    expect(String(d.stdout), t).toContain(`\tPartition: 0\tLeader: pid:${broker.proc.pid}@`)
  }
  // Committed through the coordinator, read back by the group admin on the files it keeps.
  const group = JSON.parse(String((await c.run(['group', 'describe', app, '--json'])).stdout)) as {partitions: {topic: string; currentOffset: number | null}[]}
  expect(group.partitions.find((p) => p.topic === 'words')?.currentOffset).toBe(8)

  // A second run counts only what is new, from the changelog's counts.
  expectOk(await c.run(['produce', 'words', '-q'], {input: 'kafka\nsummit\n'}))
  expectOk(await c.run(['stream', 'count', '--from', 'words', '--to', 'counts', '--by', 'value', '-e']))
  expect(await latest()).toEqual({all: '1', streams: '2', lead: '1', to: '1', kafka: '3', hello: '1', summit: '1'})
  expect(broker.stderr()).not.toMatch(/ERROR/)
})

test('beside a broker, num.standby.replicas=1 over three instances places one standby of each count task on an instance that does not run it (the placement travels in the assignment)', async () => {
  const c = cli()
  expectOk(await c.run(['topic', 'create', 'text', '--partitions', '3', '-q']))
  expectOk(await c.run(['topic', 'create', 'counts', '--partitions', '3', '-q']))
  await startBroker(c.env, ['-X', 'group.initial.rebalance.delay.ms=0'])
  const builder = () => {
    const b = new StreamsBuilder()
    b.stream<string, string>('text')
      .flatMapValues((v) => v.split(' '))
      .groupBy((_k, w) => w)
      .count(Materialized.as<string, number>('counts-store').withValueSerde(Serdes.Long()))
      .toStream()
      .to('counts', Produced.with(Serdes.String(), Serdes.Long()))
    return b.build()
  }
  const base = {'application.id': 'sbw', 'commit.interval.ms': 50, 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String(), 'num.standby.replicas': 1}
  const apps = ['a', 'b', 'c'].map((n) => new KafkaStreams(builder(), {...base, 'state.dir': join(c.base, `state-${n}`)}, {dataDir: c.dataDir}))
  try {
    for (const app of apps) await app.start()
    const countTasks = ['1_0', '1_1', '1_2']
    const deadline = Date.now() + 60_000
    const settled = () =>
      countTasks.every((id) => {
        const active = apps.filter((x) => x.taskIds().includes(id))
        const standby = apps.filter((x) => x.standbyTaskIds().includes(id))
        return active.length === 1 && standby.length === 1 && active[0] !== standby[0]
      })
    while (!settled()) {
      if (Date.now() > deadline) throw new Error(`not settled: ${apps.map((x) => `tasks ${x.taskIds()} standbys ${x.standbyTaskIds()}`).join('; ')}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(apps.map((x) => x.standbyTaskIds().length).reduce((x, y) => x + y)).toBe(3)
  } finally {
    for (const app of apps) await app.close()
  }
}, 90_000)
