/**
 * BatchScanner reads a segment in 1 MiB chunks: batches that straddle a
 * chunk boundary must be visited once and whole, and the scan must stop at
 * exactly the first short or bad batch.
 */
import {appendFileSync, closeSync, fstatSync, openSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {expect, test} from 'vitest'
import {BatchScanner} from '../../../src/core/log/batch-scanner.js'
import {Rng, buildBatch, fill, newBuilder, tempDir, testSeed} from '../support.js'
import {readBack} from './log-helpers.js'

const seed = testSeed()

/** ~2.5 MiB of batches of 1 to 40 KiB, at consecutive offsets. */
function bigSegment(rng: Rng): {data: Buffer; positions: number[]; bases: number[]} {
  const parts: Buffer[] = []
  const positions: number[] = []
  const bases: number[] = []
  let position = 0
  let offset = 0
  while (position < 2.5 * 1024 * 1024) {
    const count = rng.int(1, 4)
    const batch = buildBatch(
      Array.from({length: count}, (_, i) => ({timestamp: 1000 + offset + i, key: null, value: Buffer.alloc(rng.int(1, 40_000), offset + i)})),
      offset,
    )
    positions.push(position)
    bases.push(offset)
    parts.push(batch)
    position += batch.length
    offset += count
  }
  return {data: Buffer.concat(parts), positions, bases}
}

function scan(path: string, scanner = new BatchScanner()) {
  const fd = openSync(path, 'r')
  try {
    const visited: Array<[number, number]> = []
    const result = scanner.scan(fd, 0, fstatSync(fd).size, (buf, pos, size, filePosition) => {
      visited.push([filePosition, Number(buf.readBigInt64BE(pos))])
      expect(buf.readInt32BE(pos + 8) + 12).toBe(size)
    })
    return {visited, result}
  } finally {
    closeSync(fd)
  }
}

test(`visits every batch once across 1 MiB chunk boundaries (seed ${seed})`, () => {
  const dir = tempDir()
  const {data, positions, bases} = bigSegment(new Rng(seed))
  const path = join(dir, '00000000000000000000.log')
  writeFileSync(path, data)
  const {visited, result} = scan(path)
  expect(visited).toEqual(positions.map((p, i) => [p, bases[i]]))
  expect(result).toEqual({position: data.length, stop: 'end'})
  // LogReader reads it all through its own chunking as well.
  const records = readBack(dir)
  expect(records.length).toBe(bases.length === 0 ? 0 : records.at(-1)!.offset + 1)
  expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => i))
})

test(`stops at a torn tail, and at the first bad batch, wherever the chunk edge falls (seed ${seed})`, () => {
  const dir = tempDir()
  const rng = new Rng(seed)
  const {data, positions} = bigSegment(rng)
  const path = join(dir, 'x.log')
  // Torn: the last batch cut short.
  const lastAt = positions.at(-1)!
  writeFileSync(path, data.subarray(0, data.length - 7))
  expect(scan(path).result).toEqual({position: lastAt, stop: 'partial'})
  // Bad: a batch in the middle (past the first chunk) has a flipped byte.
  const k = positions.findIndex((p) => p > 1024 * 1024)
  const bad = Buffer.from(data)
  bad[positions[k] + 30] ^= 0x40
  writeFileSync(path, bad)
  const {visited, result} = scan(path)
  expect(result).toEqual({position: positions[k], stop: 'corrupt'})
  expect(visited.length).toBe(k)
  // Garbage after whole batches.
  writeFileSync(path, data)
  appendFileSync(path, rng.bytes(100))
  expect(scan(path).result.position).toBe(data.length)
})

test('a batch larger than the first buffer is read whole: the bound is the format, not a topic setting', () => {
  const dir = tempDir()
  const path = join(dir, 'big.log')
  const small = buildBatch([{timestamp: 1, key: null, value: null}])
  const big = Buffer.from(fill(newBuilder(0, 4 << 20, 4 << 20), [{timestamp: 1, key: null, value: Buffer.alloc(3 << 20, 7)}]).seal(1))
  writeFileSync(path, Buffer.concat([small, big, small]))
  const scanner = new BatchScanner()
  const {visited, result} = scan(path, scanner)
  expect(visited).toEqual([[0, 0], [small.length, 1], [small.length + big.length, 0]])
  expect(result).toEqual({position: 2 * small.length + big.length, stop: 'end'})
  // The grown buffer serves the next scan too.
  expect(scan(path, scanner).visited.length).toBe(3)
})

test('a length claiming more than the file holds is a torn batch: nothing is allocated for it', () => {
  const dir = tempDir()
  const path = join(dir, 'claim.log')
  const good = buildBatch([{timestamp: 1, key: null, value: null}])
  const liar = Buffer.from(good)
  liar.writeInt32BE(0x7fff_fff0, 8)
  writeFileSync(path, Buffer.concat([good, liar]))
  const {visited, result} = scan(path)
  expect(visited.length).toBe(1)
  expect(result).toEqual({position: good.length, stop: 'partial'})
})

test('an empty file is an immediate end', () => {
  const dir = tempDir()
  const path = join(dir, 'empty.log')
  writeFileSync(path, '')
  expect(scan(path)).toEqual({visited: [], result: {position: 0, stop: 'end'}})
})
