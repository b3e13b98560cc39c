/**
 * checkBatch is what tells a reader "complete", "not yet written" (PARTIAL)
 * or "not a batch" (CORRUPT). Every prefix of a batch must be PARTIAL, and
 * any change to the bytes the CRC covers (or to magic) must be CORRUPT.
 */
import {describe, expect, test} from 'vitest'
import {CORRUPT, PARTIAL, batchBaseOffset, batchLastOffset, batchMaxTimestamp, batchSize, checkBatch, readBatchHeader} from '../../../src/core/record/batch-header.js'
import * as L from '../../../src/core/record/batch-layout.js'
import {Rng, testSeed} from '../support.js'
import {loadFixtures} from './fixtures.js'

const MAX = 1 << 20
const fixtures = loadFixtures()

describe.each(fixtures.map((f) => [f.name, f] as const))('fixture %s', (_name, f) => {
  test('is whole: checkBatch returns its size', () => {
    expect(checkBatch(f.bin, 0, f.bin.length, MAX)).toBe(f.bin.length)
    expect(batchSize(f.bin, 0)).toBe(f.bin.length)
  })

  test('every truncation is PARTIAL', () => {
    for (let cut = 0; cut < f.bin.length; cut++) {
      // A fresh copy of just the prefix, so nothing past `cut` can be read.
      const prefix = Buffer.from(f.bin.subarray(0, cut))
      expect(checkBatch(prefix, 0, cut, MAX), `cut at ${cut} of ${f.bin.length}`).toBe(PARTIAL)
      // The same with the full buffer but `end` at the cut.
      expect(checkBatch(f.bin, 0, cut, MAX), `end at ${cut} of ${f.bin.length}`).toBe(PARTIAL)
    }
  })

  test('every byte flipped from magic on is CORRUPT', () => {
    for (let i = L.MAGIC_OFFSET; i < f.bin.length; i++) {
      const bad = Buffer.from(f.bin)
      bad[i] ^= 0xff
      expect(checkBatch(bad, 0, bad.length, MAX), `byte ${i} flipped`).toBe(CORRUPT)
    }
  })

  test('a changed batchLength is never taken for a whole batch', () => {
    for (let i = L.LENGTH_OFFSET; i < L.LENGTH_OFFSET + L.LENGTH_LENGTH; i++) {
      for (const mask of [0x01, 0x02, 0x04, 0x80, 0xff]) {
        const bad = Buffer.from(f.bin)
        bad[i] ^= mask
        const r = checkBatch(bad, 0, bad.length, MAX)
        expect([PARTIAL, CORRUPT], `byte ${i} ^ ${mask}`).toContain(r)
      }
    }
  })
})

const seed = testSeed()
test(`random single-bit flips in the CRC-covered bytes are CORRUPT (seed ${seed})`, () => {
  const rng = new Rng(seed)
  for (let round = 0; round < 2000; round++) {
    const f = fixtures[rng.int(0, fixtures.length)]
    const bad = Buffer.from(f.bin)
    const i = rng.int(L.CRC_OFFSET, bad.length)
    bad[i] ^= 1 << rng.int(0, 8)
    expect(checkBatch(bad, 0, bad.length, MAX), `${f.name}: bit flipped in byte ${i}`).toBe(CORRUPT)
  }
})

test('baseOffset and partitionLeaderEpoch are outside the CRC, as in Kafka', () => {
  const f = fixtures[0]
  const moved = Buffer.from(f.bin)
  moved.writeInt32BE(0x1234, L.BASE_OFFSET_OFFSET + 4)
  moved.writeInt32BE(9, L.PARTITION_LEADER_EPOCH_OFFSET)
  expect(checkBatch(moved, 0, moved.length, MAX)).toBe(moved.length)
  expect(readBatchHeader(moved).baseOffset).toBe(0x1234)
})

test('a declared length over maxSize is CORRUPT, however many bytes follow', () => {
  const f = fixtures.find((x) => x.name === 'many-records')!
  expect(checkBatch(f.bin, 0, f.bin.length, f.bin.length - 1)).toBe(CORRUPT)
  expect(checkBatch(f.bin, 0, 20, f.bin.length - 1)).toBe(CORRUPT)
  expect(checkBatch(f.bin, 0, f.bin.length, f.bin.length)).toBe(f.bin.length)
})

test('a declared length below the batch header is CORRUPT', () => {
  const bad = Buffer.from(fixtures[0].bin)
  bad.writeInt32BE(48, L.LENGTH_OFFSET)
  expect(checkBatch(bad, 0, bad.length, MAX)).toBe(CORRUPT)
  bad.writeInt32BE(-1, L.LENGTH_OFFSET)
  expect(checkBatch(bad, 0, bad.length, MAX)).toBe(CORRUPT)
})

test('a wrong magic is CORRUPT as soon as it is visible, before the batch is whole', () => {
  const bad = Buffer.from(fixtures[0].bin)
  bad[L.MAGIC_OFFSET] = 1
  expect(checkBatch(bad, 0, L.MAGIC_OFFSET, MAX)).toBe(PARTIAL)
  expect(checkBatch(bad, 0, L.MAGIC_OFFSET + 1, MAX)).toBe(CORRUPT)
})

test('a CRC mismatch passes when the caller skips the CRC check', () => {
  const bad = Buffer.from(fixtures[0].bin)
  bad[bad.length - 1] ^= 0xff
  expect(checkBatch(bad, 0, bad.length, MAX)).toBe(CORRUPT)
  expect(checkBatch(bad, 0, bad.length, MAX, false)).toBe(bad.length)
})

test('consecutive batches are checked one at a time from their positions', () => {
  const a = fixtures.find((x) => x.name === 'timestamp-deltas')!
  const b = fixtures.find((x) => x.name === 'headers')!
  const both = Buffer.concat([a.bin, b.bin])
  expect(checkBatch(both, 0, both.length, MAX)).toBe(a.bin.length)
  expect(checkBatch(both, a.bin.length, both.length, MAX)).toBe(b.bin.length)
  expect(checkBatch(both, a.bin.length, both.length - 1, MAX)).toBe(PARTIAL)
  expect(batchBaseOffset(both, 0)).toBe(1000)
  expect(batchLastOffset(both, 0)).toBe(1007)
  expect(batchMaxTimestamp(both, 0)).toBe(1_700_000_000_000 + 86_400_000)
  expect(batchLastOffset(both, a.bin.length)).toBe(2)
})
