/**
 * Issue 8, point 7, in the log layer: a link planted where a partition
 * keeps a segment, an index or a temporary file is never written through.
 * The writer refuses it with a StoreError naming it; a temporary name of
 * ours is replaced, not followed.
 */
import {existsSync, mkdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {StoreError} from '../../../src/core/errors.js'
import {INDEX_SUFFIX, LOG_SUFFIX, REPLACING_SUFFIX, TIME_INDEX_SUFFIX, segmentPath} from '../../../src/core/log/file-names.js'
import {LogReader} from '../../../src/core/log/log-reader.js'
import {RECOVERY_POINT_FILE, readRecoveryPoint, writeRecoveryPoint} from '../../../src/core/log/recovery-point.js'
import {LogSegment} from '../../../src/core/log/segment.js'
import {verifyPartition} from '../../../src/core/log/verify.js'
import {PartitionLock} from '../../../src/core/lock/partition-lock.js'
import {Rng, tempDir} from '../support.js'
import {T0, makeBatches, openLog, writeAll} from './log-helpers.js'

const OUTSIDE = 'an outside file nobody may truncate or write\n'

/** A partition holding a few batches, and a file outside it. */
async function partitionWithRecords() {
  const dir = tempDir()
  const outside = join(tempDir(), 'victim')
  writeFileSync(outside, OUTSIDE)
  await writeAll(openLog(dir).log, makeBatches(new Rng(7), 5))
  return {dir, outside, mtimeMs: statSync(outside).mtimeMs}
}

/** Puts a link to `target` where `path` is (the real file, if any, moved beside the target). */
function plant(path: string, target: string): void {
  if (existsSync(path)) renameSync(path, `${target}.real`)
  symlinkSync(target, path)
}

function expectUntouched(p: {outside: string; mtimeMs: number}): void {
  expect(readFileSync(p.outside, 'utf8')).toBe(OUTSIDE)
  expect(statSync(p.outside).mtimeMs).toBe(p.mtimeMs)
}

describe('a link planted in a partition directory', () => {
  test.each([LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX])('as the active segment%s: the next writer refuses it, naming it, and writes nothing through it', async (suffix) => {
    const p = await partitionWithRecords()
    const path = segmentPath(p.dir, 0, suffix)
    plant(path, p.outside)
    const {log} = openLog(p.dir)
    await expect(log.acquire()).rejects.toThrow(StoreError)
    await expect(log.acquire()).rejects.toThrow(`${path} is a symbolic link; logpipe does not follow links inside its data directory`)
    expect(log.holdsLock).toBe(false)
    expectUntouched(p)
  })

  test('as a segment: readers and verify refuse it too', async () => {
    const p = await partitionWithRecords()
    const path = segmentPath(p.dir, 0, LOG_SUFFIX)
    plant(path, p.outside)
    const reader = new LogReader(p.dir)
    expect(() => {
      reader.seek(0)
      reader.poll()
    }).toThrow(StoreError)
    reader.close()
    expect(() => verifyPartition(p.dir)).toThrow(`${path} is a symbolic link`)
    expectUntouched(p)
  })

  test('a dangling link as an index is not created through by LogSegment.create', () => {
    const dir = tempDir()
    const target = join(tempDir(), 'would-be-created')
    symlinkSync(target, segmentPath(dir, 0, INDEX_SUFFIX))
    expect(() => LogSegment.create(dir, 0)).toThrow(StoreError)
    expect(existsSync(target)).toBe(false)
  })

  test('at the name a fencing taker creates a segment under: refused, the target not truncated', async () => {
    const p = await partitionWithRecords()
    symlinkSync(p.outside, segmentPath(p.dir, 100, INDEX_SUFFIX) + REPLACING_SUFFIX)
    expect(() => LogSegment.createReplacing(p.dir, 100)).toThrow(StoreError)
    expectUntouched(p)
  })

  test("at the recovery point's temporary name: replaced, never written through", () => {
    const dir = join(tempDir(), '0')
    const outside = join(tempDir(), 'victim')
    writeFileSync(outside, OUTSIDE)
    const mtimeMs = statSync(outside).mtimeMs
    mkdirSync(dir)
    symlinkSync(outside, join(dir, `${RECOVERY_POINT_FILE}.${process.pid}.tmp`))
    writeRecoveryPoint(dir, 42)
    expect(readRecoveryPoint(dir)).toEqual({offset: 42})
    expectUntouched({outside, mtimeMs})
  })

  test('as the recovery point: refused, naming it', async () => {
    const p = await partitionWithRecords()
    const path = join(p.dir, RECOVERY_POINT_FILE)
    plant(path, p.outside)
    expect(() => readRecoveryPoint(p.dir)).toThrow(`${path} is a symbolic link`)
    expectUntouched(p)
  })

  test("at leader.json's temporary name: the lock holder replaces it, never writes through it", async () => {
    const dir = tempDir()
    const outside = join(tempDir(), 'victim')
    writeFileSync(outside, OUTSIDE)
    const mtimeMs = statSync(outside).mtimeMs
    symlinkSync(outside, join(dir, `leader.json.${process.pid}.tmp`))
    const lock = new PartitionLock(dir, {client: 'test', now: () => T0})
    await lock.acquire()
    await lock.release()
    expectUntouched({outside, mtimeMs})
  })
})
