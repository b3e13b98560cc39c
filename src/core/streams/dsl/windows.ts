/**
 * Kafka Streams' time windows: TimeWindows (tumbling when the advance is
 * the size, hopping when it is less), each window [start, start + size),
 * aligned to the epoch; a record belongs to every window that contains its
 * timestamp. A window closes once stream time reaches its end plus the
 * grace period (KIP-633: `ofSizeWithNoGrace` or `ofSizeAndGrace`); records
 * for a closed window are dropped. `Windowed<K>` is the key of a windowed
 * aggregate, and WindowedSerdes writes it as Kafka's
 * TimeWindowedSerializer does: the key's bytes, then the window start as an
 * 8-byte big-endian number.
 */
import type {Serde} from '../serdes.js'
import {StreamsError} from '../streams-error.js'

/** Kafka's Window: a start and an end in ms. */
export abstract class Window {
  constructor(readonly startMs: number, readonly endMs: number) {}
  start(): number {
    return this.startMs
  }
  end(): number {
    return this.endMs
  }
}

/** A time window [start, end): the end is not in it. */
export class TimeWindow extends Window {
  override toString(): string {
    return `TimeWindow{startMs=${this.startMs}, endMs=${this.endMs}}`
  }
}

/** A session [start, end]: from its first record's timestamp to its last's, both in it. */
export class SessionWindow extends Window {
  override toString(): string {
    return `SessionWindow{startMs=${this.startMs}, endMs=${this.endMs}}`
  }
}

/** The key of a windowed aggregate; printed as Kafka prints it, `[key@start/end]`. */
export class Windowed<K> {
  constructor(readonly key: K, readonly window: Window) {}
  toString(): string {
    return `[${String(this.key)}@${this.window.start()}/${this.window.end()}]`
  }
}

function checkMs(what: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new StreamsError(`${what} must be an integer number of ms, at least ${min}, not ${v}`)
  return v
}

export class TimeWindows {
  private constructor(readonly sizeMs: number, readonly advanceMs: number, readonly graceMs: number) {}

  static ofSizeWithNoGrace(sizeMs: number): TimeWindows {
    return new TimeWindows(checkMs('window size', sizeMs, 1), sizeMs, 0)
  }

  static ofSizeAndGrace(sizeMs: number, graceMs: number): TimeWindows {
    return new TimeWindows(checkMs('window size', sizeMs, 1), sizeMs, checkMs('grace', graceMs, 0))
  }

  /** Hopping windows: a new window every advance. */
  advanceBy(advanceMs: number): TimeWindows {
    checkMs('window advance', advanceMs, 1)
    if (advanceMs > this.sizeMs) throw new StreamsError(`window advance ${advanceMs} ms is larger than the window size ${this.sizeMs} ms`, {hint: 'an advance at most the size: equal for tumbling windows'})
    return new TimeWindows(this.sizeMs, advanceMs, this.graceMs)
  }

  /** Start times of the windows that contain `timestamp`, oldest first (Kafka's TimeWindows.windowsFor). */
  windowsFor(timestamp: number): number[] {
    const first = Math.max(0, timestamp - this.sizeMs + this.advanceMs)
    const starts: number[] = []
    for (let start = first - (first % this.advanceMs); start <= timestamp; start += this.advanceMs) starts.push(start)
    return starts
  }

  gracePeriodMs(): number {
    return this.graceMs
  }
}

/**
 * Kafka's session windows: a key's records closer than the inactivity gap
 * to each other form one session; a record between two sessions merges
 * them. A session closes once stream time passes its end plus the gap and
 * the grace (KIP-633: ofInactivityGapWithNoGrace, ofInactivityGapAndGrace).
 */
export class SessionWindows {
  private constructor(readonly gapMs: number, readonly graceMs: number) {}

  static ofInactivityGapWithNoGrace(inactivityGapMs: number): SessionWindows {
    return new SessionWindows(checkMs('inactivity gap', inactivityGapMs, 1), 0)
  }

  static ofInactivityGapAndGrace(inactivityGapMs: number, graceMs: number): SessionWindows {
    return new SessionWindows(checkMs('inactivity gap', inactivityGapMs, 1), checkMs('grace', graceMs, 0))
  }

  inactivityGap(): number {
    return this.gapMs
  }

  gracePeriodMs(): number {
    return this.graceMs
  }
}

/**
 * Kafka's sliding windows (KIP-450): windows of a fixed time difference
 * that move with the records, [start, start + difference] with both ends
 * in; one per distinct set of a key's records within the difference of
 * each other, each closing once stream time passes its end plus the grace.
 */
export class SlidingWindows {
  private constructor(readonly differenceMs: number, readonly graceMs: number) {}

  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): SlidingWindows {
    return new SlidingWindows(checkMs('time difference', timeDifferenceMs, 1), 0)
  }

  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): SlidingWindows {
    return new SlidingWindows(checkMs('time difference', timeDifferenceMs, 1), checkMs('grace', graceMs, 0))
  }

  timeDifferenceMs(): number {
    return this.differenceMs
  }

  gracePeriodMs(): number {
    return this.graceMs
  }
}

/**
 * A windowed serde over the app's default key serde, for a windowed
 * aggregation whose key serde was left to the defaults (as Kafka's
 * default.windowed.key.serde.inner): the task sets the inner serde.
 * @internal
 */
export function defaultInnerWindowedSerde<K>(make: (inner: Serde<K>) => Serde<Windowed<K>>): Serde<Windowed<K>> & {setIfUnset(k: Serde<unknown>, v: Serde<unknown>): void} {
  let serde: Serde<Windowed<K>> | null = null
  const get = () => {
    if (serde === null) throw new StreamsError('a windowed key serde was used before its task set the inner key serde')
    return serde
  }
  return {
    setIfUnset(k) {
      serde ??= make(k as Serde<K>)
    },
    serialize: (topic, data) => get().serialize(topic, data),
    deserialize: (topic, data) => get().deserialize(topic, data),
  }
}

export const WindowedSerdes = {
  /** Kafka's SessionWindowedSerde: the key's bytes, then the session's end and start, 8 bytes each. */
  sessionWindowedSerdeFrom<K>(inner: Serde<K>): Serde<Windowed<K>> {
    return {
      serialize(topic, data) {
        if (data === null || data === undefined) return null
        const key = inner.serialize(topic, data.key)
        if (key === null) throw new StreamsError('a windowed key may not have a null key')
        const out = Buffer.allocUnsafe(key.length + 16)
        key.copy(out, 0)
        out.writeBigInt64BE(BigInt(data.window.end()), key.length)
        out.writeBigInt64BE(BigInt(data.window.start()), key.length + 8)
        return out
      },
      deserialize(topic, data) {
        if (data === null || data === undefined) return null
        if (data.length < 16) throw new StreamsError(`session windowed serde: a key in topic ${topic} is ${data.length} bytes, shorter than a session's end and start`)
        const end = Number(data.readBigInt64BE(data.length - 16))
        const start = Number(data.readBigInt64BE(data.length - 8))
        return new Windowed(inner.deserialize(topic, data.subarray(0, data.length - 16)) as K, new SessionWindow(start, end))
      },
    }
  },

  timeWindowedSerdeFrom<K>(inner: Serde<K>, windowSizeMs: number): Serde<Windowed<K>> {
    checkMs('window size', windowSizeMs, 1)
    return {
      serialize(topic, data) {
        if (data === null || data === undefined) return null
        const key = inner.serialize(topic, data.key)
        if (key === null) throw new StreamsError('a windowed key may not have a null key')
        const out = Buffer.allocUnsafe(key.length + 8)
        key.copy(out, 0)
        out.writeBigInt64BE(BigInt(data.window.start()), key.length)
        return out
      },
      deserialize(topic, data) {
        if (data === null || data === undefined) return null
        if (data.length < 8) throw new StreamsError(`windowed serde: a key in topic ${topic} is ${data.length} bytes, shorter than a window start`)
        const start = Number(data.readBigInt64BE(data.length - 8))
        return new Windowed(inner.deserialize(topic, data.subarray(0, data.length - 8)) as K, new TimeWindow(start, start + windowSizeMs))
      },
    }
  },
}
