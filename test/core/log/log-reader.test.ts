/**
 * LogReader across several segments: seek by offset, offsetForTimestamp
 * (the earliest offset whose timestamp is at or after a time), polling from
 * one segment into the next, and following a log as it grows.
 */
import {appendFileSync, unlinkSync} from 'node:fs'
import {basename} from 'node:path'
import {describe, expect, test} from 'vitest'
import {INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX, listSegmentBaseOffsets, segmentPath} from '../../../src/core/log/file-names.js'
import {LogReader, READ_BUFFER_SIZE} from '../../../src/core/log/log-reader.js'
import {type PlainRecord, Rng, fill, newBuilder, tempDir, testSeed, utf8} from '../support.js'
import {ManualClock} from '../../helpers/clock.js'
import {T0, appendBatch, expectSeekLandsOn, expectedRecords, firstAfterSeek, openLog, range, readBack, writeAll} from './log-helpers.js'

const OVERRIDES = {'segment.bytes': 3000, 'index.interval.bytes': 200}

/** Batches whose timestamps mostly rise but jitter, repeat and sometimes step back. */
function jitteryBatches(rng: Rng, count: number): PlainRecord[][] {
  let n = 0
  return Array.from({length: count}, () =>
    Array.from({length: rng.int(1, 5)}, () => {
      const i = n++
      const timestamp = T0 + 10 * i + rng.int(-25, 26)
      return {timestamp, key: utf8(`k${i % 5}`), value: Buffer.from(`record ${i}`.padEnd(rng.int(8, 50), '~'))}
    }),
  )
}

describe('LogReader over several segments', () => {
  const seed = testSeed()
  test(`seek(offset) lands on that offset in every segment; out-of-range offsets (seed ${seed})`, async () => {
    const dir = tempDir()
    const batches = jitteryBatches(new Rng(seed), 200)
    const results = await writeAll(openLog(dir, OVERRIDES).log, batches)
    const end = results.at(-1)!.lastOffset + 1
    const bases = listSegmentBaseOffsets(dir)
    expect(bases.length).toBeGreaterThan(4)
    expectSeekLandsOn(dir, range(0, end))
    const reader = new LogReader(dir)
    expect(reader.logStartOffset()).toBe(0)
    expect(reader.logEndOffset()).toBe(end)
    expect(firstAfterSeek(reader, -5)).toBe(0)
    expect(firstAfterSeek(reader, end)).toBe(null)
    expect(firstAfterSeek(reader, end + 100)).toBe(null)
    reader.close()
    expect(readBack(dir, 0)).toEqual(expectedRecords(batches, results))
  })

  test(`offsetForTimestamp gives the earliest offset at or after a time (seed ${seed})`, async () => {
    const dir = tempDir()
    const batches = jitteryBatches(new Rng(seed), 200)
    const results = await writeAll(openLog(dir, OVERRIDES).log, batches)
    const records = expectedRecords(batches, results)
    const end = records.length
    expect(listSegmentBaseOffsets(dir).length).toBeGreaterThan(4)
    const expected = (t: number) => records.find((r) => r.timestamp >= t)?.offset ?? end
    const reader = new LogReader(dir)
    const targets = new Set<number>([T0 - 1_000_000, T0 - 100, Math.max(...records.map((r) => r.timestamp)) + 1, T0 + 1e9])
    for (const r of records) for (const d of [-1, 0, 1]) targets.add(r.timestamp + d)
    for (const t of [...targets].sort((a, b) => a - b)) {
      expect(reader.offsetForTimestamp(t), `timestamp ${t}`).toBe(expected(t))
    }
    reader.close()
  })

  test('offsetForTimestamp still answers with every index gone', async () => {
    const dir = tempDir()
    const batches = jitteryBatches(new Rng(99), 120)
    const records = expectedRecords(batches, await writeAll(openLog(dir, OVERRIDES).log, batches))
    for (const base of listSegmentBaseOffsets(dir)) {
      unlinkSync(segmentPath(dir, base, INDEX_SUFFIX))
      unlinkSync(segmentPath(dir, base, TIME_INDEX_SUFFIX))
    }
    const reader = new LogReader(dir)
    for (const r of records.filter((_, i) => i % 5 === 0)) {
      expect(reader.offsetForTimestamp(r.timestamp)).toBe(records.find((x) => x.timestamp >= r.timestamp)!.offset)
    }
    reader.close()
    expectSeekLandsOn(dir, range(0, records.length))
  })

  test.each([
    ['with its indexes', false],
    ['with every index gone', true],
  ])(`maxTimestampRecord (ListOffsets -3) is the first record with the largest timestamp, %s (seed ${seed})`, async (_, dropIndexes) => {
    const rng = new Rng(seed)
    for (let round = 0; round < 5; round++) {
      const dir = tempDir()
      const batches = jitteryBatches(rng, rng.int(1, 150))
      // The largest timestamp, twice, somewhere (a sealed segment or the active one): the first of the two is the answer.
      const at = rng.int(0, batches.length)
      batches[at].push({timestamp: T0 + 1e6, key: null, value: utf8('max')}, {timestamp: T0 + 1e6, key: null, value: utf8('max again')})
      const records = expectedRecords(batches, await writeAll(openLog(dir, OVERRIDES).log, batches))
      if (dropIndexes) {
        for (const base of listSegmentBaseOffsets(dir)) {
          unlinkSync(segmentPath(dir, base, INDEX_SUFFIX))
          unlinkSync(segmentPath(dir, base, TIME_INDEX_SUFFIX))
        }
      }
      const first = records.find((r) => r.timestamp === T0 + 1e6)!
      const reader = new LogReader(dir)
      expect(reader.maxTimestampRecord()).toEqual({offset: first.offset, timestamp: T0 + 1e6})
      reader.close()
    }
  })

  test('maxTimestampRecord of an empty log is null', () => {
    const dir = tempDir()
    openLog(dir, OVERRIDES)
    const reader = new LogReader(dir)
    expect(reader.maxTimestampRecord()).toBeNull()
    reader.close()
  })

  test('poll() follows the log as it grows and rolls, batch by batch', async () => {
    const dir = tempDir()
    const {log} = openLog(dir, {'segment.bytes': 400})
    const reader = new LogReader(dir)
    const seen: number[] = []
    const drain = () => {
      for (let range = reader.poll(); range; range = reader.poll()) {
        for (let pos = range.start; pos < range.end; pos += range.buf.readInt32BE(pos + 8) + 12) {
          seen.push(Number(range.buf.readBigInt64BE(pos)))
        }
      }
    }
    await log.acquire()
    drain()
    expect(seen).toEqual([])
    for (let i = 0; i < 30; i++) {
      appendBatch(log, [{timestamp: T0 + i, key: null, value: Buffer.alloc(100, i)}])
      if (i % 4 === 0) drain()
    }
    await log.release()
    drain()
    expect(listSegmentBaseOffsets(dir).length).toBeGreaterThan(5)
    expect(seen).toEqual(range(0, 30))
    reader.close()
  })

  test('a reader whose segment was deleted under it moves on to the next', async () => {
    const dir = tempDir()
    const batches = Array.from({length: 20}, (_, i): PlainRecord[] => [{timestamp: T0 + i, key: null, value: Buffer.alloc(150, i)}])
    await writeAll(openLog(dir, {'segment.bytes': 400}).log, batches)
    const bases = listSegmentBaseOffsets(dir)
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) unlinkSync(segmentPath(dir, bases[0], suffix))
    const reader = new LogReader(dir)
    expect(reader.logStartOffset()).toBe(bases[1])
    expect(firstAfterSeek(reader, 0)).toBe(bases[1])
    reader.close()
    expect(readBack(dir).map((r) => r.offset)).toEqual(range(bases[1], 20))
  })

  // readdir is no snapshot: a listing made while a writer rolls can miss the
  // segment made during it and show the next one. Under load this made a
  // consume -g member read segment 4722, jump to 4758 and commit past the
  // 13 records of 4745 (the fault campaign's "never delivered").
  test('a listing that misses a segment made while it ran costs the reader no record', async () => {
    const dir = tempDir()
    const batches = Array.from({length: 12}, (_, i): PlainRecord[] => [{timestamp: T0 + i, key: null, value: Buffer.alloc(150, i)}])
    await writeAll(openLog(dir, {'segment.bytes': 400}).log, batches)
    const bases = listSegmentBaseOffsets(dir)
    expect(bases.length).toBeGreaterThan(3)
    let calls = 0
    // The second listing, the one made at the end of the first segment, misses the second segment.
    const listSegments = (d: string) => {
      calls++
      return listSegmentBaseOffsets(d).filter((b) => calls !== 2 || b !== bases[1])
    }
    const reader = new LogReader(dir, undefined, {listSegments})
    const seen: number[] = []
    for (let range = reader.poll(); range; range = reader.poll()) {
      for (let pos = range.start; pos < range.end; pos += range.buf.readInt32BE(pos + 8) + 12) seen.push(Number(range.buf.readBigInt64BE(pos)))
    }
    reader.close()
    expect(calls).toBeGreaterThan(2)
    expect(seen).toEqual(range(0, 12))
  })

  // A tailing consumer's fs.watch tells the reader what changed; a readdir
  // at every segment end was a fifth of its CPU at 10,000 records/s.
  test('a watched reader lists the directory at a segment end only after a change to a segment file other than its own', async () => {
    const dir = tempDir()
    // Room for several batches of 100 bytes in a segment.
    const {log} = openLog(dir, {'segment.bytes': 1000})
    let listings = 0
    const reader = new LogReader(dir, undefined, {listSegments: (d) => (listings++, listSegmentBaseOffsets(d))})
    const seen: number[] = []
    const drain = () => {
      for (let range = reader.poll(); range; range = reader.poll()) {
        for (let pos = range.start; pos < range.end; pos += range.buf.readInt32BE(pos + 8) + 12) seen.push(Number(range.buf.readBigInt64BE(pos)))
      }
    }
    const active = () => listSegmentBaseOffsets(dir).at(-1)!
    const activeName = () => basename(segmentPath(dir, active(), LOG_SUFFIX))
    await log.acquire()
    appendBatch(log, [{timestamp: T0, key: null, value: Buffer.alloc(100, 0)}])
    reader.watched(true)
    drain()
    expect(seen).toEqual([0])
    // Appends to the segment it reads: no listing at the ends of the polls that follow.
    const before = listings
    for (let i = 1; i < 3; i++) {
      appendBatch(log, [{timestamp: T0 + i, key: null, value: Buffer.alloc(100, i)}])
      reader.changed('change', activeName())
      drain()
      drain()
    }
    expect(seen).toEqual([0, 1, 2])
    expect(listings).toBe(before)
    // Until the watcher tells of the new segment, the reader stays at the end of the old one...
    const old = active()
    for (let i = 3; active() === old; i++) appendBatch(log, [{timestamp: T0 + i, key: null, value: Buffer.alloc(100, i)}])
    const rolledAt = active()
    const upTo = seen.length
    drain()
    expect(seen.at(-1)).toBeLessThan(rolledAt)
    expect(listings).toBe(before)
    // ...and then reads on into it.
    appendBatch(log, [{timestamp: T0 + 100, key: null, value: Buffer.alloc(100, 9)}])
    reader.changed('rename', activeName())
    drain()
    expect(listings).toBeGreaterThan(before)
    expect(seen.slice(upTo).at(-1)).toBe(rolledAt + 1)
    expect(seen).toEqual(range(0, rolledAt + 2))
    // A change it cannot place (no file name) and an unwatched reader both list again.
    const n = listings
    drain()
    expect(listings).toBe(n)
    reader.changed('change', null)
    drain()
    expect(listings).toBe(n + 1)
    reader.watched(false)
    drain()
    drain()
    expect(listings).toBe(n + 3)
    await log.release()
    reader.close()
  })

  test('at the end of the log a reader with no buffer makes none (an idle partition costs no megabyte); one that was lent a buffer reads into it', async () => {
    const dir = tempDir()
    const {log} = openLog(dir)
    await log.acquire()
    appendBatch(log, [{timestamp: T0, key: null, value: utf8('before')}])
    const reader = new LogReader(dir)
    expect(reader.poll()).not.toBeNull()
    // The caller takes the buffer back once done with the bytes (as Consumer.poll does).
    expect(reader.takeBuffer()).not.toBeNull()
    expect(reader.poll()).toBeNull()
    expect(reader.takeBuffer()).toBeNull()
    const lent = Buffer.alloc(READ_BUFFER_SIZE)
    expect(reader.giveBuffer(lent)).toBe(true)
    expect(reader.poll()).toBeNull()
    appendBatch(log, [{timestamp: T0 + 1, key: null, value: utf8('after')}])
    const range = reader.poll()!
    expect(range.buf).toBe(lent)
    expect(Number(range.buf.readBigInt64BE(range.start))).toBe(1)
    expect(reader.poll()).toBeNull()
    expect(reader.takeBuffer()).toBe(lent)
    await log.release()
    reader.close()
  })

  test('the log end counts a last segment the listing missed', async () => {
    const dir = tempDir()
    const batches = Array.from({length: 12}, (_, i): PlainRecord[] => [{timestamp: T0 + i, key: null, value: Buffer.alloc(150, i)}])
    await writeAll(openLog(dir, {'segment.bytes': 400}).log, batches)
    const bases = listSegmentBaseOffsets(dir)
    const reader = new LogReader(dir, undefined, {listSegments: (d) => listSegmentBaseOffsets(d).filter((b) => b !== bases.at(-1))})
    expect(reader.logEndOffset()).toBe(12)
    reader.close()
  })

  test('bad bytes past the recovery point are damage once they stayed bad for SUSPECT_MS on the clock given', async () => {
    const dir = tempDir()
    await writeAll(openLog(dir).log, [[{timestamp: T0, key: null, value: utf8('a')}]])
    appendFileSync(segmentPath(dir, 0, LOG_SUFFIX), Buffer.alloc(100, 0xff))
    const clock = new ManualClock()
    const reader = new LogReader(dir, undefined, {clock})
    expect(reader.poll()).not.toBeNull()
    expect(reader.poll()).toBeNull()
    expect(reader.suspecting).toBe(true)
    clock.advance(49)
    expect(reader.poll()).toBeNull()
    expect(reader.stall).toBeNull()
    clock.advance(1)
    expect(reader.poll()).toBeNull()
    expect(reader.stall).toMatchObject({offset: 1, segmentBaseOffset: 0, belowRecoveryPoint: false})
    reader.close()
  })

  test('an empty active segment after a roll: the log end is its base', async () => {
    const dir = tempDir()
    const {log} = openLog(dir)
    await log.acquire()
    appendBatch(log, [{timestamp: T0, key: null, value: utf8('a')}])
    log.roll()
    await log.release()
    expect(listSegmentBaseOffsets(dir)).toEqual([0, 1])
    const reader = new LogReader(dir)
    expect(reader.logEndOffset()).toBe(1)
    expect(reader.offsetForTimestamp(T0 + 1)).toBe(1)
    expect(reader.offsetForTimestamp(T0)).toBe(0)
    reader.close()
  })
})

describe('what a reader accepts is bounded by the format, not by max.message.bytes', () => {
  test('batches larger than the read buffer are read whole, in a reader that was given a small buffer too', async () => {
    const dir = tempDir()
    const {log} = openLog(dir, {'max.message.bytes': 8 << 20})
    await log.acquire()
    const sizes = [10, 3 << 20, 20, 5 << 20, 30]
    for (const [i, size] of sizes.entries()) {
      log.append(fill(newBuilder(0, 8 << 20, 8 << 20), [{timestamp: T0 + i, key: null, value: Buffer.alloc(size, i)}]))
    }
    await log.release()
    for (const reader of [new LogReader(dir), new LogReader(dir, Buffer.alloc(READ_BUFFER_SIZE))]) {
      reader.seek(0)
      const seen: number[] = []
      for (let range = reader.poll(); range; range = reader.poll()) {
        for (let pos = range.start; pos < range.end; pos += range.buf.readInt32BE(pos + 8) + 12) seen.push(range.buf.readInt32BE(pos + 8) + 12)
      }
      expect(seen.length).toBe(sizes.length)
      expect(reader.logEndOffset()).toBe(sizes.length)
      reader.close()
    }
    expect(readBack(dir).map((r) => r.value!.length)).toEqual(sizes)
  })

  test('a topic whose limit was lowered below its batches reads, recovers and appends as before', async () => {
    const dir = tempDir()
    const batches = Array.from({length: 5}, (_, i): PlainRecord[] => Array.from({length: 40}, (_, j) => ({timestamp: T0 + i, key: null, value: Buffer.alloc(1000, i * 40 + j)})))
    await writeAll(openLog(dir).log, batches)
    // Another process takes over with the lowered limit: nothing is cut, offsets go on.
    const lowered = openLog(dir, {'max.message.bytes': 10_000})
    const [next] = await writeAll(lowered.log, [[{timestamp: T0 + 9, key: null, value: utf8('after')}]])
    expect(lowered.notices).toEqual([])
    expect(next.baseOffset).toBe(200)
    expect(readBack(dir).length).toBe(201)
  })
})
