/**
 * The write lock of a partition: a proper-lockfile lock at
 * `<partition>/leader.lock`. Whoever holds it is the partition's leader and
 * the only writer. Next to it, `leader.json` says who holds it (pid, host,
 * since) and names the lock directory by inode and birth time, so a waiter
 * can tell a lock left by a dead process on this host from a fresh one and
 * take it over at once instead of waiting for it to go stale.
 */
import {readFileSync, rmdirSync, statSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import lockfile from 'proper-lockfile'
import {LockError} from '../errors.js'

export const LOCK_NAME = 'leader.lock'
export const LEADER_FILE = 'leader.json'
export const DEFAULT_STALE_MS = 10_000
/** A lock nobody claimed in leader.json for this long was left by a taker that died at once. */
export const ORPHAN_LOCK_MS = 2_000

export interface LeaderInfo {
  pid: number
  host: string
  since: string
  client: string
  lockIno: string
  lockBirth: string
}

export interface PartitionLockOptions {
  staleMs?: number
  /** How long to wait for the lock before giving up. */
  timeoutMs?: number
  client?: string
  /** How errors name what is locked ("topic t partition 0"); the directory by default. */
  label?: string
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export class PartitionLock {
  readonly dir: string
  readonly lockPath: string
  private release_: (() => Promise<void>) | null = null
  private lost = false
  private readonly staleMs: number
  private readonly timeoutMs: number
  private readonly client: string

  constructor(dir: string, options: PartitionLockOptions = {}) {
    this.dir = dir
    this.lockPath = join(dir, LOCK_NAME)
    this.staleMs = options.staleMs ?? DEFAULT_STALE_MS
    this.timeoutMs = options.timeoutMs ?? this.staleMs * 3
    this.client = options.client ?? 'logpipe'
    this.label = options.label ?? `partition ${dir}`
  }

  private readonly label: string

  get held(): boolean {
    return this.release_ !== null && !this.lost
  }

  /** True when the lock was taken from us (we stalled past the stale time). */
  get compromised(): boolean {
    return this.lost
  }

  async acquire(): Promise<void> {
    if (this.release_) return
    const deadline = Date.now() + this.timeoutMs
    let wait = 1
    for (;;) {
      try {
        this.lost = false
        this.release_ = await lockfile.lock(this.dir, {
          lockfilePath: this.lockPath,
          realpath: false,
          stale: this.staleMs,
          retries: 0,
          onCompromised: () => {
            this.lost = true
          },
        })
        this.recordOwner()
        return
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error
      }
      if (this.takeOverDeadOwner()) continue
      if (Date.now() >= deadline) {
        const owner = readLeaderInfo(this.dir)
        throw new LockError(
          `${this.label} is locked${owner ? ` by pid ${owner.pid} on ${owner.host}` : ''} for over ${this.timeoutMs} ms`,
          {hint: 'another writer holds it; if that process is gone the lock goes stale in ' + this.staleMs + ' ms'},
        )
      }
      await sleep(wait)
      wait = Math.min(wait * 2, 20)
    }
  }

  async release(): Promise<void> {
    const release = this.release_
    this.release_ = null
    if (!release) return
    try {
      await release()
    } catch (error) {
      // Released already by a stale takeover: nothing of ours to remove.
      if ((error as NodeJS.ErrnoException).code !== 'ERELEASED') throw error
    }
  }

  private recordOwner(): void {
    const st = statSync(this.lockPath, {bigint: true})
    const info: LeaderInfo = {
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
      client: this.client,
      lockIno: String(st.ino),
      lockBirth: String(st.birthtimeNs),
    }
    writeFileSync(join(this.dir, LEADER_FILE), JSON.stringify(info) + '\n')
  }

  /**
   * A lock whose recorded owner is a dead process on this host is removed at
   * once. The inode and birth time check makes sure the lock removed is the
   * dead owner's, not one a third process took a moment ago.
   *
   * A lock that leader.json does not describe at all, created more than
   * ORPHAN_LOCK_MS ago, is one whose taker died between creating it and
   * writing leader.json (a live taker writes it at once): it is removed
   * too. Should its taker in fact be alive but frozen that long, it learns
   * that it lost the lock (proper-lockfile's compromised check) and
   * refuses to append.
   */
  private takeOverDeadOwner(): boolean {
    try {
      const st = statSync(this.lockPath, {bigint: true})
      const owner = readLeaderInfo(this.dir)
      const described = owner !== null && String(st.ino) === owner.lockIno && String(st.birthtimeNs) === owner.lockBirth
      if (described) {
        if (owner.host !== hostname() || isAlive(owner.pid)) return false
      } else {
        // Where the file system keeps no birth time, the lock's mtime is its
        // creation time until a live holder refreshes it.
        const created = st.birthtimeNs > 0n ? st.birthtimeNs : st.mtimeNs
        if (Date.now() - Number(created / 1_000_000n) < ORPHAN_LOCK_MS) return false
      }
      // Still the same lock directory as the one judged above?
      const again = statSync(this.lockPath, {bigint: true})
      if (again.ino !== st.ino || again.birthtimeNs !== st.birthtimeNs) return false
      rmdirSync(this.lockPath)
      return true
    } catch {
      return false
    }
  }
}

export function readLeaderInfo(dir: string): LeaderInfo | null {
  try {
    return JSON.parse(readFileSync(join(dir, LEADER_FILE), 'utf8')) as LeaderInfo
  } catch {
    return null
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The current holder of the partition's lock, or null when nobody holds it. */
export function currentLeader(dir: string, staleMs = DEFAULT_STALE_MS): LeaderInfo | null {
  let st
  try {
    st = statSync(join(dir, LOCK_NAME), {bigint: true})
  } catch {
    return null
  }
  if (Date.now() - Number(st.mtimeMs) > staleMs) return null
  const owner = readLeaderInfo(dir)
  if (!owner || owner.lockIno !== String(st.ino) || owner.lockBirth !== String(st.birthtimeNs)) return null
  if (owner.host === hostname() && !isAlive(owner.pid)) return null
  return owner
}
