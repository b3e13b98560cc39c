/**
 * org.apache.kafka.connect.transforms.InsertField$Key / $Value: adds the
 * record's topic, partition, offset (sinks only), timestamp and/or a static
 * string as fields. A field name ending in `!` is required in the new
 * schema, `?` or nothing optional. Schemaless values get the timestamp as
 * a number, struct values as a Timestamp; a null value passes unchanged.
 */
import {ConfigDef} from '../api/config-def.js'
import type {ConnectRecord} from '../api/connect-record.js'
import type {Props} from '../api/connector.js'
import {ConnectTimestamp} from '../api/logical-types.js'
import {Schema, SchemaBuilder} from '../api/schema.js'
import {Struct} from '../api/struct.js'
import type {Transformation} from '../api/transformation.js'
import {copySchemaBasics, fieldValue, operatingSchema, operatingValue, type Part, requireMap, requireSinkRecord, requireStruct, SchemaCache, withPart} from './requirements.js'

const PURPOSE = 'field insertion'

interface InsertionSpec {
  name: string
  optional: boolean
}

function parseSpec(spec: string | null): InsertionSpec | null {
  if (spec === null || spec === '') return null
  if (spec.endsWith('?')) return {name: spec.slice(0, -1), optional: true}
  if (spec.endsWith('!')) return {name: spec.slice(0, -1), optional: false}
  return {name: spec, optional: true}
}

const CONFIG = new ConfigDef()
  .define({name: 'topic.field', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: 'Field name for Kafka topic. Suffix with ! to make this a required field, or ? to keep it optional (the default).'})
  .define({name: 'partition.field', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: 'Field name for Kafka partition.'})
  .define({name: 'offset.field', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: 'Field name for Kafka offset - only applicable to sink connectors.'})
  .define({name: 'timestamp.field', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: 'Field name for record timestamp.'})
  .define({name: 'static.field', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: 'Field name for static data field.'})
  .define({name: 'static.value', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: 'Static field value, if field name configured.'})
  .define({name: 'replace.null.with.default', type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: 'Whether to replace fields that have a default value and that are null to the default value.'})

export abstract class InsertField implements Transformation {
  private topic: InsertionSpec | null = null
  private partition: InsertionSpec | null = null
  private offset: InsertionSpec | null = null
  private timestamp: InsertionSpec | null = null
  private staticField: InsertionSpec | null = null
  private staticValue: string | null = null
  private replaceNull = true
  private readonly cache = new SchemaCache()

  protected constructor(private readonly part: Part) {}

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    const c = CONFIG.parse(props)
    this.topic = parseSpec(c['topic.field'] as string | null)
    this.partition = parseSpec(c['partition.field'] as string | null)
    this.offset = parseSpec(c['offset.field'] as string | null)
    this.timestamp = parseSpec(c['timestamp.field'] as string | null)
    this.staticField = parseSpec(c['static.field'] as string | null)
    this.staticValue = c['static.value'] as string | null
    this.replaceNull = c['replace.null.with.default'] as boolean
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = operatingValue(record, this.part)
    if (value === null) return record
    const schema = operatingSchema(record, this.part)
    return schema === null ? this.applySchemaless(record, value) : this.applyWithSchema(record, value)
  }

  private applySchemaless<R extends ConnectRecord>(record: R, value: unknown): R {
    const updated: Record<string, unknown> = {...requireMap(value, PURPOSE)}
    if (this.topic) updated[this.topic.name] = record.topic
    if (this.partition && record.kafkaPartition !== null) updated[this.partition.name] = record.kafkaPartition
    if (this.offset) updated[this.offset.name] = requireSinkRecord(record, PURPOSE).kafkaOffset
    if (this.timestamp && record.timestamp !== null) updated[this.timestamp.name] = record.timestamp
    if (this.staticField && this.staticValue !== null) updated[this.staticField.name] = this.staticValue
    return withPart(record, this.part, null, updated)
  }

  private applyWithSchema<R extends ConnectRecord>(record: R, raw: unknown): R {
    const value = requireStruct(raw, PURPOSE)
    const schema = this.cache.get(value.schema, (s) => this.updatedSchema(s))
    const updated = new Struct(schema)
    for (const f of value.schema.fields()) updated.put(f.name, fieldValue(value, f.name, this.replaceNull))
    if (this.topic) updated.put(this.topic.name, record.topic)
    if (this.partition && record.kafkaPartition !== null) updated.put(this.partition.name, record.kafkaPartition)
    if (this.offset) updated.put(this.offset.name, requireSinkRecord(record, PURPOSE).kafkaOffset)
    if (this.timestamp && record.timestamp !== null) updated.put(this.timestamp.name, new Date(record.timestamp))
    if (this.staticField && this.staticValue !== null) updated.put(this.staticField.name, this.staticValue)
    return withPart(record, this.part, schema, updated)
  }

  private updatedSchema(schema: Schema): Schema {
    const b = copySchemaBasics(schema, SchemaBuilder.struct())
    for (const f of schema.fields()) b.field(f.name, f.schema)
    if (this.topic) b.field(this.topic.name, this.topic.optional ? Schema.OPTIONAL_STRING_SCHEMA : Schema.STRING_SCHEMA)
    if (this.partition) b.field(this.partition.name, this.partition.optional ? Schema.OPTIONAL_INT32_SCHEMA : Schema.INT32_SCHEMA)
    if (this.offset) b.field(this.offset.name, this.offset.optional ? Schema.OPTIONAL_INT64_SCHEMA : Schema.INT64_SCHEMA)
    if (this.timestamp) b.field(this.timestamp.name, this.timestamp.optional ? ConnectTimestamp.builder().optional().build() : ConnectTimestamp.builder().build())
    if (this.staticField) b.field(this.staticField.name, this.staticField.optional ? Schema.OPTIONAL_STRING_SCHEMA : Schema.STRING_SCHEMA)
    return b.build()
  }

  close(): void {}
}

export class InsertFieldKey extends InsertField {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.InsertField$Key'
  constructor() {
    super('key')
  }
}

export class InsertFieldValue extends InsertField {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.InsertField$Value'
  constructor() {
    super('value')
  }
}
