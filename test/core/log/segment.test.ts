/**
 * LogSegment on its own: creating the three files, recover() as Kafka's
 * LogSegment.recover (rebuild indexes, stop at the first bad batch, return
 * what it cut), and recover(false) as a read-only check.
 */
import {appendFileSync, existsSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {expect, test} from 'vitest'
import {BatchScanner} from '../../../src/core/log/batch-scanner.js'
import {LogSegment} from '../../../src/core/log/segment.js'
import {baseOffsetOf, listSegmentBaseOffsets, segmentFileName} from '../../../src/core/log/file-names.js'
import {CorruptIndexError} from '../../../src/core/errors.js'
import {Rng, buildBatch, tempDir, utf8} from '../support.js'
import {T0, expectedOffsetIndex, batchesOf, offsetIndexEntries, timeIndexEntries} from './log-helpers.js'

const BASE = 300

/** A segment at BASE holding 40 batches written straight to its .log. */
function segmentWithBatches(dir: string): LogSegment {
  const segment = LogSegment.create(dir, BASE)
  let offset = BASE
  const rng = new Rng(8)
  for (let i = 0; i < 40; i++) {
    const count = rng.int(1, 4)
    const records = Array.from({length: count}, (_, j) => ({timestamp: T0 + (offset + j) * 5, key: utf8(`k${j}`), value: Buffer.alloc(rng.int(5, 80), j)}))
    appendFileSync(segment.logPath, buildBatch(records, offset))
    offset += count
  }
  return segment
}

test('file names are the base offset in 20 digits, and parse back', () => {
  expect(segmentFileName(0, '.log')).toBe('00000000000000000000.log')
  expect(segmentFileName(2 ** 53 - 1, '.index')).toBe('00009007199254740991.index')
  expect(baseOffsetOf('00000000000000012345.timeindex')).toBe(12345)
  expect(baseOffsetOf('12345.log')).toBeNull()
  expect(baseOffsetOf('00000000000000012345.log.cleaned')).toBeNull()
  const dir = tempDir()
  for (const b of [100, 7, 20]) LogSegment.create(dir, b)
  writeFileSync(`${dir}/leader.json`, '{}')
  expect(listSegmentBaseOffsets(dir)).toEqual([7, 20, 100])
})

test('create() makes the three files and leaves an existing segment alone', () => {
  const dir = tempDir()
  const segment = LogSegment.create(dir, BASE)
  for (const p of [segment.logPath, segment.index.path, segment.timeIndex.path]) expect(statSync(p).size).toBe(0)
  appendFileSync(segment.logPath, 'data')
  LogSegment.create(dir, BASE)
  expect(readFileSync(segment.logPath, 'utf8')).toBe('data')
  expect(segment.size()).toBe(4)
  expect(segment.firstBatchTimestamp()).toBeNull()
  segment.delete()
  expect(existsSync(segment.logPath) || existsSync(segment.index.path) || existsSync(segment.timeIndex.path)).toBe(false)
  expect(segment.size()).toBe(0)
  segment.delete()
})

test('recover() rebuilds both indexes by Kafka\'s rule and reports the segment', () => {
  const dir = tempDir()
  const segment = segmentWithBatches(dir)
  const batches = batchesOf(dir, BASE)
  const r = segment.recover(new BatchScanner(), 150)
  expect(r).toMatchObject({
    validBytes: statSync(segment.logPath).size,
    truncatedBytes: 0,
    stop: 'end',
    nextOffset: batches.at(-1)!.lastOffset + 1,
    maxTimestamp: batches.at(-1)!.maxTimestamp,
    offsetOfMaxTimestamp: batches.at(-1)!.lastOffset,
    batches: 40,
  })
  expect(offsetIndexEntries(dir, BASE)).toEqual(expectedOffsetIndex(batches, 150))
  expect(offsetIndexEntries(dir, BASE).length).toBeGreaterThan(5)
  const times = timeIndexEntries(dir, BASE)
  expect(times.length).toBe(offsetIndexEntries(dir, BASE).length)
  segment.loadIndexes()
  expect(segment.firstBatchTimestamp()).toBe(T0 + BASE * 5)
})

test('recover() cuts at the first bad batch and returns what it cut', () => {
  const dir = tempDir()
  const segment = segmentWithBatches(dir)
  const batches = batchesOf(dir, BASE)
  const victim = batches[25]
  const data = readFileSync(segment.logPath)
  data[victim.position + victim.size - 1] ^= 0xff
  writeFileSync(segment.logPath, data)
  const r = segment.recover(new BatchScanner(), 150)
  expect(r).toMatchObject({validBytes: victim.position, truncatedBytes: data.length - victim.position, stop: 'corrupt', nextOffset: victim.baseOffset, batches: 25})
  expect(statSync(segment.logPath).size).toBe(victim.position)
  for (const [offset, position] of offsetIndexEntries(dir, BASE)) {
    expect(offset).toBeLessThan(victim.baseOffset)
    expect(position).toBeLessThan(victim.position)
  }
})

test('recover(…, false) reports without touching the files', () => {
  const dir = tempDir()
  const segment = segmentWithBatches(dir)
  writeFileSync(segment.index.path, '  ')
  appendFileSync(segment.logPath, 'junk')
  const before = readFileSync(segment.logPath)
  const r = segment.recover(new BatchScanner(), 150, false)
  expect(r.truncatedBytes).toBe(4)
  expect(r.stop).toBe('partial')
  expect(readFileSync(segment.logPath).equals(before)).toBe(true)
  expect(readFileSync(segment.index.path, 'utf8')).toBe('  ')
  expect(() => segment.loadIndexes()).toThrow(CorruptIndexError)
})
