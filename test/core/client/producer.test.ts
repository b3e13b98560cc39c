/**
 * The producer when a partition's write lock cannot be had: the flush fails
 * with LockError once, and later flushes (the linger timer, the error path,
 * close) fail with that same error at once instead of waiting out the lock
 * timeout again. And the library's send(): overlapping calls.
 */
import {afterEach, describe, expect, test, vi} from 'vitest'
import {Admin} from '../../../src/core/client/admin.js'
import {Consumer} from '../../../src/core/client/consumer.js'
import {Producer} from '../../../src/core/client/producer.js'
import {partitionForKey} from '../../../src/core/client/partitioner.js'
import {LockError, TopicDeletedError} from '../../../src/core/errors.js'
import {PartitionLock} from '../../../src/core/lock/partition-lock.js'
import {Store} from '../../../src/core/store/store.js'
import {tempDir} from '../support.js'

afterEach(() => {
  vi.restoreAllMocks()
})

test('after a lock timeout, flush and close fail with the same LockError without trying again', async () => {
  const store = Store.open(tempDir())
  new Admin(store).createTopic('t')
  // Another writer holds the partition (and keeps its lock fresh).
  const holder = new PartitionLock(store.partitionDir('t', 0), {staleMs: 2000})
  await holder.acquire()
  try {
    const producer = new Producer(store, 't', {lockStaleMs: 2000})
    const value = Buffer.from('v')
    producer.add(0, Date.now(), null, 0, 0, value, 0, 1)
    const first = await producer.flush().catch((error: unknown) => error)
    expect(first).toBeInstanceOf(LockError)
    expect((first as Error).message).toMatch(/^topic t partition 0 is locked by pid \d+/)

    const acquire = vi.spyOn(PartitionLock.prototype, 'acquire')
    await expect(producer.flush()).rejects.toBe(first)
    await expect(producer.close()).rejects.toBe(first)
    expect(acquire).not.toHaveBeenCalled()
  } finally {
    await holder.release()
  }
}, 30_000)

describe('send', () => {
  const records = (tag: string, n: number) => Array.from({length: n}, (_, i) => ({value: `${tag}${i}`}))

  /** Every record of partition 0 as offset -> value. */
  const logOf = async (store: Store) => {
    const consumer = new Consumer(store, ['t'])
    const out = new Map<number, string>()
    for await (const r of consumer.records({exitAtEnd: true})) out.set(r.offset, r.value!.toString())
    consumer.close()
    return out
  }

  test.each([
    ['in the same tick', async () => {}],
    ['while the first is writing', () => new Promise<void>((resolve) => setImmediate(resolve))],
  ])('overlapping calls %s each get their own offsets, and the options object is left alone', async (_, between) => {
    const store = Store.open(tempDir())
    new Admin(store).createTopic('t')
    const acked: number[] = []
    const onAck = (_p: number, base: number, count: number) => {
      for (let i = 0; i < count; i++) acked.push(base + i)
    }
    const options = {batchBytes: 64, onAck}
    const before = {...options}
    const producer = new Producer(store, 't', options)
    try {
      const first = producer.send(records('a', 3))
      await between()
      const second = producer.send(records('b', 2))
      const [a, b] = await Promise.all([first, second])
      const c = await producer.send(records('c', 1))

      const offsets = [...a, ...b, ...c].map((m) => m.offset)
      expect(offsets.every((o) => Number.isInteger(o))).toBe(true)
      expect([...offsets].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5])
      expect(a.map((m) => m.partition)).toEqual([0, 0, 0])
      // Each call's offsets hold that call's records, in its order.
      const log = await logOf(store)
      expect(a.map((m) => log.get(m.offset))).toEqual(['a0', 'a1', 'a2'])
      expect(b.map((m) => log.get(m.offset))).toEqual(['b0', 'b1'])
      expect(c.map((m) => log.get(m.offset))).toEqual(['c0'])
      expect(options).toStrictEqual(before)
      expect(options.onAck).toBe(onAck)
      // The producer-wide onAck still hears every batch, once.
      expect(acked).toEqual([0, 1, 2, 3, 4, 5])
    } finally {
      await producer.close()
    }
  })
})

describe('a topic deleted under the producer', () => {
  test.each([
    ['between bursts', {}],
    // The segment's descriptor is still open: the write succeeds, into a file nobody can read.
    ['while it holds the lock', {maxHoldMs: 60_000, idleReleaseMs: 60_000}],
  ])('%s: the next flush fails with TopicDeletedError and acknowledges nothing more', async (_, hold) => {
    const store = Store.open(tempDir())
    const admin = new Admin(store)
    admin.createTopic('t')
    const acked: number[] = []
    const producer = new Producer(store, 't', {...hold, onAck: (_p, base) => acked.push(base)})
    const value = Buffer.from('v')
    producer.add(0, Date.now(), null, 0, 0, value, 0, 1)
    await producer.flush()
    if (!hold.maxHoldMs) await producer.releaseAll()
    admin.deleteTopic('t')
    producer.add(0, Date.now(), null, 0, 0, value, 0, 1)
    const error = await producer.flush().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TopicDeletedError)
    expect((error as Error).message).toBe("topic 't' was deleted while producing; 1 record was written before it, the rest were not")
    expect(acked).toEqual([0])
    // Later flushes fail the same way without touching the store (nothing is created again).
    producer.add(0, Date.now(), null, 0, 0, value, 0, 1)
    await expect(producer.close()).rejects.toBe(error)
    expect(store.topicExists('t')).toBe(false)
  })
})

describe('partitions added while the producer runs', () => {
  test('keyed records hash over the new count from the next burst on', async () => {
    const store = Store.open(tempDir())
    const admin = new Admin(store)
    admin.createTopic('t')
    const producer = new Producer(store, 't')
    try {
      const keyed = (n: number) => Array.from({length: n}, (_, i) => ({key: `key-${i}`, value: `v${i}`}))
      const before = await producer.send(keyed(20))
      expect(new Set(before.map((m) => m.partition))).toEqual(new Set([0]))
      admin.alterTopic('t', {partitions: 4})
      await producer.releaseAll()
      const after = await producer.send(keyed(20))
      expect(producer.partitions).toBe(4)
      expect(after.map((m) => m.partition)).toEqual(keyed(20).map((r) => partitionForKey(Buffer.from(r.key), 4)))
      expect(new Set(after.map((m) => m.partition)).size).toBeGreaterThan(1)
      // Unkeyed records may go to the new partitions too.
      const unkeyed = new Producer(store, 't', {batchBytes: 64})
      try {
        const spread = await unkeyed.send(Array.from({length: 200}, (_, i) => ({value: `u${i}`})))
        expect(Math.max(...spread.map((m) => m.partition))).toBeLessThan(4)
      } finally {
        await unkeyed.close()
      }
    } finally {
      await producer.close()
    }
  })
})
