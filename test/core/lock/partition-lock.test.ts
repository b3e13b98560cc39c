/**
 * The partition write lock: one holder at a time, a waiter gets it when the
 * holder lets go, a lock left by a dead process on this host is taken over
 * at once (not after the stale time), and currentLeader says who holds it.
 */
import {spawnSync} from 'node:child_process'
import {existsSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {hostname} from 'node:os'
import {join, resolve} from 'node:path'
import {describe, expect, test} from 'vitest'
import {LockError} from '../../../src/core/errors.js'
import {LEADER_FILE, LOCK_NAME, ORPHAN_LOCK_MS, type LeaderInfo, PartitionLock, currentLeader, isAlive, readLeaderInfo} from '../../../src/core/lock/partition-lock.js'
import {tempDir} from '../support.js'

const require = createRequire(import.meta.url)
const PROPER_LOCKFILE = require.resolve('proper-lockfile')
const DIST_LOCK = resolve(import.meta.dirname, '..', '..', '..', 'dist', 'core', 'lock', 'partition-lock.js')

/** The pid of a process that has exited: `node -e 0`, waited for. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0'])
  expect(child.status).toBe(0)
  expect(isAlive(child.pid)).toBe(false)
  return child.pid
}

/** A real proper-lockfile lock directory at dir/leader.lock, left behind by a process killed while holding it. */
function lockLeftByKilledProcess(dir: string): number {
  const script = `
    require(${JSON.stringify(PROPER_LOCKFILE)})
      .lock(${JSON.stringify(dir)}, {lockfilePath: ${JSON.stringify(join(dir, LOCK_NAME))}, realpath: false})
      .then(() => process.kill(process.pid, 'SIGKILL'))`
  const child = spawnSync(process.execPath, ['-e', script])
  expect(child.signal, child.stderr.toString()).toBe('SIGKILL')
  expect(statSync(join(dir, LOCK_NAME)).isDirectory()).toBe(true)
  return child.pid
}

/** leader.json as PartitionLock writes it, naming the lock directory now in place. */
function writeLeaderFile(dir: string, pid: number, overrides: Partial<LeaderInfo> = {}): void {
  const st = statSync(join(dir, LOCK_NAME), {bigint: true})
  const info: LeaderInfo = {
    pid,
    host: hostname(),
    since: new Date().toISOString(),
    client: 'hand-made',
    lockIno: String(st.ino),
    lockBirth: String(st.birthtimeNs),
    ...overrides,
  }
  writeFileSync(join(dir, LEADER_FILE), JSON.stringify(info) + '\n')
}

describe('PartitionLock', () => {
  test('a second lock waits while the first is held and gets it once released', async () => {
    const dir = tempDir()
    const a = new PartitionLock(dir, {client: 'A'})
    const b = new PartitionLock(dir, {client: 'B', timeoutMs: 20_000})
    await a.acquire()
    expect(a.held).toBe(true)
    expect(currentLeader(dir)).toMatchObject({pid: process.pid, host: hostname(), client: 'A'})

    let bAcquiredAt = 0
    const bDone = b.acquire().then(() => {
      bAcquiredAt = Date.now()
    })
    // A third lock with a short timeout gives up while A holds on; all that time B waits too.
    const c = new PartitionLock(dir, {client: 'C', timeoutMs: 200})
    await expect(c.acquire()).rejects.toThrow(LockError)
    await expect(c.acquire()).rejects.toThrow(new RegExp(`locked by pid ${process.pid} on ${hostname()}`))
    expect(bAcquiredAt).toBe(0)
    expect(b.held).toBe(false)
    expect(currentLeader(dir)?.client).toBe('A')

    const releasedAt = Date.now()
    await a.release()
    expect(a.held).toBe(false)
    await bDone
    expect(bAcquiredAt).toBeGreaterThanOrEqual(releasedAt)
    expect(b.held).toBe(true)
    expect(currentLeader(dir)?.client).toBe('B')
    await b.release()
    expect(currentLeader(dir)).toBeNull()
    expect(existsSync(join(dir, LOCK_NAME))).toBe(false)
  })

  test('acquire while holding and release twice are harmless', async () => {
    const dir = tempDir()
    const lock = new PartitionLock(dir)
    await lock.acquire()
    await lock.acquire()
    expect(lock.held).toBe(true)
    await lock.release()
    await lock.release()
    expect(lock.held).toBe(false)
    const again = new PartitionLock(dir, {timeoutMs: 1000})
    await again.acquire()
    await again.release()
  })

  test('a lock whose leader.json names a dead pid is taken over at once', async () => {
    const dir = tempDir()
    lockLeftByKilledProcess(dir)
    const dead = deadPid()
    writeLeaderFile(dir, dead)
    // Nobody holds it any more, though the lock directory is fresh.
    expect(currentLeader(dir)).toBeNull()
    expect(readLeaderInfo(dir)?.pid).toBe(dead)
    // Stale only after a minute, and we wait at most 3 s: only the takeover can explain success.
    const lock = new PartitionLock(dir, {staleMs: 60_000, timeoutMs: 3_000, client: 'heir'})
    await lock.acquire()
    expect(currentLeader(dir)).toMatchObject({pid: process.pid, client: 'heir'})
    await lock.release()
  })

  test('a PartitionLock holder that crashed (SIGKILL) leaves a lock the next writer takes over', async () => {
    const dir = tempDir()
    expect(existsSync(DIST_LOCK), 'run `npm run build` first').toBe(true)
    const script = `
      const {PartitionLock, currentLeader} = await import(${JSON.stringify(DIST_LOCK)})
      await new PartitionLock(${JSON.stringify(dir)}, {client: 'doomed'}).acquire()
      process.stdout.write(JSON.stringify(currentLeader(${JSON.stringify(dir)})))
      process.kill(process.pid, 'SIGKILL')`
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script])
    expect(child.signal, child.stderr.toString()).toBe('SIGKILL')
    expect(JSON.parse(child.stdout.toString())).toMatchObject({pid: child.pid, client: 'doomed'})
    expect(readLeaderInfo(dir)?.pid).toBe(child.pid)
    expect(currentLeader(dir)).toBeNull()
    const lock = new PartitionLock(dir, {staleMs: 60_000, timeoutMs: 3_000})
    await lock.acquire()
    expect(currentLeader(dir)?.pid).toBe(process.pid)
    await lock.release()
  })

  test('a dead owner is not taken over when the lock directory is no longer the one it made', async () => {
    const dir = tempDir()
    lockLeftByKilledProcess(dir)
    writeLeaderFile(dir, deadPid(), {lockIno: '1', lockBirth: '1'})
    const lock = new PartitionLock(dir, {staleMs: 60_000, timeoutMs: 300})
    await expect(lock.acquire()).rejects.toThrow(LockError)
    expect(existsSync(join(dir, LOCK_NAME))).toBe(true)
  })

  test('a dead owner on another host is not taken over', async () => {
    const dir = tempDir()
    lockLeftByKilledProcess(dir)
    writeLeaderFile(dir, deadPid(), {host: `not-${hostname()}`})
    const lock = new PartitionLock(dir, {staleMs: 60_000, timeoutMs: 300})
    await expect(lock.acquire()).rejects.toThrow(/locked by pid \d+ on not-/)
    expect(currentLeader(dir)?.host).toBe(`not-${hostname()}`)
  })

  test('a lock whose taker died before writing leader.json is taken over after ORPHAN_LOCK_MS, not the stale time', async () => {
    const dir = tempDir()
    lockLeftByKilledProcess(dir)
    // An old leader.json of an earlier holder, describing another lock directory.
    writeLeaderFile(dir, deadPid(), {lockIno: '1', lockBirth: '1'})
    // Keep it from ever going stale by its mtime: only the orphan rule can free it.
    const future = new Date(Date.now() + 3_600_000)
    utimesSync(join(dir, LOCK_NAME), future, future)
    const lock = new PartitionLock(dir, {staleMs: 60_000, timeoutMs: ORPHAN_LOCK_MS + 5_000, client: 'heir'})
    await lock.acquire()
    expect(currentLeader(dir)).toMatchObject({pid: process.pid, client: 'heir'})
    await lock.release()
  })

  test('a lock with no owner file goes once it is stale', async () => {
    const dir = tempDir()
    lockLeftByKilledProcess(dir)
    const lock = new PartitionLock(dir, {staleMs: 10_000, timeoutMs: 300})
    await expect(lock.acquire()).rejects.toThrow(LockError)
    // Age it past the stale time instead of waiting.
    const past = new Date(Date.now() - 60_000)
    utimesSync(join(dir, LOCK_NAME), past, past)
    expect(currentLeader(dir)).toBeNull()
    await lock.acquire()
    expect(currentLeader(dir)?.pid).toBe(process.pid)
    await lock.release()
  })

  test('currentLeader: nobody before, the holder during, nobody after', async () => {
    const dir = tempDir()
    expect(currentLeader(dir)).toBeNull()
    const lock = new PartitionLock(dir, {client: 'cli'})
    await lock.acquire()
    const leader = currentLeader(dir)!
    expect(leader).toMatchObject({pid: process.pid, host: hostname(), client: 'cli'})
    expect(Date.parse(leader.since)).toBeGreaterThan(Date.now() - 60_000)
    // A leader.json left from an earlier holder does not name the current one.
    writeLeaderFile(dir, process.pid, {lockIno: '42'})
    expect(currentLeader(dir)).toBeNull()
    await lock.release()
    expect(currentLeader(dir)).toBeNull()
  })
})
