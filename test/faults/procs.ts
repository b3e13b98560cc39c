/**
 * The campaign's processes: each a real `node bin/run.js ...` with the
 * round's data directory in its own environment only, its output kept as it
 * arrives (a process killed with SIGKILL leaves what it printed so far, and
 * only whole lines of it count as acknowledged), and what was done to it.
 */
import {readFileSync} from 'node:fs'
import {execa, type ResultPromise} from 'execa'
import {BIN, inheritedEnv} from '../helpers/cli.js'

/** What a process does, which is also what a fault aimed at it interrupts. */
export type Role = 'produce' | 'retention' | 'compaction' | 'create' | 'delete' | 'alter' | 'commit' | 'other'

export interface Fault {
  signal: 'SIGKILL' | 'SIGSTOP'
  /** Milliseconds into the process's life. */
  atMs: number
  /** How long it stayed stopped (SIGSTOP). */
  stoppedMs?: number
}

export class Proc {
  readonly startedAt = Date.now()
  readonly sub: ResultPromise
  stdout = ''
  stderr = ''
  exitCode: number | null = null
  signal: string | null = null
  ended = false
  fault: Fault | null = null
  readonly done: Promise<void>

  constructor(
    readonly name: string,
    readonly role: Role,
    readonly args: string[],
    dataDir: string,
    options: {stdin?: 'pipe' | 'ignore'} = {},
  ) {
    const env = {...inheritedEnv(), LOGPIPE_DATA_DIR: dataDir, NO_COLOR: '1'}
    this.sub = execa(process.execPath, [BIN, ...args], {
      env,
      extendEnv: false,
      reject: false,
      buffer: false,
      stdin: options.stdin ?? 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    })
    this.sub.stdout!.setEncoding('utf8')
    this.sub.stderr!.setEncoding('utf8')
    this.sub.stdout!.on('data', (s: string) => (this.stdout += s))
    this.sub.stderr!.on('data', (s: string) => (this.stderr += s))
    this.done = this.sub.then(
      (r) => {
        this.exitCode = r.exitCode ?? null
        this.signal = r.signal ?? null
        this.ended = true
      },
      () => {
        this.ended = true
      },
    )
  }

  get pid(): number {
    return this.sub.pid!
  }

  get alive(): boolean {
    return !this.ended
  }

  get ageMs(): number {
    return Date.now() - this.startedAt
  }

  /** The complete lines printed (a killed process may leave half a line: that one was not acknowledged). */
  wholeLines(): string[] {
    const end = this.stdout.lastIndexOf('\n')
    if (end < 0) return []
    return this.stdout.slice(0, end).split('\n')
  }

  kill(): boolean {
    if (!this.alive) return false
    this.fault = {signal: 'SIGKILL', atMs: this.ageMs}
    try {
      process.kill(this.pid, 'SIGKILL')
      return true
    } catch {
      return false
    }
  }

  stop(): boolean {
    if (!this.alive) return false
    this.fault = {signal: 'SIGSTOP', atMs: this.ageMs}
    try {
      process.kill(this.pid, 'SIGSTOP')
      return true
    } catch {
      return false
    }
  }

  resume(): void {
    if (this.fault?.signal === 'SIGSTOP' && this.fault.stoppedMs === undefined) this.fault.stoppedMs = this.ageMs - this.fault.atMs
    try {
      process.kill(this.pid, 'SIGCONT')
    } catch {}
  }

  /** One line for the round's report: how it ended and the first line it said on stderr. */
  describe(): string {
    const how = this.signal ? this.signal : `exit ${this.exitCode}`
    const err = this.stderr.split('\n').find((l) => l.startsWith('logpipe:'))
    return `${this.name} ${how}${err ? ` (${err.slice(0, 160)})` : ''}`
  }
}

/** Whether the process is in the stopped state (Linux /proc). */
export function isStoppedPid(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'T'
  } catch {
    return false
  }
}

export const nextTick = (ms = 1) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Resolves once `cond` holds, polling every `everyMs`; false at the deadline. */
export async function pollUntil(cond: () => boolean, deadlineMs: number, everyMs = 1): Promise<boolean> {
  const deadline = Date.now() + deadlineMs
  while (!cond()) {
    if (Date.now() > deadline) return false
    await nextTick(everyMs)
  }
  return true
}

/** A process ended within the deadline: false when it hung. */
export async function endsWithin(p: Proc, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  const ended = await Promise.race([p.done.then(() => true), timeout])
  clearTimeout(timer)
  return ended
}

/** Runs one command to its end and returns it (the commands a user runs after the fault). */
export async function runOnce(dataDir: string, args: string[], input?: string): Promise<Proc> {
  const p = new Proc(args.slice(0, 2).join(' '), 'other', args, dataDir, {stdin: input === undefined ? 'ignore' : 'pipe'})
  if (input !== undefined) {
    p.sub.stdin!.on('error', () => {})
    p.sub.stdin!.end(input)
  }
  await p.done
  return p
}
