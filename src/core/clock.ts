/**
 * The time that judgements read: is a member's heartbeat older than its
 * session timeout, has a producer held its lock long enough, is a lock
 * stale, is a segment old enough to roll. One clock is passed down from
 * whoever builds the client, so a test moves time instead of sleeping
 * through it (Kafka's `Time`/`MockTime`).
 *
 * Only reading the time goes through it. Timers (linger, heartbeat and tick
 * intervals) still run on real time: they decide when a judgement is made,
 * not what it finds, and a test calls the judging method itself.
 */
export interface Clock {
  /** Milliseconds since the epoch, as Date.now(). */
  now(): number
}

export const systemClock: Clock = {now: Date.now}
