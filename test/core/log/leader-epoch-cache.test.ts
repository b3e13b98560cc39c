import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {StoreError} from '../../../src/core/errors.js'
import {LEADER_EPOCH_FILE, LeaderEpochCache, UNDEFINED_EPOCH} from '../../../src/core/log/leader-epoch-cache.js'
import {tempDir} from '../support.js'

const file = (dir: string) => readFileSync(join(dir, LEADER_EPOCH_FILE), 'utf8')

describe('LeaderEpochCache', () => {
  test('an empty partition has no epoch and no file', () => {
    const dir = tempDir()
    const cache = LeaderEpochCache.load(dir)
    expect(cache.latestEpoch).toBe(UNDEFINED_EPOCH)
    expect(cache.endOffsetFor(0, 10)).toEqual({epoch: -1, endOffset: -1})
  })

  test("assign writes Kafka's checkpoint format, and a reload reads it back", () => {
    const dir = tempDir()
    const cache = LeaderEpochCache.load(dir)
    cache.assign(0, 0)
    cache.assign(1, 5)
    cache.assign(3, 12)
    expect(file(dir)).toBe('0\n3\n0 0\n1 5\n3 12\n')
    expect(LeaderEpochCache.load(dir).all).toEqual([
      {epoch: 0, startOffset: 0},
      {epoch: 1, startOffset: 5},
      {epoch: 3, startOffset: 12},
    ])
  })

  test('an epoch that began where the previous one did replaces it (nothing was written under the old one)', () => {
    const dir = tempDir()
    const cache = LeaderEpochCache.load(dir)
    cache.assign(0, 0)
    cache.assign(1, 0)
    expect(cache.all).toEqual([{epoch: 1, startOffset: 0}])
    // A lower epoch than known is newer knowledge too: what it contradicts goes.
    cache.assign(2, 7)
    cache.assign(1, 3)
    expect(cache.all).toEqual([{epoch: 1, startOffset: 3}])
  })

  test.each([
    // requested, expected {epoch, endOffset} with entries 1@5, 3@12, 4@20 and log end 30
    [4, {epoch: 4, endOffset: 30}],
    [3, {epoch: 3, endOffset: 20}],
    [2, {epoch: 1, endOffset: 12}],
    [1, {epoch: 1, endOffset: 12}],
    [0, {epoch: 0, endOffset: 5}],
    [5, {epoch: -1, endOffset: -1}],
    [-1, {epoch: -1, endOffset: -1}],
  ])('endOffsetFor(%i) as Kafka answers it', (requested, expected) => {
    const cache = LeaderEpochCache.load(tempDir())
    cache.assign(1, 5)
    cache.assign(3, 12)
    cache.assign(4, 20)
    expect(cache.endOffsetFor(requested, 30)).toEqual(expected)
  })

  test('truncateFromEnd drops the epochs that began at or after the cut', () => {
    const dir = tempDir()
    const cache = LeaderEpochCache.load(dir)
    cache.assign(0, 0)
    cache.assign(1, 5)
    cache.assign(2, 9)
    cache.truncateFromEnd(9)
    expect(cache.all).toEqual([
      {epoch: 0, startOffset: 0},
      {epoch: 1, startOffset: 5},
    ])
    expect(file(dir)).toBe('0\n2\n0 0\n1 5\n')
  })

  test('truncateFromStart moves the epoch holding the new start to it and drops older ones', () => {
    const dir = tempDir()
    const cache = LeaderEpochCache.load(dir)
    cache.assign(0, 0)
    cache.assign(1, 5)
    cache.assign(2, 9)
    cache.truncateFromStart(7)
    expect(cache.all).toEqual([
      {epoch: 1, startOffset: 7},
      {epoch: 2, startOffset: 9},
    ])
    cache.truncateFromStart(3)
    expect(cache.all).toEqual([
      {epoch: 1, startOffset: 7},
      {epoch: 2, startOffset: 9},
    ])
    expect(LeaderEpochCache.load(dir).all).toEqual(cache.all)
  })

  test.each([
    ['1\n0\n', /version '1' is not 0/],
    ['0\nx\n', /entry count 'x'/],
    ['0\n2\n0 0\n', /says 2 entries but holds 1/],
    ['0\n1\n0 zero\n', /line 3 '0 zero' is not 'epoch startOffset'/],
    ['0\n2\n3 10\n2 20\n', /line 4: epochs and start offsets must increase/],
    ['0\n1\n99999999999 0\n', /line 3/],
  ])('a damaged checkpoint %j is a StoreError naming the file', (text, what) => {
    const dir = tempDir()
    writeFileSync(join(dir, LEADER_EPOCH_FILE), text)
    let error: unknown
    try {
      LeaderEpochCache.load(dir)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(StoreError)
    expect((error as Error).message).toContain(join(dir, LEADER_EPOCH_FILE))
    expect((error as Error).message).toMatch(what)
  })
})
