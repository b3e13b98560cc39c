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

export class TimeWindow {
  constructor(readonly startMs: number, readonly endMs: number) {}
  start(): number {
    return this.startMs
  }
  end(): number {
    return this.endMs
  }
  toString(): string {
    return `TimeWindow{startMs=${this.startMs}, endMs=${this.endMs}}`
  }
}

export interface Windowed<K> {
  key: K
  window: TimeWindow
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

export const WindowedSerdes = {
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
        return {key: inner.deserialize(topic, data.subarray(0, data.length - 8)) as K, window: new TimeWindow(start, start + windowSizeMs)}
      },
    }
  },
}
