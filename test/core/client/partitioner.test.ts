/**
 * Keyed records must land where a Java Kafka producer (and kafkajs's
 * Java-compatible DefaultPartitioner) would put them: partition =
 * toPositive(murmur2(key)) % partitions.
 */
import {createRequire} from 'node:module'
import {describe, expect, test} from 'vitest'
import {murmur2, toPositive} from '../../../src/core/client/murmur2.js'
import {StickyPartitioner, partitionForKey} from '../../../src/core/client/partitioner.js'
import {Rng, testSeed} from '../support.js'

const require = createRequire(import.meta.url)
const {Partitioners} = require('kafkajs')
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2')

// Kafka's UtilsTest.testMurmur2 vectors (checked against kafkajs below too).
const VECTORS: Array<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
  ['', 275646681],
]

describe('murmur2', () => {
  test.each(VECTORS)('murmur2(%j) = %d, as Kafka and kafkajs compute it', (key, hash) => {
    expect(murmur2(Buffer.from(key))).toBe(hash)
    expect(kafkajsMurmur2(Buffer.from(key))).toBe(hash)
  })

  test('hashes a sub-range of a buffer as if it were a buffer of its own', () => {
    const chunk = Buffer.from('xx-a-little-bit-longer-string-yy')
    expect(murmur2(chunk, 3, chunk.length - 3)).toBe(-1486304829)
    expect(partitionForKey(chunk, 12, 3, chunk.length - 3)).toBe(toPositive(-1486304829) % 12)
  })

  test('toPositive clears the sign bit the way Kafka does (not Math.abs)', () => {
    expect(toPositive(-1)).toBe(0x7fffffff)
    expect(toPositive(-(2 ** 31))).toBe(0)
    expect(toPositive(5)).toBe(5)
  })
})

const seed = testSeed()
test(`10,000 random keys go where kafkajs's DefaultPartitioner puts them, for 1, 2, 3, 7, 12 and 100 partitions (seed ${seed})`, () => {
  const rng = new Rng(seed)
  const keys = Array.from({length: 10_000}, () => rng.bytes(rng.int(0, 48)))
  for (const partitions of [1, 2, 3, 7, 12, 100]) {
    const partitionMetadata = Array.from({length: partitions}, (_, partitionId) => ({partitionId, leader: 0}))
    const kafkajs = kafkajsPartitioner(partitionMetadata)
    const counts = new Array(partitions).fill(0)
    for (const key of keys) {
      const ours = partitionForKey(key, partitions)
      expect(ours, `key ${key.toString('hex')} over ${partitions} partitions`).toBe(kafkajs(key))
      counts[ours]++
    }
    // Sanity: every partition is used when there are far more keys than partitions.
    expect(counts.every((c) => c > 0)).toBe(true)
  }
})

/** kafkajs's Java-compatible partitioner over partitions that all have a leader. */
function kafkajsPartitioner(partitionMetadata: Array<{partitionId: number; leader: number}>) {
  const partitioner = Partitioners.DefaultPartitioner()
  return (key: Buffer): number => partitioner({topic: 't', partitionMetadata, message: {key}})
}

describe('StickyPartitioner', () => {
  test(`moves to a different partition for every batch (seed ${seed})`, () => {
    const rng = new Rng(seed)
    for (const partitions of [2, 3, 7, 12]) {
      const sticky = new StickyPartitioner(partitions, () => rng.next())
      const visits = new Array(partitions).fill(0)
      let previous = sticky.partition
      expect(previous).toBeGreaterThanOrEqual(0)
      expect(previous).toBeLessThan(partitions)
      for (let batch = 0; batch < 1000; batch++) {
        const next = sticky.nextBatch()
        expect(next, `batch ${batch} of ${partitions} partitions`).not.toBe(previous)
        expect(next).toBe(sticky.partition)
        expect(Number.isInteger(next) && next >= 0 && next < partitions).toBe(true)
        visits[next]++
        previous = next
      }
      // Spread: each partition gets a fair share of 1000 batches.
      for (const v of visits) expect(v).toBeGreaterThan(1000 / partitions / 3)
    }
  })

  test('stays put between batches, and on a single partition always', () => {
    const sticky = new StickyPartitioner(1, () => 0.999)
    expect(sticky.partition).toBe(0)
    expect(sticky.nextBatch()).toBe(0)
    const s = new StickyPartitioner(5, () => 0.5)
    expect(s.partition).toBe(2)
    expect(s.partition).toBe(2)
  })

  test('the extremes of the random source stay in range and still move', () => {
    for (const r of [0, 0.999999999]) {
      const s = new StickyPartitioner(4, () => r)
      const start = s.partition
      expect(s.nextBatch()).not.toBe(start)
      expect(s.partition).toBeLessThan(4)
    }
  })
})
