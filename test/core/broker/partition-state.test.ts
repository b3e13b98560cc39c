/**
 * Leadership of one partition: a new leader epoch each time a broker takes
 * the lock, recorded in leader-epoch-checkpoint at the log end and stamped
 * into every batch it appends; a lost lock ends the leadership at once.
 */
import {readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {LedByBrokerError, LockError, NotLeaderError} from '../../../src/core/errors.js'
import {PartitionState} from '../../../src/core/broker/partition-state.js'
import {freeReadBuffers, isLent, release} from '../../../src/core/broker/read-buffer-pool.js'
import {LEADER_EPOCH_FILE} from '../../../src/core/log/leader-epoch-cache.js'
import {PartitionLog} from '../../../src/core/log/partition-log.js'
import {LOCK_NAME, readLeaderInfo} from '../../../src/core/lock/partition-lock.js'
import * as L from '../../../src/core/record/batch-layout.js'
import {Store} from '../../../src/core/store/store.js'
import {buildBatch, fill, logConfig, newBuilder, tempDir, utf8} from '../support.js'
import {batchesOf} from '../log/log-helpers.js'

const opts = {brokerId: 3, lockTimeoutMs: 1000, onNotice: () => {}}

function partitionDir(): string {
  const store = Store.open(join(tempDir(), 'data'))
  store.createTopic('t', 1, 1, {})
  return store.partitionDir('t', 0)
}

const records = (n: number) => Array.from({length: n}, (_, i) => ({timestamp: Date.now() + i, key: null, value: utf8(`v${i}`)}))
const epochsOf = (dir: string) => {
  const data = readFileSync(join(dir, '00000000000000000000.log'))
  return batchesOf(dir, 0).map((b) => data.readInt32BE(b.position + L.PARTITION_LEADER_EPOCH_OFFSET))
}

describe('PartitionState', () => {
  test('each take is a new epoch, recorded where it began and stamped into the batches', async () => {
    const dir = partitionDir()
    const first = await PartitionState.lead('t', 0, dir, logConfig(), opts)
    expect(first.leaderEpoch).toBe(0)
    expect(readLeaderInfo(dir)?.client).toBe('broker 3')
    expect(first.appendAsLeader(buildBatch(records(3)))[0]).toMatchObject({baseOffset: 0, lastOffset: 2})
    await first.release()

    const second = await PartitionState.lead('t', 0, dir, logConfig(), opts)
    expect(second.leaderEpoch).toBe(1)
    second.appendAsLeader(buildBatch(records(2)))
    expect(second.endOffsetForEpoch(0)).toEqual({epoch: 0, endOffset: 3})
    expect(second.endOffsetForEpoch(1)).toEqual({epoch: 1, endOffset: 5})
    expect(second.endOffsetForEpoch(2)).toEqual({epoch: -1, endOffset: -1})
    await second.release()

    expect(readFileSync(join(dir, LEADER_EPOCH_FILE), 'utf8')).toBe('0\n2\n0 0\n1 3\n')
    expect(epochsOf(dir)).toEqual([0, 1])
  })

  test('records written without a broker are epoch 0, so the first broker leads at epoch 1 from the log end', async () => {
    const dir = partitionDir()
    const embedded = new PartitionLog(dir, logConfig())
    await embedded.acquire()
    embedded.append(fill(newBuilder(), records(4)))
    await embedded.close()

    const state = await PartitionState.lead('t', 0, dir, logConfig(), opts)
    expect(state.leaderEpoch).toBe(1)
    expect(state.endOffsetForEpoch(0)).toEqual({epoch: 0, endOffset: 4})
    await state.release()
    expect(readFileSync(join(dir, LEADER_EPOCH_FILE), 'utf8')).toBe('0\n2\n0 0\n1 4\n')
  })

  test('an embedded writer after a broker writes under the latest epoch, never below it', async () => {
    const dir = partitionDir()
    for (let i = 0; i < 3; i++) await (await PartitionState.lead('t', 0, dir, logConfig(), opts)).release()
    const embedded = new PartitionLog(dir, logConfig())
    await embedded.acquire()
    embedded.append(fill(newBuilder(), records(1)))
    await embedded.close()
    expect(epochsOf(dir)).toEqual([2])
  })

  test('a lost lock ends the leadership: the next append is NOT_LEADER and writes nothing', async () => {
    const dir = partitionDir()
    const state = await PartitionState.lead('t', 0, dir, logConfig(), opts)
    state.appendAsLeader(buildBatch(records(1)))
    // What a taker on another host does once it judges the lock stale.
    rmSync(join(dir, LOCK_NAME), {recursive: true})
    expect(state.isLeader).toBe(false)
    expect(() => state.appendAsLeader(buildBatch(records(1)))).toThrow(NotLeaderError)
    await state.release()
    expect(batchesOf(dir, 0)).toHaveLength(1)
  })

  test('an append wakes the waiters once', async () => {
    const dir = partitionDir()
    const state = await PartitionState.lead('t', 0, dir, logConfig(), opts)
    let woken = 0
    state.onAppend(() => woken++)
    const cancel = state.onAppend(() => woken++)
    cancel()
    state.appendAsLeader(buildBatch(records(1)))
    state.appendAsLeader(buildBatch(records(1)))
    expect(woken).toBe(1)
    await state.release()
  })

  test("a writer after a running broker's partition is told at once which broker leads it and what to do", async () => {
    const dir = partitionDir()
    const state = await PartitionState.lead('t', 0, dir, logConfig(), opts)
    // A timeout far beyond the test's: the answer must not wait for it (the broker keeps the lock while it runs).
    const embedded = new PartitionLog(dir, logConfig(), {label: 'topic t partition 0', lock: {timeoutMs: 60_000}})
    const started = Date.now()
    const error = await embedded.acquire().then(() => null, (e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(error).toBeInstanceOf(LedByBrokerError)
    expect(error).toBeInstanceOf(LockError)
    expect((error as LedByBrokerError).brokerId).toBe(3)
    expect((error as LockError).message).toBe(`topic t partition 0 is led by broker 3 (pid ${process.pid}), which holds its lock while it runs`)
    expect((error as LockError).hint).toMatch(/^produce through the broker .*`logpipe broker stop --id 3`/)
    // Another broker waits for it, as an election does, and is told who holds it when its wait runs out.
    const other = new PartitionLog(dir, logConfig(), {label: 'topic t partition 0', lock: {timeoutMs: 30, client: 'broker 4'}})
    const timedOut = await other.acquire().then(() => null, (e: unknown) => e)
    expect(timedOut).toBeInstanceOf(LockError)
    expect(timedOut).not.toBeInstanceOf(LedByBrokerError)
    expect((timedOut as LockError).hint).toMatch(/^broker 3 leads it and holds its lock while it runs: .*`logpipe broker stop --id 3`/)
    await state.release()
  })

  test('a large read is lent from the read buffers, stays intact while later reads use others, and its buffer comes back on release', async () => {
    const dir = partitionDir()
    const state = await PartitionState.lead('t', 0, dir, logConfig(), opts)
    // Six batches of ~400 KiB: a 1 MiB fetch holds two of them.
    const value = (i: number) => Buffer.alloc(400 * 1024, 65 + i)
    for (let i = 0; i < 6; i++) state.appendAsLeader(buildBatch([{timestamp: Date.now(), key: null, value: value(i)}], i))
    const first = state.read(0, 1 << 20)!
    const firstCopy = Buffer.from(first)
    expect(isLent(first)).toBe(true)
    const second = state.read(2, 1 << 20)!
    expect(isLent(second)).toBe(true)
    expect(second.buffer).not.toBe(first.buffer)
    // The second read did not write into the bytes the first handed to a socket.
    expect(first.equals(firstCopy)).toBe(true)
    expect(batchesIn(first)).toEqual([0, 1])
    expect(batchesIn(second)).toEqual([2, 3])
    const before = freeReadBuffers()
    release(first)
    release(second)
    expect(freeReadBuffers()).toBe(before + 2)
    // A released buffer is reused: the next read is lent from one of them.
    const third = state.read(4, 1 << 20)!
    expect([first.buffer, second.buffer]).toContain(third.buffer)
    expect(batchesIn(third)).toEqual([4, 5])
    release(third)
    // A small run is a copy, not a lease: a response of many small partitions pins no megabyte each.
    state.appendAsLeader(buildBatch([{timestamp: Date.now(), key: null, value: utf8('small')}], 6))
    const small = state.read(6, 1 << 20)!
    expect(isLent(small)).toBe(false)
    expect(batchesIn(small)).toEqual([6])
    await state.release()
  })
})

/** The base offsets of the whole batches in `records`. */
function batchesIn(records: Buffer): number[] {
  const out: number[] = []
  for (let pos = 0; pos < records.length; pos += records.readInt32BE(pos + L.LENGTH_OFFSET) + L.LOG_OVERHEAD) out.push(Number(records.readBigInt64BE(pos)))
  return out
}
