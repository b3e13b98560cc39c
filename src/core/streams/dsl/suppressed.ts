/**
 * Kafka's Suppressed and BufferConfig: what KTable.suppress holds back.
 * untilWindowCloses emits each window's final result once stream time
 * passes its end plus the grace (a windowed table only); untilTimeLimit
 * emits a key's latest value once stream time is the limit past its first
 * buffered update, or earlier when the buffer is full (maxRecords or
 * maxBytes, whichever is reached first), unless
 * the buffer is told to fail instead (shutDownWhenFull).
 */
import {StreamsError} from '../streams-error.js'

export class BufferConfig {
  private constructor(readonly maxRecords: number, readonly maxBytes: number, readonly shutDownWhenFullFlag: boolean) {}
  /** No bound, and failing if memory runs out rather than emitting early (Kafka's StrictBufferConfig). */
  static unbounded(): BufferConfig {
    return new BufferConfig(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true)
  }
  /** At most n keys buffered; the oldest go early past that (Kafka's EagerBufferConfig). */
  static maxRecords(n: number): BufferConfig {
    return new BufferConfig(bound('maxRecords', n), Number.MAX_SAFE_INTEGER, false)
  }
  /** At most n bytes buffered (keys, values and their old values, see SuppressionBuffer); the oldest go early past that. */
  static maxBytes(n: number): BufferConfig {
    return new BufferConfig(Number.MAX_SAFE_INTEGER, bound('maxBytes', n), false)
  }
  withMaxRecords(n: number): BufferConfig {
    return new BufferConfig(bound('maxRecords', n), this.maxBytes, this.shutDownWhenFullFlag)
  }
  withMaxBytes(n: number): BufferConfig {
    return new BufferConfig(this.maxRecords, bound('maxBytes', n), this.shutDownWhenFullFlag)
  }
  withNoBound(): BufferConfig {
    return new BufferConfig(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, this.shutDownWhenFullFlag)
  }
  emitEarlyWhenFull(): BufferConfig {
    return new BufferConfig(this.maxRecords, this.maxBytes, false)
  }
  shutDownWhenFull(): BufferConfig {
    return new BufferConfig(this.maxRecords, this.maxBytes, true)
  }
}

function bound(what: string, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new StreamsError(`a suppression buffer's ${what} must be a non-negative integer, not ${n}`)
  return n
}

export class Suppressed {
  private constructor(
    readonly finalResults: boolean,
    readonly timeLimitMs: number,
    readonly buffer: BufferConfig,
    readonly name: string | null,
  ) {}
  static untilWindowCloses(buffer: BufferConfig): Suppressed {
    return new Suppressed(true, 0, buffer, null)
  }
  static untilTimeLimit(timeToWaitForMoreEventsMs: number, buffer: BufferConfig): Suppressed {
    if (!Number.isInteger(timeToWaitForMoreEventsMs) || timeToWaitForMoreEventsMs < 0) throw new StreamsError(`a suppression time limit must be a non-negative integer of ms, not ${timeToWaitForMoreEventsMs}`)
    return new Suppressed(false, timeToWaitForMoreEventsMs, buffer, null)
  }
  withName(name: string): Suppressed {
    return new Suppressed(this.finalResults, this.timeLimitMs, this.buffer, name)
  }
}
