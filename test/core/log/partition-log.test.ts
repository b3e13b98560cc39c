/**
 * Appending through PartitionLog: offsets, rolling at segment.bytes into
 * 20-digit named segments, an index entry every index.interval.bytes, a last
 * time-index entry when a segment closes, and nothing written without the
 * lock.
 */
import {statSync} from 'node:fs'
import {describe, expect, test} from 'vitest'
import {LockError, RecordTooLargeError} from '../../../src/core/errors.js'
import {listSegmentBaseOffsets, segmentFileName, segmentPath} from '../../../src/core/log/file-names.js'
import {LogReader} from '../../../src/core/log/log-reader.js'
import {BatchBuilder} from '../../../src/core/record/record-batch.js'
import {assertKafkajsDecodes} from '../../helpers/kafkajs.js'
import {Rng, fill, tempDir, testSeed, utf8} from '../support.js'
import {
  T0,
  appendBatch,
  batchesOf,
  expectedOffsetIndex,
  expectedRecords,
  makeBatches,
  offsetIndexEntries,
  openLog,
  readBack,
  segmentFiles,
  timeIndexEntries,
  writeAll,
} from './log-helpers.js'

const SEGMENT_BYTES = 4096
const INTERVAL = 300

describe('PartitionLog', () => {
  const seed = testSeed()
  test(`rolls at segment.bytes into 20-digit segments, indexing every index.interval.bytes (seed ${seed})`, async () => {
    const dir = tempDir()
    const rng = new Rng(seed)
    const {log, notices} = openLog(dir, {'segment.bytes': SEGMENT_BYTES, 'index.interval.bytes': INTERVAL})
    const batches = makeBatches(rng, 300)
    const results = await writeAll(log, batches)

    // Offsets are dense and in order.
    let next = 0
    for (const [i, r] of results.entries()) {
      expect(r.baseOffset, `batch ${i}`).toBe(next)
      expect(r.lastOffset).toBe(next + batches[i].length - 1)
      next = r.lastOffset + 1
    }

    // Files: every segment has its three files, named for its base offset.
    const bases = listSegmentBaseOffsets(dir)
    expect(bases.length).toBeGreaterThan(5)
    expect(bases[0]).toBe(0)
    expect(segmentFiles(dir)).toEqual(bases.flatMap((b) => ['index', 'log', 'timeindex'].map((s) => segmentFileName(b, `.${s}`))).sort())
    for (const name of segmentFiles(dir)) expect(name).toMatch(/^\d{20}\.(log|index|timeindex)$/)
    expect(segmentFileName(12345, '.log')).toBe('00000000000000012345.log')

    const all = bases.map((b) => batchesOf(dir, b))
    for (const [s, base] of bases.entries()) {
      const batchesHere = all[s]
      const size = statSync(segmentPath(dir, base, '.log')).size
      // The segment is named for its first batch, follows the previous segment, and holds only whole batches.
      expect(batchesHere[0].baseOffset).toBe(base)
      if (s > 0) expect(base).toBe(all[s - 1].at(-1)!.lastOffset + 1)
      expect(batchesHere.reduce((n, b) => n + b.size, 0)).toBe(size)
      // Rolled before passing segment.bytes; and rolled because the next batch would not fit.
      expect(size).toBeLessThanOrEqual(SEGMENT_BYTES)
      if (s < bases.length - 1) expect(size + all[s + 1][0].size).toBeGreaterThan(SEGMENT_BYTES)
      // Index entries exactly where Kafka's rule puts them.
      const index = offsetIndexEntries(dir, base)
      expect(index, `offset index of segment ${base}`).toEqual(expectedOffsetIndex(batchesHere, INTERVAL))
      if (s < bases.length - 1) expect(index.length).toBeGreaterThan(5)
      for (let i = 1; i < index.length; i++) {
        const gap = index[i][1] - index[i - 1][1]
        expect(gap).toBeGreaterThan(INTERVAL)
        expect(gap).toBeLessThanOrEqual(INTERVAL + Math.max(...batchesHere.map((b) => b.size)))
      }
      // Time index: increasing, every entry true of the batches before it.
      const times = timeIndexEntries(dir, base)
      for (let i = 1; i < times.length; i++) expect(times[i][0]).toBeGreaterThan(times[i - 1][0])
      for (const [ts, offset] of times) {
        const upTo = batchesHere.filter((b) => b.baseOffset <= offset)
        expect(Math.max(...upTo.map((b) => b.maxTimestamp))).toBe(ts)
      }
      // A closed segment's time index ends with its largest timestamp.
      if (s < bases.length - 1) {
        const max = Math.max(...batchesHere.map((b) => b.maxTimestamp))
        expect(times.at(-1)![0], `last time entry of segment ${base}`).toBe(max)
      }
    }

    expect(readBack(dir)).toEqual(expectedRecords(batches, results))
    expect(notices).toEqual([])
    expect(await assertKafkajsDecodes(dir)).toBe(300)
  })

  test('a second writer continues at the log end the first left', async () => {
    const dir = tempDir()
    const rng = new Rng(1)
    const first = openLog(dir, {'segment.bytes': SEGMENT_BYTES, 'index.interval.bytes': INTERVAL})
    const a = makeBatches(rng, 50)
    const ra = await writeAll(first.log, a)
    const second = openLog(dir, {'segment.bytes': SEGMENT_BYTES, 'index.interval.bytes': INTERVAL})
    const b = makeBatches(rng, 50, 4, 1000)
    const rb = await writeAll(second.log, b)
    expect(rb[0].baseOffset).toBe(ra.at(-1)!.lastOffset + 1)
    // And the first, coming back, catches up with the second's appends.
    const c = makeBatches(rng, 10, 4, 2000)
    const rc = await writeAll(first.log, c)
    expect(rc[0].baseOffset).toBe(rb.at(-1)!.lastOffset + 1)
    expect(readBack(dir)).toEqual(expectedRecords([...a, ...b, ...c], [...ra, ...rb, ...rc]))
    for (const base of listSegmentBaseOffsets(dir)) {
      expect(offsetIndexEntries(dir, base)).toEqual(expectedOffsetIndex(batchesOf(dir, base), INTERVAL))
    }
    expect([...first.notices, ...second.notices]).toEqual([])
  })

  test('appending without the lock is a LockError and writes nothing', async () => {
    const dir = tempDir()
    const {log} = openLog(dir)
    const builder = fill(new BatchBuilder({batchBytes: 1024, maxBatchBytes: 1024}), [{timestamp: T0, key: null, value: utf8('x')}])
    expect(() => log.append(builder)).toThrow(LockError)
    await writeAll(log, [[{timestamp: T0, key: null, value: utf8('y')}]])
    expect(() => log.append(builder)).toThrow(LockError)
    expect(readBack(dir).map((r) => r.value!.toString())).toEqual(['y'])
    expect(() => log.logEndOffset).not.toThrow()
  })

  test('a batch over max.message.bytes is refused and nothing of it is written', async () => {
    const dir = tempDir()
    const {log} = openLog(dir, {'max.message.bytes': 500})
    await log.acquire()
    try {
      appendBatch(log, [{timestamp: T0, key: null, value: utf8('small')}])
      const builder = fill(new BatchBuilder({batchBytes: 4096, maxBatchBytes: 4096}), [{timestamp: T0, key: null, value: Buffer.alloc(600)}])
      expect(() => log.append(builder)).toThrow(RecordTooLargeError)
      expect(log.logEndOffset).toBe(1)
      appendBatch(log, [{timestamp: T0, key: null, value: utf8('after')}])
    } finally {
      await log.release()
    }
    expect(readBack(dir).map((r) => [r.offset, r.value!.toString()])).toEqual([
      [0, 'small'],
      [1, 'after'],
    ])
  })

  test('segment.ms rolls a segment by age on the injected clock', async () => {
    const dir = tempDir()
    const opened = openLog(dir, {'segment.ms': 60_000})
    const {log, clock} = opened
    await log.acquire()
    try {
      appendBatch(log, [{timestamp: T0, key: null, value: utf8('a')}])
      clock.ms = T0 + 60_000
      appendBatch(log, [{timestamp: T0 + 60_000, key: null, value: utf8('b')}])
      expect(listSegmentBaseOffsets(dir)).toEqual([0])
      clock.ms = T0 + 60_001
      const r = appendBatch(log, [{timestamp: T0 + 60_001, key: null, value: utf8('c')}])
      expect(r.segmentBaseOffset).toBe(2)
    } finally {
      await log.release()
    }
    expect(listSegmentBaseOffsets(dir)).toEqual([0, 2])
    expect(new LogReader(dir).logEndOffset()).toBe(3)
  })

  test('an empty partition directory gets segment 0 on first acquire', async () => {
    const dir = tempDir()
    const {log} = openLog(dir)
    await log.acquire()
    expect(log.logEndOffset).toBe(0)
    expect(log.holdsLock).toBe(true)
    await log.release()
    expect(log.holdsLock).toBe(false)
    expect(segmentFiles(dir)).toEqual(['00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex'])
  })
})
