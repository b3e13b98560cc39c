/**
 * org.apache.kafka.connect.json.JsonConverter. With `schemas.enable=true`
 * (the default) every key or value is the envelope
 * `{"schema":{...},"payload":...}`, the schema written field for field as
 * Kafka's asJsonSchema does (type, fields/items/keys/values, optional,
 * name, version, doc, parameters, default; a struct field's "field" last);
 * without it, the bare payload. A null value without a schema is no bytes
 * at all, as in Kafka.
 */
import {ConnectDataError} from '../../errors.js'
import {ConfigDef, ValidString} from '../api/config-def.js'
import type {Converter, HeaderConverter} from '../api/converter.js'
import {ConnectDate, ConnectTime, ConnectTimestamp, Decimal} from '../api/logical-types.js'
import {isPlainObject, NULL_SCHEMA_AND_VALUE, type Schema, SchemaBuilder, type SchemaAndValue, type SchemaType} from '../api/schema.js'
import {Struct} from '../api/struct.js'
import {javaDouble, javaFloat, type JsonNode, JsonNumber, type JsonOut, parseJson, writeJson} from './json-text.js'

const TYPE_NAMES: Record<SchemaType, string> = {
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FLOAT32: 'float',
  FLOAT64: 'double',
  BOOLEAN: 'boolean',
  STRING: 'string',
  BYTES: 'bytes',
  ARRAY: 'array',
  MAP: 'map',
  STRUCT: 'struct',
}
const TYPES_BY_NAME = new Map(Object.entries(TYPE_NAMES).map(([t, n]) => [n, t as SchemaType]))

export interface JsonConverterOptions {
  schemasEnable: boolean
  decimalFormat: 'BASE64' | 'NUMERIC'
  replaceNullWithDefault: boolean
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f]/
/** A character JSON escapes (a control character, " or \) or that is not ASCII: a string without one is written as it is. */
const NOT_PLAIN_ASCII = /[^\x20\x21\x23-\x5b\x5d-\x7e]/
// eslint-disable-next-line no-control-regex
const NOT_ASCII = /[^\x00-\x7f]/

/** A schema's envelope prefix, and whether it is ASCII (then Latin-1 is its UTF-8). */
interface Envelope {
  prefix: string
  ascii: boolean
}
const NULL_SCHEMA_ENVELOPE: Envelope = {prefix: '{"schema":null,"payload":', ascii: true}

export class JsonConverter implements Converter, HeaderConverter {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.json.JsonConverter'
  private options: JsonConverterOptions = {schemasEnable: true, decimalFormat: 'BASE64', replaceNullWithDefault: true}
  private readonly schemaCache = new WeakMap<Schema, JsonOut>()
  private readonly prefixCache = new WeakMap<Schema, Envelope>()
  /** The envelope prefix last read and its schema: records of a topic mostly share one schema. */
  private lastRead: {prefix: string; prefixBytes: Buffer; schema: Schema} | null = null

  config(): ConfigDef {
    return new ConfigDef()
      .define({name: 'schemas.enable', type: 'BOOLEAN', defaultValue: true, importance: 'HIGH', documentation: 'Include schemas within each of the serialized values and keys.'})
      .define({name: 'schemas.cache.size', type: 'INT', defaultValue: 1000, importance: 'HIGH', documentation: 'The maximum number of schemas that can be cached in this converter instance.'})
      .define({name: 'decimal.format', type: 'STRING', defaultValue: 'BASE64', validator: ValidString.in('BASE64', 'NUMERIC'), importance: 'LOW', documentation: 'How Decimal values are written: BASE64 bytes or NUMERIC JSON numbers.'})
      .define({name: 'replace.null.with.default', type: 'BOOLEAN', defaultValue: true, importance: 'LOW', documentation: 'Write a null field as its schema default, if it has one.'})
  }

  configure(configs: Record<string, string>): void {
    const c = this.config().parse(Object.fromEntries(Object.entries(configs).filter(([k]) => this.config().configKeys().has(k))))
    this.options = {schemasEnable: c['schemas.enable'] as boolean, decimalFormat: c['decimal.format'] as 'BASE64' | 'NUMERIC', replaceNullWithDefault: c['replace.null.with.default'] as boolean}
  }

  fromConnectData(_topic: string, schema: Schema | null, value: unknown): Buffer | null {
    if (schema === null && (value === null || value === undefined)) return null
    if (typeof value === 'string' && (schema === null || (schema.type === 'STRING' && schema.name === null))) {
      const envelope = this.options.schemasEnable ? this.envelope(schema) : null
      // A string needs no tree (this path runs per record). Printable ASCII without " or \ is its own JSON between quotes
      // and its own UTF-8 as Latin-1, one copy: JSON.stringify and a UTF-8 encode were half of this path.
      if (!NOT_PLAIN_ASCII.test(value)) {
        if (envelope === null) return Buffer.from('"' + value + '"', 'latin1')
        if (envelope.ascii) return Buffer.from(envelope.prefix + '"' + value + '"}', 'latin1')
      }
      return Buffer.from(envelope === null ? JSON.stringify(value) : envelope.prefix + JSON.stringify(value) + '}', 'utf8')
    }
    const payload = writeJson(this.toJson(schema, value))
    return Buffer.from(this.options.schemasEnable ? this.envelope(schema).prefix + payload + '}' : payload, 'utf8')
  }

  /** `{"schema":...,"payload":` for a schema, written once per schema, not per record. */
  private envelope(schema: Schema | null): Envelope {
    if (schema === null) return NULL_SCHEMA_ENVELOPE
    let envelope = this.prefixCache.get(schema)
    if (envelope === undefined) {
      const prefix = `{"schema":${writeJson(this.asJsonSchema(schema))},"payload":`
      envelope = {prefix, ascii: !NOT_ASCII.test(prefix)}
      this.prefixCache.set(schema, envelope)
    }
    return envelope
  }

  toConnectData(_topic: string, bytes: Buffer | null): SchemaAndValue {
    if (bytes === null) return NULL_SCHEMA_AND_VALUE
    const last = this.lastRead
    if (last !== null && this.options.schemasEnable && last.schema.type === 'STRING' && last.schema.name === null) {
      // The envelope of the last record around a plain string without escapes: the string is its own bytes between
      // the quotes, decoded alone (decoding the whole text and slicing it was most of this path's cost).
      const n = last.prefixBytes.length
      const q = bytes.length - 2
      if (q > n && bytes[n] === 0x22 && bytes[q] === 0x22 && bytes[q + 1] === 0x7d && bytes.compare(last.prefixBytes, 0, n, 0, n) === 0 && bytes.indexOf(0x22, n + 1) === q && bytes.indexOf(0x5c, n + 1) < 0) {
        const value = bytes.toString('utf8', n + 1, q)
        if (!CONTROL.test(value)) return {schema: last.schema, value}
      }
    }
    const text = bytes.toString('utf8')
    // The same schema as the last record: parse the payload alone. Text that is not prefix + one JSON value + "}" fails that parse and takes the full path.
    if (last !== null && this.options.schemasEnable && text.startsWith(last.prefix) && text.endsWith('}')) {
      let payload: JsonNode | undefined
      try {
        payload = parseJson(text.slice(last.prefix.length, -1))
      } catch {
        payload = undefined
      }
      if (payload !== undefined) return {schema: last.schema, value: this.toConnect(last.schema, payload)}
    }
    let node: JsonNode
    try {
      node = parseJson(text)
    } catch (error) {
      throw new ConnectDataError('Converting byte[] to Kafka Connect data failed due to serialization error: ' + (error as Error).message, {cause: error})
    }
    if (!this.options.schemasEnable) return {schema: null, value: this.toConnect(null, node)}
    if (!(node instanceof Map) || node.size !== 2 || !node.has('schema') || !node.has('payload')) {
      throw new ConnectDataError(
        'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.',
      )
    }
    const schema = this.asConnectSchema(node.get('schema')!)
    const value = this.toConnect(schema, node.get('payload')!)
    // Remembered only when the text is exactly the envelope Kafka writes for this schema.
    if (schema !== null) {
      const prefix = `{"schema":${writeJson(this.asJsonSchema(schema))},"payload":`
      if (text.startsWith(prefix)) this.lastRead = {prefix, prefixBytes: Buffer.from(prefix, 'utf8'), schema}
    }
    return {schema, value}
  }

  fromConnectHeader(topic: string, _key: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, schema, value)
  }

  toConnectHeader(topic: string, _key: string, value: Buffer | null): SchemaAndValue {
    return this.toConnectData(topic, value)
  }

  /** The schema as Kafka writes it in the envelope. @internal */
  asJsonSchema(schema: Schema | null): JsonOut {
    if (schema === null) return null
    const cached = this.schemaCache.get(schema)
    if (cached !== undefined) return cached
    const out = new Map<string, JsonOut>([['type', TYPE_NAMES[schema.type]]])
    if (schema.type === 'ARRAY') out.set('items', this.asJsonSchema(schema.valueSchema))
    if (schema.type === 'MAP') {
      out.set('keys', this.asJsonSchema(schema.keySchema))
      out.set('values', this.asJsonSchema(schema.valueSchema))
    }
    if (schema.type === 'STRUCT') {
      out.set(
        'fields',
        schema.fields().map((f) => new Map([...(this.asJsonSchema(f.schema) as Map<string, JsonOut>), ['field', f.name]])),
      )
    }
    out.set('optional', schema.optional)
    if (schema.name !== null) out.set('name', schema.name)
    if (schema.version !== null) out.set('version', schema.version)
    if (schema.doc !== null) out.set('doc', schema.doc)
    if (schema.parameters !== null) out.set('parameters', new Map(Object.entries(schema.parameters)))
    if (schema.defaultValue !== null && schema.defaultValue !== undefined) out.set('default', this.toJson(schema, schema.defaultValue))
    this.schemaCache.set(schema, out)
    return out
  }

  /** @internal */
  asConnectSchema(node: JsonNode): Schema | null {
    if (node === null) return null
    if (!(node instanceof Map)) throw new ConnectDataError('schema must be a JSON object')
    const typeName = node.get('type')
    const type = typeof typeName === 'string' ? TYPES_BY_NAME.get(typeName) : undefined
    if (typeName === undefined || typeof typeName !== 'string') throw new ConnectDataError("Schema must contain 'type' field")
    if (!type) throw new ConnectDataError('Unknown schema type: ' + typeName)
    let b: SchemaBuilder
    if (type === 'ARRAY') {
      const items = node.get('items')
      if (items === undefined || items === null) throw new ConnectDataError('Array schema did not specify the element type')
      b = SchemaBuilder.array(this.requireSchema(items))
    } else if (type === 'MAP') {
      const keys = node.get('keys')
      const values = node.get('values')
      if (keys === undefined) throw new ConnectDataError('Map schema did not specify the key type')
      if (values === undefined) throw new ConnectDataError('Map schema did not specify the value type')
      b = SchemaBuilder.map(this.requireSchema(keys), this.requireSchema(values))
    } else if (type === 'STRUCT') {
      b = SchemaBuilder.struct()
      const fields = node.get('fields')
      if (!Array.isArray(fields)) throw new ConnectDataError('Struct schema\'s "fields" argument is not an array.')
      for (const f of fields) {
        const name = f instanceof Map ? f.get('field') : undefined
        if (typeof name !== 'string') throw new ConnectDataError("Struct schema's field name not specified properly")
        b.field(name, this.requireSchema(f))
      }
    } else b = SchemaBuilder.type(type)
    if (node.get('optional') === true) b.optional()
    const name = node.get('name')
    if (typeof name === 'string') b.name(name)
    const version = node.get('version')
    if (version instanceof JsonNumber && version.integral) b.version(version.value)
    const doc = node.get('doc')
    if (typeof doc === 'string') b.doc(doc)
    const params = node.get('parameters')
    if (params instanceof Map) {
      for (const [k, v] of params) {
        if (typeof v !== 'string') throw new ConnectDataError('Schema parameters must have string values.')
        b.parameter(k, v)
      }
    }
    const dflt = node.get('default')
    if (dflt !== undefined) b.defaultValue(this.toConnect(b.build(), dflt))
    return b.build()
  }

  private requireSchema(node: JsonNode): Schema {
    const s = this.asConnectSchema(node)
    if (!s) throw new ConnectDataError('a nested schema may not be null')
    return s
  }

  /** Kafka's convertToJson: a Connect value as JSON, checked against its schema. @internal */
  toJson(schema: Schema | null, value: unknown): JsonOut {
    if (value === null || value === undefined) {
      if (schema === null) return null
      if (schema.defaultValue !== null && schema.defaultValue !== undefined && this.options.replaceNullWithDefault) return this.toJson(schema, schema.defaultValue)
      if (schema.optional) return null
      throw new ConnectDataError('Conversion error: null value for field that is required and has no default value')
    }
    if (schema?.name) {
      const logical = this.logicalToJson(schema, value)
      if (logical !== undefined) return logical
    }
    const type = schema?.type ?? inferType(value)
    const bad = () => new ConnectDataError(`Invalid type for ${schema ? schema.type : 'unknown schema'}: ${typeof value}`)
    switch (type) {
      case 'INT8':
      case 'INT16':
      case 'INT32':
        if (typeof value !== 'number' || !Number.isInteger(value)) throw bad()
        return value
      case 'INT64':
        if (typeof value === 'bigint') return value
        if (typeof value !== 'number' || !Number.isInteger(value)) throw bad()
        return value
      case 'FLOAT32':
        if (typeof value !== 'number') throw bad()
        return javaFloat(value)
      case 'FLOAT64':
        if (typeof value !== 'number') throw bad()
        return javaDouble(value)
      case 'BOOLEAN':
        if (typeof value !== 'boolean') throw bad()
        return value
      case 'STRING':
        if (typeof value !== 'string') throw bad()
        return value
      case 'BYTES':
        if (!(value instanceof Uint8Array)) throw bad()
        return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
      case 'ARRAY':
        if (!Array.isArray(value)) throw bad()
        return value.map((v) => this.toJson(schema?.valueSchema ?? null, v))
      case 'MAP': {
        const entries = value instanceof Map ? [...value] : isPlainObject(value) ? Object.entries(value) : null
        if (!entries) throw bad()
        const objectMode = schema ? schema.keySchema!.type === 'STRING' : entries.every(([k]) => typeof k === 'string')
        const ks = schema?.keySchema ?? null
        const vs = schema?.valueSchema ?? null
        if (objectMode) return new Map(entries.map(([k, v]) => [String(this.toJson(ks, k)), this.toJson(vs, v)]))
        return entries.map(([k, v]) => [this.toJson(ks, k), this.toJson(vs, v)])
      }
      case 'STRUCT': {
        if (!(value instanceof Struct)) throw bad()
        if (!schema || !value.schema.equals(schema)) throw new ConnectDataError('Mismatching schema.')
        return new Map(schema.fields().map((f) => [f.name, this.toJson(f.schema, value.get(f))]))
      }
    }
  }

  private logicalToJson(schema: Schema, value: unknown): JsonOut | undefined {
    switch (schema.name) {
      case Decimal.LOGICAL_NAME:
        if (typeof value !== 'string' && typeof value !== 'bigint') throw new ConnectDataError('Invalid type for Decimal, expected a decimal string or bigint')
        if (this.options.decimalFormat === 'NUMERIC') {
          const text = Decimal.toLogical(schema, Decimal.fromLogical(schema, value))
          return new JsonNumber(text)
        }
        return Decimal.fromLogical(schema, value).toString('base64')
      case ConnectDate.LOGICAL_NAME:
        if (!(value instanceof Date)) throw new ConnectDataError('Invalid type for Date, expected Date')
        return ConnectDate.fromLogical(schema, value)
      case ConnectTime.LOGICAL_NAME:
        if (!(value instanceof Date)) throw new ConnectDataError('Invalid type for Time, expected Date')
        return ConnectTime.fromLogical(schema, value)
      case ConnectTimestamp.LOGICAL_NAME:
        if (!(value instanceof Date)) throw new ConnectDataError('Invalid type for Timestamp, expected Date')
        return ConnectTimestamp.fromLogical(schema, value)
      default:
        return undefined
    }
  }

  /** Kafka's convertToConnect: JSON to a Connect value, by the schema or (without one) by the JSON's own kind. @internal */
  toConnect(schema: Schema | null, node: JsonNode | undefined): unknown {
    if (node === undefined) node = null
    if (schema) {
      if (node === null) {
        if (schema.defaultValue !== null && schema.defaultValue !== undefined) return schema.defaultValue
        if (schema.optional) return null
        throw new ConnectDataError(`Invalid null value for required ${schema.type} field`)
      }
    } else {
      if (node === null) return null
      if (typeof node === 'boolean' || typeof node === 'string') return node
      if (node instanceof JsonNumber) return node.integral ? integer(node) : node.value
      if (Array.isArray(node)) return node.map((n) => this.toConnect(null, n))
      const obj: Record<string, unknown> = {}
      for (const [k, v] of node) Object.defineProperty(obj, k, {value: this.toConnect(null, v), enumerable: true, writable: true, configurable: true})
      return obj
    }
    const mismatch = () => new ConnectDataError(`Invalid JSON for ${schema.type} schema: ${describeNode(node)}`)
    if (schema.name === Decimal.LOGICAL_NAME && node instanceof JsonNumber) return Decimal.toLogical(schema, Decimal.fromLogical(schema, node.text))
    let v: unknown
    switch (schema.type) {
      case 'INT8':
      case 'INT16':
      case 'INT32': {
        if (!(node instanceof JsonNumber) || !node.integral) throw mismatch()
        const bound = schema.type === 'INT8' ? 0x80 : schema.type === 'INT16' ? 0x8000 : 0x80000000
        const n = node.value
        if (n < -bound || n >= bound) throw new ConnectDataError(`${node.text} is out of range for ${schema.type}`)
        v = n
        break
      }
      case 'INT64':
        if (!(node instanceof JsonNumber) || !node.integral) throw mismatch()
        v = integer(node)
        break
      case 'FLOAT32':
        if (!(node instanceof JsonNumber)) throw mismatch()
        v = Math.fround(node.value)
        break
      case 'FLOAT64':
        if (!(node instanceof JsonNumber)) throw mismatch()
        v = node.value
        break
      case 'BOOLEAN':
        if (typeof node !== 'boolean') throw mismatch()
        v = node
        break
      case 'STRING':
        if (typeof node !== 'string') throw mismatch()
        v = node
        break
      case 'BYTES':
        if (typeof node !== 'string') throw mismatch()
        v = Buffer.from(node, 'base64')
        break
      case 'ARRAY':
        if (!Array.isArray(node)) throw mismatch()
        v = node.map((n) => this.toConnect(schema.valueSchema, n))
        break
      case 'MAP':
        if (schema.keySchema!.type === 'STRING') {
          if (!(node instanceof Map)) throw mismatch()
          const obj: Record<string, unknown> = {}
          for (const [k, n] of node) Object.defineProperty(obj, k, {value: this.toConnect(schema.valueSchema, n), enumerable: true, writable: true, configurable: true})
          v = obj
        } else {
          if (!Array.isArray(node)) throw mismatch()
          const map = new Map<unknown, unknown>()
          for (const pair of node) {
            if (!Array.isArray(pair) || pair.length !== 2) throw new ConnectDataError('Found invalid map entry instead of array tuple: ' + describeNode(pair))
            map.set(this.toConnect(schema.keySchema, pair[0]), this.toConnect(schema.valueSchema, pair[1]))
          }
          v = map
        }
        break
      case 'STRUCT': {
        if (!(node instanceof Map)) throw mismatch()
        const s = new Struct(schema)
        for (const f of schema.fields()) s.put(f, this.toConnect(f.schema, node.get(f.name)))
        v = s
        break
      }
    }
    switch (schema.name) {
      case Decimal.LOGICAL_NAME:
        return Decimal.toLogical(schema, v as Buffer)
      case ConnectDate.LOGICAL_NAME:
        return ConnectDate.toLogical(schema, v as number)
      case ConnectTime.LOGICAL_NAME:
        return ConnectTime.toLogical(schema, v as number)
      case ConnectTimestamp.LOGICAL_NAME:
        return ConnectTimestamp.toLogical(schema, v as number)
      default:
        return v
    }
  }
}

/** An integer literal: a number while it is exact, a bigint beyond 2^53. */
function integer(n: JsonNumber): number | bigint {
  const v = n.value
  return Number.isSafeInteger(v) ? v : BigInt(n.text)
}

function inferType(value: unknown): SchemaType {
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) ? 'INT64' : 'FLOAT64'
    case 'bigint':
      return 'INT64'
    case 'boolean':
      return 'BOOLEAN'
    case 'string':
      return 'STRING'
  }
  if (value instanceof Uint8Array) return 'BYTES'
  if (Array.isArray(value)) return 'ARRAY'
  if (value instanceof Map || isPlainObject(value)) return 'MAP'
  if (value instanceof Struct) return 'STRUCT'
  throw new ConnectDataError(`${(value as object)?.constructor?.name ?? typeof value} does not have corresponding schema type.`)
}

function describeNode(node: JsonNode): string {
  if (node === null) return 'null'
  if (node instanceof JsonNumber) return `number ${node.text}`
  if (Array.isArray(node)) return 'array'
  if (node instanceof Map) return 'object'
  return typeof node
}
