/**
 * org.apache.kafka.connect.transforms.ValueToKey: the record's key becomes
 * a struct (or, schemaless, a map) of the value's `fields`; the value is
 * unchanged.
 */
import {ConnectDataError} from '../../errors.js'
import {ConfigDef} from '../api/config-def.js'
import type {ConnectRecord} from '../api/connect-record.js'
import type {Props} from '../api/connector.js'
import {type Schema, SchemaBuilder} from '../api/schema.js'
import {Struct} from '../api/struct.js'
import type {Transformation} from '../api/transformation.js'
import {fieldValue, requireMap, requireStruct, SchemaCache} from './requirements.js'

const PURPOSE = 'copying fields from value to key'

const CONFIG = new ConfigDef()
  .define({name: 'fields', type: 'LIST', importance: 'HIGH', documentation: 'Field names on the record value to extract as the record key.'})
  .define({name: 'replace.null.with.default', type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: 'Whether to replace fields that have a default value and that are null to the default value.'})

export class ValueToKey implements Transformation {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.ValueToKey'
  private fields: string[] = []
  private replaceNull = true
  private readonly cache = new SchemaCache()

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    const c = CONFIG.parse(props)
    this.fields = c.fields as string[]
    if (this.fields.length === 0) throw new ConnectDataError('ValueToKey: fields must name at least one field')
    this.replaceNull = c['replace.null.with.default'] as boolean
  }

  apply<R extends ConnectRecord>(record: R): R {
    if (record.valueSchema === null) {
      const value = requireMap(record.value, PURPOSE)
      const key: Record<string, unknown> = {}
      for (const f of this.fields) key[f] = value[f] ?? null
      return record.newRecord({keySchema: null, key})
    }
    const value = requireStruct(record.value, PURPOSE)
    const keySchema = this.cache.get(value.schema, (s) => this.keySchema(s))
    const key = new Struct(keySchema)
    for (const f of this.fields) key.put(f, fieldValue(value, f, this.replaceNull))
    return record.newRecord({keySchema, key})
  }

  private keySchema(valueSchema: Schema): Schema {
    const b = SchemaBuilder.struct()
    for (const name of this.fields) {
      const f = valueSchema.field(name)
      if (!f) throw new ConnectDataError(`Field does not exist: ${name}`)
      b.field(name, f.schema)
    }
    return b.build()
  }

  close(): void {}
}
