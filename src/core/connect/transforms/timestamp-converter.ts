/**
 * org.apache.kafka.connect.transforms.TimestampConverter$Key / $Value:
 * converts a timestamp (the whole key or value, or its `field`) between
 * `string` (with `format`, a SimpleDateFormat pattern, UTC), `unix`
 * (`unix.precision` seconds|milliseconds|microseconds|nanoseconds since the
 * epoch), and the logical types `Date`, `Time` and `Timestamp`. What it is
 * now comes from the schema or, schemaless, from the value: a string, a
 * number (unix), or a Date (a Timestamp).
 */
import {ConnectConfigError, ConnectDataError} from '../../errors.js'
import {ConfigDef, ValidString} from '../api/config-def.js'
import type {ConnectRecord} from '../api/connect-record.js'
import type {Props} from '../api/connector.js'
import {ConnectDate, ConnectTime, ConnectTimestamp} from '../api/logical-types.js'
import {type Schema, SchemaBuilder} from '../api/schema.js'
import {Struct} from '../api/struct.js'
import type {Transformation} from '../api/transformation.js'
import {SimpleDateFormat} from './simple-date-format.js'
import {copySchemaBasics, fieldValue, operatingSchema, operatingValue, type Part, requireMap, requireStruct, SchemaCache, withPart} from './requirements.js'

const PURPOSE = 'converting timestamp formats'
const MS_PER_DAY = 86_400_000
type TargetType = 'string' | 'unix' | 'Date' | 'Time' | 'Timestamp'
type Precision = 'seconds' | 'milliseconds' | 'microseconds' | 'nanoseconds'

const CONFIG = new ConfigDef()
  .define({name: 'field', type: 'STRING', defaultValue: '', importance: 'HIGH', documentation: 'The field containing the timestamp, or empty if the entire value is a timestamp'})
  .define({name: 'target.type', type: 'STRING', validator: ValidString.in('string', 'unix', 'Date', 'Time', 'Timestamp'), importance: 'HIGH', documentation: 'The desired timestamp representation: string, unix, Date, Time, or Timestamp'})
  .define({name: 'format', type: 'STRING', defaultValue: '', importance: 'MEDIUM', documentation: 'A SimpleDateFormat-compatible format for the timestamp.'})
  .define({name: 'unix.precision', type: 'STRING', defaultValue: 'milliseconds', validator: ValidString.in('nanoseconds', 'microseconds', 'milliseconds', 'seconds'), importance: 'LOW', documentation: 'The desired Unix precision for the timestamp.'})
  .define({name: 'replace.null.with.default', type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: 'Whether to replace fields that have a default value and that are null to the default value.'})

const UNIT_MS: Record<Precision, number> = {seconds: 1000, milliseconds: 1, microseconds: 0.001, nanoseconds: 0.000001}

export abstract class TimestampConverter implements Transformation {
  private field = ''
  private target: TargetType = 'Timestamp'
  private format: SimpleDateFormat | null = null
  private precision: Precision = 'milliseconds'
  private replaceNull = true
  private readonly cache = new SchemaCache()

  protected constructor(private readonly part: Part) {}

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    const c = CONFIG.parse(props)
    this.field = c.field as string
    this.target = c['target.type'] as TargetType
    const pattern = c.format as string
    this.format = pattern.trim() === '' ? null : new SimpleDateFormat(pattern)
    if (this.target === 'string' && !this.format) throw new ConnectConfigError('TimestampConverter requires format option to be specified when using string timestamps')
    this.precision = c['unix.precision'] as Precision
    this.replaceNull = c['replace.null.with.default'] as boolean
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = operatingSchema(record, this.part)
    const value = operatingValue(record, this.part)
    if (schema === null) {
      if (value === null) return record
      if (this.field === '') return withPart(record, this.part, null, this.convert(value, inferType(value)))
      const map = requireMap(value, PURPOSE)
      const updated = {...map}
      const v = map[this.field] ?? null
      updated[this.field] = v === null ? null : this.convert(v, inferType(v))
      return withPart(record, this.part, null, updated)
    }
    if (this.field === '') {
      const from = typeOfSchema(schema)
      const out = this.typeSchema(schema.optional)
      return withPart(record, this.part, out, value === null ? null : this.convert(value, from))
    }
    if (value === null) return withPart(record, this.part, this.cache.get(schema, (s) => this.updatedSchema(s)), null)
    const struct = requireStruct(value, PURPOSE)
    const updatedSchema = this.cache.get(struct.schema, (s) => this.updatedSchema(s))
    const updated = new Struct(updatedSchema)
    for (const f of struct.schema.fields()) {
      const v = fieldValue(struct, f.name, this.replaceNull)
      updated.put(f.name, f.name === this.field && v !== null ? this.convert(v, typeOfSchema(f.schema)) : v)
    }
    return withPart(record, this.part, updatedSchema, updated)
  }

  private updatedSchema(schema: Schema): Schema {
    const b = copySchemaBasics(schema, SchemaBuilder.struct())
    for (const f of schema.fields()) b.field(f.name, f.name === this.field ? this.typeSchema(f.schema.optional) : f.schema)
    if (schema.optional) b.optional()
    return b.build()
  }

  private typeSchema(optional: boolean): Schema {
    const b = this.target === 'string' ? SchemaBuilder.string() : this.target === 'unix' ? SchemaBuilder.int64() : this.target === 'Date' ? ConnectDate.builder() : this.target === 'Time' ? ConnectTime.builder() : ConnectTimestamp.builder()
    return (optional ? b.optional() : b).build()
  }

  /** To a Date (the raw instant), then to the target form. */
  private convert(value: unknown, from: TargetType): unknown {
    let date: Date
    switch (from) {
      case 'string':
        if (!this.format) throw new ConnectDataError('TimestampConverter requires format option to be specified when using string timestamps')
        if (typeof value !== 'string') throw new ConnectDataError(`Expected string timestamp to be a String, but found ${typeof value}`)
        date = this.format.parse(value)
        break
      case 'unix': {
        const n = typeof value === 'bigint' ? Number(value) : value
        if (typeof n !== 'number') throw new ConnectDataError(`Expected Unix timestamp to be a Long, but found ${typeof value}`)
        date = new Date(Math.floor(n * UNIT_MS[this.precision]))
        break
      }
      default:
        if (!(value instanceof Date)) throw new ConnectDataError(`Expected ${from} to be a java.util.Date, but found ${typeof value}`)
        date = value
    }
    const ms = date.getTime()
    switch (this.target) {
      case 'string':
        return this.format!.format(date)
      case 'unix':
        return this.precision === 'seconds' ? Math.floor(ms / 1000) : this.precision === 'milliseconds' ? ms : this.precision === 'microseconds' ? ms * 1000 : ms * 1_000_000
      case 'Date':
        return new Date(ms - (((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY))
      case 'Time':
        return new Date(((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY)
      case 'Timestamp':
        return date
    }
  }

  close(): void {}
}

function inferType(value: unknown): TargetType {
  if (typeof value === 'string') return 'string'
  if (typeof value === 'number' || typeof value === 'bigint') return 'unix'
  if (value instanceof Date) return 'Timestamp'
  throw new ConnectDataError(`TimestampConverter does not support ${typeof value} objects as timestamps`)
}

function typeOfSchema(schema: Schema): TargetType {
  if (schema.name === ConnectTimestamp.LOGICAL_NAME) return 'Timestamp'
  if (schema.name === ConnectDate.LOGICAL_NAME) return 'Date'
  if (schema.name === ConnectTime.LOGICAL_NAME) return 'Time'
  if (schema.type === 'STRING') return 'string'
  if (schema.type === 'INT64') return 'unix'
  throw new ConnectDataError(`Schema ${schema.toString()} does not correspond to a known timestamp type format`)
}

export class TimestampConverterKey extends TimestampConverter {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.TimestampConverter$Key'
  constructor() {
    super('key')
  }
}

export class TimestampConverterValue extends TimestampConverter {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.TimestampConverter$Value'
  constructor() {
    super('value')
  }
}

