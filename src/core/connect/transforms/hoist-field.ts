/**
 * org.apache.kafka.connect.transforms.HoistField$Key / $Value: wraps the key
 * or value in a struct (or, schemaless, a map) with the one field `field`.
 */
import {ConfigDef} from '../api/config-def.js'
import type {ConnectRecord} from '../api/connect-record.js'
import type {Props} from '../api/connector.js'
import {SchemaBuilder} from '../api/schema.js'
import {Struct} from '../api/struct.js'
import type {Transformation} from '../api/transformation.js'
import {operatingSchema, operatingValue, type Part, SchemaCache, withPart} from './requirements.js'

const CONFIG = new ConfigDef().define({name: 'field', type: 'STRING', importance: 'MEDIUM', documentation: 'Field name for the single field that will be created in the resulting Struct or Map.'})

export abstract class HoistField implements Transformation {
  private field = ''
  private readonly cache = new SchemaCache()

  protected constructor(private readonly part: Part) {}

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    this.field = CONFIG.parse(props).field as string
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = operatingSchema(record, this.part)
    const value = operatingValue(record, this.part)
    if (schema === null) return withPart(record, this.part, null, {[this.field]: value})
    const updated = this.cache.get(schema, (s) => SchemaBuilder.struct().field(this.field, s).build())
    return withPart(record, this.part, updated, new Struct(updated).put(this.field, value))
  }

  close(): void {}
}

export class HoistFieldKey extends HoistField {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.HoistField$Key'
  constructor() {
    super('key')
  }
}

export class HoistFieldValue extends HoistField {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.HoistField$Value'
  constructor() {
    super('value')
  }
}
