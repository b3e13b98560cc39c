/**
 * The fast layer under the facade stays usable from the package: a
 * LogProducer's send and a LogConsumer's records() over a Store, and
 * GroupAdmin's view of a group the facade's consumer committed for.
 */
import {join} from 'node:path'
import {expect, test} from 'vitest'
import {GroupAdmin, LogConsumer, LogProducer, Store, TopicAdmin, type ConsumedRecord} from '../../src/index.js'
import {tempDir} from '../core/support.js'
import {newLogpipe, until} from './support.js'

test('LogProducer.send and LogConsumer.records() round-trip records with offsets', async () => {
  const store = Store.open(join(tempDir(), 'data'))
  new TopicAdmin(store).createTopic('t', {partitions: 2})
  const producer = new LogProducer(store, 't')
  const acks = await producer.send([{key: 'a', value: 'one', partition: 1, timestamp: 5}, {value: null, partition: 1, headers: {h: 'x'}}])
  await producer.close()
  expect(acks).toEqual([{topic: 't', partition: 1, offset: 0}, {topic: 't', partition: 1, offset: 1}])
  const consumer = new LogConsumer(store, ['t'])
  const got: ConsumedRecord[] = []
  for await (const r of consumer.records({exitAtEnd: true})) got.push(r)
  consumer.close()
  expect(got.map((r) => [r.partition, r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null, r.headers.map((h) => h.key)])).toEqual([
    [1, 0, 'a', 'one', []],
    [1, 1, null, null, ['h']],
  ])
})

test('GroupAdmin describes the lag of a group the facade consumed with', async () => {
  const {logpipe, dataDir} = newLogpipe()
  const producer = logpipe.producer()
  await producer.connect()
  await producer.send({topic: 't', messages: [{value: 'a'}, {value: 'b'}, {value: 'c'}]})
  const consumer = logpipe.consumer({groupId: 'g'})
  await consumer.connect()
  await consumer.subscribe({topics: ['t'], fromBeginning: true})
  let n = 0
  await consumer.run({eachMessage: async () => void n++})
  await until(() => n === 3, 'three records')
  await consumer.disconnect()
  await producer.send({topic: 't', messages: [{value: 'd'}]})
  await producer.disconnect()
  const d = new GroupAdmin(Store.open(dataDir)).describeGroup('g')
  expect(d.partitions.map((p) => [p.topic, p.partition, p.currentOffset, p.logEndOffset, p.lag])).toEqual([['t', 0, 3, 4, 1]])
})
