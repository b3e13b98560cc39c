/**
 * Kafka's numeric converters (org.apache.kafka.connect.converters.*): the
 * value as the Java serializer writes it, big-endian, fixed width
 * (ShortConverter 2 bytes, IntegerConverter 4, LongConverter 8,
 * FloatConverter 4 IEEE 754, DoubleConverter 8, BooleanConverter 1). Bytes
 * of another length are refused, as Kafka's deserializers do.
 */
import {ConnectDataError} from '../../errors.js'
import type {Converter, HeaderConverter} from '../api/converter.js'
import {Schema, type SchemaAndValue} from '../api/schema.js'

interface NumberCodec {
  className: string
  schema: Schema
  size: number
  write(buf: Buffer, value: unknown): boolean
  read(buf: Buffer): unknown
}

abstract class NumberConverter implements Converter, HeaderConverter {
  protected abstract readonly codec: NumberCodec

  configure(): void {}

  fromConnectData(_topic: string, _schema: Schema | null, value: unknown): Buffer | null {
    if (value === null || value === undefined) return null
    const buf = Buffer.alloc(this.codec.size)
    if (!this.codec.write(buf, value)) throw new ConnectDataError(`Failed to serialize to ${this.codec.schema.type} (was ${typeof value}): ${String(value)}`)
    return buf
  }

  toConnectData(_topic: string, value: Buffer | null): SchemaAndValue {
    if (value === null) return {schema: this.codec.schema, value: null}
    if (value.length !== this.codec.size) throw new ConnectDataError(`Failed to deserialize ${this.codec.schema.type}: size of data received is ${value.length}, not ${this.codec.size}`)
    return {schema: this.codec.schema, value: this.codec.read(value)}
  }

  fromConnectHeader(topic: string, _key: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, schema, value)
  }

  toConnectHeader(topic: string, _key: string, value: Buffer | null): SchemaAndValue {
    return this.toConnectData(topic, value)
  }
}

const intIn = (v: unknown, bound: number) => typeof v === 'number' && Number.isInteger(v) && v >= -bound && v < bound

const PREFIX = 'org.apache.kafka.connect.converters.'

export class ShortConverter extends NumberConverter {
  static readonly CLASS_NAME = PREFIX + 'ShortConverter'
  protected readonly codec: NumberCodec = {className: ShortConverter.CLASS_NAME, schema: Schema.OPTIONAL_INT16_SCHEMA, size: 2, write: (b, v) => intIn(v, 0x8000) && (b.writeInt16BE(v as number), true), read: (b) => b.readInt16BE(0)}
}

export class IntegerConverter extends NumberConverter {
  static readonly CLASS_NAME = PREFIX + 'IntegerConverter'
  protected readonly codec: NumberCodec = {className: IntegerConverter.CLASS_NAME, schema: Schema.OPTIONAL_INT32_SCHEMA, size: 4, write: (b, v) => intIn(v, 0x80000000) && (b.writeInt32BE(v as number), true), read: (b) => b.readInt32BE(0)}
}

export class LongConverter extends NumberConverter {
  static readonly CLASS_NAME = PREFIX + 'LongConverter'
  protected readonly codec: NumberCodec = {
    className: LongConverter.CLASS_NAME,
    schema: Schema.OPTIONAL_INT64_SCHEMA,
    size: 8,
    write: (b, v) => {
      if (typeof v !== 'bigint' && !(typeof v === 'number' && Number.isInteger(v))) return false
      const n = BigInt(v)
      if (n < -(1n << 63n) || n >= 1n << 63n) return false
      b.writeBigInt64BE(n)
      return true
    },
    read: (b) => {
      const n = b.readBigInt64BE(0)
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n
    },
  }
}

export class FloatConverter extends NumberConverter {
  static readonly CLASS_NAME = PREFIX + 'FloatConverter'
  protected readonly codec: NumberCodec = {className: FloatConverter.CLASS_NAME, schema: Schema.OPTIONAL_FLOAT32_SCHEMA, size: 4, write: (b, v) => typeof v === 'number' && (b.writeFloatBE(v), true), read: (b) => b.readFloatBE(0)}
}

export class DoubleConverter extends NumberConverter {
  static readonly CLASS_NAME = PREFIX + 'DoubleConverter'
  protected readonly codec: NumberCodec = {className: DoubleConverter.CLASS_NAME, schema: Schema.OPTIONAL_FLOAT64_SCHEMA, size: 8, write: (b, v) => typeof v === 'number' && (b.writeDoubleBE(v), true), read: (b) => b.readDoubleBE(0)}
}

export class BooleanConverter extends NumberConverter {
  static readonly CLASS_NAME = PREFIX + 'BooleanConverter'
  protected readonly codec: NumberCodec = {
    className: BooleanConverter.CLASS_NAME,
    schema: Schema.OPTIONAL_BOOLEAN_SCHEMA,
    size: 1,
    write: (b, v) => typeof v === 'boolean' && (b.writeUInt8(v ? 1 : 0), true),
    read: (b) => {
      if (b[0] > 1) throw new ConnectDataError(`Failed to deserialize BOOLEAN: byte ${b[0]} is neither 0 nor 1`)
      return b[0] === 1
    },
  }
}
