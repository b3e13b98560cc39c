/**
 * produce -> consume round trips through the built CLI (DESIGN.md section 3):
 * what goes in comes out byte for byte — text lines, binary records split at
 * NUL, empty records, keys (-K, -k), headers (-H), the --json envelope fed
 * back through `produce --input json`, FILE arguments — and keyed records
 * land on the partition Kafka's murmur2 partitioner picks.
 */
import {isUtf8} from 'node:buffer'
import {mkdirSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {execa} from 'execa'
import {describe, expect, test} from 'vitest'
import {BIN, cli} from '../helpers/cli.js'
import {EXIT, expectCleanError, expectOk, library, lines, randomRecords} from './support.js'

const require = createRequire(import.meta.url)
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer) => number

/** stdout as bytes. */
const bytes = {encoding: 'buffer'} as const

describe('text lines', () => {
  test('lines come back byte-identical, in order, with their offsets', async () => {
    const {run} = cli()
    const input = ['plain', 'with  two  spaces', '\ttab first', 'unicode: grüße, 日本語, 🦀', 'carriage return\r', 'trailing space ', '%s and \\n stay literal'].join('\n') + '\n'
    const p = await run(['produce', 'text', '--create', '-q'], {input})
    expectOk(p)
    const c = await run(['consume', 'text', '-e'], bytes)
    expectOk(c)
    expect(Buffer.from(c.stdout as Uint8Array).equals(Buffer.from(input))).toBe(true)
    const o = await run(['consume', 'text', '-e', '-F', '%o\\n'])
    expect(lines(o.stdout)).toEqual(['0', '1', '2', '3', '4', '5', '6'])
  })

  test('a last line without a trailing newline is still a record', async () => {
    const {run} = cli()
    expect((await run(['produce', 'nl', '--create', '-q'], {input: 'first\nsecond\nlast without newline'})).exitCode).toBe(0)
    const c = await run(['consume', 'nl', '-e', '-F', '%o=%s|'])
    expectOk(c)
    expect(c.stdout).toBe('0=first|1=second|2=last without newline|')
  })

  test('empty lines are empty records, not skipped', async () => {
    const {run} = cli()
    const input = '\n\na\n\n\nb\n\n'
    expect((await run(['produce', 'empty', '--create', '-q'], {input})).exitCode).toBe(0)
    const c = await run(['consume', 'empty', '-e', '-F', '%o:%S:%s\\n'])
    expectOk(c)
    expect(lines(c.stdout)).toEqual(['0:0:', '1:0:', '2:1:a', '3:0:', '4:0:', '5:1:b', '6:0:'])
    const raw = await run(['consume', 'empty', '-e'])
    expect(raw.stdout).toBe(input)
  })
})

describe('binary records with -D', () => {
  test.each([
    {delimiter: '\\0', byte: 0, name: 'NUL'},
    {delimiter: '\\n', byte: 10, name: 'newline'},
  ])('random bytes (seeded) split at $name come back byte-identical', async ({delimiter, byte}) => {
    const {run} = cli()
    // ~1.2 MB in records of 0..4000 bytes: records straddle the pipe's chunks.
    const records = randomRecords(0x10a9 + byte, 600, 4000, byte)
    const delim = Buffer.from([byte])
    const input = Buffer.concat(records.flatMap((r) => [r, delim]))
    const p = await run(['produce', 'bin', '--create', '-q', '-D', delimiter], {input})
    expectOk(p)
    const c = await run(['consume', 'bin', '-e', '-F', `%s${delimiter}`], bytes)
    expectOk(c)
    const out = Buffer.from(c.stdout as Uint8Array)
    expect(out.length).toBe(input.length)
    expect(out.equals(input)).toBe(true)
    const sizes = await run(['consume', 'bin', '-e', '-F', '%S\\n'])
    expect(lines(sizes.stdout).map(Number)).toEqual(records.map((r) => r.length))
  })

  test('a delimiter of several bytes', async () => {
    const {run} = cli()
    const p = await run(['produce', 'multi', '--create', '-q', '-D', '||'], {input: 'a|b||c||||d'})
    expectOk(p)
    const c = await run(['consume', 'multi', '-e', '-F', '[%s]'])
    expect(c.stdout).toBe('[a|b][c][][d]')
  })
})

describe('keys', () => {
  test.each([
    {flags: ['-K', ':'], input: 'k1:v1\nk2:v2:with:colons\nno separator\n:empty key\n', expected: ['2 k1 2 v1', '2 k2 14 v2:with:colons', '-1  12 no separator', '0  9 empty key']},
    {flags: ['-K', '\\t'], input: 'k1\tv1\nk2\t\n', expected: ['2 k1 2 v1', '2 k2 0 ']},
    {flags: ['-K', '=>'], input: 'user=>alice\n', expected: ['4 user 5 alice']},
    {flags: ['-k', 'fixed'], input: 'a\nb:c\n', expected: ['5 fixed 1 a', '5 fixed 3 b:c']},
  ])('produce $flags: key and value as %K %k %S %s', async ({flags, input, expected}) => {
    const {run} = cli()
    expectOk(await run(['produce', 'keys', '--create', '-q', ...flags], {input}))
    const c = await run(['consume', 'keys', '-e', '-F', '%K %k %S %s\\n'])
    expectOk(c)
    expect(lines(c.stdout)).toEqual(expected)
  })

  test.each([3, 7])('keyed records land on the partition murmur2 picks (%i partitions)', async (partitions) => {
    const {run} = cli()
    const {partitionForKey} = await library()
    expectOk(await run(['topic', 'create', 'keyed', '--partitions', String(partitions), '-q']))
    const keys = Array.from({length: 60}, (_, i) => (i % 3 === 0 ? `user-${i}` : i % 3 === 1 ? `${i}` : `ключ-${i}-${'x'.repeat(i % 5)}`))
    expectOk(await run(['produce', 'keyed', '-K', ':'], {input: keys.map((k) => `${k}:value of ${k}\n`).join('')}))
    const c = await run(['consume', 'keyed', '-e', '-F', '%p %k\\n'])
    expectOk(c)
    const got = lines(c.stdout).map((l) => {
      const sp = l.indexOf(' ')
      return {partition: Number(l.slice(0, sp)), key: l.slice(sp + 1)}
    })
    expect(got.map((g) => g.key).sort()).toEqual([...keys].sort())
    const used = new Set<number>()
    for (const {partition, key} of got) {
      const k = Buffer.from(key)
      // logpipe's library and kafkajs's Java-compatible murmur2 agree with the CLI.
      expect(partition, `key ${key}`).toBe(partitionForKey(k, partitions))
      expect(partition, `key ${key}`).toBe((kafkajsMurmur2(k) & 0x7fffffff) % partitions)
      used.add(partition)
    }
    expect(used.size).toBeGreaterThan(1)
    // Records of one key keep their order: each partition's offsets follow input order.
    const again = await run(['consume', 'keyed', '-e', '-F', '%p %o %k\\n'])
    const byPartition = new Map<number, string[]>()
    for (const l of lines(again.stdout)) {
      const [p, , k] = l.split(' ')
      byPartition.set(Number(p), [...(byPartition.get(Number(p)) ?? []), k])
    }
    for (const [p, ks] of byPartition) expect(ks).toEqual(keys.filter((k) => partitionForKey(Buffer.from(k), partitions) === p))
  })
})

describe('headers', () => {
  test('-H headers on every record, shown by %h in order', async () => {
    const {run} = cli()
    const p = await run(['produce', 'hdr', '--create', '-q', '-H', 'trace=abc-123', '-H', 'eq=a=b', '-H', 'empty=', '-H', 'trace=again'], {input: 'one\ntwo\n'})
    expectOk(p)
    const c = await run(['consume', 'hdr', '-e', '-F', '%s [%h]\\n'])
    expectOk(c)
    expect(lines(c.stdout)).toEqual(['one [trace=abc-123,eq=a=b,empty=,trace=again]', 'two [trace=abc-123,eq=a=b,empty=,trace=again]'])
    const none = await run(['produce', 'hdr', '-q'], {input: 'three\n'})
    expectOk(none)
    const c2 = await run(['consume', 'hdr', '-e', '-o', '2', '-F', '%s [%h]\\n'])
    expect(c2.stdout).toBe('three []\n')
  })
})

/** An envelope of `--json-encoding base64` with its bytes as they were given: text where UTF-8, {base64} where not. */
function asGiven(e: {key: string | null; value: string | null; headers: {key: string; value: string | null}[]; encoding?: string}) {
  const given = (v: string | null) => {
    if (v === null) return null
    const bytes = Buffer.from(v, 'base64')
    return isUtf8(bytes) ? bytes.toString('utf8') : {base64: v}
  }
  const {encoding, ...rest} = e
  expect(encoding).toBe('base64')
  return {...rest, key: given(e.key), value: given(e.value), headers: e.headers.map((h) => ({key: h.key, value: given(h.value)}))}
}

describe('--json round trip', () => {
  const records = [
    {key: 'k1', value: 'hello', headers: [{key: 'h', value: 'v'}], timestamp: 1_700_000_000_000, partition: 0},
    {key: null, value: 'no key', headers: [], timestamp: 1_700_000_000_001, partition: 1},
    {key: 'k3', value: null, headers: [{key: 'tomb', value: null}], timestamp: 1_700_000_000_002, partition: 2},
    {key: {base64: 'AAEC/w=='}, value: {base64: '//79AA=='}, headers: [{key: 'bin', value: {base64: 'gA=='}}, {key: 'dup', value: '1'}, {key: 'dup', value: '2'}], timestamp: 5, partition: 2},
    {key: '', value: '', headers: [{key: 'e', value: ''}], timestamp: 1_700_000_000_004, partition: 0},
    {key: 'ünï', value: 'line\nbreak\ttab "quoted" \\ backslash', headers: [], timestamp: 1_800_000_000_000, partition: 1},
  ]

  test('consume --json | produce --input json into another topic keeps key, value, headers, timestamp', async () => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 'src', '--partitions', '3', '-q']))
    expectOk(await run(['topic', 'create', 'dst', '--partitions', '3', '-q']))
    expectOk(await run(['produce', 'src', '--input', 'json'], {input: records.map((r) => JSON.stringify(r)).join('\n') + '\n'}))
    const first = await run(['consume', 'src', '-e', '--json', '--json-encoding', 'base64'])
    expectOk(first)
    const envelopes = lines(first.stdout).map((l) => asGiven(JSON.parse(l)))
    expect(envelopes).toHaveLength(records.length)
    const copy = await run(['produce', 'dst', '--input', 'json'], {input: first.stdout as string})
    expectOk(copy)
    const second = await run(['consume', 'dst', '-e', '--json', '--json-encoding', 'base64'])
    expectOk(second)
    const strip = (text: unknown) =>
      lines(text)
        .map((l) => JSON.parse(l))
        .map(({topic: _t, ...rest}) => rest)
        .sort((a, b) => a.partition - b.partition || a.offset - b.offset)
    expect(strip(second.stdout)).toEqual(strip(first.stdout))
    // And the envelopes say what went in.
    const byValue = new Map(envelopes.map((e) => [JSON.stringify(e.value), e]))
    for (const r of records) {
      const e = byValue.get(JSON.stringify(r.value))
      expect(e, JSON.stringify(r)).toBeDefined()
      expect({key: e.key, value: e.value, headers: e.headers, timestamp: e.timestamp, partition: e.partition, topic: e.topic}).toEqual({
        key: r.key,
        value: r.value,
        headers: r.headers,
        timestamp: r.timestamp,
        partition: r.partition,
        topic: 'src',
      })
    }
  })

  test('through a real shell pipe into a one-partition topic with -p 0', async () => {
    const {run, env} = cli()
    expectOk(await run(['topic', 'create', 'src', '--partitions', '3', '-q']))
    expectOk(await run(['produce', 'src', '--input', 'json'], {input: records.map((r) => JSON.stringify(r)).join('\n') + '\n'}))
    const node = JSON.stringify(process.execPath)
    const bin = JSON.stringify(BIN)
    const piped = await execa('bash', ['-c', `set -o pipefail; ${node} ${bin} consume src -e --json --json-encoding base64 | ${node} ${bin} produce dst --create -q --input json -p 0`], {
      env,
      reject: false,
    })
    expect(piped.exitCode, String(piped.stderr)).toBe(0)
    expect(piped.stderr).toBe('')
    const out = await run(['consume', 'dst', '-e', '--json', '--json-encoding', 'base64'])
    const got = lines(out.stdout).map((l) => asGiven(JSON.parse(l)))
    expect(got.every((g) => g.partition === 0 && g.topic === 'dst')).toBe(true)
    const norm = (x: {key: unknown; value: unknown; headers: unknown; timestamp: number}) => JSON.stringify([x.key, x.value, x.headers, x.timestamp])
    expect(got.map(norm).sort()).toEqual(records.map(norm).sort())
  })
})

describe('--json value types', () => {
  test('key, value and header values are strings or null in every record, binary ones too; the lossy one is told once on stderr', async () => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 't', '--partitions', '1', '-q']))
    const input = [
      {key: 'a', value: 'text', headers: [{key: 'h', value: 'x'}]},
      {key: {base64: '/wA='}, value: {base64: '//79'}, headers: [{key: 'h', value: {base64: 'gA=='}}]},
      {key: null, value: {base64: '/w=='}},
    ]
    expectOk(await run(['produce', 't', '--input', 'json'], {input: input.map((l) => JSON.stringify(l)).join('\n') + '\n'}))
    const r = await run(['consume', 't', '-e', '--json'])
    expect(r.exitCode).toBe(0)
    const got = lines(r.stdout).map((l) => JSON.parse(l))
    for (const e of got) {
      expect(e.key === null || typeof e.key === 'string').toBe(true)
      expect(typeof e.value).toBe('string')
      for (const h of e.headers) expect(typeof h.value).toBe('string')
    }
    expect(got[1].value).toBe('\ufffd\ufffd\ufffd')
    expect(String(r.stderr)).toBe('logpipe: topic t partition 0 offset 1 holds bytes that are not UTF-8: printed with U+FFFD (--json-encoding base64 prints the exact bytes)\n')
    const exact = await run(['consume', 't', '-e', '--json', '--json-encoding', 'base64'])
    expect(exact.stderr).toBe('')
    expect(lines(exact.stdout).map((l) => JSON.parse(l).value)).toEqual(['dGV4dA==', '//79', '/w=='])
    const quiet = await run(['consume', 't', '-e', '--json', '-q'])
    expect(quiet.stderr).toBe('')
  })

  test('--json-encoding without --json is a usage error', async () => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 't', '-q']))
    expectCleanError(await run(['consume', 't', '-e', '--json-encoding', 'base64']), EXIT.USAGE, /--json-encoding applies to --json output only/)
  })
})

describe('FILE arguments', () => {
  test("two files and '-' for stdin, in order; a file's unterminated last line stays its own record", async () => {
    const {run, base} = cli()
    const dir = join(base, 'in')
    mkdirSync(dir)
    writeFileSync(join(dir, 'a.txt'), 'a1\na2\na3 no newline')
    writeFileSync(join(dir, 'b.txt'), 'b1\nb2\n')
    const p = await run(['produce', 'files', '--create', '-q', join(dir, 'a.txt'), '-', join(dir, 'b.txt')], {input: 'stdin1\nstdin2'})
    expectOk(p)
    const c = await run(['consume', 'files', '-e', '-F', '%o %s\\n'])
    expectOk(c)
    expect(lines(c.stdout)).toEqual(['0 a1', '1 a2', '2 a3 no newline', '3 stdin1', '4 stdin2', '5 b1', '6 b2'])
  })

  test('files only: stdin is not read', async () => {
    const {run, base} = cli()
    writeFileSync(join(base, 'x.txt'), 'x\n')
    writeFileSync(join(base, 'y.txt'), 'y')
    const p = await run(['produce', 'files', '--create', '-q', join(base, 'x.txt'), join(base, 'y.txt')], {input: 'NOT READ\n'})
    expectOk(p)
    const c = await run(['consume', 'files', '-e'])
    expect(c.stdout).toBe('x\ny\n')
  })
})
