/**
 * kill -9 at every step of compaction's swap (compaction.ts): a child
 * process takes the write lock, compacts through the built library and
 * SIGKILLs itself right after step N, for N = 1, 2, ... until it finishes.
 * Then a new writer takes the lock; its leftovers pass must finish a
 * committed swap or discard an uncommitted one, saying which, so that
 * `verifyPartition` is clean, no `.cleaned`/`.swap` file is left, every
 * record compaction keeps reads back at its offset, and compacting again
 * gives exactly what an uninterrupted compaction gave.
 */
import {spawnSync} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, readFileSync, readdirSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {describe, expect, test} from 'vitest'
import {BatchScanner} from '../../../src/core/log/batch-scanner.js'
import {type SwapStep, compactPartition} from '../../../src/core/log/compaction.js'
import {listSegmentBaseOffsets} from '../../../src/core/log/file-names.js'
import {verifyPartition} from '../../../src/core/log/verify.js'
import type {Record} from '../../../src/core/record/record.js'
import {assertKafkajsDecodes} from '../../helpers/kafkajs.js'
import {type PlainRecord, Rng, logConfig, tempDir, testSeed, utf8} from '../support.js'
import {Clock, T0, appendBatch, expectedRecords, openLog, readBack} from './log-helpers.js'

const DIST = resolve(import.meta.dirname, '..', '..', '..', 'dist', 'core')
const COMPACT = {'cleanup.policy': 'compact', 'segment.bytes': 900, 'index.interval.bytes': 100, 'delete.retention.ms': 10_000}
/** While writing, nothing is old enough to compact: the child's compaction has the whole log to do. */
const WRITING = {...COMPACT, 'min.compaction.lag.ms': 1e12}

const BEFORE_COMMIT: SwapStep[] = ['cleaned-log', 'cleaned-indexes', 'index-swap', 'timeindex-swap']

/** Keyed traffic over 20 keys with some tombstones and unkeyed records, one to four records a batch. */
function traffic(rng: Rng, batches: number): PlainRecord[][] {
  let n = 0
  return Array.from({length: batches}, () =>
    Array.from({length: rng.int(1, 5)}, () => {
      const i = n++
      const roll = rng.next()
      const key = roll < 0.05 ? null : utf8(`key-${rng.int(0, 20)}`)
      return {timestamp: T0 + 100 * i, key, value: key !== null && roll > 0.93 ? null : utf8(`value ${i}`)}
    }),
  )
}

/** Every segment file's bytes, by name. */
function snapshot(dir: string): Map<string, string> {
  const files = readdirSync(dir).filter((n) => /^\d{20}\.(log|index|timeindex)$/.test(n))
  return new Map(files.sort().map((n) => [n, readFileSync(join(dir, n)).toString('hex')]))
}

/** Runs the compaction in a child that takes the lock and kills itself after step `killAt`; the step it died after, or null when it finished. */
function compactInChild(dir: string, now: number, killAt: number): SwapStep | null {
  const script = `
    const dist = ${JSON.stringify(DIST)}
    const {PartitionLock} = await import(dist + '/lock/partition-lock.js')
    const {compactPartition} = await import(dist + '/log/compaction.js')
    const {BatchScanner} = await import(dist + '/log/batch-scanner.js')
    const {listSegmentBaseOffsets} = await import(dist + '/log/file-names.js')
    const {resolveConfig} = await import(dist + '/log/log-config.js')
    const {writeSync} = await import('node:fs')
    const dir = ${JSON.stringify(dir)}
    await new PartitionLock(dir, {client: 'compaction-crash-test'}).acquire()
    let steps = 0
    const onStep = (step) => {
      if (++steps < ${killAt}) return
      writeSync(1, step + '\\n')
      process.kill(process.pid, 'SIGKILL')
    }
    compactPartition(dir, resolveConfig(${JSON.stringify(COMPACT)}), ${now}, listSegmentBaseOffsets(dir).at(-1), new BatchScanner(), {onStep})
    writeSync(1, 'finished\\n')`
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8'})
  const said = child.stdout.trim()
  if (said === 'finished') {
    expect(child.status, child.stderr).toBe(0)
    return null
  }
  expect(child.signal, child.stderr).toBe('SIGKILL')
  return said as SwapStep
}

describe('kill -9 during compaction', () => {
  const seed = testSeed()
  test(`at every step of the swap, the next writer leaves the log whole and as compacted or as before (seed ${seed})`, async () => {
    expect(existsSync(DIST), 'run `npm run build` first').toBe(true)
    const root = tempDir()
    const template = join(root, 'template')
    mkdirSync(template)
    const clock = new Clock(T0)
    const {log} = openLog(template, WRITING, clock)
    const batches = traffic(new Rng(seed), 120)
    await log.acquire()
    const results = batches.map((b) => {
      clock.ms = Math.max(...b.map((r) => r.timestamp))
      return appendBatch(log, b)
    })
    await log.release()
    const written: Record[] = expectedRecords(batches, results)
    const byOffset = new Map(written.map((w) => [w.offset, w]))
    const now = written.at(-1)!.timestamp

    // What an uninterrupted compaction makes of it.
    const reference = join(root, 'reference')
    cpSync(template, reference, {recursive: true})
    const config = logConfig(COMPACT)
    const whole = compactPartition(reference, config, now, listSegmentBaseOffsets(reference).at(-1)!, new BatchScanner())
    expect(whole.segmentsMerged, 'the test needs a compaction that merges segments').toBeGreaterThan(1)
    const kept = readBack(reference)
    const after = snapshot(reference)

    const seen = new Set<SwapStep>()
    let round = 0
    for (;;) {
      round++
      const where = `killed after step ${round} (seed ${seed})`
      const dir = join(root, `round-${round}`)
      cpSync(template, dir, {recursive: true})
      const step = compactInChild(dir, now, round)
      if (step === null) break
      seen.add(step)

      const {log: next, notices} = openLog(dir, COMPACT, new Clock(now), {lock: {staleMs: 60_000, timeoutMs: 3_000}})
      await next.acquire()
      await next.release()
      if (step === 'index-in-place') expect(notices, where).toEqual([])
      else if (BEFORE_COMMIT.includes(step)) expect(notices, where).toEqual([expect.stringMatching(/rolled back a compaction that was interrupted before its commit/)])
      else expect(notices, where).toEqual([expect.stringMatching(/finished a compaction that was interrupted after its commit/)])

      expect(readdirSync(dir).filter((n) => n.endsWith('.cleaned') || n.endsWith('.swap')), where).toEqual([])
      expect(verifyPartition(dir).problems, where).toEqual([])
      const survivors = readBack(dir)
      for (const r of survivors) expect(r, `${where}: offset ${r.offset}`).toEqual(byOffset.get(r.offset))
      const offsets = new Set(survivors.map((r) => r.offset))
      for (const k of kept) expect(offsets.has(k.offset), `${where}: kept offset ${k.offset}`).toBe(true)

      // What was rolled back or finished compacts to the same bytes as an uninterrupted run.
      compactPartition(dir, config, now, listSegmentBaseOffsets(dir).at(-1)!, new BatchScanner())
      expect(snapshot(dir), where).toEqual(after)
    }
    expect([...seen].sort(), 'every step was a kill point').toEqual(
      ['cleaned-log', 'cleaned-indexes', 'index-swap', 'timeindex-swap', 'log-swap', 'log-in-place', 'segment-deleted', 'timeindex-in-place', 'index-in-place'].sort(),
    )
    await assertKafkajsDecodes(join(root, `round-${round - 1}`))
  })
})
