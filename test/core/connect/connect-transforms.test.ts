/**
 * Single message transforms and predicates, configured with Kafka's own
 * keys through the chain the worker builds, on the examples Kafka's and
 * Confluent's SMT docs give (before -> after as they print it), on
 * schemaless maps and on structs, as JsonConverter writes them.
 */
import {beforeAll, describe, expect, test} from 'vitest'
import {ConnectConfigError, ConnectDataError} from '../../../src/core/errors.js'
import {SinkRecord, SourceRecord} from '../../../src/core/connect/api/connect-record.js'
import {ConnectHeaders} from '../../../src/core/connect/api/headers.js'
import {ConnectDate, ConnectTimestamp} from '../../../src/core/connect/api/logical-types.js'
import {Schema, SchemaBuilder} from '../../../src/core/connect/api/schema.js'
import {Struct} from '../../../src/core/connect/api/struct.js'
import {JsonConverter} from '../../../src/core/connect/converters/json-converter.js'
import {Plugins} from '../../../src/core/connect/runtime/plugins.js'
import {applyStage, TransformationChain} from '../../../src/core/connect/runtime/transformation-chain.js'

let plugins: Plugins
beforeAll(async () => {
  plugins = await Plugins.load(undefined, () => {})
})

function chain(props: Record<string, string>): TransformationChain {
  return TransformationChain.fromProps(props, plugins)
}

function run<R extends SinkRecord | SourceRecord>(props: Record<string, string>, record: R): R | null {
  let r: R | null = record
  for (const s of chain(props).stages) {
    if (r === null) break
    r = applyStage(s, r)
  }
  return r
}

const json = (schemas: boolean) => {
  const c = new JsonConverter()
  c.configure({'schemas.enable': String(schemas)})
  return c
}
const text = (schema: Schema | null, value: unknown, schemas = schema !== null) => json(schemas).fromConnectData('t', schema, value)!.toString('utf8')
const fromJson = (s: string) => json(false).toConnectData('t', Buffer.from(s)).value

const sink = (value: unknown, valueSchema: Schema | null = null, more: Partial<ConstructorParameters<typeof SinkRecord>[0]> = {}) =>
  new SinkRecord({topic: 'test', kafkaPartition: 0, kafkaOffset: 42, value, valueSchema, timestamp: 1_764_633_600_000, ...more})

describe("Kafka's documented examples", () => {
  test('InsertField$Value static.field (Confluent docs: MessageSource)', () => {
    const out = run(
      {transforms: 'InsertField', 'transforms.InsertField.type': 'org.apache.kafka.connect.transforms.InsertField$Value', 'transforms.InsertField.static.field': 'MessageSource', 'transforms.InsertField.static.value': 'Kafka Connect framework'},
      sink(fromJson('{"author": "Philip K. Dick", "character": "Palmer Eldritch"}')),
    )!
    expect(text(null, out.value)).toBe('{"author":"Philip K. Dick","character":"Palmer Eldritch","MessageSource":"Kafka Connect framework"}')
  })

  test("HoistField$Value then InsertField$Value (Kafka's connect docs: MakeMap, InsertSource on the quickstart's lines)", () => {
    const out = run(
      {
        transforms: 'MakeMap, InsertSource',
        'transforms.MakeMap.type': 'org.apache.kafka.connect.transforms.HoistField$Value',
        'transforms.MakeMap.field': 'line',
        'transforms.InsertSource.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
        'transforms.InsertSource.static.field': 'data_source',
        'transforms.InsertSource.static.value': 'test-file-source',
      },
      new SourceRecord({sourcePartition: null, sourceOffset: null, topic: 'connect-test', valueSchema: Schema.STRING_SCHEMA, value: 'foo'}),
    )!
    expect(text(out.valueSchema, out.value)).toBe(
      '{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"line"},{"type":"string","optional":true,"field":"data_source"}],"optional":false},"payload":{"line":"foo","data_source":"test-file-source"}}',
    )
  })

  test('Flatten$Value (Confluent docs: content.name.first)', () => {
    const out = run({transforms: 'flatten', 'transforms.flatten.type': 'org.apache.kafka.connect.transforms.Flatten$Value', 'transforms.flatten.delimiter': '.'}, sink(fromJson('{"content":{"id":42,"name":{"first":"David","middle":null,"last":"Wong"}}}')))!
    expect(text(null, out.value)).toBe('{"content.id":42,"content.name.first":"David","content.name.middle":null,"content.name.last":"Wong"}')
  })

  test('Flatten$Value on a struct: names joined, optional when any parent is', () => {
    const name = SchemaBuilder.struct().optional().field('first', Schema.STRING_SCHEMA).field('last', Schema.STRING_SCHEMA).build()
    const content = SchemaBuilder.struct().field('id', Schema.INT32_SCHEMA).field('name', name).build()
    const schema = SchemaBuilder.struct().name('person').field('content', content).build()
    const v = new Struct(schema).put('content', new Struct(content).put('id', 42).put('name', new Struct(name).put('first', 'David').put('last', 'Wong')))
    const out = run({transforms: 'f', 'transforms.f.type': 'org.apache.kafka.connect.transforms.Flatten$Value', 'transforms.f.delimiter': '_'}, sink(v, schema))!
    expect(text(out.valueSchema, out.value)).toBe(
      '{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"content_id"},{"type":"string","optional":true,"field":"content_name_first"},{"type":"string","optional":true,"field":"content_name_last"}],"optional":false,"name":"person"},"payload":{"content_id":42,"content_name_first":"David","content_name_last":"Wong"}}',
    )
  })

  test('ReplaceField$Value exclude and renames (Kafka docs: foo:c1,bar:c2)', () => {
    const props = {transforms: 'r', 'transforms.r.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value', 'transforms.r.exclude': 'c3', 'transforms.r.renames': 'foo:c1,bar:c2'}
    expect(text(null, run(props, sink(fromJson('{"foo":1,"bar":"x","c3":true}')))!.value)).toBe('{"c1":1,"c2":"x"}')
    const schema = SchemaBuilder.struct().field('foo', Schema.INT32_SCHEMA).field('bar', Schema.STRING_SCHEMA).field('c3', Schema.BOOLEAN_SCHEMA).build()
    const out = run(props, sink(new Struct(schema).put('foo', 1).put('bar', 'x').put('c3', true), schema))!
    expect(text(out.valueSchema, out.value)).toBe('{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"c1"},{"type":"string","optional":false,"field":"c2"}],"optional":false},"payload":{"c1":1,"c2":"x"}}')
    const include = run({...props, 'transforms.r.include': 'bar', 'transforms.r.exclude': ''}, sink(fromJson('{"foo":1,"bar":"x"}')))!
    expect(text(null, include.value)).toBe('{"c2":"x"}')
  })

  test('ValueToKey then ExtractField$Key (Confluent docs: the id as key)', () => {
    const out = run(
      {
        transforms: 'createKey,extractInt',
        'transforms.createKey.type': 'org.apache.kafka.connect.transforms.ValueToKey',
        'transforms.createKey.fields': 'c1',
        'transforms.extractInt.type': 'org.apache.kafka.connect.transforms.ExtractField$Key',
        'transforms.extractInt.field': 'c1',
      },
      sink(fromJson('{"c1":22,"c2":"foo"}')),
    )!
    expect(out.key).toBe(22)
    const schema = SchemaBuilder.struct().field('id', Schema.INT64_SCHEMA).field('name', Schema.STRING_SCHEMA).build()
    const keyed = run({transforms: 'k', 'transforms.k.type': 'org.apache.kafka.connect.transforms.ValueToKey', 'transforms.k.fields': 'id'}, sink(new Struct(schema).put('id', 7).put('name', 'n'), schema))!
    expect(text(keyed.keySchema, keyed.key)).toBe('{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":false},"payload":{"id":7}}')
    expect(() => run({transforms: 'k', 'transforms.k.type': 'org.apache.kafka.connect.transforms.ValueToKey', 'transforms.k.fields': 'nope'}, sink(new Struct(schema).put('id', 7).put('name', 'n'), schema))).toThrow(ConnectDataError)
  })

  test('ExtractField$Value with a schema, and V2 paths', () => {
    const inner = SchemaBuilder.struct().field('b', Schema.STRING_SCHEMA).build()
    const schema = SchemaBuilder.struct().field('a', inner).build()
    const v = new Struct(schema).put('a', new Struct(inner).put('b', 'deep'))
    const out = run({transforms: 'e', 'transforms.e.type': 'org.apache.kafka.connect.transforms.ExtractField$Value', 'transforms.e.field': 'a.b', 'transforms.e.field.syntax.version': 'V2'}, sink(v, schema))!
    expect(out.value).toBe('deep')
    expect(out.valueSchema).toBe(Schema.STRING_SCHEMA)
    expect(() => run({transforms: 'e', 'transforms.e.type': 'org.apache.kafka.connect.transforms.ExtractField$Value', 'transforms.e.field': 'x'}, sink(v, schema))).toThrow(/Unknown field: x/)
  })

  test('MaskField$Value: empty values by type, or a replacement', () => {
    const schema = SchemaBuilder.struct().field('n', Schema.INT32_SCHEMA).field('s', Schema.STRING_SCHEMA).field('b', Schema.BOOLEAN_SCHEMA).field('keep', Schema.STRING_SCHEMA).build()
    const v = new Struct(schema).put('n', 5).put('s', 'secret').put('b', true).put('keep', 'k')
    const out = run({transforms: 'm', 'transforms.m.type': 'org.apache.kafka.connect.transforms.MaskField$Value', 'transforms.m.fields': 'n,s,b'}, sink(v, schema))!
    expect(text(out.valueSchema, out.value, false)).toBe('{"n":0,"s":"","b":false,"keep":"k"}')
    const star = run({transforms: 'm', 'transforms.m.type': 'org.apache.kafka.connect.transforms.MaskField$Value', 'transforms.m.fields': 'ssn', 'transforms.m.replacement': '***-**-****'}, sink(fromJson('{"ssn":"123-45-6789","name":"x"}')))!
    expect(text(null, star.value)).toBe('{"ssn":"***-**-****","name":"x"}')
    expect(() => run({transforms: 'm', 'transforms.m.type': 'org.apache.kafka.connect.transforms.MaskField$Value', 'transforms.m.fields': 'n', 'transforms.m.replacement': 'abc'}, sink(v, schema))).toThrow(/Unable to convert abc/)
  })

  test('Cast$Value: fields and the whole value, as Java casts', () => {
    const schema = SchemaBuilder.struct().field('i', Schema.INT64_SCHEMA).field('f', Schema.FLOAT64_SCHEMA).field('s', Schema.STRING_SCHEMA).field('b', Schema.BOOLEAN_SCHEMA).build()
    const v = new Struct(schema).put('i', 300).put('f', 2.75).put('s', '17').put('b', true)
    const out = run({transforms: 'c', 'transforms.c.type': 'org.apache.kafka.connect.transforms.Cast$Value', 'transforms.c.spec': 'i:int8,f:string,s:int32,b:float64'}, sink(v, schema))!
    expect(text(out.valueSchema, out.value)).toBe(
      '{"schema":{"type":"struct","fields":[{"type":"int8","optional":false,"field":"i"},{"type":"string","optional":false,"field":"f"},{"type":"int32","optional":false,"field":"s"},{"type":"double","optional":false,"field":"b"}],"optional":false},"payload":{"i":44,"f":"2.75","s":17,"b":1.0}}',
    )
    const whole = run({transforms: 'c', 'transforms.c.type': 'org.apache.kafka.connect.transforms.Cast$Value', 'transforms.c.spec': 'string'}, sink(10, Schema.FLOAT64_SCHEMA))!
    expect([whole.value, whole.valueSchema?.type]).toEqual(['10.0', 'STRING'])
    expect(run({transforms: 'c', 'transforms.c.type': 'org.apache.kafka.connect.transforms.Cast$Value', 'transforms.c.spec': 'boolean'}, sink(0.5, Schema.FLOAT64_SCHEMA))!.value).toBe(false)
    expect(() => chain({transforms: 'c', 'transforms.c.type': 'org.apache.kafka.connect.transforms.Cast$Value', 'transforms.c.spec': 'a:int8,int16'})).toThrow(ConnectConfigError)
    expect(() => run({transforms: 'c', 'transforms.c.type': 'org.apache.kafka.connect.transforms.Cast$Value', 'transforms.c.spec': 'int8'}, sink('300', Schema.STRING_SCHEMA))).toThrow(/out of range/)
  })

  test('TimestampConverter$Value: string <-> unix <-> Timestamp / Date (Confluent docs: yyyy-MM-dd)', () => {
    const out = run(
      {transforms: 'TimestampConverter', 'transforms.TimestampConverter.type': 'org.apache.kafka.connect.transforms.TimestampConverter$Value', 'transforms.TimestampConverter.format': 'yyyy-MM-dd', 'transforms.TimestampConverter.target.type': 'string', 'transforms.TimestampConverter.field': 'ts'},
      sink(fromJson('{"ts":1696118400000,"x":1}')),
    )!
    expect(text(null, out.value)).toBe('{"ts":"2023-10-01","x":1}')
    const back = run({transforms: 't', 'transforms.t.type': 'org.apache.kafka.connect.transforms.TimestampConverter$Value', 'transforms.t.format': "yyyy-MM-dd'T'HH:mm:ss.SSSX", 'transforms.t.target.type': 'Timestamp'}, sink('2026-12-02T06:29:45.123Z', Schema.STRING_SCHEMA))!
    expect(back.valueSchema?.name).toBe(ConnectTimestamp.LOGICAL_NAME)
    expect((back.value as Date).toISOString()).toBe('2026-12-02T06:29:45.123Z')
    const day = run({transforms: 't', 'transforms.t.type': 'org.apache.kafka.connect.transforms.TimestampConverter$Value', 'transforms.t.target.type': 'Date'}, sink(back.value, back.valueSchema))!
    expect([day.valueSchema?.name, (day.value as Date).toISOString()]).toEqual([ConnectDate.LOGICAL_NAME, '2026-12-02T00:00:00.000Z'])
    const secs = run({transforms: 't', 'transforms.t.type': 'org.apache.kafka.connect.transforms.TimestampConverter$Value', 'transforms.t.target.type': 'unix', 'transforms.t.unix.precision': 'seconds'}, sink(back.value, back.valueSchema))!
    expect(secs.value).toBe(1_796_192_985)
    expect(() => chain({transforms: 't', 'transforms.t.type': 'org.apache.kafka.connect.transforms.TimestampConverter$Value', 'transforms.t.target.type': 'string'})).toThrow(/requires format/)
  })

  test('RegexRouter and TimestampRouter rename the topic', () => {
    const routed = run({transforms: 'dropPrefix', 'transforms.dropPrefix.type': 'org.apache.kafka.connect.transforms.RegexRouter', 'transforms.dropPrefix.regex': 'soe-(.*)', 'transforms.dropPrefix.replacement': '$1'}, sink('v', null, {topic: 'soe-Order'}))!
    expect(routed.topic).toBe('Order')
    expect(run({transforms: 'r', 'transforms.r.type': 'RegexRouter', 'transforms.r.regex': 'soe-(.*)', 'transforms.r.replacement': '$1'}, sink('v', null, {topic: 'other'}))!.topic).toBe('other')
    const daily = run({transforms: 'TimestampRouter', 'transforms.TimestampRouter.type': 'org.apache.kafka.connect.transforms.TimestampRouter', 'transforms.TimestampRouter.topic.format': 'foo-${topic}-${timestamp}', 'transforms.TimestampRouter.timestamp.format': 'yyyyMMdd'}, sink('v'))!
    expect(daily.topic).toBe('foo-test-20251202')
    expect(daily).toBeInstanceOf(SinkRecord)
    expect((daily as SinkRecord).originalTopic).toBe('test')
  })

  test('SetSchemaMetadata$Value names the schema, the struct follows', () => {
    const schema = SchemaBuilder.struct().field('a', Schema.INT32_SCHEMA).build()
    const out = run({transforms: 's', 'transforms.s.type': 'org.apache.kafka.connect.transforms.SetSchemaMetadata$Value', 'transforms.s.schema.name': 'order-value', 'transforms.s.schema.version': '2'}, sink(new Struct(schema).put('a', 1), schema))!
    expect(text(out.valueSchema, out.value)).toBe('{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"a"}],"optional":false,"name":"order-value","version":2},"payload":{"a":1}}')
    expect(() => run({transforms: 's', 'transforms.s.type': 'org.apache.kafka.connect.transforms.SetSchemaMetadata$Value', 'transforms.s.schema.name': 'x'}, sink('schemaless'))).toThrow(/Schema required/)
  })

  test('InsertHeader, DropHeaders, HeaderFrom$Value move', () => {
    const headers = new ConnectHeaders().addString('a', '1').addString('b', '2')
    const props = {
      transforms: 'ins,drop,from',
      'transforms.ins.type': 'org.apache.kafka.connect.transforms.InsertHeader',
      'transforms.ins.header': 'app.id',
      'transforms.ins.value.literal': 'best-app-ever',
      'transforms.drop.type': 'org.apache.kafka.connect.transforms.DropHeaders',
      'transforms.drop.headers': 'a',
      'transforms.from.type': 'org.apache.kafka.connect.transforms.HeaderFrom$Value',
      'transforms.from.fields': 'id',
      'transforms.from.headers': 'record.id',
      'transforms.from.operation': 'move',
    }
    const out = run(props, sink(fromJson('{"id":7,"x":1}'), null, {headers}))!
    expect([...out.headers].map((h) => [h.key, h.value])).toEqual([['b', '2'], ['app.id', 'best-app-ever'], ['record.id', 7]])
    expect(text(null, out.value)).toBe('{"x":1}')
    expect([...headers].length).toBe(2)
  })
})

describe('predicates and negate', () => {
  const filter = {
    transforms: 'Filter',
    'transforms.Filter.type': 'org.apache.kafka.connect.transforms.Filter',
    'transforms.Filter.predicate': 'IsFoo',
    predicates: 'IsFoo',
    'predicates.IsFoo.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
    'predicates.IsFoo.pattern': 'foo',
  }

  test("Kafka's example: Filter drops the records of topic foo only", () => {
    expect(run(filter, sink('v', null, {topic: 'foo'}))).toBeNull()
    expect(run(filter, sink('v', null, {topic: 'foobar'}))?.topic).toBe('foobar')
    expect(run({...filter, 'transforms.Filter.negate': 'true'}, sink('v', null, {topic: 'foo'}))?.topic).toBe('foo')
    expect(run({...filter, 'transforms.Filter.negate': 'true'}, sink('v', null, {topic: 'bar'}))).toBeNull()
  })

  test('RecordIsTombstone and HasHeaderKey', () => {
    const tomb = {transforms: 'd', 'transforms.d.type': 'Filter', 'transforms.d.predicate': 't', predicates: 't', 'predicates.t.type': 'org.apache.kafka.connect.transforms.predicates.RecordIsTombstone'}
    expect(run(tomb, sink(null))).toBeNull()
    expect(run(tomb, sink('x'))).not.toBeNull()
    const hdr = {transforms: 'd', 'transforms.d.type': 'Filter', 'transforms.d.predicate': 'h', predicates: 'h', 'predicates.h.type': 'org.apache.kafka.connect.transforms.predicates.HasHeaderKey', 'predicates.h.name': 'skip'}
    expect(run(hdr, sink('x', null, {headers: new ConnectHeaders().addString('skip', '')}))).toBeNull()
    expect(run(hdr, sink('x'))).not.toBeNull()
  })

  test('bad configurations name the setting', () => {
    expect(() => chain({transforms: 'a'})).toThrow(/transforms\.a\.type/)
    expect(() => chain({transforms: 'a', 'transforms.a.type': 'com.example.Nope'})).toThrow(/Class com\.example\.Nope could not be found/)
    expect(() => chain({transforms: 'a,a', 'transforms.a.type': 'Filter'})).toThrow(/Duplicate alias/)
    expect(() => chain({transforms: 'a', 'transforms.a.type': 'Filter', 'transforms.a.predicate': 'p'})).toThrow(/transforms\.a\.predicate/)
    expect(() => chain({transforms: 'a', 'transforms.a.type': 'org.apache.kafka.connect.transforms.HoistField$Value'})).toThrow(/transforms\.a: missing required configuration "field"/)
  })
})
