/**
 * The byte scanner of `produce --input json` against readJsonRecord, the
 * JSON.parse reader it stands in for: on every line it takes, it must give
 * the record readJsonRecord gives, and it must give up on every line
 * readJsonRecord refuses. Lines come from a small grammar of what users
 * feed (consume --json and kcat -J output, hand-written lines) and from
 * random damage to them.
 */
import {describe, expect, test} from 'vitest'
import {scanJsonRecord, type ScannedJsonRecord} from '../../../src/core/client/json-record-scan.js'
import {readJsonRecord} from '../../../src/core/client/json-record.js'
import {Rng, testSeed} from '../support.js'

const blank = (): ScannedJsonRecord => ({keyStart: -1, keyEnd: -1, valueStart: -1, valueEnd: -1, partition: undefined, timestamp: undefined})

function scan(line: string | Buffer): ScannedJsonRecord | null {
  const buf = typeof line === 'string' ? Buffer.from(line) : line
  // Inside a larger buffer, as a line of a read chunk is.
  const padded = Buffer.concat([Buffer.from('{"x":"\\"'), buf, Buffer.from('"\\\n{')])
  const into = blank()
  return scanJsonRecord(padded, 8, 8 + buf.length, into) ? shift(into, -8) : null
}

function shift(r: ScannedJsonRecord, by: number): ScannedJsonRecord {
  const move = (n: number) => (n < 0 ? n : n + by)
  return {...r, keyStart: move(r.keyStart), keyEnd: move(r.keyEnd), valueStart: move(r.valueStart), valueEnd: move(r.valueEnd)}
}

type Slow = {key: Buffer | null; value: Buffer | null; headers: unknown; partition: number | undefined; timestamp: number | undefined} | {error: string}

function slow(line: Buffer): Slow {
  try {
    const r = readJsonRecord(line.toString('utf8'))
    const bytes = (v: string | Buffer | null) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v)
    return {key: bytes(r.key), value: bytes(r.value), headers: r.headers, partition: r.partition, timestamp: r.timestamp}
  } catch (error) {
    return {error: (error as Error).message}
  }
}

/** The scanner's answer for a line, or why it disagrees with readJsonRecord. */
function agree(line: Buffer): {scanned: boolean; disagreement?: string} {
  const fast = scan(line)
  const expected = slow(line)
  if (fast === null) return {scanned: false}
  if ('error' in expected) return {scanned: true, disagreement: `scanned a line readJsonRecord refuses (${expected.error})`}
  const span = (s: number, e: number) => (s < 0 ? null : line.subarray(s, e))
  const key = span(fast.keyStart, fast.keyEnd)
  const value = span(fast.valueStart, fast.valueEnd)
  const same = (a: Buffer | null, b: Buffer | null) => (a === null ? b === null : b !== null && a.equals(b))
  if (!same(key, expected.key)) return {scanned: true, disagreement: `key ${String(key)} against ${String(expected.key)}`}
  if (!same(value, expected.value)) return {scanned: true, disagreement: `value ${String(value)} against ${String(expected.value)}`}
  if (expected.headers !== null) return {scanned: true, disagreement: 'readJsonRecord found headers'}
  if (fast.partition !== expected.partition) return {scanned: true, disagreement: `partition ${fast.partition} against ${expected.partition}`}
  if (fast.timestamp !== expected.timestamp) return {scanned: true, disagreement: `timestamp ${fast.timestamp} against ${expected.timestamp}`}
  return {scanned: true}
}

describe('scanJsonRecord', () => {
  test('reads the lines consume --json and kcat -J print, as spans of the line', () => {
    const line = '{"topic":"t","partition":2,"offset":7,"timestamp":1796320262211,"key":"k1","value":"hello world","headers":[]}'
    const r = scan(line)
    expect(r).not.toBeNull()
    expect(line.slice(r!.keyStart, r!.keyEnd)).toBe('k1')
    expect(line.slice(r!.valueStart, r!.valueEnd)).toBe('hello world')
    expect(r!.partition).toBe(2)
    expect(r!.timestamp).toBe(1796320262211)
    const kcat = '{"topic":"t","partition":0,"offset":3,"tstype":"create","ts":1700000000000,"broker":-1,"headers":null,"key":null,"payload":"p"}'
    // broker -1 is a negative number: left to readJsonRecord, which ignores it.
    expect(scan(kcat)).toBeNull()
    const kcat2 = kcat.replace('"broker":-1', '"broker":0')
    const k = scan(kcat2)
    expect(k).not.toBeNull()
    expect(k!.keyStart).toBe(-1)
    expect(kcat2.slice(k!.valueStart, k!.valueEnd)).toBe('p')
    expect(k!.timestamp).toBe(1700000000000)
  })

  test('takes whitespace, {} and UTF-8 text, and leaves escapes, headers and other forms to readJsonRecord', () => {
    expect(scan(' \t{ "value" : "v" , "key" :null }\r ')).not.toBeNull()
    expect(scan('{}')).toEqual(blank())
    const utf8 = scan('{"value":"żółw 🐢"}')
    expect(utf8).not.toBeNull()
    for (const line of [
      '{"value":"a\\"b"}', // an escape
      '{"value":"a","headers":[{"key":"h","value":"x"}]}',
      '{"value":"a","headers":{}}',
      '{"value":1}', // a number as the value: its JSON text
      '{"value":{"base64":"AA=="}}',
      '{"value":"QQ==","encoding":"base64"}',
      '{"timestamp":"2026-01-31T12:00:00Z"}',
      '{"timestamp":1.5}',
      '{"timestamp":1e3}',
      '{"partition":-1}',
      '{"partition":01}',
      '{"value":"a","value":"b"}', // JSON.parse keeps the last; readJsonRecord's to read
      '{"value":"a","payload":"b"}',
      '{"timestamp":1,"ts":2}',
      '{"valu":"a"}',
      '{"value":"a",}',
      '{"value":"a"} x',
      '{"value":"a"',
      '{"value":"tab\there"}',
      '[1]',
      '"value"',
      '',
    ]) {
      expect(scan(line), line).toBeNull()
    }
    // Bytes that are not UTF-8 become U+FFFD through JSON.parse's string: not the bytes of the line.
    expect(scan(Buffer.concat([Buffer.from('{"value":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]))).toBeNull()
  })

  test('gives the record readJsonRecord gives, or gives up, on generated and damaged lines', () => {
    const seed = testSeed()
    const rng = new Rng(seed)
    const pick = <T>(xs: readonly T[]): T => xs[rng.int(0, xs.length)]
    const space = () => pick(['', '', '', ' ', '\t', ' \r\n '])
    const text = () => {
      const parts = ['a', 'hello', ' ', 'x y', 'ż', '🐢', '\\"', '\\\\', '\\n', '\\u0041', '\\ud83d\\udc22', '\u0001', '\u007f', '/', '{', '}', ':', ',', '[]']
      let s = ''
      for (let n = rng.int(0, 5); n > 0; n--) s += pick(parts)
      return `"${s}"`
    }
    const number = () => pick(['0', '7', '12', '1796320262211', '-1', '1.5', '1e3', '01', '9007199254740993', '123456789012345', '1234567890123456'])
    const jsonValue = (): string => pick([text, number, () => 'null', () => 'true', () => 'false', () => '[]', () => '{}', () => '[{"key":"h","value":"v"}]', () => '{"base64":"AA=="}'])()
    const names = ['topic', 'partition', 'offset', 'timestamp', 'key', 'value', 'headers', 'payload', 'ts', 'tstype', 'broker', 'encoding', 'valu', 'Value', 'k\\u0065y']
    const line = () => {
      const fields: string[] = []
      for (let n = rng.int(0, 7); n > 0; n--) fields.push(`${space()}"${pick(names)}"${space()}:${space()}${jsonValue()}${space()}`)
      return `${space()}{${fields.join(',')}}${space()}`
    }
    const damage = (b: Buffer) => {
      const out = Buffer.from(b)
      for (let n = rng.int(1, 3); n > 0 && out.length > 0; n--) out[rng.int(0, out.length)] = pick([0x22, 0x5c, 0x2c, 0x7d, 0x7b, 0x3a, 0x20, 0x30, 0x2d, 0xff, 0x00, rng.int(0, 256)])
      return rng.int(0, 4) === 0 ? out.subarray(0, rng.int(0, out.length)) : out
    }
    let scanned = 0
    for (let i = 0; i < 20_000; i++) {
      const good = Buffer.from(line())
      for (const candidate of [good, damage(good)]) {
        const r = agree(candidate)
        if (r.disagreement !== undefined) throw new Error(`seed ${seed}: ${JSON.stringify(candidate.toString('latin1'))}: ${r.disagreement}`)
        if (r.scanned) scanned++
      }
    }
    // The grammar must reach the scanner's path often, or the comparison says little.
    expect(scanned).toBeGreaterThan(2_000)
  })
})
