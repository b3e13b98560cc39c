/**
 * The write lock of a partition: a proper-lockfile lock at
 * `<partition>/leader.lock`. Whoever holds it is the partition's leader and
 * the only writer. Next to it, `leader.json` names the holder (pid, process
 * start time, boot id, host) and the lock directory (inode and birth time),
 * and carries the lock's generation, bumped by every take.
 *
 * Who may take a lock that is held:
 *   - nobody, while its holder runs on this host: a stopped (SIGSTOP) or slow
 *     process is alive, and a pid is the holder only with its start time;
 *   - anyone, at once, when the holder on this host is gone;
 *   - anyone, when the holder is on another host and has not refreshed the
 *     lock's mtime for `staleMs` (that holder may still be alive: see
 *     `takeover` and the fencing in partition-log.ts).
 * proper-lockfile makes the lock directory, refreshes its mtime and reports
 * a lock that changed under it; its own stale rule (mtime only) is switched
 * off, because it would take the lock from a stopped process.
 *
 * The generation is the lock directory itself: a take makes a new
 * directory, so a holder is current exactly while the directory in place is
 * the one it made (`isCurrent`, one stat). The number in leader.json counts
 * takes for people and brokers.
 *
 * A taker writes an intent file (`leader.intent.*`, naming itself) before
 * it makes the lock directory and removes it after leader.json is written,
 * so a lock that leader.json does not describe yet is never mistaken for an
 * orphan while its taker is alive. The same file tells a holder that someone
 * waits (`othersWaiting`): a holder may keep its lock as long as nobody does,
 * and one that lets go for a waiter stands back (`acquire` after `yieldTo`)
 * until the waiter has had its turn.
 */
import * as fs from 'node:fs'
import {lstatSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, unlinkSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
// Loaded on the first lock (lockfile.ts says who loads it earlier, and why).
import type lockfile from 'proper-lockfile'
import {loadLockfile} from './lockfile.js'
import {LedByBrokerError, LockError, StoreError} from '../errors.js'
import {readFileNoFollow, symlinkError, writeFileNoFollow} from '../store/fs.js'
import {isRunning, isStopped, selfIdentity} from './process-identity.js'
import {randomBytes} from '../random.js'

export const LOCK_NAME = 'leader.lock'
export const LEADER_FILE = 'leader.json'
export const INTENT_PREFIX = 'leader.intent.'
export const DEFAULT_STALE_MS = 10_000
/** A lock nobody claims, with no live taker's intent beside it, is an orphan after this long. */
export const ORPHAN_LOCK_MS = 2_000
/** How much later than a lock directory's birth its maker's intent may be stamped (clock granularity); below ORPHAN_LOCK_MS. */
const INTENT_CLOCK_SLACK_MS = 1_000
/** How often the holder refreshes the lock's mtime (what a waiter on another host judges). */
const REFRESH_MS = 2_000
/** proper-lockfile's own mtime rule, off: about 24 days. */
const NEVER_STALE = 0x7fffffff
/**
 * How long a holder that let go for a waiter leaves the lock to it: longer
 * than a waiter's longest pause between attempts (5 ms), so a waiter that
 * is still there gets its turn.
 */
const STAND_BACK_MS = 100

/** leader.json's client of a broker's take: "broker N". */
const BROKER_CLIENT = /^broker (\d+)$/

export interface LeaderInfo {
  pid: number
  host: string
  startTime: string | null
  bootId: string | null
  since: string
  client: string
  lockIno: string
  lockBirth: string
  generation: number
}

/** How the last take came about: from nobody, from a dead holder, or from one that may still be alive. */
export type Takeover = 'free' | 'dead-holder' | 'stale-holder' | 'orphan'

export interface PartitionLockOptions {
  staleMs?: number
  /** How long to wait for the lock before giving up. */
  timeoutMs?: number
  client?: string
  /** How errors name what is locked ("topic t partition 0"); the directory by default. */
  label?: string
  /** This host's name as locks record it (tests play other hosts). */
  host?: string
  /** The clock staleness is judged by (tests move it instead of waiting). */
  now?: () => number
  /**
   * 'process' (the write lock): a holder on this host keeps the lock while
   * its process runs. 'heartbeat' (group ownership, Kafka's session
   * timeout): a holder that stopped refreshing for `staleMs` loses it even
   * while alive, as a consumer that stops heartbeating loses its partitions;
   * what it does afterwards is fenced by the generation.
   */
  liveness?: 'process' | 'heartbeat'
  /**
   * How often the holder refreshes the lock's mtime (REFRESH_MS; at least
   * 1000, proper-lockfile's floor): with 'heartbeat', well below staleMs.
   */
  refreshMs?: number
}

/** The lock of this process that holds each lock directory now (proper-lockfile keeps one record per path). */
const holders = new Map<string, PartitionLock>()

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Token {
  ino: number
  birthMs: number
}

export class PartitionLock {
  readonly dir: string
  readonly lockPath: string
  private release_: (() => Promise<void>) | null = null
  private token: Token | null = null
  private lost = false
  private readonly staleMs: number
  private readonly timeoutMs: number
  private readonly client: string
  private readonly host: string
  private readonly now: () => number
  private readonly label: string
  private readonly liveness: 'process' | 'heartbeat'
  private readonly refreshMs: number
  /** The generation of our current (or last) take. */
  generation = 0
  /** How our current (or last) take came about. */
  takeover: Takeover = 'free'
  /** The intents of the waiters we let go for, and when: our next acquire leaves them their turn. */
  private yielded: {intents: string[]; at: number} | null = null

  constructor(dir: string, options: PartitionLockOptions = {}) {
    this.dir = dir
    this.lockPath = join(dir, LOCK_NAME)
    this.staleMs = options.staleMs ?? DEFAULT_STALE_MS
    this.timeoutMs = options.timeoutMs ?? this.staleMs * 3
    this.client = options.client ?? 'logpipe'
    this.label = options.label ?? `partition ${dir}`
    this.host = options.host ?? hostname()
    this.now = options.now ?? Date.now
    this.liveness = options.liveness ?? 'process'
    this.refreshMs = Math.max(1000, options.refreshMs ?? REFRESH_MS)
  }

  /** We took the lock and have not let go; says nothing of whether it was taken from us since (see isCurrent). */
  get held(): boolean {
    return this.release_ !== null && !this.lost
  }

  /** True when the lock was taken from us. */
  get compromised(): boolean {
    return this.lost || (this.release_ !== null && !this.isCurrent())
  }

  /**
   * The fencing check, before and after every write: the lock directory in
   * place is still the one we made. One stat.
   */
  isCurrent(): boolean {
    const token = this.token
    if (token === null || this.lost) return false
    const st = statSync(this.lockPath, {throwIfNoEntry: false})
    return st !== undefined && st.ino === token.ino && st.birthtimeMs === token.birthMs
  }

  async acquire(): Promise<void> {
    if (this.release_) return
    await this.standBack()
    const deadline = this.now() + this.timeoutMs
    let takeover: Takeover = 'free'
    let wait = 1
    const intent = this.writeIntent()
    try {
      for (;;) {
        try {
          this.lost = false
          this.release_ = await (await loadLockfile()).lock(this.dir, {
            lockfilePath: this.lockPath,
            realpath: false,
            stale: NEVER_STALE,
            update: this.refreshMs,
            retries: 0,
            onCompromised: () => {
              this.lost = true
            },
          })
        } catch (error) {
          // A link planted where the lock directory goes is neither ours nor a holder's.
          if (lstatSync(this.lockPath, {throwIfNoEntry: false})?.isSymbolicLink()) {
            throw new StoreError(symlinkError(this.lockPath).message, {hint: `remove it (\`rm ${this.lockPath}\`); the lock is made anew by the next writer`})
          }
          if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error
          const verdict = this.judgeHolder()
          if (verdict !== null) {
            takeover = verdict
            continue
          }
          // A live broker keeps its partitions' locks while it runs: a writer other than a broker is told at once, not after the timeout.
          const broker = this.brokerHolding()
          if (broker !== null) throw broker
          if (this.now() >= deadline) throw this.timeoutError()
          await sleep(wait)
          // A holder now keeps an uncontended lock and lets go when it sees our intent: the time until we notice is time nobody writes.
          wait = Math.min(wait * 2, 5)
          continue
        }
        try {
          this.recordOwner(takeover)
        } catch (error) {
          await this.release()
          throw error
        }
        return
      }
    } finally {
      removeQuietly(intent)
    }
  }

  async release(): Promise<void> {
    const release = this.release_
    const current = this.isCurrent()
    this.release_ = null
    this.token = null
    if (!release) return
    if (holders.get(this.lockPath) === this) holders.delete(this.lockPath)
    if (!current) {
      await this.forgetTakenLock()
      return
    }
    try {
      await release()
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERELEASED') throw error
    }
  }

  /**
   * Lets go of the lock for the waiters that `othersWaiting` saw: the next
   * acquire waits (up to STAND_BACK_MS) while one of them still waits, so a
   * holder with a steady stream of batches does not take the lock straight
   * back before the waiter's next attempt.
   */
  async yieldTo(intents: string[]): Promise<void> {
    await this.release()
    this.yielded = intents.length > 0 ? {intents, at: this.now()} : null
  }

  private async standBack(): Promise<void> {
    const yielded = this.yielded
    this.yielded = null
    if (yielded === null) return
    // Our own sleeps, not the injected clock: this is a pause, not a judgement a test needs to move.
    const until = Date.now() + STAND_BACK_MS
    while (Date.now() < until && yielded.intents.some((name) => lstatSync(join(this.dir, name), {throwIfNoEntry: false}) !== undefined)) {
      await sleep(1)
    }
  }

  /**
   * The intents of other takers (in this process or another) waiting for
   * this lock now: names of `leader.intent.*` files of live takers. One
   * readdir; used by a holder to decide whether to keep the lock.
   */
  othersWaiting(): string[] {
    return this.liveIntents(false)
  }

  /**
   * Taken from us: the directory in place is the new holder's, not ours to
   * remove. proper-lockfile would still remove it (its release does not
   * check whose it is, nor does its exit handler), so it is told to forget
   * the lock with a removal that removes nothing, unless another lock of
   * this process holds the directory now (the record is then that one's).
   */
  private async forgetTakenLock(): Promise<void> {
    if (holders.has(this.lockPath)) return
    const keepDir = {...fs, rmdir: (_path: string, callback: (error: null) => void) => callback(null)}
    await (await loadLockfile()).unlock(this.dir, {lockfilePath: this.lockPath, realpath: false, fs: keepDir} as lockfile.UnlockOptions).catch(() => {})
  }

  private recordOwner(takeover: Takeover): void {
    const st = statSync(this.lockPath, {bigint: true})
    const plain = statSync(this.lockPath)
    this.token = {ino: plain.ino, birthMs: plain.birthtimeMs}
    holders.set(this.lockPath, this)
    const previous = readLeaderInfo(this.dir)
    this.generation = (previous?.generation ?? 0) + 1
    this.takeover = takeover
    const me = selfIdentity()
    const info: LeaderInfo = {
      pid: me.pid,
      host: this.host,
      startTime: me.startTime,
      bootId: me.bootId,
      since: new Date().toISOString(),
      client: this.client,
      lockIno: String(st.ino),
      lockBirth: String(st.birthtimeNs),
      generation: this.generation,
    }
    const tmp = join(this.dir, `${LEADER_FILE}.${process.pid}.tmp`)
    // A leftover of ours, or something planted under our name: either way not to be written through.
    rmSync(tmp, {force: true})
    writeFileNoFollow(tmp, JSON.stringify(info) + '\n')
    renameSync(tmp, join(this.dir, LEADER_FILE))
  }

  private writeIntent(): string {
    const me = selfIdentity()
    const path = join(this.dir, INTENT_PREFIX + randomBytes(6).toString('hex'))
    const intent: Intent = {pid: me.pid, host: this.host, startTime: me.startTime, bootId: me.bootId, at: this.now()}
    try {
      writeFileNoFollow(path, JSON.stringify(intent))
    } catch (error) {
      // No partition directory: let the lock attempt report it as such.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return path
      throw error
    }
    return path
  }

  /**
   * Whether the lock in place may be taken, and how: a kind of takeover once
   * the lock directory judged was removed, null when we must wait.
   */
  private judgeHolder(): Takeover | null {
    const st = statSync(this.lockPath, {bigint: true, throwIfNoEntry: false})
    if (st === undefined) return 'free'
    const owner = readLeaderInfo(this.dir)
    const described = owner !== null && String(st.ino) === owner.lockIno && String(st.birthtimeNs) === owner.lockBirth
    let kind: Takeover
    if (described) {
      const stale = this.now() - Number(st.mtimeNs / 1_000_000n) > this.staleMs
      if (owner.host === this.host) {
        if (!isRunning(owner)) kind = 'dead-holder'
        else if (this.liveness === 'heartbeat' && stale) kind = 'stale-holder'
        else return null
      } else {
        if (this.now() - Number(st.mtimeNs / 1_000_000n) <= this.staleMs) return null
        kind = 'stale-holder'
      }
    } else {
      // Being taken right now (leader.json not written yet), or its taker died in between.
      const created = st.birthtimeNs > 0n ? st.birthtimeNs : st.mtimeNs
      // Its maker wrote its intent before making the directory: an intent
      // written later is a waiter's like ours, and two waiters that each
      // saw the other's would both wait for ever (an orphan left by a
      // member killed mid-take was never taken over by the two survivors).
      if (this.liveIntents(true, Number(created / 1_000_000n) + INTENT_CLOCK_SLACK_MS).length > 0) return null
      if (this.now() - Number(created / 1_000_000n) < ORPHAN_LOCK_MS) return null
      // leader.json may have landed while we looked at the intents.
      const again = readLeaderInfo(this.dir)
      if (again !== null && String(st.ino) === again.lockIno && String(st.birthtimeNs) === again.lockBirth) return null
      kind = 'orphan'
    }
    // Still the very lock directory judged above?
    const now = statSync(this.lockPath, {bigint: true, throwIfNoEntry: false})
    if (now === undefined) return 'free'
    if (now.ino !== st.ino || now.birthtimeNs !== st.birthtimeNs) return null
    try {
      rmdirSync(this.lockPath)
    } catch {
      return null
    }
    return kind
  }

  /**
   * Takers' intents whose process may still be making the lock (or waiting
   * to): with `skipOwnProcess`, not this process's (the orphan judgement,
   * made while our own intent is there).
   */
  private liveIntents(skipOwnProcess: boolean, writtenBy = Number.POSITIVE_INFINITY): string[] {
    let names: string[]
    try {
      names = readdirSync(this.dir)
    } catch {
      return []
    }
    const pid = process.pid
    const live: string[] = []
    for (const name of names) {
      if (!name.startsWith(INTENT_PREFIX)) continue
      const path = join(this.dir, name)
      const intent = readIntent(path)
      if (intent === null) {
        // Being written this instant, or damaged: judge it by its age.
        const st = statSync(path, {throwIfNoEntry: false})
        if (st && this.now() - st.mtimeMs < ORPHAN_LOCK_MS && st.mtimeMs <= writtenBy) live.push(name)
        continue
      }
      if (skipOwnProcess && intent.pid === pid && intent.host === this.host) continue
      if (intent.at > writtenBy) continue
      if (intent.host === this.host) {
        if (isRunning(intent)) live.push(name)
        else removeQuietly(path)
      } else if (this.now() - intent.at <= this.staleMs) {
        live.push(name)
      }
    }
    return live
  }

  /** The error for a writer that is not a broker when a running broker on this host holds the lock; null otherwise. */
  private brokerHolding(): LedByBrokerError | null {
    if (BROKER_CLIENT.test(this.client)) return null
    const owner = readLeaderInfo(this.dir)
    const m = owner === null ? null : BROKER_CLIENT.exec(owner.client)
    if (owner === null || m === null || owner.host !== this.host || !isRunning(owner) || isStopped(owner.pid)) return null
    return new LedByBrokerError(`${this.label} is led by ${owner.client} (pid ${owner.pid}), which holds its lock while it runs`, Number(m[1]), {
      hint: `produce through the broker (\`logpipe broker list\` shows its address; produce and consume on its data dir go through it by themselves) or stop it (\`logpipe broker stop --id ${m[1]}\`)`,
    })
  }

  private timeoutError(): LockError {
    const owner = readLeaderInfo(this.dir)
    const who = owner ? ` by pid ${owner.pid} on ${owner.host}` : ''
    const stopped = owner !== null && owner.host === this.host && isStopped(owner.pid)
    const broker = owner !== null && /^broker \d+$/.test(owner.client) ? owner.client : null
    const hint = stopped
      ? `pid ${owner.pid} is stopped (SIGSTOP); a stopped holder keeps its lock until it continues (kill -CONT ${owner.pid}) or exits`
      : broker
        ? `${broker} leads it and holds its lock while it runs: produce through the broker (\`logpipe broker list\` shows its address) or stop it (\`logpipe ${broker.replace(' ', ' stop --id ')}\`)`
        : `another writer holds it; a holder on this host keeps it while it runs, one on another host loses it after ${this.staleMs} ms without a refresh`
    return new LockError(`${this.label} is locked${who} for over ${this.timeoutMs} ms`, {hint})
  }
}

interface Intent {
  pid: number
  host: string
  startTime: string | null
  bootId: string | null
  at: number
}

function readIntent(path: string): Intent | null {
  try {
    const v = JSON.parse(readFileNoFollow(path, 'utf8')) as Intent
    if (v === null || typeof v !== 'object' || !Number.isSafeInteger(v.pid) || typeof v.host !== 'string' || typeof v.at !== 'number') return null
    return v
  } catch {
    return null
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {}
}

/** leader.json, or null when it is missing or not what a lock writes (it then describes no lock). */
export function readLeaderInfo(dir: string): LeaderInfo | null {
  let v: LeaderInfo
  try {
    v = JSON.parse(readFileNoFollow(join(dir, LEADER_FILE), 'utf8')) as LeaderInfo
  } catch {
    return null
  }
  if (v === null || typeof v !== 'object') return null
  if (!Number.isSafeInteger(v.pid) || typeof v.host !== 'string' || typeof v.lockIno !== 'string' || typeof v.lockBirth !== 'string') return null
  if (v.generation !== undefined && !Number.isSafeInteger(v.generation)) return null
  return v
}

/** The pid answers signals; kept for callers that know only a pid (member files). */
export {pidExists as isAlive} from './process-identity.js'

/** The current holder of the partition's lock, or null when nobody holds it. */
export function currentLeader(dir: string, staleMs = DEFAULT_STALE_MS): LeaderInfo | null {
  const st = statSync(join(dir, LOCK_NAME), {bigint: true, throwIfNoEntry: false})
  if (st === undefined) return null
  const owner = readLeaderInfo(dir)
  if (!owner || owner.lockIno !== String(st.ino) || owner.lockBirth !== String(st.birthtimeNs)) return null
  if (owner.host === hostname()) return isRunning(owner) ? owner : null
  return Date.now() - Number(st.mtimeNs / 1_000_000n) > staleMs ? null : owner
}
