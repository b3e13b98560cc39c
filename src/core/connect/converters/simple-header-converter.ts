/**
 * org.apache.kafka.connect.storage.SimpleHeaderConverter, the default
 * `header.converter`: a header value is written as its text, and text is
 * read back as the narrowest type it spells (true/false BOOLEAN, an integer
 * INT8..INT64, a float FLOAT32 or FLOAT64, else STRING). Arrays, maps and
 * structs are written as JSON; unlike Kafka, they are read back as strings.
 */
import type {HeaderConverter} from '../api/converter.js'
import {NULL_SCHEMA_AND_VALUE, Schema, type SchemaAndValue} from '../api/schema.js'
import {Struct} from '../api/struct.js'
import {JsonConverter} from './json-converter.js'
import {writeJson} from './json-text.js'

export class SimpleHeaderConverter implements HeaderConverter {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.storage.SimpleHeaderConverter'
  private readonly json = new JsonConverter()

  constructor() {
    this.json.configure({'schemas.enable': 'false'})
  }

  configure(): void {}

  fromConnectHeader(_topic: string, _key: string, schema: Schema | null, value: unknown): Buffer | null {
    if (value === null || value === undefined) return null
    if (typeof value === 'string') return Buffer.from(value, 'utf8')
    if (value instanceof Uint8Array) return Buffer.from(Buffer.from(value).toString('base64'), 'utf8')
    if (value instanceof Date) return Buffer.from(value.toISOString(), 'utf8')
    if (typeof value === 'object' && (Array.isArray(value) || value instanceof Map || value instanceof Struct || value.constructor === Object)) {
      return Buffer.from(writeJson(this.json.toJson(schema, value)), 'utf8')
    }
    return Buffer.from(String(value), 'utf8')
  }

  toConnectHeader(_topic: string, _key: string, value: Buffer | null): SchemaAndValue {
    if (value === null) return NULL_SCHEMA_AND_VALUE
    return parseHeaderString(value.toString('utf8'))
  }
}

/** Kafka's Values.parseString, for the scalar cases. */
export function parseHeaderString(text: string): SchemaAndValue {
  if (text === 'true' || text === 'false') return {schema: Schema.BOOLEAN_SCHEMA, value: text === 'true'}
  if (/^[+-]?\d+$/.test(text)) {
    const n = BigInt(text)
    if (n >= -128n && n < 128n) return {schema: Schema.INT8_SCHEMA, value: Number(n)}
    if (n >= -32768n && n < 32768n) return {schema: Schema.INT16_SCHEMA, value: Number(n)}
    if (n >= -(1n << 31n) && n < 1n << 31n) return {schema: Schema.INT32_SCHEMA, value: Number(n)}
    if (n >= -(1n << 63n) && n < 1n << 63n) return {schema: Schema.INT64_SCHEMA, value: Number.isSafeInteger(Number(n)) ? Number(n) : n}
    return {schema: Schema.STRING_SCHEMA, value: text}
  }
  if (/^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$/.test(text)) {
    const v = Number(text)
    if (Number.isFinite(v)) return Math.fround(v) === v ? {schema: Schema.FLOAT32_SCHEMA, value: v} : {schema: Schema.FLOAT64_SCHEMA, value: v}
  }
  return {schema: Schema.STRING_SCHEMA, value: text}
}
