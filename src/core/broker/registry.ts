/**
 * Who the brokers are: `<data-dir>/brokers/<id>.json`, one file per broker,
 * the part of ZooKeeper's or KRaft's job a single directory can do. The
 * file names the broker (id, address, log dir), its process (pid, process
 * start time, boot id, host: a reused pid is not the broker) and its last
 * heartbeat; it is rewritten atomically every `broker.heartbeat.interval.ms`
 * and removed on a clean stop.
 *
 * Alive: a heartbeat within the broker's own session timeout, and, for a
 * broker on this host, its process still running (so a killed broker is
 * dead at once, a stopped one alive until its heartbeat goes stale).
 */
import {mkdirSync, readdirSync, rmSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import type {Clock} from '../clock.js'
import {systemClock} from '../clock.js'
import {BrokerAlreadyRunningError, StoreError} from '../errors.js'
import {isRunning, selfIdentity} from '../lock/process-identity.js'
import {createFileExclusive, writeFileAtomic} from '../store/atomic-write.js'
import {readFileNoFollow} from '../store/fs.js'

export const BROKERS_DIR = 'brokers'
export const MAX_BROKER_ID = 0x7fffffff
/** A registration file larger than this is not one a broker wrote. */
const MAX_FILE_BYTES = 1 << 20

export interface LedPartition {
  topic: string
  partition: number
  leaderEpoch: number
}

export interface BrokerRegistration {
  id: number
  /** Where it listens. */
  host: string
  port: number
  /** Its process, on `processHost`. */
  pid: number
  startTime: string | null
  bootId: string | null
  processHost: string
  logDir: string
  startedAt: string
  /** Milliseconds since the epoch of the last heartbeat. */
  heartbeatMs: number
  heartbeatIntervalMs: number
  sessionTimeoutMs: number
  partitions: LedPartition[]
}

export function brokersDir(dataDir: string): string {
  return join(dataDir, BROKERS_DIR)
}

export function registrationPath(dataDir: string, id: number): string {
  return join(brokersDir(dataDir), `${id}.json`)
}

function isInt(v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number {
  return Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max
}

/** A registration file, every field checked; a bad one is a StoreError naming the file. */
export function parseRegistration(text: string, path: string): BrokerRegistration {
  const bad = (what: string) =>
    new StoreError(`${path}: ${what}`, {hint: 'a broker rewrites its file at every heartbeat; remove it if no broker of that id runs'})
  if (text.length > MAX_FILE_BYTES) throw bad(`${text.length} bytes is not a broker registration`)
  let v: Record<string, unknown>
  try {
    v = JSON.parse(text) as Record<string, unknown>
  } catch {
    throw bad('not JSON')
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('not a JSON object')
  if (!isInt(v.id, 0, MAX_BROKER_ID)) throw bad('id is not a broker id')
  if (typeof v.host !== 'string' || v.host.length === 0 || v.host.length > 255) throw bad('host is not a host name')
  if (!isInt(v.port, 1, 65535)) throw bad('port is not a port')
  if (!isInt(v.pid, 1)) throw bad('pid is not a pid')
  if (v.startTime !== null && (typeof v.startTime !== 'string' || !/^\d{1,20}$/.test(v.startTime))) throw bad('startTime is not a process start time')
  if (v.bootId !== null && typeof v.bootId !== 'string') throw bad('bootId is not a string')
  if (typeof v.processHost !== 'string') throw bad('processHost is not a string')
  if (typeof v.logDir !== 'string') throw bad('logDir is not a string')
  if (typeof v.startedAt !== 'string' || Number.isNaN(Date.parse(v.startedAt))) throw bad('startedAt is not a time')
  if (!isInt(v.heartbeatMs, 0)) throw bad('heartbeatMs is not a time')
  if (!isInt(v.heartbeatIntervalMs, 1)) throw bad('heartbeatIntervalMs is not a duration')
  if (!isInt(v.sessionTimeoutMs, 1)) throw bad('sessionTimeoutMs is not a duration')
  if (!Array.isArray(v.partitions)) throw bad('partitions is not a list')
  const partitions: LedPartition[] = []
  for (const p of v.partitions as unknown[]) {
    const o = p as Record<string, unknown>
    if (o === null || typeof o !== 'object' || typeof o.topic !== 'string' || !isInt(o.partition, 0) || !isInt(o.leaderEpoch, 0, 0x7fffffff)) {
      throw bad('partitions holds an entry that is not {topic, partition, leaderEpoch}')
    }
    partitions.push({topic: o.topic, partition: o.partition, leaderEpoch: o.leaderEpoch})
  }
  return {
    id: v.id,
    host: v.host,
    port: v.port,
    pid: v.pid,
    startTime: v.startTime as string | null,
    bootId: v.bootId as string | null,
    processHost: v.processHost,
    logDir: v.logDir,
    startedAt: v.startedAt,
    heartbeatMs: v.heartbeatMs,
    heartbeatIntervalMs: v.heartbeatIntervalMs,
    sessionTimeoutMs: v.sessionTimeoutMs,
    partitions,
  }
}

/** A broker's registration, or null when it has none. */
export function readRegistration(dataDir: string, id: number): BrokerRegistration | null {
  const path = registrationPath(dataDir, id)
  let text: string
  try {
    text = readFileNoFollow(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  const r = parseRegistration(text, path)
  if (r.id !== id) throw new StoreError(`${path}: holds broker id ${r.id}, not ${id}`)
  return r
}

export interface BrokerListing {
  brokers: BrokerRegistration[]
  /** Files that could not be read, with why (a one-line message naming the file). */
  damaged: string[]
}

/** Every registered broker, by id; damaged files are reported, not fatal. */
export function listRegistrations(dataDir: string): BrokerListing {
  const out: BrokerListing = {brokers: [], damaged: []}
  let names: string[]
  try {
    names = readdirSync(brokersDir(dataDir))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return out
    throw error
  }
  for (const name of names) {
    const m = /^(\d{1,10})\.json$/.exec(name)
    if (!m || Number(m[1]) > MAX_BROKER_ID) continue
    try {
      const r = readRegistration(dataDir, Number(m[1]))
      if (r) out.brokers.push(r)
    } catch (error) {
      if (!(error instanceof StoreError)) throw error
      out.damaged.push(error.message)
    }
  }
  out.brokers.sort((a, b) => a.id - b.id)
  return out
}

/** Whether the broker heartbeats within its session timeout and, on this host, its process still runs. */
export function isBrokerAlive(r: BrokerRegistration, clock: Clock = systemClock): boolean {
  if (clock.now() - r.heartbeatMs > r.sessionTimeoutMs) return false
  if (r.processHost === hostname()) return isRunning({pid: r.pid, startTime: r.startTime, bootId: r.bootId})
  return true
}

/** The ids of the brokers registered and alive now: what new replicas are spread over. */
export function liveBrokerIds(dataDir: string, clock: Clock = systemClock): number[] {
  return listRegistrations(dataDir)
    .brokers.filter((b) => isBrokerAlive(b, clock))
    .map((b) => b.id)
}

export interface RegistrationOptions {
  id: number
  host: string
  port: number
  logDir: string
  heartbeatIntervalMs: number
  sessionTimeoutMs: number
  clock?: Clock
  /** What this broker leads, read at each heartbeat. */
  partitions?: () => LedPartition[]
  /** The file was replaced by another broker of the same id (it judged us dead): we must stop. */
  onLost?: (by: BrokerRegistration | null) => void
  /** A heartbeat failed to write. */
  onError?: (error: Error) => void
}

/**
 * This process's registration: written at start, refreshed by a timer,
 * removed by `deregister`. A live broker of the same id is never replaced.
 */
export class BrokerRegistry {
  private readonly dataDir: string
  private readonly options: RegistrationOptions
  private readonly clock: Clock
  private timer: NodeJS.Timeout | null = null
  private startedAt = ''
  private registered = false

  constructor(dataDir: string, options: RegistrationOptions) {
    this.dataDir = dataDir
    this.options = options
    this.clock = options.clock ?? systemClock
  }

  get path(): string {
    return registrationPath(this.dataDir, this.options.id)
  }

  /** Writes the registration; a live broker with the id is a BrokerAlreadyRunningError. */
  register(): BrokerRegistration {
    mkdirSync(brokersDir(this.dataDir), {recursive: true, mode: 0o700})
    this.startedAt = new Date(this.clock.now()).toISOString()
    const mine = this.current()
    for (let attempt = 0; attempt < 3; attempt++) {
      if (createFileExclusive(this.path, JSON.stringify(mine, null, 2) + '\n', 0o644)) {
        this.registered = true
        return mine
      }
      let existing: BrokerRegistration | null = null
      try {
        existing = readRegistration(this.dataDir, this.options.id)
      } catch (error) {
        // A damaged file names no live broker: replace it.
        if (!(error instanceof StoreError)) throw error
      }
      if (existing && isBrokerAlive(existing, this.clock)) {
        throw new BrokerAlreadyRunningError(`broker ${this.options.id} is already running (pid ${existing.pid} on ${existing.processHost}, listening on ${existing.host}:${existing.port})`, {
          hint: `stop it (\`logpipe broker stop --id ${this.options.id}\`) or start this one with another --id`,
        })
      }
      rmSync(this.path, {force: true})
    }
    throw new BrokerAlreadyRunningError(`broker ${this.options.id}: another process keeps registering under this id`)
  }

  /** Starts the heartbeat timer (unref'd: it never keeps the process up by itself). */
  startHeartbeat(): void {
    if (this.timer) return
    this.timer = setInterval(() => {
      try {
        this.heartbeat()
      } catch (error) {
        // A heartbeat that could not be written (a full disk) is retried at the next tick; a broker goes on serving.
        this.options.onError?.(error as Error)
      }
    }, this.options.heartbeatIntervalMs)
    this.timer.unref()
  }

  /** One heartbeat: rewrites the file, unless another broker took the id over (then onLost). */
  heartbeat(): void {
    if (!this.registered) return
    let existing: BrokerRegistration | null = null
    try {
      existing = readRegistration(this.dataDir, this.options.id)
    } catch (error) {
      if (!(error instanceof StoreError)) throw error
    }
    if (existing === null || !this.isMine(existing)) {
      this.registered = false
      this.stopHeartbeat()
      this.options.onLost?.(existing)
      return
    }
    // Not fsynced: two fsyncs every interval held the broker's one thread for ~13 ms each on a busy disk
    // (the p99 of produce-to-fetch latency), and after a machine crash the broker is gone anyway.
    writeFileAtomic(this.path, JSON.stringify(this.current(), null, 2) + '\n', 0o644, false)
  }

  stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** Removes the registration if it is still ours. */
  deregister(): void {
    this.stopHeartbeat()
    if (!this.registered) return
    this.registered = false
    let existing: BrokerRegistration | null = null
    try {
      existing = readRegistration(this.dataDir, this.options.id)
    } catch (error) {
      if (!(error instanceof StoreError)) throw error
    }
    if (existing && this.isMine(existing)) rmSync(this.path, {force: true})
  }

  private isMine(r: BrokerRegistration): boolean {
    const me = selfIdentity()
    return r.pid === me.pid && r.startTime === me.startTime && r.processHost === hostname() && r.startedAt === this.startedAt
  }

  private current(): BrokerRegistration {
    const me = selfIdentity()
    const o = this.options
    return {
      id: o.id,
      host: o.host,
      port: o.port,
      pid: me.pid,
      startTime: me.startTime,
      bootId: me.bootId,
      processHost: hostname(),
      logDir: o.logDir,
      startedAt: this.startedAt,
      heartbeatMs: this.clock.now(),
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      sessionTimeoutMs: o.sessionTimeoutMs,
      partitions: o.partitions?.() ?? [],
    }
  }
}
