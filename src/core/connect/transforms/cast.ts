/**
 * org.apache.kafka.connect.transforms.Cast$Key / $Value: casts fields
 * (`spec=field:type,...`) or the whole key or value (`spec=type`) to int8,
 * int16, int32, int64, float32, float64, boolean or string, as Java's
 * casts do: integers wrap, floats truncate (saturating to the int range),
 * strings parse, booleans are 1/0 and numbers != 0 true; to string, floats
 * print as Java prints them, bytes as base64, dates as Kafka's Values
 * formats. Logical types (Date, Time, Timestamp) cast to numbers by their
 * encoded value. Without a schema a JavaScript integer counts as an int64
 * and any other number as a float64, as JSON gives Kafka Long and Double.
 */
import {ConnectConfigError, ConnectDataError} from '../../errors.js'
import {ConfigDef} from '../api/config-def.js'
import type {ConnectRecord} from '../api/connect-record.js'
import type {Props} from '../api/connector.js'
import {ConnectDate, ConnectTime, ConnectTimestamp} from '../api/logical-types.js'
import {type Schema, SchemaBuilder, type SchemaType} from '../api/schema.js'
import {Struct} from '../api/struct.js'
import type {Transformation} from '../api/transformation.js'
import {javaDouble, javaFloat} from '../converters/json-text.js'
import {SimpleDateFormat} from './simple-date-format.js'
import {copySchemaBasics, fieldValue, operatingSchema, operatingValue, type Part, requireMap, requireStruct, SchemaCache, withPart} from './requirements.js'

const PURPOSE = 'cast types'
const INPUT_TYPES: SchemaType[] = ['INT8', 'INT16', 'INT32', 'INT64', 'FLOAT32', 'FLOAT64', 'BOOLEAN', 'STRING', 'BYTES']
const OUTPUT_TYPES: SchemaType[] = ['INT8', 'INT16', 'INT32', 'INT64', 'FLOAT32', 'FLOAT64', 'BOOLEAN', 'STRING']
const MS_PER_DAY = 86_400_000
const TIME_FORMAT = new SimpleDateFormat("HH:mm:ss.SSS'Z'")
const DATE_FORMAT = new SimpleDateFormat('yyyy-MM-dd')
const TIMESTAMP_FORMAT = new SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")

const CONFIG = new ConfigDef()
  .define({name: 'spec', type: 'LIST', importance: 'HIGH', documentation: 'List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value.'})
  .define({name: 'replace.null.with.default', type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: 'Whether to replace fields that have a default value and that are null to the default value.'})

function typeOf(name: string): SchemaType {
  const t = name.trim().toUpperCase() as SchemaType
  if (!OUTPUT_TYPES.includes(t)) {
    if (INPUT_TYPES.includes(t)) throw new ConnectConfigError(`Cast transformation does not support casting to ${t}; supported types are ${OUTPUT_TYPES.join(', ')}`)
    throw new ConnectConfigError(`Invalid value ${name} for configuration spec: Invalid type found in casting spec: ${name.trim()}`)
  }
  return t
}

export abstract class Cast implements Transformation {
  private casts = new Map<string, SchemaType>()
  private whole: SchemaType | null = null
  private replaceNull = true
  private readonly cache = new SchemaCache()

  protected constructor(private readonly part: Part) {}

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    const c = CONFIG.parse(props)
    const spec = c.spec as string[]
    if (spec.length === 0) throw new ConnectConfigError('Invalid value  for configuration spec: Must specify at least one field to cast.')
    for (const entry of spec) {
      const parts = entry.split(':')
      if (parts.length > 2) throw new ConnectConfigError(`Invalid value ${spec.join(',')} for configuration spec: Invalid rename mapping: ${entry}`)
      if (parts.length === 1) {
        if (spec.length > 1) throw new ConnectConfigError(`Invalid value ${spec.join(',')} for configuration spec: Cast transformations that specify a type to cast the entire value to may ony specify a single cast in their spec`)
        this.whole = typeOf(parts[0])
      } else this.casts.set(parts[0].trim(), typeOf(parts[1]))
    }
    this.replaceNull = c['replace.null.with.default'] as boolean
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = operatingValue(record, this.part)
    if (value === null) return record
    const schema = operatingSchema(record, this.part)
    if (schema === null) {
      if (this.whole) return withPart(record, this.part, null, castValue(null, value, this.whole))
      const map = requireMap(value, PURPOSE)
      const updated = {...map}
      for (const [field, type] of this.casts) updated[field] = castValue(null, map[field] ?? null, type)
      return withPart(record, this.part, null, updated)
    }
    const updatedSchema = this.cache.get(schema, (s) => this.updatedSchema(s))
    if (this.whole) return withPart(record, this.part, updatedSchema, castValue(schema, value, this.whole))
    const struct = requireStruct(value, PURPOSE)
    const updated = new Struct(updatedSchema)
    for (const f of struct.schema.fields()) {
      const v = fieldValue(struct, f.name, this.replaceNull)
      const target = this.casts.get(f.name)
      updated.put(f.name, target ? castValue(f.schema, v, target) : v)
    }
    return withPart(record, this.part, updatedSchema, updated)
  }

  private updatedSchema(schema: Schema): Schema {
    let b: SchemaBuilder
    if (this.whole) b = SchemaBuilder.type(this.whole)
    else {
      if (schema.type !== 'STRUCT') throw new ConnectDataError(`Only Struct objects supported for [${PURPOSE}], found: ${schema.type}`)
      b = copySchemaBasics(schema, SchemaBuilder.struct())
      for (const f of schema.fields()) {
        const target = this.casts.get(f.name)
        if (!target) {
          b.field(f.name, f.schema)
          continue
        }
        checkInput(f.schema.type)
        const fb = SchemaBuilder.type(target)
        if (f.schema.optional) fb.optional()
        if (f.schema.defaultValue !== null && f.schema.defaultValue !== undefined) fb.defaultValue(castValue(f.schema, f.schema.defaultValue, target))
        b.field(f.name, fb.build())
      }
    }
    if (schema.optional) b.optional()
    if (schema.defaultValue !== null && schema.defaultValue !== undefined) b.defaultValue(castValue(schema, schema.defaultValue, b.type))
    return b.build()
  }

  close(): void {}
}

function checkInput(type: SchemaType): void {
  if (!INPUT_TYPES.includes(type)) throw new ConnectDataError(`Cast transformation does not support casting from ${type}; supported types are ${INPUT_TYPES.join(', ')}`)
}

function inferType(value: unknown): SchemaType {
  if (typeof value === 'number') return Number.isInteger(value) ? 'INT64' : 'FLOAT64'
  if (typeof value === 'bigint') return 'INT64'
  if (typeof value === 'boolean') return 'BOOLEAN'
  if (typeof value === 'string') return 'STRING'
  if (value instanceof Uint8Array) return 'BYTES'
  if (value instanceof Date) return 'INT64'
  if (Array.isArray(value)) return 'ARRAY'
  if (value instanceof Struct) return 'STRUCT'
  if (typeof value === 'object') return 'MAP'
  throw new ConnectDataError(`Cast transformation was passed a value of type ${typeof value} which is not supported by Connect's data API`)
}

/** Kafka's Cast.castValueToType. */
export function castValue(schema: Schema | null, value: unknown, target: SchemaType): unknown {
  if (value === null || value === undefined) return null
  const from = schema ? schema.type : inferType(value)
  checkInput(from)
  let v = value
  if (schema?.name && target !== 'STRING' && v instanceof Date) {
    if (schema.name === ConnectDate.LOGICAL_NAME) v = ConnectDate.fromLogical(schema, v)
    else if (schema.name === ConnectTime.LOGICAL_NAME) v = ConnectTime.fromLogical(schema, v)
    else if (schema.name === ConnectTimestamp.LOGICAL_NAME) v = ConnectTimestamp.fromLogical(schema, v)
  }
  if (v instanceof Date) v = v.getTime()
  // A Decimal's value is its decimal string; to a number it is the number it spells.
  if (schema?.name === 'org.apache.kafka.connect.data.Decimal' && target !== 'STRING') v = Number(v)
  const outOfRange = () => new ConnectDataError(`Value (${String(value)}) was out of range for requested data type`)
  switch (target) {
    case 'INT8':
      return integral(v, 8, outOfRange)
    case 'INT16':
      return integral(v, 16, outOfRange)
    case 'INT32':
      return integral(v, 32, outOfRange)
    case 'INT64':
      return integral(v, 64, outOfRange)
    case 'FLOAT32':
    case 'FLOAT64': {
      let n: number
      if (typeof v === 'number') n = v
      else if (typeof v === 'bigint') n = Number(v)
      else if (typeof v === 'boolean') n = v ? 1 : 0
      else if (typeof v === 'string') n = javaParseFloat(v, outOfRange)
      else throw unexpected(v)
      return target === 'FLOAT32' ? Math.fround(n) : n
    }
    case 'BOOLEAN':
      if (typeof v === 'boolean') return v
      if (typeof v === 'number') return Math.trunc(v) !== 0
      if (typeof v === 'bigint') return v !== 0n
      if (typeof v === 'string') return v.toLowerCase() === 'true'
      throw unexpected(v)
    case 'STRING':
      return castToString(schema, from, value)
    default:
      throw new ConnectDataError(`${target} is not supported in the Cast transformation.`)
  }
}

function unexpected(v: unknown): ConnectDataError {
  return new ConnectDataError(`Unexpected type in Cast transformation: ${typeof v}`)
}

function castToString(schema: Schema | null, from: SchemaType, value: unknown): string {
  if (value instanceof Date) {
    const ms = value.getTime()
    const name = schema?.name
    const f = name === ConnectTime.LOGICAL_NAME || (!name && ms >= 0 && ms < MS_PER_DAY) ? TIME_FORMAT : name === ConnectDate.LOGICAL_NAME || (!name && ms % MS_PER_DAY === 0) ? DATE_FORMAT : TIMESTAMP_FORMAT
    return f.format(value)
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
  if (typeof value === 'number') {
    if (from === 'FLOAT64') return javaDouble(value).text.replace(/^"|"$/g, '')
    if (from === 'FLOAT32') return javaFloat(value).text.replace(/^"|"$/g, '')
  }
  return String(value)
}

/** Java's (byte)/(short)/(int)/(long) of a Number, or Byte.parseByte and friends of a string. */
function integral(v: unknown, bits: 8 | 16 | 32 | 64, outOfRange: () => Error): number | bigint {
  let n: bigint
  if (typeof v === 'boolean') n = v ? 1n : 0n
  else if (typeof v === 'bigint') n = v
  else if (typeof v === 'number') {
    // Double to int (or long) saturates, NaN is 0; then the narrowing wraps.
    const wide = bits === 64 ? 64 : 32
    const max = 2 ** (wide - 1)
    const t = Number.isNaN(v) ? 0 : Math.trunc(v)
    n = t >= max ? BigInt(max) - 1n : t < -max ? -BigInt(max) : BigInt(t)
  } else if (typeof v === 'string') {
    if (!/^[+-]?\d+$/.test(v)) throw outOfRange()
    n = BigInt(v)
    if (n < -(1n << BigInt(bits - 1)) || n >= 1n << BigInt(bits - 1)) throw outOfRange()
  } else throw unexpected(v)
  const out = BigInt.asIntN(bits, n)
  return bits === 64 && !Number.isSafeInteger(Number(out)) ? out : Number(out)
}

function javaParseFloat(text: string, outOfRange: () => Error): number {
  const t = text.trim().replace(/[fFdD]$/, '')
  if (/^[+-]?NaN$/.test(t)) return NaN
  if (/^[+-]?Infinity$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) throw outOfRange()
  return Number(t)
}

export class CastKey extends Cast {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.Cast$Key'
  constructor() {
    super('key')
  }
}

export class CastValue extends Cast {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.Cast$Value'
  constructor() {
    super('value')
  }
}
