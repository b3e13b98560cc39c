/**
 * Converters turn Connect data into the bytes of a record's key, value or
 * header and back (Kafka's Converter and HeaderConverter). `configure`
 * gets the converter's own settings with the `key.converter.` /
 * `value.converter.` prefix already taken off.
 */
import type {ConfigDef} from './config-def.js'
import type {Schema, SchemaAndValue} from './schema.js'

export interface Converter {
  configure(configs: Record<string, string>, isKey: boolean): void
  fromConnectData(topic: string, schema: Schema | null, value: unknown): Buffer | null
  toConnectData(topic: string, value: Buffer | null): SchemaAndValue
  config?(): ConfigDef
}

export interface HeaderConverter {
  configure(configs: Record<string, string>): void
  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Buffer | null
  toConnectHeader(topic: string, headerKey: string, value: Buffer | null): SchemaAndValue
}
