/** org.apache.kafka.connect.converters.ByteArrayConverter: the bytes unchanged, schema BYTES. */
import {ConnectDataError} from '../../errors.js'
import type {Converter, HeaderConverter} from '../api/converter.js'
import {Schema, type SchemaAndValue} from '../api/schema.js'

export class ByteArrayConverter implements Converter, HeaderConverter {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.converters.ByteArrayConverter'

  configure(): void {}

  fromConnectData(_topic: string, schema: Schema | null, value: unknown): Buffer | null {
    if (schema !== null && schema.type !== 'BYTES') throw new ConnectDataError(`Invalid schema type for ByteArrayConverter: ${schema.type}`)
    if (value === null || value === undefined) return null
    if (!(value instanceof Uint8Array)) throw new ConnectDataError(`ByteArrayConverter is not compatible with objects of type ${typeof value}`)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  }

  toConnectData(_topic: string, value: Buffer | null): SchemaAndValue {
    return {schema: Schema.OPTIONAL_BYTES_SCHEMA, value}
  }

  fromConnectHeader(topic: string, _key: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, schema, value)
  }

  toConnectHeader(topic: string, _key: string, value: Buffer | null): SchemaAndValue {
    return this.toConnectData(topic, value)
  }
}
