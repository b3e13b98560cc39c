/**
 * How the exec, HTTP and JDBC sinks retry their own writes, with Kafka's
 * errors.* keys: a write that fails in a way worth retrying (a command's
 * non-zero exit, an HTTP 5xx or a refused connection, a lost database
 * connection) is tried again after 300 ms, doubling up to
 * errors.retry.delay.max.ms, for errors.retry.timeout ms (0: once, -1:
 * forever). What still fails then, or fails in a way no retry mends (an
 * HTTP 4xx), fails the task under errors.tolerance=none; under all it is
 * told to the log and its records handed to the worker's
 * ErrantRecordReporter (the dead letter queue, as Kafka's sinks do since
 * KIP-610) before put() returns. A stop cuts the wait short and fails the
 * write, so nothing past it is committed.
 */
import {ConnectTaskError} from '../../errors.js'
import type {ErrantRecordReporter, Props} from '../api/connector.js'
import type {SinkRecord} from '../api/connect-record.js'

const FIRST_DELAY_MS = 300

export interface SinkErrorPolicy {
  retryTimeoutMs: number
  retryDelayMaxMs: number
  tolerateAll: boolean
}

export function sinkErrorPolicy(props: Props): SinkErrorPolicy {
  const num = (k: string, d: number) => (props[k] !== undefined && props[k].trim() !== '' ? Number(props[k]) : d)
  return {retryTimeoutMs: num('errors.retry.timeout', 0), retryDelayMaxMs: num('errors.retry.delay.max.ms', 60_000), tolerateAll: props['errors.tolerance']?.trim() === 'all'}
}

/** One try's outcome: done, worth retrying, or not (with why). */
export type Attempt = {ok: true} | {ok: false; retriable: boolean; reason: string}

/** A write given up on under errors.tolerance=all: what to tell the log and the dead letter queue. */
export interface GaveUp {
  message: string
  retriable: boolean
}

export class SinkRetrier {
  private wake: (() => void) | null = null
  private stopped = false

  constructor(
    private readonly policy: SinkErrorPolicy,
    private readonly log: (m: string) => void,
    private readonly reporter: () => ErrantRecordReporter | null | undefined = () => null,
    private readonly now: () => number = Date.now,
  ) {}

  get tolerateAll(): boolean {
    return this.policy.tolerateAll
  }

  /**
   * Runs `attempt` until it succeeds (true) or the policy gives up: then a
   * throw under errors.tolerance=none, and under all what failed, for the
   * caller to skip() with the records it was writing.
   */
  async run(what: string, attempt: () => Promise<Attempt>): Promise<true | GaveUp> {
    const start = this.now()
    let delay = FIRST_DELAY_MS
    for (let n = 1; ; n++) {
      const r = await attempt()
      if (r.ok) return true
      const timeout = this.policy.retryTimeoutMs
      const more = r.retriable && !this.stopped && (timeout < 0 || this.now() - start + delay <= timeout)
      if (!more) {
        if (this.stopped) throw new ConnectTaskError(`${what}: stopped while retrying: ${r.reason}`)
        const message = `${what} failed${n > 1 ? ` after ${n} attempts` : ''}: ${r.reason}`
        if (!this.policy.tolerateAll) throw new ConnectTaskError(message)
        return {message, retriable: r.retriable}
      }
      this.log(`${what} failed, retrying in ${delay} ms: ${r.reason}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay)
        this.wake = () => {
          clearTimeout(t)
          resolve()
        }
      })
      this.wake = null
      delay = Math.min(delay * 2, this.policy.retryDelayMaxMs)
    }
  }

  /** Skips records under errors.tolerance=all: told to the log, then each to the errant record reporter (awaited: the dead letter is written before put() returns). */
  async skip(gaveUp: GaveUp | string, records: SinkRecord[]): Promise<void> {
    const message = typeof gaveUp === 'string' ? gaveUp : gaveUp.message
    this.log(`${message}; skipped (errors.tolerance=all)`)
    const reporter = this.reporter()
    if (!reporter) return
    const error = new ConnectTaskError(message)
    for (const r of records) await reporter.report(r, error)
  }

  /** run() then skip() of `records` when it gave up. */
  async write(what: string, records: SinkRecord[], attempt: () => Promise<Attempt>): Promise<boolean> {
    const r = await this.run(what, attempt)
    if (r === true) return true
    await this.skip(r, records)
    return false
  }

  stop(): void {
    this.stopped = true
    this.wake?.()
  }
}
