/**
 * Log compaction (cleanup.policy=compact): every inactive segment keeps only
 * the latest record of each key, offsets never change, tombstones stay for
 * delete.retention.ms and then go, unkeyed records and the active segment
 * are left alone, and the rewritten segments are whole batches that kafkajs
 * decodes, with indexes as a clean write would have made them.
 */
import {readFileSync} from 'node:fs'
import {describe, expect, test} from 'vitest'
import {BatchScanner} from '../../../src/core/log/batch-scanner.js'
import {compactPartition} from '../../../src/core/log/compaction.js'
import {LOG_SUFFIX, listSegmentBaseOffsets, segmentPath} from '../../../src/core/log/file-names.js'
import {LogReader} from '../../../src/core/log/log-reader.js'
import {applyRetention} from '../../../src/core/log/retention.js'
import {verifyPartition} from '../../../src/core/log/verify.js'
import {Compression} from '../../../src/core/record/compression.js'
import {type Record, RecordReader} from '../../../src/core/record/record.js'
import {assertKafkajsDecodes} from '../../helpers/kafkajs.js'
import {type PlainRecord, Rng, logConfig, tempDir, testSeed, utf8} from '../support.js'
import {
  Clock,
  T0,
  appendBatch,
  batchesOf,
  expectedOffsetIndex,
  expectedRecords,
  firstAfterSeek,
  offsetIndexEntries,
  openLog,
  readBack,
  timeIndexEntries,
} from './log-helpers.js'

const INTERVAL = 100
const DELETE_RETENTION = 10_000
const COMPACT = {
  'cleanup.policy': 'compact',
  'segment.bytes': 900,
  'index.interval.bytes': INTERVAL,
  'delete.retention.ms': DELETE_RETENTION,
}
const config = logConfig(COMPACT)

const keyOf = (r: {key: Buffer | null}) => (r.key === null ? null : r.key.toString('latin1'))

/** Writes batches on a clock that follows the record timestamps; returns every record written. */
async function writeCompacted(dir: string, batches: PlainRecord[][], compressionOf: (i: number) => number = () => 0): Promise<Record[]> {
  const clock = new Clock(T0)
  const {log, notices} = openLog(dir, COMPACT, clock)
  await log.acquire()
  const results = batches.map((b, i) => {
    clock.ms = Math.max(...b.map((r) => r.timestamp))
    return appendBatch(log, b, compressionOf(i))
  })
  await log.release()
  expect(notices).toEqual([])
  return expectedRecords(batches, results)
}

function compactNow(dir: string, now: number) {
  const bases = listSegmentBaseOffsets(dir)
  return compactPartition(dir, config, now, bases.at(-1)!, new BatchScanner())
}

/** Everything a compacted partition must satisfy after a compaction at `now`. */
async function expectCompacted(dir: string, written: Record[], now: number): Promise<void> {
  const activeBase = listSegmentBaseOffsets(dir).at(-1)!
  const latest = new Map<string, number>()
  for (const w of written) if (w.key !== null) latest.set(keyOf(w)!, w.offset)
  const shouldSurvive = (w: Record) =>
    w.offset >= activeBase ||
    w.key === null ||
    (latest.get(keyOf(w)!) === w.offset && (w.value !== null || now - w.timestamp <= DELETE_RETENTION))
  const survivors = readBack(dir)
  // Offsets unchanged: each survivor is exactly the record written at its offset.
  const byOffset = new Map(written.map((w) => [w.offset, w]))
  for (const r of survivors) expect(r, `offset ${r.offset}`).toEqual(byOffset.get(r.offset))
  // And exactly the right ones survive.
  expect(survivors.map((r) => r.offset)).toEqual(written.filter(shouldSurvive).map((w) => w.offset))

  for (const base of listSegmentBaseOffsets(dir)) {
    const batches = batchesOf(dir, base)
    expect(batches.reduce((n, b) => n + b.size, 0)).toBe(readFileSync(segmentPath(dir, base, LOG_SUFFIX)).length)
    expect(offsetIndexEntries(dir, base), `offset index of ${base}`).toEqual(expectedOffsetIndex(batches, INTERVAL))
    if (base < activeBase && batches.length > 0) {
      // Like a closed segment, the time index ends with the segment's largest timestamp.
      expect(timeIndexEntries(dir, base).at(-1)?.[0], `time index of ${base}`).toBe(Math.max(...batches.map((b) => b.maxTimestamp)))
    }
  }

  // Readers: seek lands on the first survivor at or after any offset; timestamps likewise.
  const reader = new LogReader(dir)
  const end = written.length
  for (let o = 0; o < end; o++) {
    expect(firstAfterSeek(reader, o), `seek(${o})`).toBe(survivors.find((r) => r.offset >= o)?.offset ?? null)
  }
  for (const w of written.filter((_, i) => i % 3 === 0)) {
    for (const t of [w.timestamp, w.timestamp + 1]) {
      expect(reader.offsetForTimestamp(t), `offsetForTimestamp(${t})`).toBe(survivors.find((r) => r.timestamp >= t)?.offset ?? end)
    }
  }
  reader.close()
  await assertKafkajsDecodes(dir)
}

/** Random keyed traffic: 8 keys, some tombstones, a few unkeyed records. */
function traffic(rng: Rng, batches: number): PlainRecord[][] {
  let i = 0
  return Array.from({length: batches}, () =>
    Array.from({length: rng.int(1, 4)}, () => {
      const n = i++
      const roll = rng.next()
      const key = roll < 0.05 ? null : utf8(`key-${rng.int(0, 8)}`)
      const value = key !== null && roll > 0.92 ? null : utf8(`value ${n}`)
      return {timestamp: T0 + 100 * n, key, value, headers: n % 4 === 0 ? [{key: 'n', value: utf8(String(n))}] : []}
    }),
  )
}

describe('compaction', () => {
  const seed = testSeed()
  test(`keeps the last record per key, at its original offset (seed ${seed})`, async () => {
    const dir = tempDir()
    const written = await writeCompacted(dir, traffic(new Rng(seed), 150))
    expect(listSegmentBaseOffsets(dir).length).toBeGreaterThan(2)
    // Compaction already ran on each roll.
    expect(readBack(dir).length).toBeLessThan(written.length)
    const now = written.at(-1)!.timestamp
    const result = compactNow(dir, now)
    expect(result.segmentsCleaned).toBeGreaterThan(0)
    await expectCompacted(dir, written, now)
    // Compacting again finds nothing more to do.
    expect(compactNow(dir, now)).toEqual({segmentsCleaned: 0, segmentsMerged: 0, recordsRemoved: 0})
  })

  test(`gzip batches are rewritten compressed, and still decode (seed ${seed})`, async () => {
    const dir = tempDir()
    const written = await writeCompacted(dir, traffic(new Rng(seed ^ 0x5a5a), 120), (i) => (i % 2 ? Compression.gzip : Compression.none))
    const now = written.at(-1)!.timestamp
    compactNow(dir, now)
    await expectCompacted(dir, written, now)
    const attrs = listSegmentBaseOffsets(dir).flatMap((b) => {
      const data = readFileSync(segmentPath(dir, b, LOG_SUFFIX))
      return batchesOf(dir, b).map((x) => data.readInt16BE(x.position + 21) & 7)
    })
    expect(attrs).toContain(Compression.gzip)
  })

  test('a tombstone is kept within delete.retention.ms, removed after; the values before it go at once', async () => {
    const dir = tempDir()
    const batches: PlainRecord[][] = []
    let t = T0
    const rec = (key: string | null, value: string | null): PlainRecord[] => [{timestamp: (t += 100), key: utf8(key), value: utf8(value)}]
    batches.push(rec('gone', 'v1'), rec('kept', 'k1'), rec('gone', 'v2'), rec(null, 'no key'), rec('gone', null))
    const tombstoneTime = t
    for (let i = 0; i < 30; i++) batches.push(rec(`filler-${i}`, 'x'.repeat(40)))
    const written = await writeCompacted(dir, batches)
    const tombstone = written.find((w) => keyOf(w) === 'gone' && w.value === null)!
    const activeBase = listSegmentBaseOffsets(dir).at(-1)!
    expect(tombstone.offset).toBeLessThan(activeBase)

    compactNow(dir, tombstoneTime + DELETE_RETENTION)
    let keys = readBack(dir).map((r) => [keyOf(r), r.value?.toString() ?? null])
    expect(keys.slice(0, 3)).toEqual([
      ['kept', 'k1'],
      [null, 'no key'],
      ['gone', null],
    ])
    await expectCompacted(dir, written, tombstoneTime + DELETE_RETENTION)

    compactNow(dir, tombstoneTime + DELETE_RETENTION + 1)
    keys = readBack(dir).map((r) => [keyOf(r), r.value?.toString() ?? null])
    expect(keys.slice(0, 3)).toEqual([
      ['kept', 'k1'],
      [null, 'no key'],
      ['filler-0', 'x'.repeat(40)],
    ])
    await expectCompacted(dir, written, tombstoneTime + DELETE_RETENTION + 1)
  })

  test('min.compaction.lag.ms leaves young segments as they are', async () => {
    const dir = tempDir()
    const written = await writeCompacted(dir, traffic(new Rng(3), 80))
    const before = listSegmentBaseOffsets(dir).map((b) => readFileSync(segmentPath(dir, b, LOG_SUFFIX)).toString('hex'))
    const now = written.at(-1)!.timestamp
    const lagged = logConfig({...COMPACT, 'min.compaction.lag.ms': now - T0 + 1})
    const bases = listSegmentBaseOffsets(dir)
    expect(compactPartition(dir, lagged, now, bases.at(-1)!, new BatchScanner())).toEqual({segmentsCleaned: 0, segmentsMerged: 0, recordsRemoved: 0})
    expect(bases.map((b) => readFileSync(segmentPath(dir, b, LOG_SUFFIX)).toString('hex'))).toEqual(before)
  })

  test('compact,delete: retention ages a compacted segment by its newest record', async () => {
    const dir = tempDir()
    // One record per batch: "dup" first, then unique keys, then (in a later
    // segment) "dup" again, so segment 0 is rewritten but stays several index intervals long.
    let t = T0
    const one = (key: string, value: string): PlainRecord[] => [{timestamp: (t += 1000), key: utf8(key), value: utf8(value)}]
    const batches = [one('dup', 'old'), ...Array.from({length: 40}, (_, i) => one(`unique-${i}`, 'v'.repeat(20))), one('dup', 'new')]
    const written = await writeCompacted(dir, batches)
    compactNow(dir, written.at(-1)!.timestamp)
    const bases = listSegmentBaseOffsets(dir)
    const segment0 = batchesOf(dir, bases[0])
    expect(readBack(dir)[0].key!.toString()).toBe('unique-0')
    // The last batch of the segment lies past its last index entry, so only
    // a final time-index entry records its timestamp.
    expect(offsetIndexEntries(dir, bases[0]).at(-1)![1]).toBeLessThan(segment0.at(-1)!.position)
    const newest = Math.max(...segment0.map((b) => b.maxTimestamp))
    const retentionMs = 60_000
    const both = logConfig({...COMPACT, 'cleanup.policy': 'compact,delete', 'retention.ms': retentionMs})
    // At exactly the retention age the segment stays; a millisecond later it goes.
    expect(applyRetention(dir, both, newest + retentionMs, bases.at(-1)!)).toEqual([])
    expect(applyRetention(dir, both, newest + retentionMs + 1, bases.at(-1)!)[0].baseOffset).toBe(bases[0])
  })

  test(`rolls leave no trail of small segments: consecutive segments are cleaned into groups that fit segment.bytes (seed ${seed})`, async () => {
    const dir = tempDir()
    const overrides = {...COMPACT, 'segment.bytes': 1024}
    const rng = new Rng(seed ^ 0x1234)
    // Small batches over 40 keys (a tombstone now and then): every roll compacts.
    const batches: PlainRecord[][] = Array.from({length: 400}, (_, i) => {
      const key = `key-${rng.int(0, 40)}`
      return [{timestamp: T0 + 100 * i, key: utf8(key), value: i % 37 === 36 ? null : utf8(`value ${i}`)}]
    })
    const clock = new Clock(T0)
    const {log, notices} = openLog(dir, overrides, clock)
    await log.acquire()
    const results = batches.map((b) => {
      clock.ms = b[0].timestamp
      return appendBatch(log, b)
    })
    await log.release()
    expect(notices).toEqual([])
    const written = expectedRecords(batches, results)
    expect(new Set(results.map((r) => r.segmentBaseOffset)).size, 'rolls').toBeGreaterThanOrEqual(25)

    const segmentCount = () => listSegmentBaseOffsets(dir).length
    const inactive = () => listSegmentBaseOffsets(dir).slice(0, -1)
    const inactiveBytes = () => inactive().reduce((n, b) => n + readFileSync(segmentPath(dir, b, LOG_SUFFIX)).length, 0)
    // Neighbours that fit together are one segment, so every two hold more than segment.bytes.
    const bound = () => Math.floor((2 * inactiveBytes()) / 1024) + 1 + 1
    expect(segmentCount()).toBeLessThanOrEqual(bound())
    for (const b of inactive()) expect(readFileSync(segmentPath(dir, b, LOG_SUFFIX)).length, `segment ${b}`).toBeGreaterThan(0)
    expect(verifyPartition(dir).problems).toEqual([])

    const now = written.at(-1)!.timestamp
    compactPartition(dir, logConfig(overrides), now, listSegmentBaseOffsets(dir).at(-1)!, new BatchScanner())
    expect(segmentCount()).toBeLessThanOrEqual(bound())
    expect(verifyPartition(dir).problems).toEqual([])
    await expectCompacted(dir, written, now)
  })

  // A reader in the group's first segment (replaced by the merged file) or in a later one (deleted under it).
  test.each([
    ['the first segment of a merged group', 1],
    ['a later segment of a merged group, its file deleted under it', 2],
  ] as const)(`a reader inside %s still reads every kept record after it (seed ${seed})`, async (_where, reads) => {
    const dir = tempDir()
    // Nothing is compacted while writing; the compaction below merges the first segment with the next ones.
    const clock = new Clock(T0)
    const {log} = openLog(dir, {...COMPACT, 'min.compaction.lag.ms': 1e12}, clock)
    const batches = traffic(new Rng(seed ^ 0x77), 120)
    await log.acquire()
    const results = batches.map((b) => {
      clock.ms = Math.max(...b.map((r) => r.timestamp))
      return appendBatch(log, b)
    })
    await log.release()
    const written = expectedRecords(batches, results)

    const reader = new LogReader(dir)
    const records = new RecordReader()
    const read: Record[] = []
    // As a consumer does: records below its position are skipped.
    const take = () => {
      const range = reader.poll()
      if (!range) return false
      for (let pos = range.start; pos < range.end; pos += range.buf.readInt32BE(pos + 8) + 12) {
        records.open(range.buf, pos)
        while (records.next()) if (records.offset >= (read.at(-1)?.offset ?? -1) + 1) read.push(records.toRecord())
      }
      return true
    }
    for (let r = 0; r < reads; r++) expect(take()).toBe(true)
    const position = read.at(-1)!.offset + 1
    const bases = listSegmentBaseOffsets(dir)
    expect(position).toBeGreaterThan(bases[reads - 1])
    expect(position).toBeLessThanOrEqual(bases[reads])
    const now = written.at(-1)!.timestamp
    expect(compactNow(dir, now).segmentsMerged).toBeGreaterThan(0)
    while (take());
    reader.close()
    const kept = readBack(dir).filter((r) => r.offset >= position)
    expect(read.filter((r) => r.offset >= position)).toEqual(kept)
  })

  test('the active segment is never rewritten', async () => {
    const dir = tempDir()
    const written = await writeCompacted(dir, traffic(new Rng(4), 100))
    const activeBase = listSegmentBaseOffsets(dir).at(-1)!
    const active = readFileSync(segmentPath(dir, activeBase, LOG_SUFFIX))
    compactNow(dir, written.at(-1)!.timestamp)
    expect(readFileSync(segmentPath(dir, activeBase, LOG_SUFFIX)).equals(active)).toBe(true)
  })
})
