/**
 * Recovery, as Kafka's LogSegmentTest and LogLoaderTest exercise it: damage
 * real segment files (garbage after the last batch, a torn last batch, lost
 * or mangled indexes, random bytes from a random batch to the end), take
 * the write lock again, and check that exactly the damage is cut away, the
 * writer says so in one line, every earlier record reads back, and the
 * indexes are what a clean write would have made.
 */
import {spawnSync} from 'node:child_process'
import {appendFileSync, existsSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {describe, expect, test} from 'vitest'
import {INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX, listSegmentBaseOffsets, segmentPath} from '../../../src/core/log/file-names.js'
import {LogReader} from '../../../src/core/log/log-reader.js'
import {clearLeftovers} from '../../../src/core/log/recovery.js'
import {writeRecoveryPoint} from '../../../src/core/log/recovery-point.js'
import {DamagedLogError} from '../../../src/core/errors.js'
import {currentLeader, readLeaderInfo} from '../../../src/core/lock/partition-lock.js'
import type {Record} from '../../../src/core/record/record.js'
import {assertKafkajsDecodes} from '../../helpers/kafkajs.js'
import {Rng, tempDir, testSeed, utf8} from '../support.js'
import {
  T0,
  appendBatch,
  batchesOf,
  expectSeekLandsOn,
  expectedOffsetIndex,
  expectedRecords,
  makeBatches,
  offsetIndexEntries,
  openLog,
  range,
  readBack,
  timeIndexEntries,
  writeAll,
} from './log-helpers.js'

const INTERVAL = 256
const SMALL_SEGMENTS = {'segment.bytes': 4096, 'index.interval.bytes': INTERVAL}
const ONE_SEGMENT = {'index.interval.bytes': INTERVAL}

interface Written {
  dir: string
  records: Record[]
  end: number
  activeBase: number
  activeLog: string
}

async function writeLog(seed: number, batches: number, overrides: typeof SMALL_SEGMENTS | typeof ONE_SEGMENT): Promise<Written> {
  const dir = tempDir()
  const rng = new Rng(seed)
  const written = makeBatches(rng, batches)
  const results = await writeAll(openLog(dir, overrides).log, written)
  const records = expectedRecords(written, results)
  const activeBase = listSegmentBaseOffsets(dir).at(-1)!
  return {dir, records, end: records.at(-1)!.offset + 1, activeBase, activeLog: segmentPath(dir, activeBase, LOG_SUFFIX)}
}

/**
 * What a writer killed in the middle of its burst leaves: its batches from
 * `offset` on were written, but the recovery point it would have moved on
 * a clean release still says `offset`.
 */
function crashedFrom(w: Written, offset: number): void {
  writeRecoveryPoint(w.dir, offset)
}

/** Takes the lock once with a new writer (as the next producer would) and lets go; returns its notices. */
async function reacquire(dir: string, overrides: object): Promise<{notices: string[]; end: number}> {
  const {log, notices} = openLog(dir, overrides)
  await log.acquire()
  const end = log.logEndOffset
  await log.release()
  return {notices, end}
}

/** The partition is whole and right: records, log end, indexes, seeks, kafkajs. */
async function expectIntact(w: Written, end: number, overrides: object): Promise<void> {
  const kept = w.records.filter((r) => r.offset < end)
  expect(readBack(w.dir)).toEqual(kept)
  expect(new LogReader(w.dir).logEndOffset()).toBe(end)
  for (const base of listSegmentBaseOffsets(w.dir)) {
    const batches = batchesOf(w.dir, base)
    expect(batches.reduce((n, b) => n + b.size, 0), `segment ${base} holds only whole batches`).toBe(statSync(segmentPath(w.dir, base, LOG_SUFFIX)).size)
    expect(offsetIndexEntries(w.dir, base), `offset index of segment ${base}`).toEqual(expectedOffsetIndex(batches, INTERVAL))
    for (const [, offset] of timeIndexEntries(w.dir, base)) expect(offset).toBeLessThan(end)
  }
  expectSeekLandsOn(w.dir, range(0, end))
  // The next writer starts from the repaired indexes (no second rebuild,
  // no notice) and carries on from the cut.
  const {log, notices} = openLog(w.dir, overrides)
  await log.acquire()
  const r = appendBatch(log, [{timestamp: T0, key: utf8('after'), value: utf8('recovery')}])
  await log.release()
  expect(notices).toEqual([])
  expect(r.baseOffset).toBe(end)
  expect(readBack(w.dir, end).map((x) => x.value!.toString())).toEqual(['recovery'])
  await assertKafkajsDecodes(w.dir)
}

function truncationNotice(bytes: number, offset: number): RegExp {
  return new RegExp(`^test partition: recovered: truncated ${bytes} bytes of .* at offset ${offset} \\(segment \\d+, position \\d+\\); every record before it is intact$`)
}

describe('garbage after the last batch of the active segment', () => {
  const seed = testSeed()
  const garbage: Array<[string, (rng: Rng) => Buffer]> = [
    ['random bytes', (rng) => rng.bytes(rng.int(1, 700))],
    ['zeros', () => Buffer.alloc(300)],
    ['two spaces', () => Buffer.from('  ')],
    ['a batch header promising more than follows', () => {
      const head = Buffer.alloc(40)
      head.writeInt32BE(500, 8) // batchLength
      head[16] = 2 // magic
      return head
    }],
  ]
  test.each(garbage)(`%s: cut on the next acquire, one notice, all else intact (seed ${seed})`, async (_name, make) => {
    const w = await writeLog(seed, 120, SMALL_SEGMENTS)
    expect(listSegmentBaseOffsets(w.dir).length).toBeGreaterThan(2)
    const size = statSync(w.activeLog).size
    const junk = make(new Rng(seed))
    appendFileSync(w.activeLog, junk)
    const {notices, end} = await reacquire(w.dir, SMALL_SEGMENTS)
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatch(truncationNotice(junk.length, w.end))
    expect(notices[0]).toContain(`position ${size}`)
    expect(end).toBe(w.end)
    expect(statSync(w.activeLog).size).toBe(size)
    await expectIntact(w, w.end, SMALL_SEGMENTS)
  })

  test('a reader meanwhile sees the garbage as "not yet written", never as records', async () => {
    const w = await writeLog(7, 40, SMALL_SEGMENTS)
    appendFileSync(w.activeLog, new Rng(7).bytes(100))
    expect(readBack(w.dir)).toEqual(w.records)
    expect(new LogReader(w.dir).logEndOffset()).toBe(w.end)
  })
})

describe('a torn last batch (a crash mid-write)', () => {
  const seed = testSeed()
  // Cut points inside the last batch: in baseOffset, in batchLength, just
  // after it, in the header, at the first record, one byte short.
  test.each([1, 8, 11, 12, 17, 40, 61, 62, -1])(`cut %i bytes into the last batch (seed ${seed})`, async (into) => {
    const w = await writeLog(seed, 80, SMALL_SEGMENTS)
    const last = batchesOf(w.dir, w.activeBase).at(-1)!
    const cut = into > 0 ? into : last.size + into
    crashedFrom(w, last.baseOffset)
    truncateSync(w.activeLog, last.position + cut)
    const {notices, end} = await reacquire(w.dir, SMALL_SEGMENTS)
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatch(truncationNotice(cut, last.baseOffset))
    expect(notices[0]).toContain('a torn batch')
    expect(end).toBe(last.baseOffset)
    expect(statSync(w.activeLog).size).toBe(last.position)
    await expectIntact(w, last.baseOffset, SMALL_SEGMENTS)
  })

  test('torn several batches back, past index entries: the index is cut too', async () => {
    const w = await writeLog(3, 60, ONE_SEGMENT)
    const batches = batchesOf(w.dir, 0)
    const indexed = offsetIndexEntries(w.dir, 0)
    expect(indexed.length).toBeGreaterThan(4)
    // Cut inside a batch that comes before the last two index entries.
    const target = batches.find((b) => b.position > indexed.at(-3)![1])!
    crashedFrom(w, target.baseOffset)
    truncateSync(w.activeLog, target.position + 20)
    const {notices, end} = await reacquire(w.dir, ONE_SEGMENT)
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatch(truncationNotice(20, target.baseOffset))
    expect(end).toBe(target.baseOffset)
    await expectIntact(w, target.baseOffset, ONE_SEGMENT)
  })

  test.each([
    ['a flipped byte in its records', (data: Buffer, at: number) => void (data[at + 70] ^= 0x01)],
    ['its records zeroed, as after a power loss', (data: Buffer, at: number) => void data.fill(0, at + 61)],
  ])('the batch named by the last index entry has a sound header but %s: the log ends where it begins', async (_name, harm) => {
    const w = await writeLog(13, 60, ONE_SEGMENT)
    const [, position] = offsetIndexEntries(w.dir, 0).at(-1)!
    const victim = batchesOf(w.dir, 0).find((b) => b.position === position)!
    expect(victim.size).toBeGreaterThan(71)
    crashedFrom(w, victim.baseOffset)
    const data = readFileSync(w.activeLog)
    harm(data, position)
    writeFileSync(w.activeLog, data)
    const {notices, end} = await reacquire(w.dir, ONE_SEGMENT)
    expect(end).toBe(victim.baseOffset)
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatch(truncationNotice(data.length - position, victim.baseOffset))
    await expectIntact(w, victim.baseOffset, ONE_SEGMENT)
  })

  test('the same writer, coming back after a crash of another, repairs too', async () => {
    const w = await writeLog(5, 30, ONE_SEGMENT)
    const {log, notices} = openLog(w.dir, ONE_SEGMENT)
    await log.acquire()
    appendBatch(log, [{timestamp: T0, key: null, value: utf8('mine')}])
    await log.release()
    // Another writer's torn batch lands after ours.
    appendFileSync(w.activeLog, readFileSync(w.activeLog).subarray(0, 30))
    await log.acquire()
    expect(log.logEndOffset).toBe(w.end + 1)
    await log.release()
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatch(truncationNotice(30, w.end + 1))
  })
})

describe('damaged indexes of the active segment are rebuilt', () => {
  const seed = testSeed()
  const damage: Array<[string, (w: Written, rng: Rng) => void]> = [
    ['.index deleted', (w) => unlinkSync(segmentPath(w.dir, w.activeBase, INDEX_SUFFIX))],
    ['.timeindex deleted', (w) => unlinkSync(segmentPath(w.dir, w.activeBase, TIME_INDEX_SUFFIX))],
    ['.index overwritten with two spaces', (w) => writeFileSync(segmentPath(w.dir, w.activeBase, INDEX_SUFFIX), '  ')],
    ['.timeindex overwritten with two spaces', (w) => writeFileSync(segmentPath(w.dir, w.activeBase, TIME_INDEX_SUFFIX), '  ')],
    ['.index overwritten with random bytes', (w, rng) => writeFileSync(segmentPath(w.dir, w.activeBase, INDEX_SUFFIX), rng.bytes(rng.int(1, 200)))],
    ['.index overwritten with random whole entries', (w, rng) => writeFileSync(segmentPath(w.dir, w.activeBase, INDEX_SUFFIX), rng.bytes(8 * rng.int(1, 20)))],
    ['.index pointing past the end of the log', (w) => {
      const path = segmentPath(w.dir, w.activeBase, INDEX_SUFFIX)
      const extra = Buffer.alloc(8)
      extra.writeInt32BE(0x7ffffff0, 0)
      extra.writeInt32BE(0x7ffffff0, 4)
      appendFileSync(path, extra)
    }],
    ['.timeindex naming an offset past the log', (w) => {
      const extra = Buffer.alloc(12)
      extra.writeBigInt64BE(BigInt(T0 + 1e9))
      extra.writeInt32BE(w.end - w.activeBase + 5, 8)
      appendFileSync(segmentPath(w.dir, w.activeBase, TIME_INDEX_SUFFIX), extra)
    }],
    ['.index whose last entry names the wrong batch', (w) => {
      const path = segmentPath(w.dir, w.activeBase, INDEX_SUFFIX)
      const data = readFileSync(path)
      data.writeInt32BE(data.readInt32BE(data.length - 4) + 1, data.length - 4)
      writeFileSync(path, data)
    }],
  ]
  test.each(damage)(`%s (seed ${seed})`, async (_name, harm) => {
    const w = await writeLog(seed, 60, ONE_SEGMENT)
    const index = readFileSync(segmentPath(w.dir, w.activeBase, INDEX_SUFFIX))
    const timeIndex = readFileSync(segmentPath(w.dir, w.activeBase, TIME_INDEX_SUFFIX))
    expect(index.length).toBeGreaterThan(16)
    harm(w, new Rng(seed))
    // Readers cope before any repair.
    expect(readBack(w.dir)).toEqual(w.records)
    expectSeekLandsOn(w.dir, range(0, w.end))
    const {notices, end} = await reacquire(w.dir, ONE_SEGMENT)
    expect(end).toBe(w.end)
    expect(notices).toEqual([`test partition: rebuilt the indexes of segment ${w.activeBase} from the log`])
    // Rebuilt as the appends had written them; the time index, as Kafka's
    // recovery leaves it, ends with the segment's largest timestamp.
    expect(readFileSync(segmentPath(w.dir, w.activeBase, INDEX_SUFFIX)).toString('hex')).toBe(index.toString('hex'))
    const last = w.records.at(-1)!
    const final = Buffer.alloc(12)
    final.writeBigInt64BE(BigInt(last.timestamp))
    final.writeInt32BE(last.offset - w.activeBase, 8)
    const lastWritten = timeIndex.length === 0 ? -1 : Number(timeIndex.readBigInt64BE(timeIndex.length - 12))
    const expectedTimeIndex = last.timestamp > lastWritten ? Buffer.concat([timeIndex, final]) : timeIndex
    expect(readFileSync(segmentPath(w.dir, w.activeBase, TIME_INDEX_SUFFIX)).toString('hex')).toBe(expectedTimeIndex.toString('hex'))
    await expectIntact(w, w.end, ONE_SEGMENT)
  })

  test('an index damaged together with a torn tail: one notice, for the cut', async () => {
    const w = await writeLog(11, 60, ONE_SEGMENT)
    const last = batchesOf(w.dir, 0).at(-1)!
    writeFileSync(segmentPath(w.dir, 0, INDEX_SUFFIX), '  ')
    crashedFrom(w, last.baseOffset)
    truncateSync(w.activeLog, last.position + 5)
    const {notices, end} = await reacquire(w.dir, ONE_SEGMENT)
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatch(truncationNotice(5, last.baseOffset))
    expect(end).toBe(last.baseOffset)
    await expectIntact(w, last.baseOffset, ONE_SEGMENT)
  })
})

describe('damaged indexes of an inactive segment', () => {
  const seed = testSeed()
  test(`readers still find every offset and timestamp (seed ${seed})`, async () => {
    const w = await writeLog(seed, 150, SMALL_SEGMENTS)
    const bases = listSegmentBaseOffsets(w.dir)
    expect(bases.length).toBeGreaterThan(3)
    const rng = new Rng(seed)
    writeFileSync(segmentPath(w.dir, bases[0], INDEX_SUFFIX), '  ')
    unlinkSync(segmentPath(w.dir, bases[1], INDEX_SUFFIX))
    writeFileSync(segmentPath(w.dir, bases[2], INDEX_SUFFIX), rng.bytes(8 * rng.int(1, 10)))
    writeFileSync(segmentPath(w.dir, bases[1], TIME_INDEX_SUFFIX), '  ')
    writeFileSync(segmentPath(w.dir, bases[2], TIME_INDEX_SUFFIX), rng.bytes(12 * rng.int(1, 10)))
    expect(readBack(w.dir)).toEqual(w.records)
    expectSeekLandsOn(w.dir, range(0, w.end))
    const reader = new LogReader(w.dir)
    for (let i = 0; i < w.records.length; i += 3) {
      const r = w.records[i]
      expect(reader.offsetForTimestamp(r.timestamp), `timestamp of offset ${r.offset}`).toBe(r.offset)
    }
    reader.close()
  })
})

describe('random corruption, like Kafka LogSegmentTest.testRecoveryWithCorruptMessage', () => {
  const seed = testSeed()
  test(`10 rounds: random damage from a random batch of the active segment on (seed ${seed})`, async () => {
    const rng = new Rng(seed)
    for (let round = 0; round < 10; round++) {
      const overrides = round % 2 === 0 ? ONE_SEGMENT : SMALL_SEGMENTS
      const w = await writeLog(rng.int(0, 2 ** 32), 60, overrides)
      const batches = batchesOf(w.dir, w.activeBase)
      const size = statSync(w.activeLog).size
      const victim = batches[rng.int(0, batches.length)]
      const mode = (['overwrite', 'truncate', 'append'] as const)[round % 3]
      const where = `round ${round} (seed ${seed}): ${mode} at batch ${victim.baseOffset}`
      if (mode !== 'append') crashedFrom(w, victim.baseOffset)
      let cutAt: number
      let cutBytes: number
      let end: number
      if (mode === 'overwrite') {
        // Nonsense from somewhere in the victim to the end of the file.
        const from = victim.position + rng.int(0, victim.size)
        const data = readFileSync(w.activeLog)
        const nonsense = rng.bytes(size - from)
        if (nonsense[0] === data[from]) nonsense[0] ^= 0xff
        nonsense.copy(data, from)
        writeFileSync(w.activeLog, data)
        ;[cutAt, cutBytes, end] = [victim.position, size - victim.position, victim.baseOffset]
      } else if (mode === 'truncate') {
        const to = victim.position + rng.int(1, victim.size)
        truncateSync(w.activeLog, to)
        ;[cutAt, cutBytes, end] = [victim.position, to - victim.position, victim.baseOffset]
      } else {
        const junk = rng.bytes(rng.int(1, 2000))
        appendFileSync(w.activeLog, junk)
        ;[cutAt, cutBytes, end] = [size, junk.length, w.end]
      }
      const r = await reacquire(w.dir, overrides)
      expect(r.notices, where).toHaveLength(1)
      expect(r.notices[0], where).toMatch(truncationNotice(cutBytes, end))
      expect(r.notices[0], where).toContain(`position ${cutAt})`)
      expect(r.end, where).toBe(end)
      expect(statSync(w.activeLog).size, where).toBe(cutAt)
      await expectIntact(w, end, overrides)
    }
  })
})

describe('Pass 1: leftovers', () => {
  test('clears .cleaned files and indexes whose log is gone, keeps the rest', async () => {
    const w = await writeLog(2, 100, SMALL_SEGMENTS)
    const bases = listSegmentBaseOffsets(w.dir)
    writeFileSync(segmentPath(w.dir, bases[0], LOG_SUFFIX + '.cleaned'), 'half-written compaction')
    writeFileSync(segmentPath(w.dir, 99_999, INDEX_SUFFIX), '')
    writeFileSync(segmentPath(w.dir, 99_999, TIME_INDEX_SUFFIX), '')
    clearLeftovers(w.dir)
    expect(() => statSync(segmentPath(w.dir, bases[0], LOG_SUFFIX + '.cleaned'))).toThrow()
    expect(() => statSync(segmentPath(w.dir, 99_999, INDEX_SUFFIX))).toThrow()
    expect(() => statSync(segmentPath(w.dir, 99_999, TIME_INDEX_SUFFIX))).toThrow()
    expect(listSegmentBaseOffsets(w.dir)).toEqual(bases)
    expect(readBack(w.dir)).toEqual(w.records)
  })
})

describe('a writer killed mid-write while holding the lock', () => {
  const DIST = resolve(import.meta.dirname, '..', '..', '..', 'dist', 'core')
  test('the next writer takes the lock at once, cuts the torn batch and carries on', async () => {
    expect(existsSync(DIST), 'run `npm run build` first').toBe(true)
    const dir = tempDir()
    // The child writes 30 batches through the built PartitionLog, then the
    // first 40 bytes of one more (as a write cut off by the kill), then dies.
    const script = `
      const dist = ${JSON.stringify(DIST)}
      const {PartitionLog} = await import(dist + '/log/partition-log.js')
      const {BatchBuilder} = await import(dist + '/record/record-batch.js')
      const {resolveConfig} = await import(dist + '/log/log-config.js')
      const {appendFileSync} = await import('node:fs')
      const log = new PartitionLog(${JSON.stringify(dir)}, resolveConfig({'index.interval.bytes': ${INTERVAL}}), {now: () => ${T0}})
      await log.acquire()
      const builder = new BatchBuilder({batchBytes: 4096, maxBatchBytes: 4096})
      for (let i = 0; i < 30; i++) {
        const v = Buffer.from('child record ' + i)
        builder.reset()
        builder.append(${T0} + i, null, 0, 0, v, 0, v.length)
        log.append(builder)
      }
      builder.reset()
      builder.append(${T0} + 30, null, 0, 0, Buffer.alloc(100), 0, 100)
      appendFileSync(${JSON.stringify(dir)} + '/00000000000000000000.log', builder.seal(30).subarray(0, 40))
      process.kill(process.pid, 'SIGKILL')`
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script])
    expect(child.signal, child.stderr.toString()).toBe('SIGKILL')
    expect(readLeaderInfo(dir)?.pid).toBe(child.pid)
    expect(currentLeader(dir)).toBeNull()

    const {log, notices} = openLog(dir, ONE_SEGMENT, undefined, {lock: {staleMs: 60_000, timeoutMs: 3_000}})
    await log.acquire()
    expect(log.logEndOffset).toBe(30)
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatch(truncationNotice(40, 30))
    appendBatch(log, [{timestamp: T0, key: null, value: utf8('survivor')}])
    await log.release()
    const values = readBack(dir).map((r) => r.value!.toString())
    expect(values).toEqual([...range(0, 30).map((i) => `child record ${i}`), 'survivor'])
    await assertKafkajsDecodes(dir)
  })
})

describe('damage below the recovery point (after a clean release) is never cut by a writer', () => {
  test('a flipped byte in the records of the first batch: the next writer cuts nothing and appends after the intact batches', async () => {
    const w = await writeLog(21, 40, ONE_SEGMENT)
    const first = batchesOf(w.dir, 0)[0]
    const size = statSync(w.activeLog).size
    const data = readFileSync(w.activeLog)
    data[first.position + first.size - 1] ^= 0x40
    writeFileSync(w.activeLog, data)
    const {log, notices} = openLog(w.dir, ONE_SEGMENT)
    await log.acquire()
    expect(log.logEndOffset).toBe(w.end)
    const r = appendBatch(log, [{timestamp: T0, key: null, value: utf8('after')}])
    await log.release()
    expect(notices).toEqual([])
    expect(r.baseOffset).toBe(w.end)
    expect(r.position).toBe(size)
    expect(statSync(w.activeLog).size).toBeGreaterThan(size)
    // Every byte before it is as it was: the damaged batch and the intact ones after it.
    expect(readFileSync(w.activeLog).subarray(0, size).equals(data)).toBe(true)
  })

  test('a header that does not hold up below the point: writing stops with DamagedLogError naming where, and nothing is cut', async () => {
    const w = await writeLog(22, 40, ONE_SEGMENT)
    // The last batch: writers walk headers from the last index entry on.
    const victim = batchesOf(w.dir, 0).at(-1)!
    const data = readFileSync(w.activeLog)
    data[victim.position + 16] = 7 // its magic
    writeFileSync(w.activeLog, data)
    const {log} = openLog(w.dir, ONE_SEGMENT)
    const error = await log.acquire().then(() => null, (e: unknown) => e)
    expect(error).toBeInstanceOf(DamagedLogError)
    expect((error as DamagedLogError).message).toMatch(new RegExp(`^test partition: damaged below the recovery point ${w.end}: at offset ${victim.baseOffset} \\(segment 0, position ${victim.position}\\)`))
    expect((error as DamagedLogError).hint).toMatch(/topic verify .*--repair/)
    expect(log.holdsLock).toBe(false)
    expect(readFileSync(w.activeLog).equals(data)).toBe(true)
  })

  test('the log ending below the point (a machine crash without fsync): a torn tail is cut, a lost tail noted, the point follows', async () => {
    const w = await writeLog(23, 40, ONE_SEGMENT)
    const batches = batchesOf(w.dir, 0)
    const last = batches.at(-1)!
    truncateSync(w.activeLog, last.position + 10)
    let r = await reacquire(w.dir, ONE_SEGMENT)
    expect(r.notices).toHaveLength(1)
    expect(r.notices[0]).toMatch(new RegExp(truncationNotice(10, last.baseOffset).source.replace(/\$$/, '') + `; it lay below the recovery point ${w.end}, `))
    expect(r.end).toBe(last.baseOffset)
    // Whole batches gone: nothing to cut, but said.
    const earlier = batches.at(-3)!
    truncateSync(w.activeLog, earlier.position)
    r = await reacquire(w.dir, ONE_SEGMENT)
    expect(r.notices).toEqual([`test partition: the log ends at offset ${earlier.baseOffset}, below its recovery point ${last.baseOffset}: writes that had not reached the disk were lost (a machine crash without --fsync?)`])
    expect(r.end).toBe(earlier.baseOffset)
    expect((await reacquire(w.dir, ONE_SEGMENT)).notices).toEqual([])
  })
})
