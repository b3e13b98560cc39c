/**
 * org.apache.kafka.connect.transforms.HeaderFrom$Key / $Value: the key's or
 * value's `fields` become headers named by `headers` (the same count, in
 * order), with the field's schema; `operation=move` also removes the
 * fields, `copy` leaves them.
 */
import {ConnectConfigError, ConnectDataError} from '../../errors.js'
import {ConfigDef, ValidString} from '../api/config-def.js'
import type {ConnectRecord} from '../api/connect-record.js'
import type {Props} from '../api/connector.js'
import {type Schema, SchemaBuilder} from '../api/schema.js'
import {Struct} from '../api/struct.js'
import type {Transformation} from '../api/transformation.js'
import {copySchemaBasics, fieldValue, operatingSchema, operatingValue, type Part, requireMap, requireStruct, SchemaCache, withPart} from './requirements.js'

const CONFIG = new ConfigDef()
  .define({name: 'fields', type: 'LIST', importance: 'HIGH', documentation: 'Field names in the record whose values are to be copied or moved to headers.'})
  .define({name: 'headers', type: 'LIST', importance: 'HIGH', documentation: 'Header names, in the same order as the field names listed in the fields configuration property.'})
  .define({name: 'operation', type: 'STRING', validator: ValidString.in('move', 'copy'), importance: 'HIGH', documentation: 'Either move if the fields are to be moved to the headers (removed from the key/value), or copy if the fields are to be copied to the headers (retained in the key/value).'})
  .define({name: 'replace.null.with.default', type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: 'Whether to replace fields that have a default value and that are null to the default value.'})

export abstract class HeaderFrom implements Transformation {
  private fields: string[] = []
  private headers: string[] = []
  private move = false
  private replaceNull = true
  private readonly cache = new SchemaCache()

  protected constructor(private readonly part: Part) {}

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    const c = CONFIG.parse(props)
    this.fields = c.fields as string[]
    this.headers = c.headers as string[]
    if (this.fields.length !== this.headers.length) throw new ConnectConfigError("'fields' config must have the same number of elements as 'headers' config.")
    this.move = c.operation === 'move'
    this.replaceNull = c['replace.null.with.default'] as boolean
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = operatingSchema(record, this.part)
    const raw = operatingValue(record, this.part)
    const headers = record.headers.duplicate()
    const purpose = `header ${this.move ? 'move' : 'copy'}`
    if (schema === null) {
      const value = requireMap(raw, purpose)
      const updated = this.move ? {...value} : value
      this.fields.forEach((f, i) => {
        headers.add(this.headers[i], value[f] ?? null, null)
        if (this.move) delete updated[f]
      })
      return withPart(record, this.part, null, updated, headers)
    }
    const value = requireStruct(raw, purpose)
    let updatedSchema = schema
    let updated = value
    if (this.move) {
      updatedSchema = this.cache.get(value.schema, (s) => this.movedSchema(s))
      updated = new Struct(updatedSchema)
      for (const f of updatedSchema.fields()) updated.put(f, fieldValue(value, f.name, this.replaceNull))
    }
    this.fields.forEach((name, i) => {
      const f = value.schema.field(name)
      if (!f) throw new ConnectDataError(`${name} is not a valid field name`)
      headers.add(this.headers[i], fieldValue(value, name, this.replaceNull), f.schema)
    })
    return withPart(record, this.part, updatedSchema, updated, headers)
  }

  private movedSchema(schema: Schema): Schema {
    const b = copySchemaBasics(schema, SchemaBuilder.struct())
    for (const f of schema.fields()) if (!this.fields.includes(f.name)) b.field(f.name, f.schema)
    return b.build()
  }

  close(): void {}
}

export class HeaderFromKey extends HeaderFrom {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.HeaderFrom$Key'
  constructor() {
    super('key')
  }
}

export class HeaderFromValue extends HeaderFrom {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.HeaderFrom$Value'
  constructor() {
    super('value')
  }
}
