/** org.apache.kafka.connect.storage.StringConverter: any value as its text in UTF-8; bytes read back as an optional string. */
import {ConnectConfigError} from '../../errors.js'
import type {Converter, HeaderConverter} from '../api/converter.js'
import {Schema, type SchemaAndValue} from '../api/schema.js'

export class StringConverter implements Converter, HeaderConverter {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.storage.StringConverter'
  private encoding: BufferEncoding = 'utf8'

  configure(configs: Record<string, string>): void {
    const e = configs['converter.encoding'] ?? configs['serializer.encoding'] ?? configs['deserializer.encoding']
    if (e === undefined) return
    const map: Record<string, BufferEncoding> = {'UTF8': 'utf8', 'UTF-8': 'utf8', 'US-ASCII': 'ascii', 'ISO-8859-1': 'latin1', 'UTF-16LE': 'utf16le'}
    const enc = map[e.toUpperCase()]
    if (!enc) throw new ConnectConfigError(`unsupported converter.encoding ${e}`, {hint: 'UTF8, US-ASCII, ISO-8859-1 or UTF-16LE'})
    this.encoding = enc
  }

  fromConnectData(_topic: string, _schema: Schema | null, value: unknown): Buffer | null {
    if (value === null || value === undefined) return null
    return Buffer.from(value instanceof Uint8Array ? Buffer.from(value).toString(this.encoding) : String(value), this.encoding)
  }

  toConnectData(_topic: string, value: Buffer | null): SchemaAndValue {
    return {schema: Schema.OPTIONAL_STRING_SCHEMA, value: value === null ? null : value.toString(this.encoding)}
  }

  fromConnectHeader(topic: string, _key: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, schema, value)
  }

  toConnectHeader(topic: string, _key: string, value: Buffer | null): SchemaAndValue {
    return this.toConnectData(topic, value)
  }
}
