/**
 * Retention deletes whole inactive segments from the oldest on, by size
 * (retention.bytes) or by age (retention.ms against the injected clock),
 * and never the active segment.
 */
import {statSync, unlinkSync} from 'node:fs'
import {describe, expect, test} from 'vitest'
import {LOG_SUFFIX, TIME_INDEX_SUFFIX, listSegmentBaseOffsets, segmentPath} from '../../../src/core/log/file-names.js'
import {LogReader} from '../../../src/core/log/log-reader.js'
import {applyRetention} from '../../../src/core/log/retention.js'
import {type PlainRecord, logConfig, tempDir, utf8} from '../support.js'
import {Clock, T0, appendBatch, batchesOf, expectSeekLandsOn, expectedRecords, openLog, range, readBack, writeAll} from './log-helpers.js'

const sizeOf = (dir: string, base: number) => statSync(segmentPath(dir, base, LOG_SUFFIX)).size

/** One record per batch, one second apart, ~150 bytes each. */
function secondly(count: number, from = 0): PlainRecord[][] {
  return Array.from({length: count}, (_, i) => [{timestamp: T0 + (from + i) * 1000, key: utf8(`k${from + i}`), value: Buffer.alloc(80, 0x61)}])
}

describe('retention.bytes', () => {
  test('deletes the oldest segments while the rest still hold retention.bytes', async () => {
    const dir = tempDir()
    const retention = 2500
    const {log, notices} = openLog(dir, {'segment.bytes': 700, 'retention.bytes': retention})
    const batches = secondly(80)
    const results = await writeAll(log, batches)
    // Retention ran at each roll; the next writer's start-up runs it over the latest appends too.
    const next = openLog(dir, {'segment.bytes': 700, 'retention.bytes': retention})
    await writeAll(next.log, [])
    notices.push(...next.notices)
    const bases = listSegmentBaseOffsets(dir)
    const sizes = bases.map((b) => sizeOf(dir, b))
    const total = sizes.reduce((a, b) => a + b, 0)
    // Deleting the oldest remaining segment would leave less than retention.bytes.
    expect(total - sizes[0]).toBeLessThan(retention)
    expect(total).toBeGreaterThanOrEqual(retention)
    expect(bases[0]).toBeGreaterThan(0)
    expect(notices.length).toBeGreaterThan(0)
    for (const n of notices) expect(n).toMatch(/^test partition: retention deleted \d+ segment\(s\), log now starts at \d+$/)
    expect(notices.at(-1)).toContain(`log now starts at ${bases[0]}`)
    // What is left is whole, from the new log start to the end.
    const reader = new LogReader(dir)
    expect(reader.logStartOffset()).toBe(bases[0])
    reader.close()
    expect(readBack(dir)).toEqual(expectedRecords(batches, results).filter((r) => r.offset >= bases[0]))
    expectSeekLandsOn(dir, range(bases[0], 80))
  })

  test('retention.bytes 0 deletes every inactive segment but never the active one', async () => {
    const dir = tempDir()
    const {log} = openLog(dir, {'segment.bytes': 500, 'retention.bytes': 0})
    const results = await writeAll(log, secondly(30))
    const bases = listSegmentBaseOffsets(dir)
    expect(bases).toEqual([results.at(-1)!.segmentBaseOffset])
    expect(readBack(dir).at(-1)!.offset).toBe(29)
    // Even a fresh writer's start-up retention leaves it.
    await writeAll(openLog(dir, {'segment.bytes': 500, 'retention.bytes': 0}).log, [])
    expect(listSegmentBaseOffsets(dir)).toEqual(bases)
  })
})

describe('retention.ms', () => {
  /** 60 one-second batches in segments of ~4, written without retention; returns each segment's largest timestamp. */
  async function writeUnretained(dir: string): Promise<Map<number, number>> {
    const clock = new Clock(T0)
    const {log} = openLog(dir, {'segment.bytes': 700, 'retention.ms': -1}, clock)
    await log.acquire()
    for (const batch of secondly(60)) {
      clock.ms = batch[0].timestamp
      appendBatch(log, batch)
    }
    await log.release()
    const bases = listSegmentBaseOffsets(dir)
    expect(bases.length).toBeGreaterThan(8)
    return new Map(bases.map((b) => [b, Math.max(...batchesOf(dir, b).map((x) => x.maxTimestamp))]))
  }

  test('deletes, at start-up, exactly the segments whose newest record is older than retention.ms', async () => {
    const dir = tempDir()
    const largest = await writeUnretained(dir)
    const bases = [...largest.keys()]
    const now = T0 + 60_000 + 3_000
    const retentionMs = 30_000
    const expectedLeft = bases.filter((b, i) => i === bases.length - 1 || largest.get(b)! >= now - retentionMs)
    const {log, notices} = openLog(dir, {'segment.bytes': 700, 'retention.ms': retentionMs}, new Clock(now))
    await log.acquire()
    await log.release()
    expect(listSegmentBaseOffsets(dir)).toEqual(expectedLeft)
    expect(expectedLeft.length).toBeLessThan(bases.length)
    expect(expectedLeft.length).toBeGreaterThan(1)
    expect(notices).toEqual([`test partition: retention deleted ${bases.length - expectedLeft.length} segment(s), log now starts at ${expectedLeft[0]}`])
    // The boundary: the first segment kept is the first not yet expired.
    expect(largest.get(expectedLeft[0])!).toBeGreaterThanOrEqual(now - retentionMs)
    expect(readBack(dir)[0].offset).toBe(expectedLeft[0])
  })

  test('on a roll, with the clock moving on', async () => {
    const dir = tempDir()
    const clock = new Clock(T0)
    const {log} = openLog(dir, {'segment.bytes': 700, 'retention.ms': 10_000}, clock)
    await log.acquire()
    for (const batch of secondly(60)) {
      clock.ms = batch[0].timestamp
      appendBatch(log, batch)
    }
    await log.release()
    const bases = listSegmentBaseOffsets(dir)
    const oldest = Math.max(...batchesOf(dir, bases[0]).map((b) => b.maxTimestamp))
    // The oldest kept segment was not expired at the last roll (the clock at or before the last record).
    expect(oldest).toBeGreaterThanOrEqual(clock.ms - 10_000 - 5_000)
    expect(bases[0]).toBeGreaterThan(30)
  })

  test('a segment whose time index is lost is aged by its records', async () => {
    const dir = tempDir()
    const largest = await writeUnretained(dir)
    const bases = [...largest.keys()]
    for (const b of bases.slice(0, 3)) unlinkSync(segmentPath(dir, b, TIME_INDEX_SUFFIX))
    const now = largest.get(bases[1])! + 1 + 5_000
    const deleted = applyRetention(dir, logConfig({'retention.ms': 5_000}), now, bases.at(-1)!)
    expect(deleted.map((d) => [d.baseOffset, d.reason, d.nextBaseOffset])).toEqual([
      [bases[0], 'retention.ms', bases[1]],
      [bases[1], 'retention.ms', bases[2]],
    ])
    expect(listSegmentBaseOffsets(dir)).toEqual(bases.slice(2))
  })

  test('stops at the first segment too young, even when later ones are older', async () => {
    const dir = tempDir()
    const clock = new Clock(T0)
    const {log} = openLog(dir, {'retention.ms': -1}, clock)
    await log.acquire()
    const old = (i: number): PlainRecord[] => [{timestamp: T0 + i, key: null, value: Buffer.alloc(150)}]
    for (let i = 0; i < 2; i++) appendBatch(log, old(i))
    log.roll()
    appendBatch(log, [{timestamp: T0 + 1_000_000, key: null, value: Buffer.alloc(150)}]) // a young record
    log.roll()
    for (let i = 0; i < 2; i++) appendBatch(log, old(10 + i))
    log.roll()
    appendBatch(log, old(20))
    await log.release()
    const bases = listSegmentBaseOffsets(dir)
    expect(bases).toEqual([0, 2, 3, 5])
    const deleted = applyRetention(dir, logConfig({'retention.ms': 100_000}), T0 + 500_000, 5)
    expect(deleted.map((d) => d.baseOffset)).toEqual([0])
    expect(listSegmentBaseOffsets(dir)).toEqual([2, 3, 5])
    // And however old everything is, the active segment stays.
    applyRetention(dir, logConfig({'retention.ms': 1}), T0 + 1e12, 5)
    expect(listSegmentBaseOffsets(dir)).toEqual([5])
  })

  test('cleanup.policy=compact alone never deletes by age or size', async () => {
    const dir = tempDir()
    const largest = await writeUnretained(dir)
    const {log} = openLog(dir, {'cleanup.policy': 'compact', 'retention.ms': 1, 'retention.bytes': 0}, new Clock(T0 + 1e12))
    await log.acquire()
    await log.release()
    expect(listSegmentBaseOffsets(dir)).toEqual([...largest.keys()])
  })
})
