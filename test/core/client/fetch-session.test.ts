/**
 * FetchSession against the broker in-process: records come back whole and
 * in order through the Consumer, the answers' buffers are lent from the
 * session's FramePool (in the arena, when given one) and every one comes
 * back once its batches were read, so a long read reuses a few buffers.
 */
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {Broker} from '../../../src/core/broker/broker.js'
import {defaultBrokerConfig} from '../../../src/core/broker/broker-config.js'
import {silentLog} from '../../../src/core/broker/broker-log.js'
import {FetchSession} from '../../../src/core/client/fetch-session.js'
import {Consumer} from '../../../src/core/client/consumer.js'
import {KafkaClient} from '../../../src/core/client/kafka-client.js'
import {ProduceSender} from '../../../src/core/client/produce-sender.js'
import {MemoryArena} from '../../../src/core/codec/memory-arena.js'
import {Store} from '../../../src/core/store/store.js'
import {buildBatch, tempDir} from '../support.js'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

const value = (p: number, i: number) => Buffer.from(`p${p}-${String(i).padStart(7, '0')}-`.padEnd(100, 'v'))

test('a read of several megabytes per partition comes back whole, in few reused buffers of the arena', async () => {
  const dir = join(tempDir(), 'data')
  Store.open(dir).createTopic('t', 2, 1, {})
  const broker = await Broker.start({dataDir: dir, id: 1, host: '127.0.0.1', port: 0, nextFreePort: false, config: defaultBrokerConfig(), log: silentLog})
  cleanup.push(() => broker.stop())
  const client = await KafkaClient.connect({bootstrap: [{host: '127.0.0.1', port: broker.port}]})
  cleanup.push(() => client.close())
  const sender = new ProduceSender(client, {acks: 1})
  // 2 x 40,000 records of 100 bytes: ~4.5 MB per partition, answers of 1 MiB.
  const PER = 40_000
  const BATCH = 500
  for (let i = 0; i < PER; i += BATCH) {
    const batches = [0, 1].map((p) => ({topic: 't', partition: p, bytes: buildBatch(Array.from({length: BATCH}, (_, j) => ({timestamp: Date.now(), key: null, value: value(p, i + j)})))}))
    await sender.send(batches)
  }

  const arena = new MemoryArena(12 << 20)
  const session = new FetchSession(client, {arena})
  const consumer = new Consumer(null, [], {manual: true, partitionFactory: session})
  cleanup.push(() => session.close())
  const starts = await session.resolve('t', [0, 1], {kind: 'beginning'})
  for (const p of [0, 1]) consumer.assign('t', p, starts[p])
  const next = [0, 0]
  let inArena = 0
  let outside = 0
  const mismatches: string[] = []
  while (next[0] < PER || next[1] < PER) {
    consumer.poll((a, r) => {
      const want = value(a.partition, next[a.partition])
      if (r.offset !== next[a.partition] || !r.value()?.equals(want)) mismatches.push(`p${a.partition} ${r.offset} ${next[a.partition]} ${r.value()?.subarray(0, 12)}`)
      if (r.buf.buffer === arena.bytes.buffer) inArena++
      else outside++
      next[a.partition]++
    })
    if (mismatches.length > 0 || consumer.allAtEnd) break
    await consumer.waitForData(1000)
  }
  expect(mismatches).toEqual([])
  expect(next).toEqual([PER, PER])
  // Answers of 256 KiB and more are pooled (the tail of each partition came in smaller ones).
  expect(inArena).toBeGreaterThan(0.9 * 2 * PER)
  expect(inArena + outside).toBe(2 * PER)
  // ~9 answers of 1 MiB came through at most 8 buffers, and none is still lent once everything was read.
  consumer.poll(() => {})
  const counts = session.frameCounts
  expect(counts.blocks).toBeGreaterThan(0)
  expect(counts.blocks).toBeLessThanOrEqual(8)
  consumer.close()
  expect(session.frameCounts.lent).toBe(0)
})
