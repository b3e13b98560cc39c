/**
 * The partition write lock: one holder at a time, a waiter gets it when the
 * holder lets go, a lock left by a dead process on this host is taken over
 * at once (not after the stale time), and currentLeader says who holds it.
 */
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {hostname} from 'node:os'
import {join, resolve} from 'node:path'
import {describe, expect, test} from 'vitest'
import {LockError, StoreError} from '../../../src/core/errors.js'
import {INTENT_PREFIX, LEADER_FILE, LOCK_NAME, ORPHAN_LOCK_MS, type LeaderInfo, PartitionLock, currentLeader, isAlive, readLeaderInfo} from '../../../src/core/lock/partition-lock.js'
import {isStopped, processStat} from '../../../src/core/lock/process-identity.js'
import {tempDir} from '../support.js'

async function until(cond: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

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
    startTime: processStat(pid)?.startTime ?? null,
    bootId: null,
    generation: 1,
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

  test("an orphan is taken although another live waiter's intent is beside it: an intent written after the lock was made is not its maker's", async () => {
    const dir = tempDir()
    lockLeftByKilledProcess(dir)
    const alive = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {stdio: 'ignore'})
    try {
      // Past ORPHAN_LOCK_MS, a second live process waits for the lock too (its intent is newer than the lock).
      await new Promise((r) => setTimeout(r, ORPHAN_LOCK_MS + 200))
      writeFileSync(join(dir, INTENT_PREFIX + 'other-waiter'), JSON.stringify({pid: alive.pid, host: hostname(), startTime: processStat(alive.pid!)!.startTime, bootId: null, at: Date.now()}))
      const heir = new PartitionLock(dir, {staleMs: 60_000, timeoutMs: 0, client: 'heir'})
      await heir.acquire()
      expect(heir.takeover).toBe('orphan')
      await heir.release()
    } finally {
      alive.kill('SIGKILL')
    }
  })

  test('a lock with no owner file is never taken while a live taker\'s intent is beside it; once that taker is gone it is', async () => {
    const dir = tempDir()
    lockLeftByKilledProcess(dir)
    // Old enough to be an orphan, but a live process says it is taking the lock.
    const past = new Date(Date.now() - 60_000)
    utimesSync(join(dir, LOCK_NAME), past, past)
    const alive = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {stdio: 'ignore'})
    try {
      const intent = join(dir, INTENT_PREFIX + 'live')
      writeFileSync(intent, JSON.stringify({pid: alive.pid, host: hostname(), startTime: processStat(alive.pid!)!.startTime, bootId: null, at: Date.now() - 60_000}))
      const waiter = new PartitionLock(dir, {staleMs: 2_000, timeoutMs: ORPHAN_LOCK_MS + 1_500})
      await expect(waiter.acquire()).rejects.toThrow(LockError)
      // The taker dies before finishing: the lock is an orphan now.
      alive.kill('SIGKILL')
      await new Promise((r) => alive.once('exit', r))
      const heir = new PartitionLock(dir, {staleMs: 2_000, timeoutMs: 5_000, client: 'heir'})
      await heir.acquire()
      expect(heir.takeover).toBe('orphan')
      expect(existsSync(intent)).toBe(false)
      expect(currentLeader(dir)?.client).toBe('heir')
      await heir.release()
    } finally {
      alive.kill('SIGKILL')
    }
  })

  test('a stopped holder (SIGSTOP) keeps its lock past the stale time; the waiter says so, and gets it after SIGCONT and release', async () => {
    const dir = tempDir()
    const script = `
      const {PartitionLock} = await import(${JSON.stringify(DIST_LOCK)})
      const lock = new PartitionLock(${JSON.stringify(dir)}, {client: 'stopped', staleMs: 2000})
      await lock.acquire()
      process.stdout.write('held\\n')
      process.kill(process.pid, 'SIGSTOP')
      await lock.release()
      process.stdout.write('released\\n')`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {stdio: ['ignore', 'pipe', 'inherit']})
    let out = ''
    child.stdout!.on('data', (d) => (out += d))
    try {
      await until(() => out.includes('held') && isStopped(child.pid!), 'the holder to stop')
      // Its mtime stops being refreshed; well past the stale time it still holds.
      const waiter = new PartitionLock(dir, {staleMs: 2_000, timeoutMs: 4_500})
      const error = await waiter.acquire().then(() => null, (e: unknown) => e)
      expect(error).toBeInstanceOf(LockError)
      expect((error as LockError).hint).toMatch(new RegExp(`pid ${child.pid} is stopped \\(SIGSTOP\\)`))
      expect(currentLeader(dir)?.pid).toBe(child.pid)
      const next = new PartitionLock(dir, {staleMs: 2_000, timeoutMs: 10_000, client: 'next'})
      const got = next.acquire()
      process.kill(child.pid!, 'SIGCONT')
      await got
      // Its release came first; its word of it may still be in the pipe.
      await until(() => out.includes('released'), 'the holder to say it released')
      expect(next.takeover).toBe('free')
      expect(next.generation).toBe(readLeaderInfo(dir)!.generation)
      await next.release()
    } finally {
      child.kill('SIGKILL')
    }
  })

  test('a leader.json naming a live pid with another start time (a reused pid) is a dead holder: taken at once', async () => {
    const dir = tempDir()
    lockLeftByKilledProcess(dir)
    writeLeaderFile(dir, process.pid, {startTime: '1', bootId: null})
    expect(currentLeader(dir)).toBeNull()
    const lock = new PartitionLock(dir, {staleMs: 60_000, timeoutMs: 1_000})
    await lock.acquire()
    expect(lock.takeover).toBe('dead-holder')
    await lock.release()
  })

  test('a holder on another host: waited for while it refreshes, taken once stale; every take bumps the generation and fences the holder', async () => {
    const dir = tempDir()
    const a = new PartitionLock(dir, {host: 'host-a', staleMs: 5_000})
    await a.acquire()
    const g = a.generation
    expect(a.isCurrent()).toBe(true)
    const fresh = new PartitionLock(dir, {host: 'host-b', staleMs: 5_000, timeoutMs: 200})
    await expect(fresh.acquire()).rejects.toThrow(/locked by pid \d+ on host-a/)
    // host-b's clock is a minute on: a's refreshes (every 2 s) look long stopped.
    const b = new PartitionLock(dir, {host: 'host-b', staleMs: 5_000, timeoutMs: 1_000, now: () => Date.now() + 60_000})
    await b.acquire()
    expect(b.takeover).toBe('stale-holder')
    expect(b.generation).toBe(g + 1)
    expect(readLeaderInfo(dir)).toMatchObject({host: 'host-b', generation: g + 1})
    expect(a.isCurrent()).toBe(false)
    expect(b.isCurrent()).toBe(true)
    // a letting go must not remove b's lock.
    await a.release()
    expect(b.isCurrent()).toBe(true)
    await b.release()
    expect(existsSync(join(dir, LOCK_NAME))).toBe(false)
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

  test('a link planted as leader.lock is refused in one error naming it, and what it points to is untouched', async () => {
    const dir = tempDir()
    const outside = tempDir()
    symlinkSync(outside, join(dir, LOCK_NAME))
    const lock = new PartitionLock(dir, {timeoutMs: 500})
    const error = await lock.acquire().then(() => null, (e: unknown) => e)
    expect(error).toBeInstanceOf(StoreError)
    expect((error as StoreError).message).toBe(`${join(dir, LOCK_NAME)} is a symbolic link; logpipe does not follow links inside its data directory`)
    expect((error as StoreError).hint).toMatch(/^remove it/)
    expect(readdirSync(outside)).toEqual([])
  })
})
