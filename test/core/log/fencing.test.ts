/**
 * Fencing a writer that lost the lock while it was paused. Writer A (this
 * process, "host-a") holds the lock; writer B is another process on
 * "host-b" whose clock makes A's lock look stale, so B takes it over the
 * way a writer on another host would, appends and acknowledges. B runs
 * synchronously at chosen points inside A's append (A's fencing checks are
 * wrapped), which is exactly a pause of A at that point. In every
 * interleaving B's acknowledged records must survive, A's write must not be
 * acknowledged, and the log must stay whole.
 */
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {resolve} from 'node:path'
import {describe, expect, test} from 'vitest'
import {LockError} from '../../../src/core/errors.js'
import {listSegmentBaseOffsets} from '../../../src/core/log/file-names.js'
import {assertKafkajsDecodes} from '../../helpers/kafkajs.js'
import {tempDir, utf8} from '../support.js'
import {T0, appendBatch, batchesOf, openLog, readBack} from './log-helpers.js'

const DIST = resolve(import.meta.dirname, '..', '..', '..', 'dist', 'core')

/** B: takes the lock from A as a writer on another host would, appends `count` one-record batches, prints their offsets. */
function runB(dir: string, overrides: object, count: number): number[] {
  const script = `
    const dist = ${JSON.stringify(DIST)}
    const {PartitionLog} = await import(dist + '/log/partition-log.js')
    const {BatchBuilder} = await import(dist + '/record/record-batch.js')
    const {resolveConfig} = await import(dist + '/log/log-config.js')
    const notices = []
    const log = new PartitionLog(${JSON.stringify(dir)}, resolveConfig(${JSON.stringify(overrides)}), {
      onNotice: (m) => notices.push(m),
      now: () => ${T0},
      lock: {host: 'host-b', staleMs: 5000, timeoutMs: 5000, now: () => Date.now() + 60000},
    })
    await log.acquire()
    const builder = new BatchBuilder({batchBytes: 4096, maxBatchBytes: 4096})
    const offsets = []
    for (let i = 0; i < ${count}; i++) {
      const v = Buffer.from('B ' + i)
      builder.reset()
      builder.append(${T0}, null, 0, 0, v, 0, v.length)
      offsets.push(log.append(builder).baseOffset)
    }
    await log.release()
    process.stdout.write(JSON.stringify({offsets, notices}))`
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script])
  expect(child.status, child.stderr.toString()).toBe(0)
  const out = JSON.parse(child.stdout.toString()) as {offsets: number[]; notices: string[]}
  expect(out.notices.join('\n')).toMatch(/took the write lock from a holder that stopped refreshing it/)
  return out.offsets
}

type Point = 'before the write' | 'after the write'

async function interleave(point: Point, overrides: object, batchesBefore: number) {
  expect(existsSync(DIST), 'run `npm run build` first').toBe(true)
  const dir = tempDir()
  const {log} = openLog(dir, overrides, undefined, {lock: {host: 'host-a', staleMs: 5000}})
  await log.acquire()
  for (let i = 0; i < batchesBefore; i++) appendBatch(log, [{timestamp: T0, key: null, value: utf8(`A ${i}`)}])
  // A's checks: the first is before its write, the second after it.
  const lock = log.lock
  const real = lock.isCurrent.bind(lock)
  let calls = 0
  let bOffsets: number[] = []
  lock.isCurrent = () => {
    calls++
    if (point === 'before the write' && calls === 1) {
      const ok = real()
      bOffsets = runB(dir, overrides, 5)
      return ok
    }
    if (point === 'after the write' && calls === 2) bOffsets = runB(dir, overrides, 5)
    return real()
  }
  let error: unknown = null
  try {
    appendBatch(log, [{timestamp: T0, key: null, value: utf8('A stale')}])
  } catch (e) {
    error = e
  }
  lock.isCurrent = real
  await log.release()
  return {dir, error, bOffsets}
}

describe('a writer paused while it loses the lock never costs the new holder its records', () => {
  for (const point of ['before the write', 'after the write'] as const) {
    for (const [name, overrides, before] of [
      ['mid-segment', {'index.interval.bytes': 64}, 20],
      ['on a roll', {'segment.bytes': 300, 'index.interval.bytes': 64}, 8],
    ] as const) {
      test(`paused ${point}, ${name}`, async () => {
        const {dir, error, bOffsets} = await interleave(point, overrides, before)
        // A's batch is never acknowledged.
        expect(error).toBeInstanceOf(LockError)
        expect(String((error as Error).message)).toMatch(/lost/)
        const records = readBack(dir)
        const byOffset = new Map(records.map((r) => [r.offset, r.value!.toString()]))
        // Every record of B is where B was told it is.
        expect(bOffsets).toHaveLength(5)
        bOffsets.forEach((o, i) => expect(byOffset.get(o), `offset ${o}`).toBe(`B ${i}`))
        // A's acknowledged records too, and offsets are unique and in order.
        for (let i = 0; i < before; i++) expect(byOffset.get(i)).toBe(`A ${i}`)
        const offsets = records.map((r) => r.offset)
        expect(new Set(offsets).size).toBe(offsets.length)
        expect([...offsets].sort((a, b) => a - b)).toEqual(offsets)
        // A's stale batch lands in the log only when it was written before
        // B took over (B then read it as part of the log, and continued after it).
        const stale = records.filter((r) => r.value!.toString() === 'A stale')
        if (point === 'before the write') expect(stale).toHaveLength(0)
        else expect(stale.length).toBeLessThanOrEqual(1)
        // Every segment holds only whole batches, and kafkajs reads it all.
        for (const base of listSegmentBaseOffsets(dir)) expect(batchesOf(dir, base).every((b) => b.size > 0)).toBe(true)
        await assertKafkajsDecodes(dir)
        // The next writer carries on after B's records, with nothing to repair.
        const next = openLog(dir, overrides)
        await next.log.acquire()
        expect(next.log.logEndOffset).toBe(Math.max(...offsets) + 1)
        await next.log.release()
        expect(next.notices).toEqual([])
      })
    }
  }

  test('a writer that finds the lock gone before it writes writes nothing', async () => {
    const dir = tempDir()
    const overrides = {'index.interval.bytes': 64}
    const {log} = openLog(dir, overrides, undefined, {lock: {host: 'host-a', staleMs: 5000}})
    await log.acquire()
    appendBatch(log, [{timestamp: T0, key: null, value: utf8('A 0')}])
    const bOffsets = runB(dir, overrides, 3)
    expect(() => appendBatch(log, [{timestamp: T0, key: null, value: utf8('A late')}])).toThrow(LockError)
    await log.release()
    expect(readBack(dir).map((r) => r.value!.toString())).toEqual(['A 0', 'B 0', 'B 1', 'B 2'])
    expect(bOffsets).toEqual([1, 2, 3])
  })
})
