/**
 * Serdes as Kafka's `org.apache.kafka.common.serialization.Serdes` writes
 * them, so a topic written by a Java Streams app reads back right: String
 * as UTF-8, Long/Integer/Short as big-endian two's complement, Double and
 * Float as big-endian IEEE 754, UUID as its text in UTF-8, ByteArray as it
 * is. null is null both ways (a tombstone stays one).
 *
 * Long is read into a JavaScript number: a value outside +-2^53 cannot be
 * one exactly, so it is refused rather than rounded (BigLong gives bigint).
 */
import {StreamsError} from './streams-error.js'

export interface Serde<T> {
  serialize(topic: string, data: T | null): Buffer | null
  deserialize(topic: string, data: Buffer | null): T | null
}

function fixed<T>(name: string, size: number, write: (b: Buffer, v: T) => void, read: (b: Buffer) => T): Serde<T> {
  return {
    serialize(_topic, data) {
      if (data === null || data === undefined) return null
      const b = Buffer.allocUnsafe(size)
      write(b, data)
      return b
    },
    deserialize(topic, data) {
      if (data === null || data === undefined) return null
      if (data.length !== size) throw new StreamsError(`${name} serde: a value in topic ${topic} is ${data.length} bytes, not ${size}`)
      return read(data)
    },
  }
}

function checkedInt(name: string, min: number, max: number, v: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new StreamsError(`${name} serde: ${v} is not an integer in [${min}, ${max}]`)
  return v
}

const StringSerde: Serde<string> = {
  serialize: (_t, data) => (data === null || data === undefined ? null : Buffer.from(String(data), 'utf8')),
  deserialize: (_t, data) => (data === null || data === undefined ? null : data.toString('utf8')),
}

const ByteArraySerde: Serde<Buffer> = {
  serialize: (_t, data) => (data === null || data === undefined ? null : data),
  deserialize: (_t, data) => (data === null || data === undefined ? null : data),
}

/** A safe integer as a big-endian two's complement int64, in two 32-bit halves (no BigInt per value: a count's every update is one). */
export function writeSafeInt64BE(b: Buffer, v: number, at = 0): void {
  const high = Math.floor(v / 2 ** 32)
  b.writeInt32BE(high, at)
  b.writeUInt32BE(v - high * 2 ** 32, at + 4)
}

/** The int64 at `at` as a number, or null when it is outside +-(2^53 - 1). */
export function readSafeInt64BE(b: Buffer, at = 0): number | null {
  const high = b.readInt32BE(at)
  // |high| < 2^21 is +-2^53; the two ends need the low half too.
  if (high >= 0x200000 || high < -0x200000) return null
  const v = high * 2 ** 32 + b.readUInt32BE(at + 4)
  return v >= Number.MIN_SAFE_INTEGER ? v : null
}

const LongSerde = fixed<number>(
  'Long',
  8,
  (b, v) => writeSafeInt64BE(b, checkedInt('Long', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, v)),
  (b) => {
    const v = readSafeInt64BE(b)
    if (v === null) throw new StreamsError(`Long serde: ${b.readBigInt64BE(0)} does not fit a JavaScript number exactly`, {hint: 'use Serdes.BigLong() for the full 64-bit range'})
    return v
  },
)
const BigLongSerde = fixed<bigint>('Long', 8, (b, v) => b.writeBigInt64BE(v), (b) => b.readBigInt64BE(0))
const IntegerSerde = fixed<number>('Integer', 4, (b, v) => b.writeInt32BE(checkedInt('Integer', -(2 ** 31), 2 ** 31 - 1, v)), (b) => b.readInt32BE(0))
const ShortSerde = fixed<number>('Short', 2, (b, v) => b.writeInt16BE(checkedInt('Short', -32768, 32767, v)), (b) => b.readInt16BE(0))
const DoubleSerde = fixed<number>('Double', 8, (b, v) => b.writeDoubleBE(v), (b) => b.readDoubleBE(0))
const FloatSerde = fixed<number>('Float', 4, (b, v) => b.writeFloatBE(v), (b) => b.readFloatBE(0))

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const UUIDSerde: Serde<string> = {
  serialize(_t, data) {
    if (data === null || data === undefined) return null
    if (!UUID_RE.test(data)) throw new StreamsError(`UUID serde: ${JSON.stringify(data)} is not a UUID`)
    return Buffer.from(data.toLowerCase(), 'utf8')
  },
  deserialize(topic, data) {
    if (data === null || data === undefined) return null
    const s = data.toString('utf8')
    if (!UUID_RE.test(s)) throw new StreamsError(`UUID serde: a value in topic ${topic} is not a UUID`)
    return s
  },
}

/** JSON text in UTF-8 (what Kafka users pair with a JSON serde of their own). */
function jsonSerde<T = unknown>(): Serde<T> {
  return keepingNoBytes({
    serialize: (_t, data) => (data === null || data === undefined ? null : Buffer.from(JSON.stringify(data), 'utf8')),
    deserialize(topic, data) {
      if (data === null || data === undefined) return null
      try {
        return JSON.parse(data.toString('utf8')) as T
      } catch (error) {
        throw new StreamsError(`JSON serde: a value in topic ${topic} is not JSON (${(error as Error).message})`)
      }
    },
  })
}

const VoidSerde: Serde<null> = {
  serialize: (_t, data) => {
    if (data !== null && data !== undefined) throw new StreamsError('Void serde: only null can be written')
    return null
  },
  deserialize: (topic, data) => {
    if (data !== null && data !== undefined) throw new StreamsError(`Void serde: a value in topic ${topic} is not null`)
    return null
  },
}

/**
 * Serdes whose deserialize keeps nothing of the bytes it is given (it makes
 * a string, a number or parsed JSON of them): a record read is lent to
 * them as a view of the read buffer instead of a copy (kafka-streams.ts).
 * ByteArray's returns the bytes themselves, and a serde of the user's may
 * keep them: those get copies.
 */
const KEEPS_NO_BYTES = new WeakSet<object>()

function keepingNoBytes<S extends Serde<unknown>>(serde: S): S {
  KEEPS_NO_BYTES.add(serde)
  return serde
}
for (const s of [StringSerde, LongSerde, BigLongSerde, IntegerSerde, ShortSerde, DoubleSerde, FloatSerde, UUIDSerde, VoidSerde]) keepingNoBytes(s as Serde<unknown>)

/** Whether this serde's deserialize keeps nothing of its input (see KEEPS_NO_BYTES). @internal */
export function keepsNoBytes(serde: Serde<unknown>): boolean {
  return KEEPS_NO_BYTES.has(serde)
}

export const Serdes = {
  String: (): Serde<string> => StringSerde,
  ByteArray: (): Serde<Buffer> => ByteArraySerde,
  Bytes: (): Serde<Buffer> => ByteArraySerde,
  Long: (): Serde<number> => LongSerde,
  BigLong: (): Serde<bigint> => BigLongSerde,
  Integer: (): Serde<number> => IntegerSerde,
  Short: (): Serde<number> => ShortSerde,
  Double: (): Serde<number> => DoubleSerde,
  Float: (): Serde<number> => FloatSerde,
  UUID: (): Serde<string> => UUIDSerde,
  Void: (): Serde<null> => VoidSerde,
  JSON: jsonSerde,
}

/** Kafka's class names for its serdes, as `default.key.serde` and `default.value.serde` take them. */
const BY_CLASS: Record<string, () => Serde<unknown>> = {
  StringSerde: Serdes.String,
  ByteArraySerde: Serdes.ByteArray,
  BytesSerde: Serdes.Bytes,
  LongSerde: Serdes.Long,
  IntegerSerde: Serdes.Integer,
  ShortSerde: Serdes.Short,
  DoubleSerde: Serdes.Double,
  FloatSerde: Serdes.Float,
  UUIDSerde: Serdes.UUID,
  VoidSerde: Serdes.Void,
} as Record<string, () => Serde<unknown>>

/** A serde given as an object or as Kafka's class name (`org.apache.kafka.common.serialization.Serdes$StringSerde`). */
export function resolveSerde(spec: unknown, what: string): Serde<unknown> {
  if (typeof spec === 'object' && spec !== null && typeof (spec as Serde<unknown>).serialize === 'function' && typeof (spec as Serde<unknown>).deserialize === 'function') return spec as Serde<unknown>
  if (typeof spec === 'string') {
    const short = spec.replace(/^org\.apache\.kafka\.common\.serialization\.Serdes[$.]/, '')
    const make = BY_CLASS[short]
    if (make) return make()
    throw new StreamsError(`${what}: ${spec} is not a serde logpipe knows`, {hint: `one of ${Object.keys(BY_CLASS).map((k) => `org.apache.kafka.common.serialization.Serdes$${k}`).join(', ')}, or a serde object`})
  }
  throw new StreamsError(`${what}: not a serde (give Serdes.String() or a Kafka serde class name)`)
}
