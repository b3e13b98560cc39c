/**
 * JsonConverter against the bytes Kafka's own writes: the envelope and
 * schema layout of connect/json's JsonConverter (asJsonSchema), the
 * expected strings taken from Kafka's JsonConverterTest where it has them.
 */
import {describe, expect, test} from 'vitest'
import {ConnectDataError} from '../../../src/core/errors.js'
import {ConnectDate, ConnectTimestamp, Decimal} from '../../../src/core/connect/api/logical-types.js'
import {Schema, SchemaBuilder, valuesEqual} from '../../../src/core/connect/api/schema.js'
import {Struct} from '../../../src/core/connect/api/struct.js'
import {JsonConverter} from '../../../src/core/connect/converters/json-converter.js'

function converter(schemas = true): JsonConverter {
  const c = new JsonConverter()
  c.configure({'schemas.enable': String(schemas)})
  return c
}

const write = (c: JsonConverter, schema: Schema | null, value: unknown) => c.fromConnectData('t', schema, value)?.toString('utf8') ?? null

describe('JsonConverter with schemas.enable=true', () => {
  const c = converter()

  test.each([
    ['the quickstart line', Schema.STRING_SCHEMA, 'foo', '{"schema":{"type":"string","optional":false},"payload":"foo"}'],
    ['boolean', Schema.BOOLEAN_SCHEMA, true, '{"schema":{"type":"boolean","optional":false},"payload":true}'],
    ['int8', Schema.INT8_SCHEMA, 12, '{"schema":{"type":"int8","optional":false},"payload":12}'],
    ['int64', Schema.INT64_SCHEMA, 4398046511104, '{"schema":{"type":"int64","optional":false},"payload":4398046511104}'],
    ['float (shortest digits of the float32)', Schema.FLOAT32_SCHEMA, Math.fround(12.34), '{"schema":{"type":"float","optional":false},"payload":12.34}'],
    ['double a whole number', Schema.FLOAT64_SCHEMA, 12, '{"schema":{"type":"double","optional":false},"payload":12.0}'],
    ['double, Java exponent form', Schema.FLOAT64_SCHEMA, 1e10, '{"schema":{"type":"double","optional":false},"payload":1.0E10}'],
    ['bytes as base64', Schema.BYTES_SCHEMA, Buffer.from('test-string'), '{"schema":{"type":"bytes","optional":false},"payload":"dGVzdC1zdHJpbmc="}'],
    ['optional null', Schema.OPTIONAL_STRING_SCHEMA, null, '{"schema":{"type":"string","optional":true},"payload":null}'],
    ['array', SchemaBuilder.array(Schema.INT32_SCHEMA).build(), [1, 2, 3], '{"schema":{"type":"array","items":{"type":"int32","optional":false},"optional":false},"payload":[1,2,3]}'],
    [
      'map with string keys is an object',
      SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(),
      {key1: 12, key2: 15},
      '{"schema":{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":{"key1":12,"key2":15}}',
    ],
    [
      'map with other keys is a list of pairs',
      SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.INT32_SCHEMA).build(),
      new Map([[1, 12], [2, 15]]),
      '{"schema":{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":[[1,12],[2,15]]}',
    ],
    [
      'name, version, doc, parameters, default in that order',
      SchemaBuilder.int32().optional().name('n').version(2).doc('d').parameter('p', 'v').defaultValue(7).build(),
      5,
      '{"schema":{"type":"int32","optional":true,"name":"n","version":2,"doc":"d","parameters":{"p":"v"},"default":7},"payload":5}',
    ],
    [
      'decimal as base64 of the unscaled value',
      Decimal.schema(2),
      '1.56',
      '{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"AJw="}',
    ],
    ['date as days', ConnectDate.builder().build(), new Date(Date.UTC(1970, 0, 11)), '{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1},"payload":10}'],
  ])('%s', (_what, schema, value, expected) => {
    expect(write(c, schema, value)).toBe(expected)
    const back = c.toConnectData('t', Buffer.from(expected))
    expect(back.schema!.equals(schema)).toBe(true)
    expect(valuesEqual(back.value, value)).toBe(true)
  })

  test("a struct's fields carry their name last, as Kafka's asJsonSchema adds it", () => {
    const schema = SchemaBuilder.struct().field('field1', Schema.BOOLEAN_SCHEMA).field('field2', Schema.STRING_SCHEMA).field('field3', Schema.OPTIONAL_STRING_SCHEMA).build()
    const s = new Struct(schema).put('field1', true).put('field2', 'string2').put('field3', 'string3')
    const text = write(c, schema, s)
    expect(text).toBe(
      '{"schema":{"type":"struct","fields":[{"type":"boolean","optional":false,"field":"field1"},{"type":"string","optional":false,"field":"field2"},{"type":"string","optional":true,"field":"field3"}],"optional":false},"payload":{"field1":true,"field2":"string2","field3":"string3"}}',
    )
    const back = c.toConnectData('t', Buffer.from(text!))
    expect((back.value as Struct).equals(s)).toBe(true)
  })

  test('a null value without a schema is no bytes at all, and no bytes read back as null', () => {
    expect(c.fromConnectData('t', null, null)).toBeNull()
    expect(c.toConnectData('t', null)).toEqual({schema: null, value: null})
  })

  test('a timestamp round-trips as milliseconds', () => {
    const schema = ConnectTimestamp.builder().build()
    const when = new Date(1_700_000_000_123)
    expect(write(c, schema, when)).toBe('{"schema":{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},"payload":1700000000123}')
  })

  test.each([
    ['plain JSON without the envelope', '{"a":1}', /requires "schema" and "payload" fields/],
    ['an envelope with an extra field', '{"schema":null,"payload":1,"x":2}', /requires "schema" and "payload"/],
    ['not JSON', 'foo', /serialization error: invalid JSON at character 0/],
    ['a required value that is null', '{"schema":{"type":"string","optional":false},"payload":null}', /Invalid null value for required STRING field/],
    ['a string where an int32 belongs', '{"schema":{"type":"int32","optional":false},"payload":"x"}', /Invalid JSON for INT32 schema/],
    ['an int8 out of range', '{"schema":{"type":"int8","optional":false},"payload":300}', /out of range for INT8/],
    ['an unknown type', '{"schema":{"type":"uuid"},"payload":1}', /Unknown schema type: uuid/],
    ['nesting beyond the bound', '['.repeat(600) + ']'.repeat(600), /nested too deeply/],
  ])('refuses %s with a ConnectDataError', (_what, text, message) => {
    const conv = converter()
    const attempt = () => conv.toConnectData('t', Buffer.from(text))
    expect(attempt).toThrow(ConnectDataError)
    expect(attempt).toThrow(message)
  })

  test('a value that does not fit its schema is refused on write', () => {
    expect(() => write(c, Schema.INT32_SCHEMA, 'x')).toThrow(ConnectDataError)
    expect(() => write(c, Schema.STRING_SCHEMA, null)).toThrow(/null value for field that is required/)
  })
})

describe('JsonConverter with schemas.enable=false', () => {
  const c = converter(false)

  test('writes the bare payload and reads JSON by its own kinds (integers INT64, decimals FLOAT64, objects maps)', () => {
    expect(write(c, Schema.STRING_SCHEMA, 'foo')).toBe('"foo"')
    expect(write(c, null, {a: 1, b: [true, 'x', 1.5]})).toBe('{"a":1,"b":[true,"x",1.5]}')
    expect(c.toConnectData('t', Buffer.from('{"a":1,"b":1.0,"c":[null,"s"]}'))).toEqual({schema: null, value: {a: 1, b: 1, c: [null, 's']}})
  })

  test('integers beyond 2^53 keep every digit', () => {
    const back = c.toConnectData('t', Buffer.from('9223372036854775807'))
    expect(back.value).toBe(9223372036854775807n)
    expect(write(c, Schema.INT64_SCHEMA, 9223372036854775807n)).toBe('9223372036854775807')
  })

  test('a "__proto__" key is an ordinary key, not a prototype', () => {
    const back = c.toConnectData('t', Buffer.from('{"__proto__":{"polluted":1}}')).value as Record<string, unknown>
    expect(Object.keys(back)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('the per-schema fast paths read and write what the full path does', () => {
  test('records after the first with the same schema, strings with and without escapes, and envelopes that are not Kafka\'s', () => {
    const c = new JsonConverter()
    c.configure({})
    const enc = (v: string) => c.fromConnectData('t', Schema.STRING_SCHEMA, v)!.toString('utf8')
    expect(enc('foo')).toBe('{"schema":{"type":"string","optional":false},"payload":"foo"}')
    expect(enc('a"b\\c\n\u0001')).toBe('{"schema":{"type":"string","optional":false},"payload":"a\\"b\\\\c\\n\\u0001"}')
    const dec = (s: string) => c.toConnectData('t', Buffer.from(s))
    for (const v of ['foo', 'bar', 'a"b\\c\n\u0001', '', 'x}']) expect(dec(enc(v))).toEqual({schema: Schema.STRING_SCHEMA, value: v})
    expect(() => dec('{"schema":{"type":"string","optional":false},"payload":"x","extra":1}')).toThrow(ConnectDataError)
    expect(() => dec('{"schema":{"type":"string","optional":false},"payload":"x"}}')).toThrow(ConnectDataError)
    expect(dec('{"schema":{"type":"int32","optional":false},"payload":7}')).toEqual({schema: Schema.INT32_SCHEMA, value: 7})
    expect(dec('{"schema":{"type":"string","optional":false},"payload":"back"}')).toEqual({schema: Schema.STRING_SCHEMA, value: 'back'})
    // After a record of the schema: UTF-8 beyond ASCII, a raw control character (not JSON), a cut envelope.
    expect(dec('{"schema":{"type":"string","optional":false},"payload":"é ✓ 𝄞"}')).toEqual({schema: Schema.STRING_SCHEMA, value: 'é ✓ 𝄞'})
    expect(() => dec('{"schema":{"type":"string","optional":false},"payload":"a\u0001b"}')).toThrow(ConnectDataError)
    expect(() => dec('{"schema":{"type":"string","optional":false},"payload":"a')).toThrow(ConnectDataError)
    expect(() => dec('{"schema":{"type":"string","optional":false},"payload":"a"')).toThrow(ConnectDataError)
  })
})

describe('a plain-ASCII string is written without JSON.stringify, to the same bytes', () => {
  // What the full path writes: the string's JSON (JSON.stringify, as Jackson writes it) in the envelope, as UTF-8.
  const full = (c: JsonConverter, schema: Schema, v: string, schemas: boolean) =>
    schemas ? `{"schema":${JSON.stringify(c.asJsonSchema(schema) as unknown, (_k, x: unknown) => (x instanceof Map ? Object.fromEntries(x) : x))},"payload":${JSON.stringify(v)}}` : JSON.stringify(v)
  const strings = ['', 'foo', ' !#[]~', 'a"b', 'a\\b', 'tab\there', 'del\u007f', '\u0000', 'é', '✓', '𝄞', 'lone \ud800 surrogate', 'x'.repeat(5000)]

  test.each([true, false])('schemas.enable=%s', (schemas) => {
    const c = converter(schemas)
    for (const v of strings) expect(c.fromConnectData('t', Schema.STRING_SCHEMA, v)).toEqual(Buffer.from(full(c, Schema.STRING_SCHEMA, v, schemas), 'utf8'))
  })

  test('a schema whose envelope is not ASCII (a doc) is written as UTF-8', () => {
    const c = converter()
    const schema = SchemaBuilder.string().doc('Zeile – ✓').build()
    for (const v of strings) expect(c.fromConnectData('t', schema, v)!.toString('utf8')).toBe(full(c, schema, v, true))
    expect(c.fromConnectData('t', schema, 'ab')!.toString('utf8')).toBe('{"schema":{"type":"string","optional":false,"doc":"Zeile – ✓"},"payload":"ab"}')
  })
})
