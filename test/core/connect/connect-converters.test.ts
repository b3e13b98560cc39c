/** The String, ByteArray and numeric converters and SimpleHeaderConverter: Kafka's bytes, both ways. */
import {describe, expect, test} from 'vitest'
import {ConnectConfigError, ConnectDataError} from '../../../src/core/errors.js'
import {Schema} from '../../../src/core/connect/api/schema.js'
import {ByteArrayConverter} from '../../../src/core/connect/converters/byte-array-converter.js'
import {createConverter} from '../../../src/core/connect/converters/converter-classes.js'
import {BooleanConverter, DoubleConverter, FloatConverter, IntegerConverter, LongConverter, ShortConverter} from '../../../src/core/connect/converters/number-converters.js'
import {SimpleHeaderConverter} from '../../../src/core/connect/converters/simple-header-converter.js'
import {StringConverter} from '../../../src/core/connect/converters/string-converter.js'

describe('numeric converters write what Kafka serializers write', () => {
  test.each([
    [new ShortConverter(), 258, '0102', Schema.OPTIONAL_INT16_SCHEMA],
    [new IntegerConverter(), -2, 'fffffffe', Schema.OPTIONAL_INT32_SCHEMA],
    [new LongConverter(), 1 << 20, '0000000000100000', Schema.OPTIONAL_INT64_SCHEMA],
    [new LongConverter(), -(2n ** 63n), '8000000000000000', Schema.OPTIONAL_INT64_SCHEMA],
    [new FloatConverter(), 1.5, '3fc00000', Schema.OPTIONAL_FLOAT32_SCHEMA],
    [new DoubleConverter(), -0.5, 'bfe0000000000000', Schema.OPTIONAL_FLOAT64_SCHEMA],
    [new BooleanConverter(), true, '01', Schema.OPTIONAL_BOOLEAN_SCHEMA],
  ])('%o %s', (c, value, hex, schema) => {
    const bytes = c.fromConnectData('t', null, value)!
    expect(bytes.toString('hex')).toBe(hex)
    const back = c.toConnectData('t', bytes)
    expect(back.schema).toBe(schema)
    expect(back.value).toEqual(value)
  })

  test('null is no bytes, and no bytes are null', () => {
    const c = new IntegerConverter()
    expect(c.fromConnectData('t', null, null)).toBeNull()
    expect(c.toConnectData('t', null)).toEqual({schema: Schema.OPTIONAL_INT32_SCHEMA, value: null})
  })

  test('bytes of the wrong length, and values of the wrong kind, are refused', () => {
    expect(() => new IntegerConverter().toConnectData('t', Buffer.from([1, 2]))).toThrow(ConnectDataError)
    expect(() => new ShortConverter().fromConnectData('t', null, 70000)).toThrow(ConnectDataError)
    expect(() => new BooleanConverter().toConnectData('t', Buffer.from([2]))).toThrow(ConnectDataError)
  })
})

describe('StringConverter and ByteArrayConverter', () => {
  test('a string is its UTF-8 bytes; bytes read back as an optional string', () => {
    const c = new StringConverter()
    expect(c.fromConnectData('t', Schema.STRING_SCHEMA, 'héllo')).toEqual(Buffer.from('héllo'))
    expect(c.fromConnectData('t', Schema.INT32_SCHEMA, 42)).toEqual(Buffer.from('42'))
    expect(c.toConnectData('t', Buffer.from('x'))).toEqual({schema: Schema.OPTIONAL_STRING_SCHEMA, value: 'x'})
  })

  test('ByteArrayConverter passes bytes through and refuses other schemas', () => {
    const c = new ByteArrayConverter()
    const b = Buffer.from([0, 255, 7])
    expect(c.fromConnectData('t', Schema.BYTES_SCHEMA, b)).toEqual(b)
    expect(c.toConnectData('t', b)).toEqual({schema: Schema.OPTIONAL_BYTES_SCHEMA, value: b})
    expect(() => c.fromConnectData('t', Schema.STRING_SCHEMA, 'x')).toThrow(/Invalid schema type/)
  })

  test('converters are found by Kafka class name and by short name; an unknown one is a config error', () => {
    expect(createConverter('value.converter', 'org.apache.kafka.connect.storage.StringConverter', {}, false)).toBeInstanceOf(StringConverter)
    expect(createConverter('value.converter', 'ByteArrayConverter', {}, false)).toBeInstanceOf(ByteArrayConverter)
    expect(() => createConverter('value.converter', 'io.confluent.connect.avro.AvroConverter', {}, false)).toThrow(ConnectConfigError)
  })
})

describe('SimpleHeaderConverter', () => {
  const c = new SimpleHeaderConverter()
  test.each([
    ['true', Schema.BOOLEAN_SCHEMA, true],
    ['12', Schema.INT8_SCHEMA, 12],
    ['1000', Schema.INT16_SCHEMA, 1000],
    ['100000', Schema.INT32_SCHEMA, 100000],
    ['10000000000', Schema.INT64_SCHEMA, 10000000000],
    ['1.5', Schema.FLOAT32_SCHEMA, 1.5],
    ['0.1', Schema.FLOAT64_SCHEMA, 0.1],
    ['hello', Schema.STRING_SCHEMA, 'hello'],
  ])('reads %j as the narrowest type', (text, schema, value) => {
    expect(c.toConnectHeader('t', 'h', Buffer.from(text))).toEqual({schema, value})
    expect(c.fromConnectHeader('t', 'h', schema, value)!.toString()).toBe(text)
  })
})
