/**
 * The metadata lock (src/core/store/metadata-lock.ts): a dead holder's lock
 * is taken at once, a live one's never (not even when its pid is checked
 * against a reused one), an unclaimed lock only once it is old, and a
 * holder that lost its lock cannot write.
 */
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, test} from 'vitest'
import {LockError} from '../../../src/core/errors.js'
import {ORPHAN_LOCK_MS, REMOTE_STALE_MS, acquireMetadataLock, updateJsonLocked, withMetadataLock} from '../../../src/core/store/metadata-lock.js'
import {ManualClock} from '../../helpers/clock.js'
import {processStat} from '../../../src/core/lock/process-identity.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'logpipe-lock-'))
  dirs.push(d)
  return d
}

function plantLock(lockPath: string, owner: object | null): void {
  mkdirSync(lockPath)
  if (owner) writeFileSync(join(lockPath, 'owner.json'), JSON.stringify({token: 'theirs', ...owner}))
}

const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid as number

describe('metadata lock', () => {
  test('a lock whose holder is gone is taken at once', () => {
    const lock = join(tempDir(), 'f.lock')
    plantLock(lock, {pid: deadPid(), host: hostname(), startTime: null})
    const started = Date.now()
    expect(withMetadataLock(lock, () => 'ran', {timeoutMs: 5_000})).toBe('ran')
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(existsSync(lock)).toBe(false)
  })

  test('a live holder on this host keeps its lock however long it holds it', () => {
    const lock = join(tempDir(), 'f.lock')
    plantLock(lock, {pid: process.pid, host: hostname(), startTime: processStat(process.pid)!.startTime})
    expect(() => withMetadataLock(lock, () => 'ran', {timeoutMs: 200})).toThrow(LockError)
    expect(JSON.parse(readFileSync(join(lock, 'owner.json'), 'utf8')).token).toBe('theirs')
  })

  test('a pid now used by another process (other start time) is not the holder: its lock is taken', () => {
    const lock = join(tempDir(), 'f.lock')
    plantLock(lock, {pid: process.pid, host: hostname(), startTime: 'not-this-start-time'})
    expect(withMetadataLock(lock, () => 'ran', {timeoutMs: 5_000})).toBe('ran')
  })

  test('a fresh lock held from another host is left alone', () => {
    const lock = join(tempDir(), 'f.lock')
    plantLock(lock, {pid: 1, host: `not-${hostname()}`, startTime: null})
    expect(() => withMetadataLock(lock, () => 'ran', {timeoutMs: 200})).toThrow(/locked by pid 1 on not-/)
  })

  test('an unclaimed lock (its taker died before writing owner.json) is taken once it is old, not before', () => {
    const lock = join(tempDir(), 'f.lock')
    plantLock(lock, null)
    expect(() => withMetadataLock(lock, () => 'ran', {timeoutMs: 200, orphanMs: 60_000})).toThrow(LockError)
    expect(withMetadataLock(lock, () => 'ran', {timeoutMs: 5_000, orphanMs: 0})).toBe('ran')
  })

  test('the age of a lock is judged by the clock given: unclaimed past ORPHAN_LOCK_MS, held from another host past REMOTE_STALE_MS', () => {
    const unclaimed = join(tempDir(), 'u.lock')
    plantLock(unclaimed, null)
    const clock = new ManualClock()
    expect(() => withMetadataLock(unclaimed, () => 'ran', {timeoutMs: 50, clock})).toThrow(LockError)
    clock.advance(ORPHAN_LOCK_MS + 1_000)
    expect(withMetadataLock(unclaimed, () => 'ran', {timeoutMs: 5_000, clock})).toBe('ran')

    const remote = join(tempDir(), 'r.lock')
    plantLock(remote, {pid: 1, host: `not-${hostname()}`, startTime: null})
    const later = new ManualClock()
    expect(() => withMetadataLock(remote, () => 'ran', {timeoutMs: 50, clock: later})).toThrow(/locked by pid 1 on not-/)
    later.advance(REMOTE_STALE_MS + 1_000)
    expect(withMetadataLock(remote, () => 'ran', {timeoutMs: 5_000, clock: later})).toBe('ran')
  })

  test('a holder whose lock was taken from it cannot write, and does not remove the new holder\'s lock', () => {
    const dir = tempDir()
    const lock = join(dir, 'f.lock')
    const held = acquireMetadataLock(lock)
    rmSync(lock, {recursive: true})
    plantLock(lock, {pid: process.pid, host: hostname(), startTime: processStat(process.pid)!.startTime})
    expect(() => held.check()).toThrow(/lost the lock/)
    held.release()
    expect(existsSync(join(lock, 'owner.json'))).toBe(true)
  })

  test('updateJsonLocked: schema-checks what it reads, writes what change returns, leaves the file alone on undefined', () => {
    const path = join(tempDir(), 'doc.json')
    const parse = (text: string) => JSON.parse(text) as {n: number}
    expect(updateJsonLocked<{n: number}>(path, (cur) => ({n: (cur?.n ?? 0) + 1}), {parse})).toEqual({n: 1})
    expect(updateJsonLocked<{n: number}>(path, (cur) => ({n: (cur?.n ?? 0) + 1}), {parse})).toEqual({n: 2})
    expect(updateJsonLocked<{n: number}>(path, () => undefined, {parse})).toEqual({n: 2})
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({n: 2})
    expect(existsSync(`${path}.lock`)).toBe(false)
  })
})
