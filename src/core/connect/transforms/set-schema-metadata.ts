/**
 * org.apache.kafka.connect.transforms.SetSchemaMetadata$Key / $Value: sets
 * the key or value schema's `schema.name` and/or `schema.version`; a
 * struct is carried over to the renamed schema. A record without a schema
 * is an error, as in Kafka.
 */
import {ConnectConfigError} from '../../errors.js'
import {ConfigDef} from '../api/config-def.js'
import type {ConnectRecord} from '../api/connect-record.js'
import type {Props} from '../api/connector.js'
import {Struct} from '../api/struct.js'
import type {Transformation} from '../api/transformation.js'
import {operatingSchema, operatingValue, type Part, requireSchema, SchemaCache, withMetadata, withPart} from './requirements.js'

const CONFIG = new ConfigDef()
  .define({name: 'schema.name', type: 'STRING', defaultValue: null, importance: 'HIGH', documentation: 'Schema name to set.'})
  .define({name: 'schema.version', type: 'INT', defaultValue: null, importance: 'HIGH', documentation: 'Schema version to set.'})
  .define({name: 'replace.null.with.default', type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: 'Whether to replace fields that have a default value and that are null to the default value.'})

export abstract class SetSchemaMetadata implements Transformation {
  private schemaName: string | null = null
  private schemaVersion: number | null = null
  private replaceNull = true
  private readonly cache = new SchemaCache()

  protected constructor(private readonly part: Part) {}

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    const c = CONFIG.parse(props)
    this.schemaName = c['schema.name'] as string | null
    this.schemaVersion = c['schema.version'] as number | null
    this.replaceNull = c['replace.null.with.default'] as boolean
    if (this.schemaName === null && this.schemaVersion === null) throw new ConnectConfigError('Neither schema name nor version configured')
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = requireSchema(operatingSchema(record, this.part), 'updating schema metadata')
    const updated = this.cache.get(schema, (s) => withMetadata(s, {name: this.schemaName ?? s.name, version: this.schemaVersion ?? s.version}))
    const value = operatingValue(record, this.part)
    if (!(value instanceof Struct)) return withPart(record, this.part, updated, value)
    const struct = new Struct(updated)
    for (const f of updated.fields()) struct.put(f, this.replaceNull ? value.get(f.name) : value.getWithoutDefault(f.name))
    return withPart(record, this.part, updated, struct)
  }

  close(): void {}
}

export class SetSchemaMetadataKey extends SetSchemaMetadata {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.SetSchemaMetadata$Key'
  constructor() {
    super('key')
  }
}

export class SetSchemaMetadataValue extends SetSchemaMetadata {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.SetSchemaMetadata$Value'
  constructor() {
    super('value')
  }
}
