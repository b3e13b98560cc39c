/**
 * Serialising the read-modify-write of a small metadata file (topic.json,
 * group.json, offsets) across processes, so no concurrent update is lost.
 *
 * The lock is a directory (`mkdir` takes it, atomically) holding
 * `owner.json`: pid, host, process start time and a random token. Updates
 * last milliseconds, so a waiter polls with a short synchronous sleep and
 * the API stays synchronous like the file operations it guards.
 *
 * A lock is never taken from a live holder on this host, however long it
 * was stopped: the holder is dead only when its pid is gone or now names a
 * process with another start time (a reused pid). A holder on another
 * host is judged by the lock's age. A lock directory without `owner.json`
 * older than ORPHAN_LOCK_MS is one whose taker died between `mkdir` and
 * writing it. Before it writes, a holder checks that the token in the lock
 * is still its own (`LockHandle.check`).
 */
import {mkdirSync, readFileSync, rmdirSync, rmSync, statSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {LockError} from '../errors.js'
import {type HostProcess, isRunning, parseHostProcess, thisHostProcess} from '../lock/process-identity.js'
import {writeJsonAtomic} from './atomic-write.js'
import {readFileNoFollow, writeFileNoFollow} from './fs.js'
import {type Clock, systemClock} from '../clock.js'
import {randomBytes} from '../random.js'

const OWNER_FILE = 'owner.json'
export const DEFAULT_METADATA_LOCK_TIMEOUT_MS = 30_000
/** A lock directory nobody claimed for this long was left by a taker that died at once. */
export const ORPHAN_LOCK_MS = 2_000
/** A lock held from another host is taken over after this long (its process cannot be checked from here). */
export const REMOTE_STALE_MS = 60_000

interface Owner extends HostProcess {
  token: string
}

export interface LockHandle {
  readonly path: string
  /** Throws LockError when the lock is no longer this holder's. */
  check(): void
}

export interface MetadataLockOptions {
  timeoutMs?: number
  /** How old an unclaimed lock directory must be to count as a dead taker's (ORPHAN_LOCK_MS). */
  orphanMs?: number
  /** How errors name what is locked. */
  label?: string
  /**
   * Judges a lock's age (an unclaimed one, one held from another host);
   * the wait for the lock runs on real time.
   */
  clock?: Clock
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))
const sleepSync = (ms: number) => Atomics.wait(sleeper, 0, 0, ms)

function readOwner(lockPath: string): Owner | null {
  try {
    const o = JSON.parse(readFileNoFollow(join(lockPath, OWNER_FILE), 'utf8')) as Owner
    const who = parseHostProcess(o)
    if (who === null || typeof o.token !== 'string') return null
    return {...who, token: o.token}
  } catch {
    return null
  }
}

/** Removes the lock at `lockPath` when its holder is dead; true when removed. */
function breakDeadLock(lockPath: string, orphanMs: number, clock: Clock): boolean {
  try {
    const st = statSync(lockPath, {bigint: true})
    const owner = readOwner(lockPath)
    if (owner) {
      if (owner.host === hostname()) {
        if (isRunning(owner)) return false
      } else if (clock.now() - Number(st.mtimeNs / 1_000_000n) < REMOTE_STALE_MS) {
        return false
      }
    } else {
      const created = st.birthtimeNs > 0n ? st.birthtimeNs : st.mtimeNs
      if (clock.now() - Number(created / 1_000_000n) < orphanMs) return false
    }
    // Still the lock judged above, not one a third process took since?
    const again = statSync(lockPath, {bigint: true})
    if (again.ino !== st.ino || again.birthtimeNs !== st.birthtimeNs) return false
    rmSync(join(lockPath, OWNER_FILE), {force: true})
    rmdirSync(lockPath)
    return true
  } catch {
    return false
  }
}

/**
 * Takes the lock at `lockPath` (waiting up to the timeout), or throws
 * LockError. ENOENT means the directory meant to hold the lock is gone
 * (the topic or group was deleted) and is thrown as it is.
 */
export function acquireMetadataLock(lockPath: string, options: MetadataLockOptions = {}): LockHandle & {release(): void} {
  const timeoutMs = options.timeoutMs ?? DEFAULT_METADATA_LOCK_TIMEOUT_MS
  const deadline = Date.now() + timeoutMs
  const owner: Owner = {...thisHostProcess(), token: randomBytes(8).toString('hex')}
  let wait = 1
  for (;;) {
    try {
      mkdirSync(lockPath, {mode: 0o700})
      writeFileNoFollow(join(lockPath, OWNER_FILE), JSON.stringify(owner) + '\n')
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    if (breakDeadLock(lockPath, options.orphanMs ?? ORPHAN_LOCK_MS, options.clock ?? systemClock)) continue
    if (Date.now() >= deadline) {
      const holder = readOwner(lockPath)
      throw new LockError(`${options.label ?? lockPath} is locked${holder ? ` by pid ${holder.pid} on ${holder.host}` : ''} for over ${timeoutMs} ms`, {
        hint: `another logpipe command is changing it; if no such process runs, remove ${lockPath}`,
      })
    }
    sleepSync(wait)
    wait = Math.min(wait * 2, 20)
  }
  const mine = () => readOwner(lockPath)?.token === owner.token
  return {
    path: lockPath,
    check() {
      if (!mine()) throw new LockError(`lost the lock ${lockPath} to another process`, {hint: 'run the command again'})
    },
    release() {
      if (!mine()) return
      rmSync(join(lockPath, OWNER_FILE), {force: true})
      try {
        rmdirSync(lockPath)
      } catch {}
    },
  }
}

/** Runs `fn` holding the lock at `lockPath`. */
export function withMetadataLock<T>(lockPath: string, fn: (lock: LockHandle) => T, options: MetadataLockOptions = {}): T {
  const lock = acquireMetadataLock(lockPath, options)
  try {
    return fn(lock)
  } finally {
    lock.release()
  }
}

/**
 * Read-modify-write of one JSON file under the lock `<path>.lock`:
 * `parse` schema-checks the current content (null when the file does not
 * exist), `change` returns the new value, or undefined to leave the file
 * as it is. Returns what the file holds afterwards.
 */
export function updateJsonLocked<T>(
  path: string,
  change: (current: T | null) => T | undefined,
  options: MetadataLockOptions & {parse: (text: string, path: string) => T; lockPath?: string},
): T | null {
  return withMetadataLock(
    options.lockPath ?? `${path}.lock`,
    (lock) => {
      let text: string | null = null
      try {
        text = readFileNoFollow(path, 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
      const current = text === null ? null : options.parse(text, path)
      const next = change(current)
      if (next === undefined) return current
      lock.check()
      writeJsonAtomic(path, next)
      return next
    },
    options,
  )
}
