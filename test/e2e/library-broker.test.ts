/**
 * The kafkajs-shaped library beside a running broker: the broker holds
 * the locks of the partitions it leads, so the library's producer sends
 * through it (a file writer would wait the lock out), and its consumer
 * group joins through the broker's coordinator and reads the records.
 */
import {expect, test} from 'vitest'
import {Logpipe, logLevel} from '../../src/index.js'
import {cli} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'
import {lines} from './support.js'

test('a library producer and consumer beside a broker go through it', async () => {
  const c = cli()
  const logpipe = new Logpipe({dataDir: c.dataDir, logLevel: logLevel.NOTHING})
  const admin = logpipe.admin()
  await admin.connect()
  await admin.createTopics({topics: [{topic: 't', numPartitions: 2}]})
  await admin.disconnect()
  const broker = await startBroker(c.env, ['-X', 'group.initial.rebalance.delay.ms=0'])

  const producer = logpipe.producer()
  await producer.connect()
  const sent = await producer.send({topic: 't', messages: [{key: 'a', value: 'one', partition: 0}, {key: 'b', value: 'two', partition: 1}, {value: 'three', partition: 1}]})
  expect(sent.map((m) => [m.partition, m.baseOffset])).toEqual([[0, '0'], [1, '0']])
  await producer.disconnect()
  // Still the broker's: its process holds both partitions' locks.
  const described = String((await c.run(['topic', 'describe', 't'])).stdout)
  for (const p of [0, 1]) expect(described).toContain(`\tPartition: ${p}\tLeader: pid:${broker.proc.pid}@`)
  expect(lines(String((await c.run(['consume', 't', '-p', '1', '-e'])).stdout))).toEqual(['two', 'three'])

  const seen: string[] = []
  const consumer = logpipe.consumer({groupId: 'beside'})
  await consumer.connect()
  await consumer.subscribe({topics: ['t'], fromBeginning: true})
  await consumer.run({eachMessage: async ({partition, message}) => void seen.push(`${partition} ${message.value}`)})
  const deadline = Date.now() + 30_000
  while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  await consumer.disconnect()
  expect(seen.sort()).toEqual(['0 one', '1 three', '1 two'])
  expect(broker.stderr()).toMatch(/group beside/i)
})

test('bench produce beside a broker measures through it, as kafka-producer-perf-test does', async () => {
  const c = cli()
  expect((await c.run(['topic', 'create', 'perf'])).exitCode).toBe(0)
  const broker = await startBroker(c.env, [])
  const r = await c.run(['bench', 'produce', '--topic', 'perf', '--num-records', '2000', '--record-size', '50'])
  expect(r.exitCode, String(r.stderr)).toBe(0)
  expect(String(r.stdout)).toMatch(/^2000 records sent, /m)
  expect(lines(String((await c.run(['consume', 'perf', '-e', '-f', '%o\n'])).stdout))).toHaveLength(2000)
  expect(String((await c.run(['topic', 'describe', 'perf'])).stdout)).toContain(`\tLeader: pid:${broker.proc.pid}@`)
})
