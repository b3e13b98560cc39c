/**
 * The producer reads time from the clock it is given: how long it has held
 * a partition's lock (looked at every maxHoldMs, let go when another
 * producer waits for it), and the timestamp of a record sent without one or split from an
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
import {INTENT_PREFIX, PartitionLock, currentLeader, readLeaderInfo} from '../../../src/core/lock/partition-lock.js'
import {Store} from '../../../src/core/store/store.js'
import {ManualClock} from '../../helpers/clock.js'
import {tempDir} from '../support.js'
import {readdirSync} from 'node:fs'

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

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

/** Partition 0's lock as another producer would wait for it: its intent file is there while it waits. */
async function waiterFor(store: Store): Promise<{lock: PartitionLock; got: Promise<void>}> {
  const dir = store.partitionDir('t', 0)
  const lock = new PartitionLock(dir, {timeoutMs: 20_000})
  const got = lock.acquire()
  await waitFor(() => readdirSync(dir).some((n) => n.startsWith(INTENT_PREFIX)), 'the waiter to write its intent')
  return {lock, got}
}

test('the lock is kept past maxHoldMs while nobody waits, and let go at the next check once someone does', async () => {
  const store = Store.open(tempDir())
  new Admin(store).createTopic('t')
  const clock = new ManualClock()
  // Idle release far away: only the hold check can let go of the lock here.
  const producer = new Producer(store, 't', {clock, maxHoldMs: 50, idleReleaseMs: 3_600_000})
  const dir = store.partitionDir('t', 0)
  try {
    await producer.send([{value: 'a'}])
    const generation = readLeaderInfo(dir)!.generation
    clock.advance(500)
    await producer.send([{value: 'b'}])
    // Nobody asked: still held, and not taken again (same generation).
    expect(await lockIsFree(store)).toBe(false)
    expect(readLeaderInfo(dir)!.generation).toBe(generation)

    const waiter = await waiterFor(store)
    clock.advance(49)
    await producer.send([{value: 'c'}])
    // Not yet time to look.
    expect(currentLeader(dir)?.pid).toBe(process.pid)
    expect(readLeaderInfo(dir)!.generation).toBe(generation)
    clock.advance(1)
    await producer.send([{value: 'd'}])
    await waiter.got
    expect(readLeaderInfo(dir)!.generation).toBe(generation + 1)
    await waiter.lock.release()
    const [e] = await producer.send([{value: 'e'}])
    expect(e.offset).toBe(4)
  } finally {
    await producer.close()
  }
})

test('a producer that let go for a waiter leaves it the lock before taking it again', async () => {
  const store = Store.open(tempDir())
  new Admin(store).createTopic('t')
  const clock = new ManualClock()
  const producer = new Producer(store, 't', {clock, maxHoldMs: 50, idleReleaseMs: 3_600_000})
  try {
    await producer.send([{value: 'a'}])
    const waiter = await waiterFor(store)
    // Until the waiter is in its longest pauses between attempts (20 ms), the case standing back is for.
    const since = Date.now()
    await waitFor(() => Date.now() - since > 80, 'the waiter to slow its attempts down')
    clock.advance(50)
    // This send lets go for the waiter; the next one at once wants the lock back.
    await producer.send([{value: 'b'}])
    let sent = false
    const next = producer.send([{value: 'c'}]).then((r) => {
      sent = true
      return r
    })
    // The waiter gets its turn first: without standing back the producer would take the
    // lock straight back and keep it (nobody else waits then), and this would time out.
    await waiter.got
    expect(sent).toBe(false)
    await waiter.lock.release()
    const [c] = await next
    expect(c.offset).toBe(2)
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
