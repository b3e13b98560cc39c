/**
 * How the exec, HTTP and JDBC sinks retry their own writes, with Kafka's
 * errors.* keys: a write that fails in a way worth retrying (a command's
 * non-zero exit, an HTTP 5xx or a refused connection, a lost database
 * connection) is tried again after 300 ms, doubling up to
 * errors.retry.delay.max.ms, for errors.retry.timeout ms (0: once, -1:
 * forever). What still fails then, or fails in a way no retry mends (an
 * HTTP 4xx), is skipped under errors.tolerance=all (told to the log) and
 * fails the task under none. A stop cuts the wait short and fails the
 * write, so nothing past it is committed.
 */
import {ConnectTaskError} from '../../errors.js'
import type {Props} from '../api/connector.js'

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

export class SinkRetrier {
  private wake: (() => void) | null = null
  private stopped = false

  constructor(
    private readonly policy: SinkErrorPolicy,
    private readonly log: (m: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `attempt` until it succeeds or the policy gives up; true when written, false when skipped by errors.tolerance=all. */
  async run(what: string, attempt: () => Promise<Attempt>): Promise<boolean> {
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
        this.log(`${message}; skipped (errors.tolerance=all)`)
        return false
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

  stop(): void {
    this.stopped = true
    this.wake?.()
  }
}
