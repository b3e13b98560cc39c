import {describe, expect, test} from 'vitest'
import {IsrState} from '../../../src/core/broker/isr.js'

const LAG = 1000

describe('IsrState: ISR and high watermark arithmetic', () => {
  test('the high watermark is the least log end of the ISR, and waits for every member to be heard', () => {
    const s = new IsrState(1, [1, 2, 3], [1, 2, 3], 0, 0)
    expect(s.advance(10)).toBe(false)
    s.onFetch(2, 10, 10, 0, 5)
    expect(s.advance(10)).toBe(false) // 3 not heard from yet
    s.onFetch(3, 4, 10, 0, 5)
    expect(s.advance(10)).toBe(true)
    expect(s.highWatermark).toBe(4)
    s.onFetch(3, 10, 10, 0, 6)
    s.advance(10)
    expect(s.highWatermark).toBe(10)
  })

  test('never goes back, and never passes the leader', () => {
    const s = new IsrState(1, [1, 2], [1, 2], 7, 0)
    s.onFetch(2, 3, 9, 0, 1)
    expect(s.advance(9)).toBe(false)
    expect(s.highWatermark).toBe(7)
    s.onFetch(2, 50, 9, 0, 2)
    s.advance(9)
    expect(s.highWatermark).toBe(9)
  })

  test('a member not caught up for replica.lag.time.max.ms is dropped; the leader stays', () => {
    const s = new IsrState(1, [1, 2, 3], [1, 2, 3], 0, 0)
    s.onFetch(2, 10, 10, 0, 900)
    s.onFetch(3, 0, 10, 0, 900) // fetching, but behind
    expect(s.shrinkCandidate(1500, LAG)).toEqual([1, 2])
    s.setIsr([1, 2])
    // With 3 gone the watermark follows 2 alone.
    expect(s.advance(10)).toBe(true)
    expect(s.highWatermark).toBe(10)
    expect(s.shrinkCandidate(1900, LAG)).toBeNull()
    expect(s.shrinkCandidate(2000, LAG)).toEqual([1])
  })

  test("a fetch reaching the log end of the follower's previous fetch counts as caught up then", () => {
    const s = new IsrState(1, [1, 2], [1, 2], 0, 0)
    s.onFetch(2, 5, 10, 0, 800) // leader at 10 then
    s.onFetch(2, 10, 20, 0, 1700) // reaches 10, the end at its previous fetch: caught up as of 800
    expect(s.shrinkCandidate(1700, LAG)).toBeNull()
    expect(s.shrinkCandidate(1801, LAG)).toEqual([1])
  })

  test('a follower out of the ISR rejoins once it reaches the high watermark and the epoch start', () => {
    const s = new IsrState(1, [1, 2, 3], [1, 2], 0, 0)
    s.onFetch(2, 20, 20, 0, 1)
    s.advance(20)
    expect(s.onFetch(3, 15, 20, 12, 2)).toBeNull()
    expect(s.onFetch(3, 20, 20, 12, 3)).toEqual([1, 2, 3])
    const late = new IsrState(1, [1, 2], [1], 0, 0)
    expect(late.onFetch(2, 0, 5, 5, 1)).toBeNull() // at the high watermark, but before this epoch began
  })

  test('setReplicas (a reassignment): a new follower is watched from outside the ISR until caught up; a leaver is forgotten and leaves the ISR', () => {
    const s = new IsrState(1, [1, 2], [1, 2], 0, 0)
    s.onFetch(2, 10, 10, 0, 1)
    s.advance(10)
    s.setReplicas([3, 2, 1], 2)
    expect(s.isFollower(3)).toBe(true)
    expect(s.isr).toEqual([1, 2])
    // Behind: not taken in, and the high watermark does not wait for it.
    expect(s.onFetch(3, 4, 12, 0, 3)).toBeNull()
    s.onFetch(2, 12, 12, 0, 3)
    s.advance(12)
    expect(s.highWatermark).toBe(12)
    expect(s.onFetch(3, 12, 12, 0, 4)).toEqual([1, 2, 3])
    s.setIsr([1, 2, 3])
    s.setReplicas([3, 1], 5)
    expect(s.isFollower(2)).toBe(false)
    expect(s.isr).toEqual([1, 3])
  })

  test('an ISR recorded with a broker that is no longer a replica does not hold the high watermark', () => {
    const s = new IsrState(1, [1, 3], [1, 2, 3], 0, 0)
    expect(s.isr).toEqual([1, 3])
    s.onFetch(3, 5, 5, 0, 1)
    expect(s.advance(5)).toBe(true)
    expect(s.highWatermark).toBe(5)
  })
})
