/**
 * --json as scripts use it: errors are one JSON object on stderr with the
 * exit code unchanged, and `--input json` refuses what it does not know.
 */
import {describe, expect, it} from 'vitest'
import {cli} from '../helpers/cli.js'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {EXIT, STACK_LINE, expectCleanError} from './support.js'

/** stderr is exactly one JSON line {"error":{message, code, hint?}}; stdout is empty. */
function jsonError(r: {stdout: unknown; stderr: unknown; exitCode?: number}, exitCode: number, code: string, what: RegExp) {
  expect(r.exitCode, String(r.stderr)).toBe(exitCode)
  expect(String(r.stdout)).toBe('')
  const stderr = String(r.stderr)
  expect(stderr).not.toMatch(STACK_LINE)
  const lines = stderr.replace(/\n$/, '').split('\n')
  expect(lines).toHaveLength(1)
  const body = JSON.parse(lines[0]) as {error: {message: string; code: string; hint?: string; exitCode: number}}
  expect(Object.keys(body)).toEqual(['error'])
  expect(body.error.message).toMatch(what)
  expect(body.error.message).not.toMatch(/^logpipe:/)
  expect(body.error.code).toBe(code)
  expect(body.error.exitCode).toBe(exitCode)
  if (body.error.hint !== undefined) expect(typeof body.error.hint).toBe('string')
  return body.error
}

describe('--json errors', () => {
  it('a missing store, topic, bad flag and unknown command are each one JSON object on stderr', async () => {
    const {run} = cli()
    jsonError(await run(['topic', 'list', '--json']), EXIT.NOT_FOUND, 'NOT_FOUND', /no store/)
    expect((await run(['topic', 'create', 't', '--partitions', '1'])).exitCode).toBe(EXIT.OK)
    const missing = jsonError(await run(['topic', 'describe', 'nope', '--json']), EXIT.NOT_FOUND, 'NOT_FOUND', /nope/)
    expect(missing.hint).toBeTruthy()
    jsonError(await run(['topic', 'list', '--partitons', '3', '--json']), EXIT.USAGE, 'USAGE', /unknown flag --partitons/)
    jsonError(await run(['topc', 'list', '--json']), EXIT.USAGE, 'USAGE', /unknown command 'topc/)
    jsonError(await run(['consume', 't', '-p', 'x', '--json']), EXIT.USAGE, 'USAGE', /./)
  })

  it('without --json the same error stays the one-line text form', async () => {
    const {run} = cli()
    const r = await run(['topic', 'list'])
    expect(r.exitCode).toBe(EXIT.NOT_FOUND)
    expect(String(r.stderr)).toMatch(/^logpipe: no store/)
  })
})

describe('produce --input json', () => {
  it('refuses an unknown field, naming the record and the field, and writes nothing from that line on', async () => {
    const {run} = cli()
    expect((await run(['topic', 'create', 't', '--partitions', '1'])).exitCode).toBe(EXIT.OK)
    const input = '{"value":"a"}\n{"vaule":"b"}\n{"value":"c"}\n'
    const r = await run(['produce', 't', '--input', 'json'], {input})
    expect(r.exitCode).toBe(EXIT.USAGE)
    expect(String(r.stderr)).toMatch(/^logpipe: record 2: unknown field "vaule"/)
    expect(String(r.stderr)).toMatch(/\n?hint: /)
    const back = await run(['consume', 't', '-e', '-f', '%s\n'])
    expect(back.stdout).toBe('a\n')
  })

  it('a kcat-shaped line with a wrong name is refused, not written as a tombstone', async () => {
    const {run} = cli()
    expect((await run(['topic', 'create', 't', '--partitions', '1'])).exitCode).toBe(EXIT.OK)
    const r = await run(['produce', 't', '--input', 'json', '--json'], {input: '{"key":"k","paylod":"x"}\n'})
    expect(r.exitCode).toBe(EXIT.USAGE)
    const {error} = JSON.parse(String(r.stderr)) as {error: {message: string}}
    expect(error.message).toMatch(/record 1: unknown field "paylod"/)
    expect((await run(['consume', 't', '-e', '-f', '%o\n'])).stdout).toBe('')
  })

  it('both "value" and kcat\'s "payload" on one line is refused as ambiguous', async () => {
    const {run} = cli()
    const r = await run(['produce', 't', '--create', '--input', 'json'], {input: '{"value":"a","payload":"b"}\n'})
    expect(r.exitCode).toBe(EXIT.USAGE)
    expect(String(r.stderr)).toMatch(/record 1: it has both "value" and "payload"/)
  })

  it('consume -J | produce --input json copies key, value, headers and timestamp', async () => {
    const {run} = cli()
    const lines = [
      {key: 'k1', value: 'v1', headers: [{key: 'h', value: 'x'}, {key: 'n', value: null}], timestamp: 1_700_000_000_001},
      {key: null, value: 'no key', timestamp: 1_700_000_000_002},
      {key: 'gone', value: null, timestamp: 1_700_000_000_003},
    ]
    for (const t of ['src', 'dst']) expect((await run(['topic', 'create', t, '--partitions', '1'])).exitCode).toBe(EXIT.OK)
    const sent = await run(['produce', 'src', '--input', 'json'], {input: lines.map((l) => JSON.stringify(l)).join('\n') + '\n'})
    expect(sent.exitCode, String(sent.stderr)).toBe(EXIT.OK)
    const kcat = await run(['consume', 'src', '-e', '-J'])
    expect(kcat.exitCode).toBe(EXIT.OK)
    expect(String(kcat.stdout)).toContain('"payload":"v1"')
    const copied = await run(['produce', 'dst', '--input', 'json'], {input: String(kcat.stdout)})
    expect(copied.exitCode, String(copied.stderr)).toBe(EXIT.OK)
    const strip = (out: unknown) => String(out).trim().split('\n').map((l) => {
      const o = JSON.parse(l) as Record<string, unknown>
      delete o.topic
      return o
    })
    const a = strip((await run(['consume', 'src', '-e', '-J'])).stdout)
    const b = strip((await run(['consume', 'dst', '-e', '-J'])).stdout)
    expect(b).toEqual(a)
    expect(a).toHaveLength(3)
    expect(a[0]).toMatchObject({key: 'k1', payload: 'v1', ts: 1_700_000_000_001, headers: ['h', 'x', 'n', null]})
    expect(a[2]).toMatchObject({key: 'gone', payload: null})
  })
})

describe('ISO-8601 timestamps', () => {
  it('-f %F, --json --json-time iso, and produce --input json reading them back as the same epoch ms', async () => {
    const {run} = cli()
    for (const t of ['src', 'dst']) expect((await run(['topic', 'create', t, '--partitions', '1'])).exitCode).toBe(EXIT.OK)
    const input = [
      {value: 'a', timestamp: 1_769_860_800_123},
      {value: 'b', timestamp: '2026-01-31T13:00:00+01:00'},
      {value: 'c', timestamp: '2026-01-31T12:00:01Z'},
      {value: 'd', ts: '2026-01-31T12:00:02.5Z'},
    ]
    expect((await run(['produce', 'src', '--input', 'json'], {input: input.map((l) => JSON.stringify(l)).join('\n') + '\n'})).exitCode).toBe(EXIT.OK)
    const f = await run(['consume', 'src', '-e', '-f', '%T %F %s\n'])
    expect(f.exitCode).toBe(EXIT.OK)
    expect(String(f.stdout)).toBe(
      '1769860800123 2026-01-31T12:00:00.123Z a\n1769860800000 2026-01-31T12:00:00.000Z b\n1769860801000 2026-01-31T12:00:01.000Z c\n1769860802500 2026-01-31T12:00:02.500Z d\n',
    )
    const iso = await run(['consume', 'src', '-e', '--json', '--json-time', 'iso'])
    expect(iso.exitCode).toBe(EXIT.OK)
    const records = String(iso.stdout).trim().split('\n').map((l) => JSON.parse(l))
    expect(records.map((r) => r.timestamp)).toEqual(['2026-01-31T12:00:00.123Z', '2026-01-31T12:00:00.000Z', '2026-01-31T12:00:01.000Z', '2026-01-31T12:00:02.500Z'])
    // The default stays epoch ms.
    expect(JSON.parse(String((await run(['consume', 'src', '-e', '-c', '1', '--json'])).stdout)).timestamp).toBe(1_769_860_800_123)
    expect((await run(['produce', 'dst', '--input', 'json'], {input: String(iso.stdout)})).exitCode).toBe(EXIT.OK)
    expect(String((await run(['consume', 'dst', '-e', '-f', '%T %s\n'])).stdout)).toBe('1769860800123 a\n1769860800000 b\n1769860801000 c\n1769860802500 d\n')
  })

  it('a timestamp string that is not ISO-8601 is refused naming the record; --json-time without --json is a usage error', async () => {
    const {run} = cli()
    expect((await run(['topic', 'create', 't', '--partitions', '1'])).exitCode).toBe(EXIT.OK)
    for (const bad of ['"March 7"', '"123"', '"2026-13-45T00:00:00Z"']) {
      const r = await run(['produce', 't', '--input', 'json'], {input: `{"value":"ok"}\n{"value":"x","timestamp":${bad}}\n`})
      expectCleanError(r, EXIT.USAGE, /^logpipe: record 2: timestamp must be epoch milliseconds or an ISO-8601 string/)
    }
    expectCleanError(await run(['consume', 't', '-e', '--json-time', 'iso']), EXIT.USAGE, /--json-time applies to --json output only/)
    expectCleanError(await run(['consume', 't', '-e', '-J', '--json-time', 'iso']), EXIT.USAGE, /--json-time applies to --json output only/)
    expectCleanError(await run(['consume', 't', '-e', '--json-time', 'utc']), EXIT.USAGE, /json-time/)
  })
})

describe('output larger than the 1 MiB buffer from one batch', () => {
  it('--json of one ~1 MB batch (1.8 MB of JSON) comes out whole, to a pipe and to a file', async () => {
    const {run, base} = cli()
    expect((await run(['topic', 'create', 't', '--partitions', '1'])).exitCode).toBe(EXIT.OK)
    const n = 9000
    const input = Array.from({length: n}, (_, i) => `${String(i).padStart(6, '0')} "${'q'.repeat(90)}"`).join('\n') + '\n'
    expect((await run(['produce', 't'], {input})).exitCode).toBe(EXIT.OK)
    const expected = input.trim().split('\n')
    const check = (text: string) => {
      const got = text.trim().split('\n').map((l) => JSON.parse(l).value)
      expect(got.length).toBe(n)
      expect(got).toEqual(expected)
    }
    const piped = await run(['consume', 't', '-e', '--json'])
    expect(piped.exitCode).toBe(EXIT.OK)
    check(String(piped.stdout))
    const file = join(base, 'out.jsonl')
    const toFile = await run(['consume', 't', '-e', '--json'], {stdout: {file}})
    expect(toFile.exitCode).toBe(EXIT.OK)
    check(readFileSync(file, 'utf8'))
  })
})
