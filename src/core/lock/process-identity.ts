/**
 * Who a process is, beyond its pid: a pid is reused once its process is
 * gone, so a lock names its holder by pid, the process's start time (field
 * 22 of /proc/<pid>/stat, clock ticks since boot) and the boot id. A holder
 * is alive only when all three still match: a stopped (SIGSTOP) or slow
 * process is alive; a zombie, a reused pid or a process of an earlier boot
 * is not.
 */
import {readFileSync} from 'node:fs'
import {hostname} from 'node:os'

export interface ProcessIdentity {
  pid: number
  /** Start time in clock ticks since boot; null where /proc is not available. */
  startTime: string | null
  bootId: string | null
}

let ownBootId: string | null | undefined
let ownIdentity: ProcessIdentity | undefined

export function bootId(): string | null {
  if (ownBootId === undefined) {
    try {
      ownBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null
    } catch {
      ownBootId = null
    }
  }
  return ownBootId
}

export function selfIdentity(): ProcessIdentity {
  ownIdentity ??= {pid: process.pid, startTime: processStat(process.pid)?.startTime ?? null, bootId: bootId()}
  return ownIdentity
}

interface ProcStat {
  state: string
  startTime: string
}

/** State and start time from /proc/<pid>/stat; null when there is no such process or no /proc. */
export function processStat(pid: number): ProcStat | null {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1')
  } catch {
    return null
  }
  // The command name (field 2) is in parentheses and may itself hold spaces or ')'.
  const close = text.lastIndexOf(')')
  if (close < 0) return null
  const fields = text.slice(close + 2).split(' ')
  // fields[0] is field 3 (state); start time is field 22.
  const state = fields[0]
  const startTime = fields[19]
  if (!state || !startTime || !/^\d+$/.test(startTime)) return null
  return {state, startTime}
}

/** Whether a pid answers signals at all (EPERM: it exists but is not ours). */
export function pidExists(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Whether the process that `who` names still runs on this host. Without
 * /proc (or a start time recorded) only the pid can be checked.
 */
export function isRunning(who: {pid: number; startTime?: string | null; bootId?: string | null}): boolean {
  const ownBoot = bootId()
  if (who.bootId && ownBoot && who.bootId !== ownBoot) return false
  if (!pidExists(who.pid)) return false
  const stat = processStat(who.pid)
  if (stat === null) return pidExists(who.pid)
  // Z: exited, not yet reaped; X: dead.
  if (stat.state === 'Z' || stat.state === 'X') return false
  return !who.startTime || who.startTime === stat.startTime
}

/** True when the process is stopped (SIGSTOP, a debugger): alive, but holding on without progress. */
export function isStopped(pid: number): boolean {
  const state = processStat(pid)?.state
  return state === 'T' || state === 't'
}

/** A process as files record it: who, and on which host. */
export interface HostProcess extends ProcessIdentity {
  host: string
}

export function thisHostProcess(): HostProcess {
  return {...selfIdentity(), host: hostname()}
}

/** A recorded process, as read back from a file; null when the value is not one. */
export function parseHostProcess(v: unknown): HostProcess | null {
  if (v === null || typeof v !== 'object') return null
  const o = v as Record<string, unknown>
  if (!Number.isSafeInteger(o.pid) || typeof o.host !== 'string') return null
  return {
    pid: o.pid as number,
    host: o.host,
    startTime: typeof o.startTime === 'string' ? o.startTime : null,
    bootId: typeof o.bootId === 'string' ? o.bootId : null,
  }
}

/** Whether a recorded process may still run: judged on this host, assumed on another (it cannot be checked from here). */
export function mayBeRunning(who: HostProcess): boolean {
  return who.host !== hostname() || isRunning(who)
}
