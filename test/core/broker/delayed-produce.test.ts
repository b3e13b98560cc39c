/**
 * acks=all's waiting (Kafka's produce purgatory): a waiter is answered when
 * the high watermark reaches its offset, when leadership ends, or when its
 * timeout passes; a replicated leader answers its followers' fetches of
 * what was just produced with the same bytes its log holds.
 */
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {DelayedProduces} from '../../../src/core/broker/delayed-produce.js'
import {PartitionState} from '../../../src/core/broker/partition-state.js'
import {release} from '../../../src/core/broker/read-buffer-pool.js'
import {buildBatch, logConfig, tempDir, utf8} from '../support.js'

const records = (n: number, tag = 'v') => Array.from({length: n}, (_, i) => ({timestamp: Date.now() + i, key: null, value: utf8(`${tag}${i}`)}))
const never = new AbortController().signal

describe('DelayedProduces', () => {
  test('a moving high watermark answers the waiters at or below it, in order, and no others', async () => {
    const d = new DelayedProduces(() => true)
    const answered: number[] = []
    const waits = [3, 5, 5, 9].map((t) => d.wait(t, 60_000, never).then((v) => (answered.push(t), v)))
    d.complete(2)
    await Promise.resolve()
    expect(answered).toEqual([])
    d.complete(5)
    await Promise.all(waits.slice(0, 3))
    expect(answered).toEqual([3, 5, 5])
    expect(d.size).toBe(1)
    d.complete(9)
    expect(await Promise.all(waits)).toEqual(['ok', 'ok', 'ok', 'ok'])
    expect(d.size).toBe(0)
  })

  test('leadership that ended answers not-leader, at failAll and at a watermark seen after it', async () => {
    let leading = true
    const d = new DelayedProduces(() => leading)
    const a = d.wait(4, 60_000, never)
    d.failAll()
    expect(await a).toBe('not-leader')
    const b = d.wait(6, 60_000, never)
    leading = false
    d.complete(10)
    expect(await b).toBe('not-leader')
  })

  test('the timeout answers timeout, and the waiters behind it still complete', async () => {
    const d = new DelayedProduces(() => true)
    const short = d.wait(5, 10, never)
    const long = d.wait(7, 60_000, never)
    expect(await short).toBe('timeout')
    d.complete(7)
    expect(await long).toBe('ok')
    expect(d.size).toBe(0)
  })

  test('a broker stopping (the signal) answers timeout', async () => {
    const stop = new AbortController()
    const d = new DelayedProduces(() => true)
    const w = d.wait(5, 60_000, stop.signal)
    stop.abort()
    expect(await w).toBe('timeout')
  })
})

describe('a replicated leader and its followers', () => {
  async function leader() {
    const base = tempDir()
    const state = await PartitionState.openReplica('t', 0, join(base, 'replica'), logConfig(), {replicas: [1, 2, 3], metaDir: join(base, 'meta')}, {brokerId: 1, lockTimeoutMs: 1000, onNotice: () => {}})
    state.makeLeader(1, [1, 2, 3], {isCurrent: () => true})
    return state
  }

  test('acks=all waits until every ISR member fetched past the batch', async () => {
    const state = await leader()
    state.appendAsLeader(buildBatch(records(3)))
    let verdict: string | null = null
    const waiting = state.waitForHighWatermark(3, 60_000, never).then((v) => (verdict = v))
    state.recordFollowerFetch(2, 3)
    await Promise.resolve()
    expect(verdict).toBeNull()
    expect(state.highWatermark).toBe(0)
    state.recordFollowerFetch(3, 3)
    expect(await waiting).toBe('ok')
    expect(state.highWatermark).toBe(3)
    await state.release()
  })

  test('a leader that becomes a follower answers its waiters not-leader', async () => {
    const state = await leader()
    state.appendAsLeader(buildBatch(records(2)))
    const waiting = state.waitForHighWatermark(2, 60_000, never)
    state.makeFollower(2)
    expect(await waiting).toBe('not-leader')
    await state.release()
  })

  test('followers read the same bytes from memory as from the log, from any batch, a limit taking whole batches', async () => {
    const state = await leader()
    for (let i = 0; i < 4; i++) state.appendAsLeader(buildBatch(records(5, `b${i}-`)))
    const fromLog = (offset: number, max: number) => {
      const b = state.read(offset, max)
      const copy = b && Buffer.from(b)
      if (b) release(b)
      return copy
    }
    const one = fromLog(0, 1)!.length
    for (const offset of [0, 5, 10, 15]) {
      expect(state.readForFollower(offset, 1 << 20)).toEqual(fromLog(offset, 1 << 20))
      expect(state.readForFollower(offset, one * 2)).toEqual(fromLog(offset, one * 2))
      expect(state.readForFollower(offset, 1)).toEqual(fromLog(offset, 1))
    }
    // Inside a batch, or past the end: as the log answers.
    expect(state.readForFollower(7, 1 << 20)).toEqual(fromLog(7, 1 << 20))
    expect(state.readForFollower(20, 1 << 20)).toBeNull()
    // Once both followers have it, a batch is read back from the log, unchanged.
    state.recordFollowerFetch(2, 10)
    state.recordFollowerFetch(3, 10)
    expect(state.readForFollower(5, 1 << 20)).toEqual(fromLog(5, 1 << 20))
    expect(state.readForFollower(10, 1 << 20)).toEqual(fromLog(10, 1 << 20))
    await state.release()
  })
})
