/**
 * org.apache.kafka.connect.transforms.Flatten$Key / $Value: nested structs
 * (or, schemaless, maps) become top-level fields named by their path joined
 * with `delimiter` (default "."). A field is optional when it or any struct
 * above it is; arrays and maps inside a struct are kept as they are.
 */
import {ConnectDataError} from '../../errors.js'
import {ConfigDef} from '../api/config-def.js'
import type {ConnectRecord} from '../api/connect-record.js'
import type {Props} from '../api/connector.js'
import {isPlainObject, type Schema, SchemaBuilder} from '../api/schema.js'
import {Struct} from '../api/struct.js'
import type {Transformation} from '../api/transformation.js'
import {copySchemaBasics, operatingSchema, operatingValue, type Part, requireMap, requireStruct, SchemaCache, withPart} from './requirements.js'

const PURPOSE = 'flattening'

const CONFIG = new ConfigDef().define({name: 'delimiter', type: 'STRING', defaultValue: '.', importance: 'MEDIUM', documentation: 'Delimiter to insert between field names from the input record when generating field names for the output record'})

export abstract class Flatten implements Transformation {
  private delimiter = '.'
  private readonly cache = new SchemaCache()

  protected constructor(private readonly part: Part) {}

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    this.delimiter = CONFIG.parse(props).delimiter as string
  }

  private name(prefix: string, field: string): string {
    return prefix === '' ? field : prefix + this.delimiter + field
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = operatingSchema(record, this.part)
    const value = operatingValue(record, this.part)
    if (schema === null) {
      if (value === null) return record
      const out: Record<string, unknown> = {}
      this.flattenMap(requireMap(value, PURPOSE), '', out)
      return withPart(record, this.part, null, out)
    }
    const updatedSchema = this.cache.get(schema, (s) => this.updatedSchema(s))
    if (value === null) return withPart(record, this.part, updatedSchema, null)
    const struct = requireStruct(value, PURPOSE)
    const out = new Struct(updatedSchema)
    this.flattenStruct(struct, '', out)
    return withPart(record, this.part, updatedSchema, out)
  }

  private flattenMap(map: Record<string, unknown>, prefix: string, out: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(map)) {
      const name = this.name(prefix, k)
      if (v === null || v === undefined) out[name] = null
      else if (v instanceof Map || isPlainObject(v)) this.flattenMap(requireMap(v, PURPOSE), name, out)
      else if (v instanceof Struct) throw new ConnectDataError(`Flatten transformation does not support Struct for record without schemas (for field ${name}).`)
      else out[name] = v
    }
  }

  private flattenStruct(struct: Struct, prefix: string, out: Struct): void {
    for (const f of struct.schema.fields()) {
      const name = this.name(prefix, f.name)
      const v = struct.get(f)
      if (f.schema.type === 'STRUCT') {
        if (v !== null) this.flattenStruct(requireStruct(v, PURPOSE), name, out)
      } else out.put(name, v)
    }
  }

  private updatedSchema(schema: Schema): Schema {
    const b = copySchemaBasics(schema, SchemaBuilder.struct())
    this.addFields(schema, '', b, schema.optional, schema.defaultValue instanceof Struct ? schema.defaultValue : null)
    if (schema.optional) b.optional()
    return b.build()
  }

  private addFields(schema: Schema, prefix: string, b: SchemaBuilder, optional: boolean, defaults: Struct | null): void {
    for (const f of schema.fields()) {
      const name = this.name(prefix, f.name)
      const fieldOptional = optional || f.schema.optional
      const fieldDefault = defaults ? defaults.get(f.name) : (f.schema.defaultValue ?? null)
      if (f.schema.type === 'STRUCT') {
        this.addFields(f.schema, name, b, fieldOptional, fieldDefault instanceof Struct ? fieldDefault : null)
        continue
      }
      const fb = copySchemaBasics(f.schema, f.schema.type === 'ARRAY' ? SchemaBuilder.array(f.schema.valueSchema!) : f.schema.type === 'MAP' ? SchemaBuilder.map(f.schema.keySchema!, f.schema.valueSchema!) : SchemaBuilder.type(f.schema.type))
      if (fieldOptional) fb.optional()
      if (fieldDefault !== null) fb.defaultValue(fieldDefault)
      b.field(name, fb.build())
    }
  }

  close(): void {}
}

export class FlattenKey extends Flatten {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.Flatten$Key'
  constructor() {
    super('key')
  }
}

export class FlattenValue extends Flatten {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.Flatten$Value'
  constructor() {
    super('value')
  }
}
