/**
 * What Kafka's transforms share (its transforms.util Requirements and
 * SchemaUtil, and the $Key/$Value split): the checks that a value is what a
 * transform works on, with Kafka's messages, and copying a schema's name,
 * version, doc and parameters onto a new one.
 */
import {ConnectDataError} from '../../errors.js'
import {SinkRecord, type ConnectRecord} from '../api/connect-record.js'
import type {ConnectHeaders} from '../api/headers.js'
import {isPlainObject, Schema, type SchemaBuilder} from '../api/schema.js'
import {Struct} from '../api/struct.js'

/** Which side of the record a $Key or $Value transform works on. */
export type Part = 'key' | 'value'

export function operatingSchema(r: ConnectRecord, part: Part): Schema | null {
  return part === 'key' ? r.keySchema : r.valueSchema
}

export function operatingValue(r: ConnectRecord, part: Part): unknown {
  return part === 'key' ? r.key : r.value
}

export function withPart<R extends ConnectRecord>(r: R, part: Part, schema: Schema | null, value: unknown, headers?: ConnectHeaders): R {
  const h = headers ? {headers} : {}
  return part === 'key' ? r.newRecord({keySchema: schema, key: value, ...h}) : r.newRecord({valueSchema: schema, value, ...h})
}

function className(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value !== 'object') return typeof value
  return (value as object).constructor?.name ?? 'object'
}

/** A schemaless map (a plain object, or a Map with string keys) as a plain object; throws otherwise. */
export function requireMap(value: unknown, purpose: string): Record<string, unknown> {
  if (isPlainObject(value)) return value
  if (value instanceof Map) return Object.fromEntries(value) as Record<string, unknown>
  throw new ConnectDataError(`Only Map objects supported in absence of schema for [${purpose}], found: ${className(value)}`)
}

export function requireMapOrNull(value: unknown, purpose: string): Record<string, unknown> | null {
  return value === null || value === undefined ? null : requireMap(value, purpose)
}

export function requireStruct(value: unknown, purpose: string): Struct {
  if (value instanceof Struct) return value
  throw new ConnectDataError(`Only Struct objects supported for [${purpose}], found: ${className(value)}`)
}

export function requireStructOrNull(value: unknown, purpose: string): Struct | null {
  return value === null || value === undefined ? null : requireStruct(value, purpose)
}

export function requireSchema(schema: Schema | null, purpose: string): Schema {
  if (!schema) throw new ConnectDataError(`Schema required for [${purpose}]`)
  return schema
}

export function requireSinkRecord(record: ConnectRecord, purpose: string): SinkRecord {
  if (record instanceof SinkRecord) return record
  throw new ConnectDataError(`Only SinkRecord supported for [${purpose}], found: ${className(record)}`)
}

/** Kafka's SchemaUtil.copySchemaBasics: name, version, doc, parameters; not optional or default. */
export function copySchemaBasics(source: Schema, builder: SchemaBuilder): SchemaBuilder {
  if (source.name !== null) builder.name(source.name)
  if (source.version !== null) builder.version(source.version)
  if (source.doc !== null) builder.doc(source.doc)
  if (source.parameters !== null) builder.parameters({...source.parameters})
  return builder
}

/** The same schema with some of its metadata changed (what SetSchemaMetadata needs). */
export function withMetadata(s: Schema, changes: {name?: string | null; version?: number | null}): Schema {
  return new Schema({
    type: s.type,
    optional: s.optional,
    defaultValue: s.defaultValue,
    name: changes.name !== undefined ? changes.name : s.name,
    version: changes.version !== undefined ? changes.version : s.version,
    doc: s.doc,
    parameters: s.parameters,
    fields: s.type === 'STRUCT' ? s.fields() : null,
    keySchema: s.keySchema,
    valueSchema: s.valueSchema,
  })
}

/** A small per-transform cache of derived schemas, keyed by the input schema (Kafka keeps an LRU of 16). */
export class SchemaCache {
  private readonly map = new WeakMap<Schema, Schema>()

  get(s: Schema, make: (s: Schema) => Schema): Schema {
    let out = this.map.get(s)
    if (!out) {
      out = make(s)
      this.map.set(s, out)
    }
    return out
  }
}

/** Struct.get, or the value as set when replace.null.with.default is off. */
export function fieldValue(struct: Struct, name: string, replaceNullWithDefault: boolean): unknown {
  return replaceNullWithDefault ? struct.get(name) : struct.getWithoutDefault(name)
}
