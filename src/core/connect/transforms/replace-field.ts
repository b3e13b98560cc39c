/**
 * org.apache.kafka.connect.transforms.ReplaceField$Key / $Value: keeps the
 * fields in `include` (all when empty) that are not in `exclude`, and
 * renames them by `renames` (`old:new,...`). The old names `whitelist` and
 * `blacklist` are still read, as Kafka does. A null value passes unchanged.
 */
import {ConfigDef} from '../api/config-def.js'
import {ConnectConfigError} from '../../errors.js'
import type {ConnectRecord} from '../api/connect-record.js'
import type {Props} from '../api/connector.js'
import {type Schema, SchemaBuilder} from '../api/schema.js'
import {Struct} from '../api/struct.js'
import type {Transformation} from '../api/transformation.js'
import {copySchemaBasics, fieldValue, operatingSchema, operatingValue, type Part, requireMap, requireStruct, SchemaCache, withPart} from './requirements.js'

const PURPOSE = 'field replacement'

const CONFIG = new ConfigDef()
  .define({name: 'exclude', type: 'LIST', defaultValue: '', importance: 'MEDIUM', documentation: 'Fields to exclude. This takes precedence over the fields to include.'})
  .define({name: 'include', type: 'LIST', defaultValue: '', importance: 'MEDIUM', documentation: 'Fields to include. If specified, only these fields will be used.'})
  .define({name: 'renames', type: 'LIST', defaultValue: '', importance: 'MEDIUM', documentation: 'Field rename mappings.'})
  .define({name: 'replace.null.with.default', type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: 'Whether to replace fields that have a default value and that are null to the default value.'})
  .define({name: 'blacklist', type: 'LIST', defaultValue: null, importance: 'LOW', documentation: 'Deprecated. Use exclude instead.'})
  .define({name: 'whitelist', type: 'LIST', defaultValue: null, importance: 'LOW', documentation: 'Deprecated. Use include instead.'})

export abstract class ReplaceField implements Transformation {
  private exclude = new Set<string>()
  private include = new Set<string>()
  private renames = new Map<string, string>()
  private reverse = new Map<string, string>()
  private replaceNull = true
  private readonly cache = new SchemaCache()

  protected constructor(private readonly part: Part) {}

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    const c = CONFIG.parse(props)
    this.exclude = new Set(props.exclude !== undefined ? (c.exclude as string[]) : ((c.blacklist as string[] | null) ?? []))
    this.include = new Set(props.include !== undefined ? (c.include as string[]) : ((c.whitelist as string[] | null) ?? []))
    for (const mapping of c.renames as string[]) {
      const parts = mapping.split(':')
      if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw new ConnectConfigError(`Invalid value ${(c.renames as string[]).join(',')} for configuration renames: Invalid rename mapping: ${mapping}`)
      this.renames.set(parts[0], parts[1])
      this.reverse.set(parts[1], parts[0])
    }
    this.replaceNull = c['replace.null.with.default'] as boolean
  }

  private keep(name: string): boolean {
    return !this.exclude.has(name) && (this.include.size === 0 || this.include.has(name))
  }

  private renamed(name: string): string {
    return this.renames.get(name) ?? name
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = operatingValue(record, this.part)
    if (value === null) return record
    if (operatingSchema(record, this.part) === null) {
      const updated: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(requireMap(value, PURPOSE))) if (this.keep(k)) updated[this.renamed(k)] = v
      return withPart(record, this.part, null, updated)
    }
    const struct = requireStruct(value, PURPOSE)
    const schema = this.cache.get(struct.schema, (s) => this.updatedSchema(s))
    const updated = new Struct(schema)
    for (const f of schema.fields()) updated.put(f.name, fieldValue(struct, this.reverse.get(f.name) ?? f.name, this.replaceNull))
    return withPart(record, this.part, schema, updated)
  }

  private updatedSchema(schema: Schema): Schema {
    const b = copySchemaBasics(schema, SchemaBuilder.struct())
    for (const f of schema.fields()) if (this.keep(f.name)) b.field(this.renamed(f.name), f.schema)
    return b.build()
  }

  close(): void {}
}

export class ReplaceFieldKey extends ReplaceField {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.ReplaceField$Key'
  constructor() {
    super('key')
  }
}

export class ReplaceFieldValue extends ReplaceField {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.ReplaceField$Value'
  constructor() {
    super('value')
  }
}
