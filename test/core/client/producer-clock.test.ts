/**
 * The producer reads time from the clock it is given: how long it has held
 * a partition's lock (let go after maxHoldMs so other producers get a
 * turn), and the timestamp of a record sent without one or split from an
 * input stream. The test moves
 * the clock instead of waiting.
 */
import {expect, test} from 'vitest'
import {Admin} from '../../../src/core/client/admin.js'
import {Readable} from 'node:stream'
import {Consumer} from '../../../src/core/client/consumer.js'
import {DelimitedInput} from '../../../src/core/client/delimited-input.js'
import {Producer} from '../../../src/core/client/producer.js'
import {LockError} from '../../../src/core/errors.js'
import {PartitionLock} from '../../../src/core/lock/partition-lock.js'
import {Store} from '../../../src/core/store/store.js'
import {ManualClock} from '../../helpers/clock.js'
import {tempDir} from '../support.js'

/** Whether another writer could take partition 0's lock now (it is given back at once). */
async function lockIsFree(store: Store): Promise<boolean> {
  const other = new PartitionLock(store.partitionDir('t', 0), {timeoutMs: 0})
  try {
    await other.acquire()
  } catch (error) {
    if (error instanceof LockError) return false
    throw error
  }
  await other.release()
  return true
}

test('the lock is let go once it has been held maxHoldMs by the clock, not before', async () => {
  const store = Store.open(tempDir())
  new Admin(store).createTopic('t')
  const clock = new ManualClock()
  // Idle release far away: only the hold time can let go of the lock here.
  const producer = new Producer(store, 't', {clock, maxHoldMs: 50, idleReleaseMs: 3_600_000})
  try {
    await producer.send([{value: 'a'}])
    expect(await lockIsFree(store)).toBe(false)
    clock.advance(49)
    await producer.send([{value: 'b'}])
    expect(await lockIsFree(store)).toBe(false)
    clock.advance(1)
    await producer.send([{value: 'c'}])
    expect(await lockIsFree(store)).toBe(true)
  } finally {
    await producer.close()
  }
})

test('a record sent without a timestamp, or split from input, gets the clock time', async () => {
  const store = Store.open(tempDir())
  new Admin(store).createTopic('t')
  const clock = new ManualClock(1_600_000_000_000)
  const producer = new Producer(store, 't', {clock})
  await producer.send([{value: 'a'}, {value: 'b', timestamp: 7}])
  clock.advance(1000)
  const input = new DelimitedInput(producer, {delimiter: Buffer.from('\n'), lingerMs: 5})
  await input.consume(Readable.from([Buffer.from('c\nd')]))
  input.endOfStream()
  await input.finish()
  await producer.close()
  const consumer = new Consumer(store, ['t'])
  const stamps: number[] = []
  for await (const r of consumer.records({exitAtEnd: true})) stamps.push(r.timestamp)
  consumer.close()
  expect(stamps).toEqual([1_600_000_000_000, 7, 1_600_000_001_000, 1_600_000_001_000])
})
