/**
 * kafkajs's retry settings for a failing handler: the same record is handed
 * out again after initialRetryTime, then a delay multiplied each time (with
 * `factor` of random spread, capped at maxRetryTime), `retries` times; then
 * the error is a RetriesExceededError and the consumer crashes.
 */
import {RetriesExceededError} from '../core/errors.js'

export interface RetryOptions {
  maxRetryTime?: number
  initialRetryTime?: number
  factor?: number
  multiplier?: number
  retries?: number
  /** Asked after a crash with a retriable error: rejoin (true, the default) or stay stopped. */
  restartOnFailure?: (error: Error) => Promise<boolean>
}

/**
 * Runs `fn` until it succeeds or the retries are spent. Gives up quietly
 * (false) when `abandon` says the work is no longer wanted (the partition
 * was taken away, sought or paused, or the consumer stops).
 */
export async function retrying(options: RetryOptions | undefined, fn: () => Promise<void>, abandon: () => boolean): Promise<boolean> {
  const retries = options?.retries ?? 5
  let delay = options?.initialRetryTime ?? 300
  for (let attempt = 0; ; attempt++) {
    try {
      await fn()
      return true
    } catch (error) {
      if (attempt >= retries) {
        throw new RetriesExceededError(`handler failed ${attempt + 1} time${attempt === 0 ? '' : 's'}: ${(error as Error).message ?? String(error)}`, attempt, {cause: error})
      }
    }
    const spread = 1 + (Math.random() * 2 - 1) * (options?.factor ?? 0.2)
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay * spread, options?.maxRetryTime ?? 30_000)))
    delay *= options?.multiplier ?? 2
    if (abandon()) return false
  }
}
