/**
 * org.apache.kafka.connect.transforms.MaskField$Key / $Value: replaces the
 * `fields` with their type's empty value (false, 0, "", epoch for dates,
 * empty array or map) or, with `replacement`, that text read as the field's
 * type (numbers and strings only, as Kafka). The schema is unchanged.
 * Without a schema a JavaScript number is masked as a number.
 */
import {ConnectDataError} from '../../errors.js'
import {ConfigDef, NonEmptyString} from '../api/config-def.js'
import type {ConnectRecord} from '../api/connect-record.js'
import type {Props} from '../api/connector.js'
import type {Schema} from '../api/schema.js'
import {Struct} from '../api/struct.js'
import type {Transformation} from '../api/transformation.js'
import {fieldValue, operatingSchema, operatingValue, type Part, requireMap, requireStruct, withPart} from './requirements.js'

const PURPOSE = 'mask fields'

const CONFIG = new ConfigDef()
  .define({name: 'fields', type: 'LIST', importance: 'HIGH', documentation: 'Names of fields to mask.'})
  .define({name: 'replacement', type: 'STRING', defaultValue: null, validator: NonEmptyString, importance: 'LOW', documentation: 'Custom value replacement, that will be applied to all fields values (numeric or non-empty string values only).'})
  .define({name: 'replace.null.with.default', type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: 'Whether to replace fields that have a default value and that are null to the default value.'})

export abstract class MaskField implements Transformation {
  private fields = new Set<string>()
  private replacement: string | null = null
  private replaceNull = true

  protected constructor(private readonly part: Part) {}

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    const c = CONFIG.parse(props)
    this.fields = new Set(c.fields as string[])
    this.replacement = c.replacement as string | null
    this.replaceNull = c['replace.null.with.default'] as boolean
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = operatingValue(record, this.part)
    if (value === null) return record
    const schema = operatingSchema(record, this.part)
    if (schema === null) {
      const map = requireMap(value, PURPOSE)
      const updated = {...map}
      for (const f of this.fields) updated[f] = this.masked(map[f], null)
      return withPart(record, this.part, null, updated)
    }
    const struct = requireStruct(value, PURPOSE)
    const updated = new Struct(struct.schema)
    for (const f of struct.schema.fields()) {
      const v = fieldValue(struct, f.name, this.replaceNull)
      updated.put(f, this.fields.has(f.name) ? this.masked(v, f.schema) : v)
    }
    return withPart(record, this.part, schema, updated)
  }

  private masked(value: unknown, schema: Schema | null): unknown {
    if (value === null || value === undefined) return null
    return this.replacement === null ? emptyOf(value, schema) : replaced(value, schema, this.replacement)
  }

  close(): void {}
}

function emptyOf(value: unknown, schema: Schema | null): unknown {
  if (schema?.name === 'org.apache.kafka.connect.data.Decimal') return '0'
  if (typeof value === 'boolean') return false
  if (typeof value === 'number') return 0
  if (typeof value === 'bigint') return 0n
  if (typeof value === 'string') return ''
  if (value instanceof Date) return new Date(0)
  if (Array.isArray(value)) return []
  if (value instanceof Map) return new Map()
  if (typeof value === 'object' && value !== null && value.constructor === Object) return {}
  throw new ConnectDataError(`Cannot mask value of type: ${(value as object).constructor?.name ?? typeof value}`)
}

function replaced(value: unknown, schema: Schema | null, replacement: string): unknown {
  const type = schema?.type
  if (typeof value === 'string' && schema?.name !== 'org.apache.kafka.connect.data.Decimal') return replacement
  if (typeof value === 'number' || typeof value === 'bigint' || schema?.name === 'org.apache.kafka.connect.data.Decimal') {
    const integral = type === 'INT8' || type === 'INT16' || type === 'INT32' || type === 'INT64' || (type === undefined && typeof value !== 'number') || (type === undefined && Number.isInteger(value))
    const text = replacement.trim() === replacement ? replacement : ''
    const ok = integral ? /^[+-]?\d+$/.test(text) : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)
    if (!ok) throw new ConnectDataError(`Unable to convert ${replacement} (${type ?? typeof value}) to number`)
    if (schema?.name === 'org.apache.kafka.connect.data.Decimal') return text
    if (typeof value === 'bigint') return BigInt(text)
    const n = Number(text)
    const bound = type === 'INT8' ? 0x80 : type === 'INT16' ? 0x8000 : type === 'INT32' ? 0x80000000 : null
    if (bound !== null && (n < -bound || n >= bound)) throw new ConnectDataError(`Unable to convert ${replacement} (${type}) to number`)
    return type === 'FLOAT32' ? Math.fround(n) : n
  }
  throw new ConnectDataError(`Cannot mask value of type ${(value as object)?.constructor?.name ?? typeof value} with custom replacement.`)
}

export class MaskFieldKey extends MaskField {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.MaskField$Key'
  constructor() {
    super('key')
  }
}

export class MaskFieldValue extends MaskField {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.MaskField$Value'
  constructor() {
    super('value')
  }
}
