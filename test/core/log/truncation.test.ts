/**
 * PartitionLog.truncateTo, a follower's cut at an epoch boundary: whole
 * batches from the cut go, with later segments; the indexes and the
 * recovery point follow; appends continue at the cut.
 */
import {describe, expect, test} from 'vitest'
import {listSegmentBaseOffsets} from '../../../src/core/log/file-names.js'
import {readRecoveryPoint} from '../../../src/core/log/recovery-point.js'
import {LogReader} from '../../../src/core/log/log-reader.js'
import {Rng, buildBatch, readAll, tempDir, testSeed} from '../support.js'
import {batchesOf, makeBatches, offsetIndexEntries, openLog} from './log-helpers.js'

describe('PartitionLog.truncateTo', () => {
  const seed = testSeed()
  test(`cuts at batch boundaries across segments, then appends go on from the cut (seed ${seed})`, async () => {
    const rng = new Rng(seed)
    const dir = tempDir()
    const {log} = openLog(dir, {'segment.bytes': 600, 'index.interval.bytes': 100})
    await log.acquire()
    const batches = makeBatches(rng, 40)
    let offset = 0
    const bases: number[] = []
    for (const b of batches) {
      bases.push(offset)
      log.appendAsFollower(buildBatch(b, offset, 0, 3))
      offset += b.length
    }
    const end = log.logEndOffset
    expect(listSegmentBaseOffsets(dir).length).toBeGreaterThan(3)
    const cut = bases[rng.int(5, 35)]
    expect(log.truncateTo(cut)).toBe(cut)
    expect(log.logEndOffset).toBe(cut)
    const left = readAll(dir)
    expect(left.length).toBe(cut)
    expect(left.at(-1)?.offset).toBe(cut - 1)
    for (const base of listSegmentBaseOffsets(dir)) {
      expect(base).toBeLessThan(cut)
      for (const [o] of offsetIndexEntries(dir, base)) expect(o).toBeLessThan(cut)
    }
    const point = readRecoveryPoint(dir).offset
    if (point !== null) expect(point).toBeLessThanOrEqual(cut)
    // A new leader's batches follow on at the cut.
    log.appendAsFollower(buildBatch(batches[0], cut, 0, 4))
    expect(log.logEndOffset).toBe(cut + batches[0].length)
    expect(end).toBeGreaterThan(cut)
    await log.release()
    expect(new LogReader(dir).logEndOffset()).toBe(cut + batches[0].length)
  })

  test('a cut inside a batch takes the batch whole', async () => {
    const dir = tempDir()
    const {log} = openLog(dir)
    await log.acquire()
    const r = (n: number) => Array.from({length: n}, (_, i) => ({timestamp: Date.now() + i, key: null, value: Buffer.from(`v${i}`)}))
    log.appendAsFollower(buildBatch(r(3), 0))
    log.appendAsFollower(buildBatch(r(3), 3))
    expect(log.truncateTo(4)).toBe(3)
    expect(batchesOf(dir, 0).map((b) => b.baseOffset)).toEqual([0])
    await log.release()
  })

  test('a cut before the first segment leaves an empty log starting at the cut; a cut at the end is nothing', async () => {
    const dir = tempDir()
    const {log} = openLog(dir)
    await log.acquire()
    const r = [{timestamp: Date.now(), key: null, value: Buffer.from('x')}]
    log.appendAsFollower(buildBatch(r, 0))
    log.appendAsFollower(buildBatch(r, 1))
    expect(log.truncateTo(2)).toBe(2)
    expect(log.truncateTo(0)).toBe(0)
    expect(readAll(dir)).toEqual([])
    log.appendAsFollower(buildBatch(r, 0))
    expect(readAll(dir).map((x) => x.offset)).toEqual([0])
    await log.release()
  })
})
