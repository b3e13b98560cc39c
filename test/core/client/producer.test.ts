/**
 * The producer when a partition's write lock cannot be had: the flush fails
 * with LockError once, and later flushes (the linger timer, the error path,
 * close) fail with that same error at once instead of waiting out the lock
 * timeout again.
 */
import {afterEach, expect, test, vi} from 'vitest'
import {Admin} from '../../../src/core/client/admin.js'
import {Producer} from '../../../src/core/client/producer.js'
import {LockError} from '../../../src/core/errors.js'
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
