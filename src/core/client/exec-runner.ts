/**
 * `consume --exec CMD`: runs CMD once per record, the record's value on its
 * stdin and its coordinates in LOGPIPE_* variables. Record data never
 * becomes part of a command line: CMD is the user's own string, run by
 * /bin/sh as written.
 *
 * Up to `concurrency` commands run at once. A record counts as handed on
 * when its command exits 0, or when it failed every retry and went to the
 * dead-letter topic. Per partition, the position safe to commit is the
 * oldest record not yet handed on, so commits stay in offset order however
 * the commands finish.
 *
 * `stop(signal)` (Ctrl-C, SIGTERM) starts nothing more: records not started
 * stay not handed on, the signal is passed on to the running commands, and
 * a command that fails once we are stopping is neither retried nor
 * dead-lettered: it was interrupted, not a bad record, so it stays
 * uncommitted for the next run.
 *
 * Each command runs in its own process group and we deliver the signal
 * ourselves, instead of trusting the terminal's Ctrl-C to reach the
 * command's children: a shell that is forking when SIGINT arrives (dash
 * holds it while it forks) starts its child without it and then waits for
 * that child, so `sh -c 'x; sleep 30'` lived on for the full 30 s in about
 * 1 Ctrl-C of 12 on a loaded machine. So a command still running a second
 * after the signal gets it once more, by then in every process its shell
 * started. `kill()` (a second Ctrl-C) ends them with SIGKILL.
 */
import {spawn} from 'node:child_process'
import {isUtf8} from 'node:buffer'
import type {ConsumedRecord} from './consumer.js'
import {LogpipeError} from '../errors.js'

/** A record handed to the runner: what the consumer read, copied out. */
export type ExecJob = ConsumedRecord

export interface ExecFailure {
  job: ExecJob
  exitCode: number | null
  signal: string | null
  stderrTail: string
  /** What went wrong, when it is not an exit code (an --exec-stream handler's ERR line, a stall). */
  reason?: string
  attempts: number
}

export interface ExecRunnerOptions {
  command: string
  concurrency: number
  retries: number
  /** First retry delay; doubled each attempt, capped at 10 s. */
  backoffMs?: number
  /** Where a record goes when every attempt failed; without it the runner stops. */
  deadLetter?: (failure: ExecFailure) => Promise<void>
  onNotice?: (message: string) => void
  /** Where the commands' stderr goes as it comes (process.stderr). */
  stderr?: {write(chunk: Buffer): unknown}
}

const STDERR_TAIL = 2048

/** Offsets of one partition not yet handed on, oldest first. */
export class PendingOffsets {
  private readonly order: number[] = []
  private head = 0
  private readonly done = new Set<number>()

  add(offset: number): void {
    this.order.push(offset)
  }

  finish(offset: number): void {
    // Mostly in order (always, for --exec-stream): no set needed then.
    if (this.head < this.order.length && this.order[this.head] === offset && this.done.size === 0) {
      this.head++
      this.compact()
      return
    }
    this.done.add(offset)
    while (this.head < this.order.length && this.done.has(this.order[this.head])) {
      this.done.delete(this.order[this.head])
      this.head++
    }
    this.compact()
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head)
      this.head = 0
    }
  }

  get oldest(): number | null {
    return this.head < this.order.length ? this.order[this.head] : null
  }
}

export class ExecRunner {
  private readonly options: ExecRunnerOptions
  private readonly queue: ExecJob[] = []
  private running = 0
  private readonly runningBy = new Map<string, number>()
  private readonly pending = new Map<string, PendingOffsets>()
  private waiters: Array<() => void> = []
  /** Set when a record failed for good and there is no dead-letter topic. */
  fatal: ExecFailure | null = null
  handedOn = 0
  private stopping = false
  private readonly onStop = new Set<() => void>()
  /** The process group of each running command (its shell's pid). */
  private readonly groups = new Set<number>()

  constructor(options: ExecRunnerOptions) {
    this.options = options
  }

  get queued(): number {
    return this.queue.length
  }

  get busy(): boolean {
    return this.running > 0 || this.queue.length > 0
  }

  push(job: ExecJob): void {
    const key = `${job.topic}/${job.partition}`
    let p = this.pending.get(key)
    if (!p) this.pending.set(key, (p = new PendingOffsets()))
    p.add(job.offset)
    // Stopping: the record stays pending (not committed) and is not run.
    if (this.stopping) return
    this.queue.push(job)
    this.pump()
  }

  /** The position safe to commit: the oldest record not handed on, else `position`. */
  safePosition(topic: string, partition: number, position: number): number {
    return this.pending.get(`${topic}/${partition}`)?.oldest ?? position
  }

  /**
   * A partition is leaving us: drop its records not yet started (the next
   * owner reads them again) and wait for its running commands to end.
   */
  async release(topic: string, partition: number): Promise<void> {
    const key = `${topic}/${partition}`
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].topic === topic && this.queue[i].partition === partition) this.queue.splice(i, 1)
    }
    while ((this.runningBy.get(key) ?? 0) > 0) await this.changed()
  }

  forget(topic: string, partition: number): void {
    this.pending.delete(`${topic}/${partition}`)
  }

  /**
   * Resolves when something finished, or at once if nothing is running:
   * then nothing can change (queued records wait only while commands run;
   * after a fatal failure they never start).
   */
  changed(): Promise<void> {
    if (this.running === 0) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /**
   * Stop: drop the records not started (they stay pending, so they are not
   * committed) and let the running commands end; see the header.
   */
  stop(signal?: NodeJS.Signals): void {
    const first = !this.stopping
    this.stopping = true
    this.queue.length = 0
    for (const f of [...this.onStop]) f()
    this.wakeWaiters()
    if (!first || signal === undefined || this.groups.size === 0) return
    const running = [...this.groups]
    for (const pgid of running) signalGroup(pgid, signal)
    // The second delivery, for a shell that held the first while forking (see the header).
    setTimeout(() => {
      for (const pgid of running) if (this.groups.has(pgid)) signalGroup(pgid, signal)
    }, RESIGNAL_MS).unref()
  }

  /** Ends every running command and whatever it started (SIGKILL to its process group). */
  kill(): void {
    this.stop()
    for (const pgid of this.groups) signalGroup(pgid, 'SIGKILL')
  }

  private wakeWaiters(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  async drain(): Promise<void> {
    while (this.busy && !this.fatal) await this.changed()
    while (this.running > 0) await this.changed()
  }

  private pump(): void {
    while (!this.fatal && !this.stopping && this.running < this.options.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!
      const key = `${job.topic}/${job.partition}`
      this.running++
      this.runningBy.set(key, (this.runningBy.get(key) ?? 0) + 1)
      void this.runJob(job).finally(() => {
        this.running--
        this.runningBy.set(key, this.runningBy.get(key)! - 1)
        this.wakeWaiters()
        this.pump()
      })
    }
  }

  private async runJob(job: ExecJob): Promise<void> {
    const retries = this.options.retries
    let last: {exitCode: number | null; signal: string | null; stderrTail: string} | null = null
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        const delay = Math.min(10_000, (this.options.backoffMs ?? 100) * 2 ** (attempt - 1))
        await this.sleepUnlessStopped(delay)
        if (this.stopping) return
      }
      last = await runOnce(this.options.command, job, this.options.stderr ?? process.stderr, this.groups)
      if (last.exitCode === 0) {
        this.finish(job)
        return
      }
      // A signal sent to our whole process group (kill -INT -PGID) reaches
      // the command too; let our handler run before judging the failure.
      await new Promise((r) => setImmediate(r))
      if (this.stopping) return
    }
    const failure: ExecFailure = {job, ...last!, attempts: retries + 1}
    const how = failure.signal ? `killed by ${failure.signal}` : `exit code ${failure.exitCode}`
    if (this.options.deadLetter) {
      try {
        await this.options.deadLetter(failure)
        this.options.onNotice?.(`--exec failed for ${job.topic}/${job.partition} offset ${job.offset} (${how}, ${failure.attempts} attempts); sent to the dead-letter topic`)
        this.finish(job)
        return
      } catch (error) {
        this.options.onNotice?.(`could not write ${job.topic}/${job.partition} offset ${job.offset} to the dead-letter topic: ${(error as Error).message}`)
      }
    }
    this.fatal ??= failure
  }

  private sleepUnlessStopped(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.onStop.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.onStop.add(done)
    })
  }

  private finish(job: ExecJob): void {
    this.pending.get(`${job.topic}/${job.partition}`)?.finish(job.offset)
    this.handedOn++
  }
}

/** The error a fatal failure becomes. */
export function execFailureError(f: ExecFailure): LogpipeError {
  const how = f.signal ? `was killed by ${f.signal}` : `exited ${f.exitCode}`
  const tail = f.stderrTail.trim().split('\n').pop()
  return new LogpipeError(
    `--exec command ${how} for ${f.job.topic}/${f.job.partition} offset ${f.job.offset} after ${f.attempts} attempt(s); that record was not committed${tail ? ` (stderr: ${tail})` : ''}`,
    {hint: 'use --retries N, or --dead-letter-topic T to set failing records aside and go on'},
  )
}

/** A command still running this long after the stop signal gets it again. */
const RESIGNAL_MS = 1000

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // Gone already (ESRCH): it exited between our check and the signal.
  }
}

function runOnce(command: string, job: ExecJob, stderr: {write(chunk: Buffer): unknown}, groups: Set<number>): Promise<{exitCode: number | null; signal: string | null; stderrTail: string}> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOGPIPE_TOPIC: job.topic,
    LOGPIPE_PARTITION: String(job.partition),
    LOGPIPE_OFFSET: String(job.offset),
    LOGPIPE_TIMESTAMP: String(job.timestamp),
  }
  delete env.LOGPIPE_KEY
  delete env.LOGPIPE_KEY_BASE64
  if (job.key !== null) {
    // The environment cannot carry NUL or non-UTF-8 bytes; give those in base64.
    if (isUtf8(job.key) && !job.key.includes(0)) env.LOGPIPE_KEY = job.key.toString('utf8')
    else env.LOGPIPE_KEY_BASE64 = job.key.toString('base64')
  }
  return new Promise((resolve) => {
    // Its own process group, so a stop reaches everything it started (see the header).
    const child = spawn('/bin/sh', ['-c', command], {env, stdio: ['pipe', 'inherit', 'pipe'], detached: true})
    const pgid = child.pid
    if (pgid !== undefined) groups.add(pgid)
    let tail = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.write(chunk)
      tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL)
    })
    child.stdin.on('error', () => {}) // the command need not read its stdin
    child.stdin.end(job.value ?? Buffer.alloc(0))
    child.on('error', (error) => resolve({exitCode: 127, signal: null, stderrTail: error.message}))
    // Forgotten at 'close', not at the shell's exit: a child the shell left
    // behind holding its stderr is still ours to signal until then.
    child.on('close', (code, signal) => {
      if (pgid !== undefined) groups.delete(pgid)
      resolve({exitCode: code, signal, stderrTail: tail})
    })
  })
}
