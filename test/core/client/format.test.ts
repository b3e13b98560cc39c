/**
 * The formats of `consume` as a library uses them: kcat's -F steps and the
 * --json envelope, run on records a Consumer reads, into a FormatBuffer
 * (no stdout involved). The envelope reads back through parseJsonRecord,
 * the reader of `produce --input json`.
 */
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {Admin} from '../../../src/core/client/admin.js'
import {Consumer} from '../../../src/core/client/consumer.js'
import {compileFormat, KCAT_NULL, type RecordFormatter} from '../../../src/core/client/format.js'
import {jsonFormatter} from '../../../src/core/client/json-format.js'
import {FormatBuffer} from '../../../src/core/client/format-buffer.js'
import {parseJsonRecord} from '../../../src/core/client/json-record.js'
import {Producer, type ProducerRecord} from '../../../src/core/client/producer.js'
import {MemoryArena} from '../../../src/core/codec/memory-arena.js'
import {UsageError} from '../../../src/core/errors.js'
import {Store} from '../../../src/core/store/store.js'
import {kcatJsonFormatter} from '../../../src/core/client/kcat-json.js'
import {Rng, tempDir, testSeed} from '../support.js'

async function storeWith(records: ProducerRecord[]): Promise<Store> {
  const store = Store.open(join(tempDir(), 'data'))
  new Admin(store).createTopic('t')
  const producer = new Producer(store, 't')
  await producer.send(records)
  await producer.close()
  return store
}

/** Every record of topic t run through `format` into one buffer. */
function formatAll(store: Store, format: RecordFormatter, out = new FormatBuffer(), arena?: MemoryArena, encoding: BufferEncoding = 'latin1'): string {
  const consumer = new Consumer(store, ['t'], {arena})
  try {
    consumer.poll((a, r) => format(out, a, r))
  } finally {
    consumer.close()
  }
  return out.bytes.toString(encoding)
}

describe('-F steps', () => {
  const records: ProducerRecord[] = [
    {key: 'k1', value: 'hello', timestamp: 1_700_000_000_000, headers: {h: 'x', n: null}},
    {key: null, value: '', timestamp: 5},
  ]

  test.each([
    ['%s\\n', 'hello\n\n'],
    ['%s|', 'hello||'],
    ['%t %p %o %T %k=%s %K %S [%h]\\n', 't 0 0 1700000000000 k1=hello 2 5 [h=x,n=]\nt 0 1 5 = -1 0 []\n'],
    ['100%% %o\\t\\x41\\0', '100% 0\tA\x00100% 1\tA\x00'],
  ])('%s', async (format, expected) => {
    const store = await storeWith(records)
    expect(formatAll(store, compileFormat(format))).toBe(expected)
  })

  test('values larger than the buffer grow it; read and output buffers from one arena give the same bytes', async () => {
    const big = 'v'.repeat(100_000)
    const store = await storeWith([{value: big}, {value: 'x'}])
    expect(formatAll(store, compileFormat('%s\\n'), new FormatBuffer(Buffer.alloc(16)))).toBe(`${big}\nx\n`)
    const arena = new MemoryArena(4 << 20)
    expect(formatAll(store, compileFormat('%s\\n'), new FormatBuffer(arena.take(1 << 20)), arena)).toBe(`${big}\nx\n`)
  })

  test('a NULL value still gets room for the delimiter after it, however full the buffer', async () => {
    const store = await storeWith([{value: 'ab'}, {value: null}, {value: null}, {value: ''}, {value: 'c'}])
    for (const [format, expected] of [
      ['%s\\n', 'ab\n\n\n\nc\n'],
      ['%s =>=>\\n', 'ab =>=>\n =>=>\n =>=>\n =>=>\nc =>=>\n'],
    ]) {
      // Each record fills the buffer up to its end, so the room made for the next is what counts.
      expect(formatAll(store, compileFormat(format), new FormatBuffer(Buffer.alloc(3))), format).toBe(expected)
    }
  })

  test('%F prints the timestamp as ISO-8601 in UTC', async () => {
    const store = await storeWith([{value: 'a', timestamp: 1_769_860_800_123}, {value: 'b', timestamp: 0}])
    expect(formatAll(store, compileFormat('%F %T %s\\n'))).toBe('2026-01-31T12:00:00.123Z 1769860800123 a\n1970-01-01T00:00:00.000Z 0 b\n')
  })

  // The compiled function against a plain one that builds each record's bytes step by step.
  const seed = testSeed()
  test(`random formats give the bytes a step-by-step formatter gives (seed ${seed})`, async () => {
    const rng = new Rng(seed)
    const records: ProducerRecord[] = [
      {key: 'k1', value: 'hello', timestamp: 1_700_000_000_000, headers: {h: 'x', n: null}},
      {key: null, value: null, timestamp: 5},
      {key: '', value: '', timestamp: 2 ** 31 + 7, headers: {only: 'one'}},
      {key: 'big', value: 'v'.repeat(3000), timestamp: 0},
    ]
    const store = await storeWith(records)
    const tokens = ['%t', '%p', '%o', '%k', '%s', '%S', '%K', '%R', '%T', '%F', '%h', '%%']
    const literals = [' ', '\\n', '|', '=>', 'a long literal of more than eight bytes', '\\x41\\t']
    for (let round = 0; round < 60; round++) {
      const parts: string[] = []
      for (let i = rng.int(1, 9); i > 0; i--) parts.push(rng.next() < 0.6 ? tokens[rng.int(0, tokens.length)] : literals[rng.int(0, literals.length)])
      const format = parts.join('')
      const nulls = rng.next() < 0.5
      const expected = Buffer.concat(records.flatMap((r, offset) => parts.map((part) => stepBytes(part, r, offset, nulls))))
      // A small buffer, so the room made up front and after %h is exercised too.
      const got = formatAll(store, compileFormat(format, nulls ? {nullString: KCAT_NULL} : {}), new FormatBuffer(Buffer.alloc(8)))
      expect(Buffer.from(got, 'latin1').toString('hex'), `${format}${nulls ? ' with -Z' : ''}`).toBe(expected.toString('hex'))
    }
  })

  test('an unknown token is a usage error naming it, with the tokens as hint', () => {
    const error = (() => {
      try {
        compileFormat('%s %q')
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).message).toBe("-f/--format: unknown token '%q'")
    expect((error as UsageError).hint).toMatch(/%t %p %o/)
  })
})

/** What one step of a -f format prints for record r (the reference for the compiled formats). */
function stepBytes(part: string, r: ProducerRecord, offset: number, nulls: boolean): Buffer {
  const bytes = (v: string | Buffer | null | undefined) => (v === null || v === undefined ? null : Buffer.from(v))
  const key = bytes(r.key)
  const value = bytes(r.value)
  const nullable = (b: Buffer | null) => b ?? (nulls ? KCAT_NULL : Buffer.alloc(0))
  const ts = r.timestamp ?? 0
  const size = (b: Buffer | null) => Buffer.from(String(b ? b.length : -1))
  const headers = Object.entries((r.headers ?? {}) as Record<string, string | null>).map(([k, v]) => `${k}=${v ?? ''}`).join(',')
  switch (part) {
    case '%t': return Buffer.from('t')
    case '%p': return Buffer.from('0')
    case '%o': return Buffer.from(String(offset))
    case '%k': return nullable(key)
    case '%s': return nullable(value)
    case '%S': return size(value)
    case '%K': return size(key)
    case '%R': {
      const b = Buffer.alloc(4)
      b.writeInt32BE(value ? value.length : -1)
      return b
    }
    case '%T': return Buffer.from(String(ts))
    case '%F': return Buffer.from(new Date(ts).toISOString())
    case '%h': return Buffer.from(headers)
    case '%%': return Buffer.from('%')
    default: return Buffer.from(part.replaceAll('\\n', '\n').replaceAll('\\x41', 'A').replaceAll('\\t', '\t'))
  }
}

describe('the --json envelope', () => {
  test('one object per line; values always strings (UTF-8 text, U+FFFD where not, told once); null as null; read back by produce --input json', async () => {
    const binary = Buffer.from([0xff, 0x00, 0xfe])
    const store = await storeWith([{key: binary, value: 'é', timestamp: 42, headers: {h: binary}}, {value: null, timestamp: 43}, {key: 'k', value: binary, timestamp: 44}])
    const lossy: unknown[] = []
    const lines = formatAll(store, jsonFormatter({onLossy: (w) => lossy.push(w)}), undefined, undefined, 'utf8').split('\n')
    expect(lines.pop()).toBe('')
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {topic: 't', partition: 0, offset: 0, timestamp: 42, key: '\ufffd\u0000\ufffd', value: 'é', headers: [{key: 'h', value: '\ufffd\u0000\ufffd'}]},
      {topic: 't', partition: 0, offset: 1, timestamp: 43, key: null, value: null, headers: []},
      {topic: 't', partition: 0, offset: 2, timestamp: 44, key: 'k', value: '\ufffd\u0000\ufffd', headers: []},
    ])
    expect(lossy).toEqual([{topic: 't', partition: 0, offset: 0}])
    expect(parseJsonRecord(lines[1])).toMatchObject({key: null, value: null, timestamp: 43})
  })

  test('--json-encoding base64: exact bytes, marked, read back byte for byte', async () => {
    const binary = Buffer.from([0xff, 0x00, 0xfe])
    const store = await storeWith([{key: binary, value: 'é', timestamp: 42, headers: {h: binary}}, {value: null, timestamp: 43}])
    const lines = formatAll(store, jsonFormatter({encoding: 'base64'}), undefined, undefined, 'utf8').split('\n')
    expect(lines.pop()).toBe('')
    expect(JSON.parse(lines[0])).toEqual({topic: 't', partition: 0, offset: 0, timestamp: 42, encoding: 'base64', key: '/wD+', value: 'w6k=', headers: [{key: 'h', value: '/wD+'}]})
    expect(parseJsonRecord(lines[0])).toMatchObject({key: binary, value: Buffer.from('é'), timestamp: 42, headers: [{key: 'h', value: binary}]})
    expect(parseJsonRecord(lines[1])).toMatchObject({key: null, value: null})
  })

  test('--json-time iso: timestamp as an ISO-8601 string in UTC, read back as the same epoch ms', async () => {
    const store = await storeWith([{value: 'a', timestamp: 1_769_860_800_123}, {value: 'b', timestamp: 0}])
    const lines = formatAll(store, jsonFormatter({time: 'iso'}), undefined, undefined, 'utf8').split('\n')
    expect(lines.pop()).toBe('')
    expect(lines[0]).toBe('{"topic":"t","partition":0,"offset":0,"timestamp":"2026-01-31T12:00:00.123Z","key":null,"value":"a","headers":[]}')
    expect(JSON.parse(lines[1]).timestamp).toBe('1970-01-01T00:00:00.000Z')
    expect(lines.map((l) => parseJsonRecord(l).timestamp)).toEqual([1_769_860_800_123, 0])
  })

  test('an escape before bytes that are not UTF-8 still prints them with U+FFFD (and tells); large escaped values past the buffer size', async () => {
    const bad = Buffer.concat([Buffer.from('"q"\n'), Buffer.from([0xc3, 0x28]), Buffer.from('é')])
    const quotes = '"\\'.repeat(40_000)
    const store = await storeWith([{value: bad, timestamp: 1}, {value: quotes, timestamp: 2}])
    const lossy: unknown[] = []
    const lines = formatAll(store, jsonFormatter({onLossy: (w) => lossy.push(w)}), new FormatBuffer(Buffer.alloc(64)), undefined, 'utf8').split('\n')
    expect(JSON.parse(lines[0]).value).toBe(bad.toString('utf8'))
    expect(JSON.parse(lines[1]).value).toBe(quotes)
    expect(lossy).toEqual([{topic: 't', partition: 0, offset: 0}])
  })

  test('--json and -J escape a string alike (one writer), -J keeping bytes that are not UTF-8 as they are', async () => {
    const text = 'a "q" \\ \n\t\u0001\u001f\u007f ünï'
    const raw = Buffer.from([0x61, 0xff, 0x22])
    const store = await storeWith([{key: text, value: raw, timestamp: 1, headers: {[text]: null, h: raw}}])
    const kcat = formatAll(store, kcatJsonFormatter(), undefined, undefined, 'latin1')
    expect(Buffer.from(kcat, 'latin1').toString('hex')).toBe(
      Buffer.concat([
        Buffer.from(`{"topic":"t","partition":0,"offset":0,"tstype":"create","ts":1,"broker":-1,"headers":[${JSON.stringify(text)},null,"h","a`),
        Buffer.from([0xff]),
        Buffer.from(`\\""],"key":${JSON.stringify(text)},"payload":"a`),
        Buffer.from([0xff]),
        Buffer.from('\\""}\n'),
      ]).toString('hex'),
    )
    const ours = JSON.parse(formatAll(store, jsonFormatter(), undefined, undefined, 'utf8'))
    expect(ours.key).toBe(text)
    expect(ours.headers[0]).toEqual({key: text, value: null})
  })

  test('text with quotes, backslashes and control bytes is escaped as JSON.stringify would', async () => {
    const text = 'a "q" \\ \n\t\u0001 ünï ' + 'x'.repeat(100)
    const store = await storeWith([{key: text, value: text, timestamp: 1, headers: {[text]: text}}])
    const line = formatAll(store, jsonFormatter(), undefined, undefined, 'utf8').split('\n')[0]
    expect(JSON.parse(line)).toEqual({topic: 't', partition: 0, offset: 0, timestamp: 1, key: text, value: text, headers: [{key: text, value: text}]})
  })
})
