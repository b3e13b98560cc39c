/**
 * Where `consume` starts and stops (DESIGN.md section 3): -o in every form
 * (beginning, end, N, -N, @ISO-8601, @epoch-ms) on one partition and across
 * three with -p repeated, -c N, -e; and every -F token and escape.
 */
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {expectOk, lines, once, sharedCli} from './support.js'

/** Ten records v0..v9 with timestamps 1000, 2000, ..., 10000 (ms since the epoch). */
const TEN = Array.from({length: 10}, (_, i) => JSON.stringify({value: `v${i}`, timestamp: (i + 1) * 1000})).join('\n') + '\n'
const values = (from: number, to = 10) => Array.from({length: Math.max(0, to - from)}, (_, i) => `v${from + i}`)

describe('-o on one partition', () => {
  const {run} = sharedCli()
  const setup = once(async () => {
    expectOk(await run(['produce', 'ten', '--create', '-q', '--input', 'json'], {input: TEN}))
  })

  test.each([
    {offset: 'beginning', expected: values(0)},
    {offset: 'earliest', expected: values(0)},
    {offset: 'end', expected: []},
    {offset: 'latest', expected: []},
    {offset: '3', expected: values(3)},
    {offset: '10', expected: []},
    {offset: '25', expected: [], notice: 'logpipe: topic ten partition 0: offset 25 is past the end (10); starting at 10\n'},
    {offset: '-1', expected: values(9)},
    {offset: '-3', expected: values(7)},
    {offset: '-25', expected: values(0)},
    {offset: '@5000', expected: values(4)},
    {offset: '@5001', expected: values(5)},
    {offset: '@10000', expected: values(9)},
    {offset: '@10001', expected: []},
    {offset: '@1970-01-01T00:00:05Z', expected: values(4)},
    {offset: '@1970-01-01T00:00:05.500Z', expected: values(5)},
    {offset: '@1970-01-01T01:00:07+01:00', expected: values(6)},
    {offset: '@1970-01-01', expected: values(0)},
  ])('-o $offset', async ({offset, expected, notice}: {offset: string; expected: string[]; notice?: string}) => {
    await setup()
    const c = await run(['consume', 'ten', '-e', '-o', offset])
    // An offset outside the log starts at its edge, and says so (kcat: "offset out of range").
    expect(c.exitCode).toBe(0)
    expect(String(c.stderr)).toBe(notice ?? '')
    expect(lines(c.stdout)).toEqual(expected)
  })

  test('-o N and -c N together; -c larger than what is there stops at the end with -e', async () => {
    await setup()
    const c = await run(['consume', 'ten', '-e', '-o', '2', '-c', '3'])
    expectOk(c)
    expect(lines(c.stdout)).toEqual(['v2', 'v3', 'v4'])
    const all = await run(['consume', 'ten', '-e', '-o', '-2', '-c', '100'])
    expectOk(all)
    expect(lines(all.stdout)).toEqual(['v8', 'v9'])
  })

  test('-c N without -e stops after N records instead of following', async () => {
    await setup()
    const c = await run(['consume', 'ten', '-c', '4'], {timeout: 10_000})
    expectOk(c)
    expect(lines(c.stdout)).toEqual(values(0, 4))
  })

  test('the default start is the beginning; -e on an empty topic prints nothing and exits 0', async () => {
    await setup()
    const c = await run(['consume', 'ten', '-e'])
    expect(lines(c.stdout)).toEqual(values(0))
    expectOk(await run(['topic', 'create', 'empty', '-q']))
    const e = await run(['consume', 'empty', '-e'], {timeout: 10_000})
    expectOk(e)
    expect(e.stdout).toBe('')
  })
})

describe('-o across three partitions', () => {
  const {run} = sharedCli()
  // Partition p holds p0..p4 = "p<p>-<i>" with timestamps (i+1)*1000 + p.
  const setup = once(async () => {
    expectOk(await run(['topic', 'create', 'three', '--partitions', '3', '-q']))
    const input = [0, 1, 2]
      .flatMap((p) => Array.from({length: 5}, (_, i) => JSON.stringify({value: `p${p}-${i}`, partition: p, timestamp: (i + 1) * 1000 + p})))
      .join('\n')
    expectOk(await run(['produce', 'three', '--input', 'json'], {input}))
  })
  const fmt = ['-F', '%p:%o:%s\\n']

  test.each([
    {args: ['-o', 'beginning'], expected: [0, 1, 2].flatMap((p) => [0, 1, 2, 3, 4].map((i) => `${p}:${i}:p${p}-${i}`))},
    {args: ['-o', 'end'], expected: []},
    {args: ['-p', '1'], expected: [0, 1, 2, 3, 4].map((i) => `1:${i}:p1-${i}`)},
    {args: ['-p', '0', '-p', '2', '-o', '-2'], expected: ['0:3:p0-3', '0:4:p0-4', '2:3:p2-3', '2:4:p2-4']},
    {args: ['-p', '2', '-p', '0', '-o', '4'], expected: ['0:4:p0-4', '2:4:p2-4']},
    {args: ['-o', '3', '-p', '1', '-p', '2'], expected: ['1:3:p1-3', '1:4:p1-4', '2:3:p2-3', '2:4:p2-4']},
    {args: ['-o', '@4001'], expected: ['0:4:p0-4', '1:3:p1-3', '1:4:p1-4', '2:3:p2-3', '2:4:p2-4']},
    {args: ['-o', '@1970-01-01T00:00:05.001Z', '-p', '0', '-p', '1'], expected: ['1:4:p1-4']},
    {args: ['-o', '-1'], expected: ['0:4:p0-4', '1:4:p1-4', '2:4:p2-4']},
  ])('$args', async ({args, expected}) => {
    await setup()
    const c = await run(['consume', 'three', '-e', ...fmt, ...args])
    expectOk(c)
    // Partitions take turns: compare each partition's records in order.
    expect(lines(c.stdout).sort()).toEqual([...expected].sort())
    for (const p of [0, 1, 2]) {
      expect(lines(c.stdout).filter((l) => l.startsWith(`${p}:`))).toEqual(expected.filter((l) => l.startsWith(`${p}:`)))
    }
  })

  test('-p before the topic name (kcat style) is not taken for a second partition', async () => {
    await setup()
    const c = await run(['consume', '-p', '2', 'three', '-e', '-c', '2', ...fmt])
    expectOk(c)
    expect(lines(c.stdout)).toEqual(['2:0:p2-0', '2:1:p2-1'])
  })

  test('-c N across partitions stops after N records in total', async () => {
    await setup()
    const c = await run(['consume', 'three', '-e', '-c', '7', ...fmt])
    expectOk(c)
    expect(lines(c.stdout)).toHaveLength(7)
  })
})

describe('-o and the log start', () => {
  test('after retention deleted the oldest segment, beginning and small offsets start at the log start', async () => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 'ret', '--config', 'segment.bytes=600', '-q']))
    // One record per batch, so segments roll every few records.
    expectOk(await run(['produce', 'ret', '-q', '--batch-bytes', '64'], {input: Array.from({length: 30}, (_, i) => `r${i}\n`).join('')}))
    expectOk(await run(['topic', 'alter', 'ret', '--config', 'retention.ms=1', '-q']))
    const p = await run(['produce', 'ret', '-q'], {input: 'r30\n'})
    expect(p.exitCode).toBe(0)
    const d = await run(['topic', 'describe', 'ret', '--json'])
    const start = JSON.parse(String(d.stdout)).partitions[0].logStartOffset as number
    expect(start).toBeGreaterThan(0)
    for (const offset of ['beginning', '0', '-100']) {
      const c = await run(['consume', 'ret', '-e', '-o', offset, '-c', '1', '-F', '%o %s\\n'])
      expect(c.exitCode).toBe(0)
      // An absolute offset retention deleted is said to be before the log start; beginning and -N are not offsets out of range.
      expect(String(c.stderr)).toBe(offset === '0' ? `logpipe: topic ret partition 0: offset 0 is before the log start (${start}); starting at ${start}\n` : '')
      expect(c.stdout).toBe(`${start} r${start}\n`)
    }
  })
})

describe('-F', () => {
  const {run} = sharedCli()
  // Offset 0 of partition 1: an unkeyed tombstone; offset 1: key "k1", value "hello", two headers.
  const setup = once(async () => {
    expectOk(await run(['topic', 'create', 'fmt', '--partitions', '2', '-q']))
    const input = [
      {key: null, value: null, partition: 1, timestamp: 1_600_000_000_000},
      {key: 'k1', value: 'hello', headers: [{key: 'h1', value: 'v1'}, {key: 'h2', value: ''}], partition: 1, timestamp: 1_700_000_000_123},
    ]
    expectOk(await run(['produce', 'fmt', '--input', 'json'], {input: input.map((r) => JSON.stringify(r)).join('\n')}))
  })

  const FORMATS = [
    {format: '%t', expected: 'fmt'},
    {format: '%p', expected: '1'},
    {format: '%o', expected: '1'},
    {format: '%k', expected: 'k1'},
    {format: '%s', expected: 'hello'},
    {format: '%S', expected: '5'},
    {format: '%K', expected: '2'},
    {format: '%T', expected: '1700000000123'},
    {format: '%h', expected: 'h1=v1,h2='},
    {format: '%%', expected: '%'},
    {format: '100%% %s', expected: '100% hello'},
    {format: '\\n', expected: '\n'},
    {format: '\\t', expected: '\t'},
    {format: '\\r', expected: '\r'},
    {format: '\\0', expected: '\0'},
    {format: '\\\\', expected: '\\'},
    {format: '\\\\n', expected: '\\n'},
    {format: 'a\\tb\\r\\n', expected: 'a\tb\r\n'},
    {format: 'Topic %t [%p] at offset %o: key %k (%K bytes) = %s (%S bytes) @ %T {%h}\\n', expected: 'Topic fmt [1] at offset 1: key k1 (2 bytes) = hello (5 bytes) @ 1700000000123 {h1=v1,h2=}\n'},
  ]
  // One consume prints every format, each between markers (one process instead of one per row).
  const MARK = '<<#>>'
  let printed: Promise<string[]> | null = null
  const allFormats = () =>
    (printed ??= (async () => {
      await setup()
      const c = await run(['consume', 'fmt', '-e', '-p', '1', '-o', '1', '-F', FORMATS.map((f) => f.format).join(MARK) + MARK], {encoding: 'buffer'})
      expectOk(c)
      return Buffer.from(c.stdout as Uint8Array).toString('latin1').split(MARK)
    })())

  test('every format at once is one record per format', async () => {
    const parts = await allFormats()
    expect(parts).toHaveLength(FORMATS.length + 1)
    expect(parts.at(-1)).toBe('')
  })

  test.each(FORMATS.map((f, i) => ({...f, i})))("-F '$format'", async ({expected, i}) => {
    const parts = await allFormats()
    expect(parts[i]).toBe(Buffer.from(expected).toString('latin1'))
  })

  test("-F '%s' alone (the value, no newline) and the default '%s\\n'", async () => {
    await setup()
    const a = await run(['consume', 'fmt', '-e', '-p', '1', '-o', '1', '-F', '%s'])
    expect(a.stdout).toBe('hello')
    const b = await run(['consume', 'fmt', '-e', '-p', '1', '-o', '1'])
    expect(b.stdout).toBe('hello\n')
  })

  test('null key and value: %k and %s print nothing, %K and %S print -1, %h nothing', async () => {
    await setup()
    const c = await run(['consume', 'fmt', '-e', '-p', '1', '-c', '1', '-F', '[%k][%K][%s][%S][%h]\\n'])
    expectOk(c)
    expect(c.stdout).toBe('[][-1][][-1][]\n')
  })

  test('records of several partitions, one format per record', async () => {
    await setup()
    expectOk(await run(['produce', 'fmt', '-p', '0', '-q'], {input: 'zero\n'}))
    const c = await run(['consume', 'fmt', '-e', '-F', '%t/%p/%o=%s;'])
    expectOk(c)
    expect(String(c.stdout).split(';').filter(Boolean).sort()).toEqual(['fmt/0/0=zero', 'fmt/1/0=', 'fmt/1/1=hello'])
  })
})
