/**
 * Who may stand for election, the ISR a new leader records, and where a
 * follower cuts its log on a leader change (the leader-epoch rule, KIP-101
 * and KIP-279), against LeaderEpochCache as both sides keep it.
 */
import {describe, expect, test} from 'vitest'
import {isrAfterElection, mayStand} from '../../../src/core/broker/election.js'
import {truncationPoint} from '../../../src/core/broker/replica-fetcher.js'
import {LeaderEpochCache} from '../../../src/core/log/leader-epoch-cache.js'
import type {PartitionMeta} from '../../../src/core/store/partition-metadata.js'
import {tempDir} from '../support.js'

const meta = (leader: number, isr: number[], leaderEpoch = 4): PartitionMeta => ({leader, leaderEpoch, isr, version: 1})
const aliveOnly = (...ids: number[]) => (id: number) => ids.includes(id)

describe('mayStand', () => {
  test('an ISR member may, once the preferred replica is gone or out of the ISR', () => {
    expect(mayStand({meta: meta(1, [1, 2, 3]), me: 2, replicas: [1, 2, 3], unclean: false, alive: aliveOnly(2, 3)})).toBe(true)
    expect(mayStand({meta: meta(1, [1, 2, 3]), me: 2, replicas: [1, 2, 3], unclean: false, alive: aliveOnly(1, 2, 3)})).toBe(false)
    expect(mayStand({meta: meta(-1, [2, 3]), me: 2, replicas: [1, 2, 3], unclean: false, alive: aliveOnly(1, 2, 3)})).toBe(true)
  })

  test('the preferred replica in the ISR always may', () => {
    expect(mayStand({meta: meta(2, [1, 2]), me: 1, replicas: [1, 2], unclean: false, alive: aliveOnly(1, 2)})).toBe(true)
  })

  test('a replica out of the ISR only with unclean election and no ISR member alive', () => {
    const m = meta(1, [1])
    expect(mayStand({meta: m, me: 2, replicas: [1, 2, 3], unclean: false, alive: aliveOnly(2, 3)})).toBe(false)
    expect(mayStand({meta: m, me: 2, replicas: [1, 2, 3], unclean: true, alive: aliveOnly(2, 3)})).toBe(true)
    expect(mayStand({meta: m, me: 2, replicas: [1, 2, 3], unclean: true, alive: aliveOnly(1, 2, 3)})).toBe(false)
  })

  test('a broker that holds no replica never stands', () => {
    expect(mayStand({meta: meta(-1, [1, 2]), me: 9, replicas: [1, 2], unclean: true, alive: aliveOnly(9)})).toBe(false)
  })
})

describe('isrAfterElection', () => {
  test('the old leader leaves, the new one stays; unclean leaves the new leader alone', () => {
    expect(isrAfterElection(meta(1, [3, 1, 2]), 2)).toEqual([2, 3])
    expect(isrAfterElection(meta(-1, [1, 2, 3]), 1)).toEqual([1, 2, 3])
    expect(isrAfterElection(meta(1, [1]), 3)).toEqual([3])
  })
})

describe('truncationPoint (leader-epoch rule)', () => {
  function cache(entries: Array<[number, number]>): LeaderEpochCache {
    const c = LeaderEpochCache.load(tempDir())
    for (const [epoch, start] of entries) c.assign(epoch, start)
    return c
  }

  test('KIP-101: the follower has records of the old epoch past where the leader ended it', () => {
    // Both had epoch 1 from 0; the old leader (this follower) went on to 120, the new leader ended epoch 1 at 100.
    const leader = cache([[1, 0], [2, 100]])
    const follower = cache([[1, 0]])
    const answer = leader.endOffsetFor(follower.latestEpoch, 150)
    expect(answer).toEqual({epoch: 1, endOffset: 100})
    expect(truncationPoint(follower.latestEpoch, answer, 120, (e) => follower.endOffsetFor(e, 120).endOffset)).toBe(100)
  })

  test('KIP-279: the leader never had our latest epoch; we cut at the lesser end of the epoch it answers', () => {
    // We led epoch 3 briefly (from 90) after epoch 2, which the new leader ended at 95.
    const leader = cache([[0, 0], [2, 50], [4, 95]])
    const follower = cache([[0, 0], [2, 50], [3, 90]])
    const answer = leader.endOffsetFor(3, 200)
    expect(answer).toEqual({epoch: 2, endOffset: 95})
    // Our own epoch 2 ended at 90: the logs agree only up to there.
    expect(truncationPoint(3, answer, 110, (e) => follower.endOffsetFor(e, 110).endOffset)).toBe(90)
  })

  test('a follower behind the leader is not cut; an empty one or an unknown epoch neither', () => {
    const leader = cache([[0, 0], [1, 40]])
    expect(truncationPoint(1, leader.endOffsetFor(1, 80), 60, () => -1)).toBe(60)
    expect(truncationPoint(-1, {epoch: -1, endOffset: -1}, 0, () => -1)).toBeNull()
    expect(truncationPoint(5, {epoch: -1, endOffset: -1}, 30, () => -1)).toBeNull()
  })
})
