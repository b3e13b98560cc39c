/**
 * Kafka Connect's data model: a Schema says what a key or value is (one of
 * Kafka's twelve types, optional or not, with a default, name, version, doc
 * and parameters), built with SchemaBuilder as in Java.
 *
 * JavaScript values per type: INT8/16/32, FLOAT32/64 and INT64 are numbers
 * (INT64 also takes a bigint), BOOLEAN a boolean, STRING a string, BYTES a
 * Uint8Array (Buffer), ARRAY an array, MAP a plain object (string keys) or a
 * Map, STRUCT a Struct. Logical types (logical-types.ts) change the value's
 * form, not its schema type.
 */
import {ConnectDataError} from '../../errors.js'

export type SchemaType = 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'FLOAT32' | 'FLOAT64' | 'BOOLEAN' | 'STRING' | 'BYTES' | 'ARRAY' | 'MAP' | 'STRUCT'

export const SCHEMA_TYPES: readonly SchemaType[] = ['INT8', 'INT16', 'INT32', 'INT64', 'FLOAT32', 'FLOAT64', 'BOOLEAN', 'STRING', 'BYTES', 'ARRAY', 'MAP', 'STRUCT']

export interface Field {
  readonly name: string
  readonly index: number
  readonly schema: Schema
}

interface SchemaParts {
  type: SchemaType
  optional: boolean
  defaultValue: unknown
  name: string | null
  version: number | null
  doc: string | null
  parameters: Readonly<Record<string, string>> | null
  fields: readonly Field[] | null
  keySchema: Schema | null
  valueSchema: Schema | null
}

export class Schema {
  readonly type: SchemaType
  readonly optional: boolean
  readonly defaultValue: unknown
  readonly name: string | null
  readonly version: number | null
  readonly doc: string | null
  readonly parameters: Readonly<Record<string, string>> | null
  readonly keySchema: Schema | null
  readonly valueSchema: Schema | null
  private readonly fieldList: readonly Field[] | null

  /** Schemas are made with SchemaBuilder. @internal */
  constructor(parts: SchemaParts) {
    this.type = parts.type
    this.optional = parts.optional
    this.defaultValue = parts.defaultValue
    this.name = parts.name
    this.version = parts.version
    this.doc = parts.doc
    this.parameters = parts.parameters
    this.fieldList = parts.fields
    this.keySchema = parts.keySchema
    this.valueSchema = parts.valueSchema
    if (parts.defaultValue !== null && parts.defaultValue !== undefined) validateValue(this, parts.defaultValue)
  }

  /** The fields of a STRUCT, in order. */
  fields(): readonly Field[] {
    if (!this.fieldList) throw new ConnectDataError(`cannot list fields on non-struct type ${this.type}`)
    return this.fieldList
  }

  field(name: string): Field | null {
    return this.fields().find((f) => f.name === name) ?? null
  }

  equals(other: Schema | null | undefined): boolean {
    if (other === this) return true
    if (!other) return false
    if (this.type !== other.type || this.optional !== other.optional || this.name !== other.name || this.version !== other.version || this.doc !== other.doc) return false
    if (!sameParams(this.parameters, other.parameters) || !valuesEqual(this.defaultValue ?? null, other.defaultValue ?? null)) return false
    if (this.type === 'ARRAY') return this.valueSchema!.equals(other.valueSchema)
    if (this.type === 'MAP') return this.keySchema!.equals(other.keySchema) && this.valueSchema!.equals(other.valueSchema)
    if (this.type === 'STRUCT') {
      const a = this.fields()
      const b = other.fields()
      return a.length === b.length && a.every((f, i) => f.name === b[i].name && f.schema.equals(b[i].schema))
    }
    return true
  }

  toString(): string {
    return this.name ? `Schema{${this.name}:${this.type}}` : `Schema{${this.type}}`
  }

  static readonly INT8_SCHEMA = primitive(this, 'INT8', false)
  static readonly INT16_SCHEMA = primitive(this, 'INT16', false)
  static readonly INT32_SCHEMA = primitive(this, 'INT32', false)
  static readonly INT64_SCHEMA = primitive(this, 'INT64', false)
  static readonly FLOAT32_SCHEMA = primitive(this, 'FLOAT32', false)
  static readonly FLOAT64_SCHEMA = primitive(this, 'FLOAT64', false)
  static readonly BOOLEAN_SCHEMA = primitive(this, 'BOOLEAN', false)
  static readonly STRING_SCHEMA = primitive(this, 'STRING', false)
  static readonly BYTES_SCHEMA = primitive(this, 'BYTES', false)
  static readonly OPTIONAL_INT8_SCHEMA = primitive(this, 'INT8', true)
  static readonly OPTIONAL_INT16_SCHEMA = primitive(this, 'INT16', true)
  static readonly OPTIONAL_INT32_SCHEMA = primitive(this, 'INT32', true)
  static readonly OPTIONAL_INT64_SCHEMA = primitive(this, 'INT64', true)
  static readonly OPTIONAL_FLOAT32_SCHEMA = primitive(this, 'FLOAT32', true)
  static readonly OPTIONAL_FLOAT64_SCHEMA = primitive(this, 'FLOAT64', true)
  static readonly OPTIONAL_BOOLEAN_SCHEMA = primitive(this, 'BOOLEAN', true)
  static readonly OPTIONAL_STRING_SCHEMA = primitive(this, 'STRING', true)
  static readonly OPTIONAL_BYTES_SCHEMA = primitive(this, 'BYTES', true)
}

/** The static schemas are built in the class's own initializers, before its outer name is bound. */
function primitive(ctor: typeof Schema, type: SchemaType, optional: boolean): Schema {
  return new ctor({type, optional, defaultValue: null, name: null, version: null, doc: null, parameters: null, fields: null, keySchema: null, valueSchema: null})
}

function sameParams(a: Readonly<Record<string, string>> | null, b: Readonly<Record<string, string>> | null): boolean {
  if (!a || !b) return a === b
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k])
}

export class SchemaBuilder {
  private readonly parts: SchemaParts
  private readonly fieldList: Field[] = []

  private constructor(type: SchemaType) {
    this.parts = {type, optional: false, defaultValue: null, name: null, version: null, doc: null, parameters: null, fields: null, keySchema: null, valueSchema: null}
  }

  static type(type: SchemaType): SchemaBuilder {
    if (!SCHEMA_TYPES.includes(type)) throw new ConnectDataError(`unknown schema type ${String(type)}`)
    return new SchemaBuilder(type)
  }
  static int8 = () => new SchemaBuilder('INT8')
  static int16 = () => new SchemaBuilder('INT16')
  static int32 = () => new SchemaBuilder('INT32')
  static int64 = () => new SchemaBuilder('INT64')
  static float32 = () => new SchemaBuilder('FLOAT32')
  static float64 = () => new SchemaBuilder('FLOAT64')
  static bool = () => new SchemaBuilder('BOOLEAN')
  static string = () => new SchemaBuilder('STRING')
  static bytes = () => new SchemaBuilder('BYTES')
  static struct = () => new SchemaBuilder('STRUCT')

  static array(valueSchema: Schema): SchemaBuilder {
    const b = new SchemaBuilder('ARRAY')
    b.parts.valueSchema = valueSchema
    return b
  }

  static map(keySchema: Schema, valueSchema: Schema): SchemaBuilder {
    const b = new SchemaBuilder('MAP')
    b.parts.keySchema = keySchema
    b.parts.valueSchema = valueSchema
    return b
  }

  optional(): this {
    this.parts.optional = true
    return this
  }

  required(): this {
    this.parts.optional = false
    return this
  }

  name(name: string): this {
    this.parts.name = name
    return this
  }

  version(version: number): this {
    this.parts.version = version
    return this
  }

  doc(doc: string): this {
    this.parts.doc = doc
    return this
  }

  parameter(key: string, value: string): this {
    this.parts.parameters = {...this.parts.parameters, [key]: value}
    return this
  }

  parameters(params: Record<string, string>): this {
    this.parts.parameters = {...this.parts.parameters, ...params}
    return this
  }

  defaultValue(value: unknown): this {
    this.parts.defaultValue = value
    return this
  }

  field(name: string, schema: Schema): this {
    if (this.parts.type !== 'STRUCT') throw new ConnectDataError(`cannot create fields on type ${this.parts.type}`)
    if (this.fieldList.some((f) => f.name === name)) throw new ConnectDataError(`cannot create field because of field name duplication ${name}`)
    this.fieldList.push({name, index: this.fieldList.length, schema})
    return this
  }

  get type(): SchemaType {
    return this.parts.type
  }

  build(): Schema {
    return new Schema({...this.parts, fields: this.parts.type === 'STRUCT' ? [...this.fieldList] : null})
  }
}

/** A value with the schema that describes it; both null for a null key or value without a schema. */
export interface SchemaAndValue {
  schema: Schema | null
  value: unknown
}

export const NULL_SCHEMA_AND_VALUE: SchemaAndValue = Object.freeze({schema: null, value: null})

/** Kafka's ConnectSchema.validateValue: throws ConnectDataError when `value` does not fit `schema`. */
export function validateValue(schema: Schema, value: unknown, field?: string): void {
  const where = field ? ` for field: "${field}"` : ''
  if (value === null || value === undefined) {
    if (!schema.optional && (schema.defaultValue === null || schema.defaultValue === undefined)) throw new ConnectDataError(`invalid value: null used for required field${where}, schema type: ${schema.type}`)
    return
  }
  const bad = (what: string) => new ConnectDataError(`invalid Java object for schema with type ${schema.type}: ${what}${where}`)
  const logical = logicalCheck(schema, value)
  if (logical === true) return
  if (logical === false) throw bad(describe(value))
  switch (schema.type) {
    case 'INT8':
      if (!isIntIn(value, 0x80)) throw bad(describe(value))
      return
    case 'INT16':
      if (!isIntIn(value, 0x8000)) throw bad(describe(value))
      return
    case 'INT32':
      if (!isIntIn(value, 0x80000000)) throw bad(describe(value))
      return
    case 'INT64':
      if (typeof value === 'bigint') {
        if (value < -(1n << 63n) || value >= 1n << 63n) throw bad('bigint out of range')
        return
      }
      if (typeof value !== 'number' || !Number.isInteger(value)) throw bad(describe(value))
      return
    case 'FLOAT32':
    case 'FLOAT64':
      if (typeof value !== 'number') throw bad(describe(value))
      return
    case 'BOOLEAN':
      if (typeof value !== 'boolean') throw bad(describe(value))
      return
    case 'STRING':
      if (typeof value !== 'string') throw bad(describe(value))
      return
    case 'BYTES':
      if (!(value instanceof Uint8Array)) throw bad(describe(value))
      return
    case 'ARRAY':
      if (!Array.isArray(value)) throw bad(describe(value))
      for (const v of value) validateValue(schema.valueSchema!, v, field)
      return
    case 'MAP':
      if (value instanceof Map) {
        for (const [k, v] of value) {
          validateValue(schema.keySchema!, k, field)
          validateValue(schema.valueSchema!, v, field)
        }
        return
      }
      if (!isPlainObject(value)) throw bad(describe(value))
      for (const [k, v] of Object.entries(value)) {
        validateValue(schema.keySchema!, k, field)
        validateValue(schema.valueSchema!, v, field)
      }
      return
    case 'STRUCT': {
      const s = value as {schema?: unknown; validate?: () => void}
      if (typeof s !== 'object' || !(s.schema instanceof Schema) || typeof s.validate !== 'function') throw bad(describe(value))
      if (!s.schema.equals(schema)) throw new ConnectDataError(`struct schemas do not match${where}`)
      s.validate()
      return
    }
  }
}

/** Logical types take their own JavaScript forms: true (fits), false (does not), undefined (not a logical type). */
function logicalCheck(schema: Schema, value: unknown): boolean | undefined {
  switch (schema.name) {
    case 'org.apache.kafka.connect.data.Decimal':
      return schema.type === 'BYTES' ? typeof value === 'string' || typeof value === 'bigint' : undefined
    case 'org.apache.kafka.connect.data.Date':
    case 'org.apache.kafka.connect.data.Time':
    case 'org.apache.kafka.connect.data.Timestamp':
      return value instanceof Date ? !Number.isNaN(value.getTime()) : false
    default:
      return undefined
  }
}

function isIntIn(value: unknown, bound: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= -bound && value < bound
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value !== 'object') return typeof value
  return (value as object).constructor?.name ?? 'object'
}

/** Deep equality of Connect values (Buffers by bytes, Structs by schema and fields, Dates by time). */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return typeof a === 'bigint' || typeof b === 'bigint' ? BigInt(a as number) === BigInt(b as number) : false
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime()
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => valuesEqual(v, b[i]))
  const eq = (a as {equals?: (o: unknown) => boolean}).equals
  if (typeof eq === 'function') return eq.call(a, b)
  if (a instanceof Map && b instanceof Map) return a.size === b.size && [...a].every(([k, v]) => b.has(k) && valuesEqual(v, b.get(k)))
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a)
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && valuesEqual(a[k], b[k]))
  }
  return false
}
