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
import {compileFormat, type RecordFormatter} from '../../../src/core/client/format.js'
import {jsonFormatter} from '../../../src/core/client/json-format.js'
import {FormatBuffer} from '../../../src/core/client/format-buffer.js'
import {parseJsonRecord} from '../../../src/core/client/json-record.js'
import {Producer, type ProducerRecord} from '../../../src/core/client/producer.js'
import {MemoryArena} from '../../../src/core/codec/memory-arena.js'
import {UsageError} from '../../../src/core/errors.js'
import {Store} from '../../../src/core/store/store.js'
import {tempDir} from '../support.js'

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

  test('text with quotes, backslashes and control bytes is escaped as JSON.stringify would', async () => {
    const text = 'a "q" \\ \n\t\u0001 ünï ' + 'x'.repeat(100)
    const store = await storeWith([{key: text, value: text, timestamp: 1, headers: {[text]: text}}])
    const line = formatAll(store, jsonFormatter(), undefined, undefined, 'utf8').split('\n')[0]
    expect(JSON.parse(line)).toEqual({topic: 't', partition: 0, offset: 0, timestamp: 1, key: text, value: text, headers: [{key: text, value: text}]})
  })
})
