/**
 * Kafka's JoinWindows: two records of a stream-stream join meet when their
 * timestamps are at most `before` apart one way and `after` the other (the
 * time difference both ways unless before()/after() change one), and a
 * record still joins while stream time is within the grace period past its
 * window (KIP-633: ofTimeDifferenceWithNoGrace or ofTimeDifferenceAndGrace).
 * The left/outer join's "no partner" results wait until then.
 */
import {StreamsError} from '../streams-error.js'

function checkMs(what: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new StreamsError(`${what} must be a non-negative integer number of ms, not ${v}`)
  return v
}

export class JoinWindows {
  private constructor(readonly beforeMs: number, readonly afterMs: number, readonly graceMs: number) {}

  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): JoinWindows {
    return JoinWindows.ofTimeDifferenceAndGrace(timeDifferenceMs, 0)
  }

  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, afterWindowEndMs: number): JoinWindows {
    checkMs('join window time difference', timeDifferenceMs)
    return new JoinWindows(timeDifferenceMs, timeDifferenceMs, checkMs('grace', afterWindowEndMs))
  }

  /** How far before this record the other side's records may be. */
  before(timeDifferenceMs: number): JoinWindows {
    return new JoinWindows(JoinWindows.checkSigned(timeDifferenceMs, this.afterMs), this.afterMs, this.graceMs)
  }

  /** How far after this record the other side's records may be. */
  after(timeDifferenceMs: number): JoinWindows {
    return new JoinWindows(this.beforeMs, JoinWindows.checkSigned(timeDifferenceMs, this.beforeMs), this.graceMs)
  }

  size(): number {
    return this.beforeMs + this.afterMs
  }

  gracePeriodMs(): number {
    return this.graceMs
  }

  private static checkSigned(v: number, other: number): number {
    if (!Number.isInteger(v)) throw new StreamsError(`a join window bound must be an integer number of ms, not ${v}`)
    if (v + other < 0) throw new StreamsError('a join window interval (before + after) must not be negative')
    return v
  }
}
