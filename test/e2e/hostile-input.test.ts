/**
 * Issue 8, points 1 and 8: what a reader accepts is bounded by the format,
 * never by a topic setting, and a segment whose CRC holds but whose records
 * lie about their lengths ends every reader at once with one line naming
 * topic, partition, offset and file position.
 */
import {appendFileSync, existsSync, readFileSync, statSync, truncateSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {ATTR, billionHeadersBatch, rawBatch, rawRecord} from '../helpers/hostile-batch.js'
import {EXIT, STACK_LINE, expectOk, lines} from './support.js'

/** Every reader must end well within this: the bug looped for good. */
const PROMPT_MS = 20_000

/**
 * Runs a test on a planted hostile segment, cutting it off afterwards
 * whatever happened: the kafkajs check after each test would decode a
 * billion headers and run the test process out of memory.
 */
async function withPlanted(log: () => string, keep: () => number, body: () => Promise<void>): Promise<void> {
  try {
    await body()
  } finally {
    try {
      truncateSync(log(), keep())
    } catch {
      // Not planted yet.
    }
  }
}

function segmentOf(dataDir: string, topic: string, partition = 0): string {
  return join(dataDir, 'topics', topic, String(partition), '00000000000000000000.log')
}

describe('lowering max.message.bytes (point 1)', () => {
  test('400 records of 1,000 bytes stay readable, the next produce continues at 400, verify is clean', async () => {
    const {run, dataDir} = cli()
    expectOk(await run(['topic', 'create', 'big', '-q']))
    const input = Array.from({length: 400}, (_, i) => String(i).padStart(4, '0') + 'x'.repeat(996)).join('\n') + '\n'
    expectOk(await run(['produce', 'big', '-q'], {input}))
    // One batch of about 400 KB, far above the limit set next.
    expect(statSync(segmentOf(dataDir, 'big')).size).toBeGreaterThan(400_000)
    expectOk(await run(['topic', 'alter', 'big', '--config', 'max.message.bytes=10000', '-q']))

    const consumed = await run(['consume', 'big', '-e'])
    expectOk(consumed)
    expect(consumed.stdout).toBe(input)

    // The limit holds for new writes: a record over it is refused, nothing written.
    const tooBig = await run(['produce', 'big'], {input: 'y'.repeat(20_000) + '\n'})
    expect(tooBig.exitCode).toBe(EXIT.RUNTIME)
    expect(String(tooBig.stderr)).toMatch(/max\.message\.bytes 10000/)

    const next = await run(['produce', 'big', '--json'], {input: 'after\n'})
    expectOk(next)
    expect(lines(next.stdout).map((l) => JSON.parse(l).offset)).toEqual([400])

    const all = await run(['consume', 'big', '-e', '-F', '%o %S\\n'])
    expectOk(all)
    expect(lines(all.stdout)).toEqual([...Array.from({length: 400}, (_, i) => `${i} 1000`), '400 5'])
    const verify = await run(['topic', 'verify', 'big'])
    expectOk(verify)
    expect(verify.stdout).toMatch(/big: 1 partitions, 1 segments, \d+ batches, \d+ bytes checked: OK/)
  })
})

describe('records that lie about their lengths, under a valid CRC (point 8)', () => {
  /** A topic holding 3 good records, then `hostile` at offset 3; returns where it starts. */
  async function poisoned(run: ReturnType<typeof cli>['run'], dataDir: string, hostile: (base: number) => Buffer): Promise<number> {
    expectOk(await run(['produce', 'h', '--create', '-q', '-H', 'h1=v1'], {input: 'a\nb\nc\n'}))
    const log = segmentOf(dataDir, 'h')
    const position = statSync(log).size
    appendFileSync(log, hostile(3))
    return position
  }

  const line = (position: number, what: RegExp | string) =>
    new RegExp(`^logpipe: topic h partition 0: corrupt record at offset 3 \\(segment 0, position ${position}\\): ${typeof what === 'string' ? what : what.source}$`)

  /** stderr is the one corrupt-record line plus its hint; no stack. */
  function expectCorruptLine(stderr: unknown, expected: RegExp): void {
    const l = String(stderr).replace(/\n$/, '').split('\n')
    expect(l[0]).toMatch(expected)
    expect(l.slice(1)).toEqual(['hint: run `logpipe topic verify h --repair` to cut the log before it'])
    expect(String(stderr)).not.toMatch(STACK_LINE)
  }

  /** Under --json the same error is one JSON object on stderr (docs/JSON.md): message, code, hint. */
  function expectCorruptJson(stderr: unknown, expected: RegExp): void {
    const l = String(stderr).replace(/\n$/, '').split('\n')
    expect(l).toHaveLength(1)
    const {error} = JSON.parse(l[0]) as {error: {message: string; code: string; hint: string}}
    expect(`logpipe: ${error.message}`).toMatch(expected)
    expect(error.code).toBe('CORRUPT_RECORD')
    expect(error.hint).toBe('run `logpipe topic verify h --repair` to cut the log before it')
  }

  const hostiles = [
    {name: 'a billion headers, key length -7', batch: billionHeadersBatch, what: 'header count 1000000000 does not fit in the 2 bytes left in the record'},
    {name: 'one header with key length -7', batch: (base: number) => rawBatch(rawRecord([ATTR, 0, 0, -1, -1, 1, -7, -1]), {count: 1, baseOffset: base}), what: 'header 0 key length -7 does not fit in the 1 bytes left in the record'},
    {name: 'a value length past the record', batch: (base: number) => rawBatch(rawRecord([ATTR, 0, 0, -1, 90, Buffer.from('abc'), 0]), {count: 1, baseOffset: base}), what: 'value length 90 does not fit in the 4 bytes left in the record'},
    {name: 'a record count beyond the bytes', batch: (base: number) => rawBatch(rawRecord([ATTR, 0, 0, -1, -1, 0]), {count: 1_000_000, baseOffset: base}), what: 'record count 1000000 cannot fit in the 7 bytes of records'},
  ]

  test.each(hostiles)('$name: consume --json and -F %h print the 3 records before it, then one line, exit 1', async ({batch, what}) => {
    const {run, dataDir} = cli()
    let position = 0
    await withPlanted(() => segmentOf(dataDir, 'h'), () => position, async () => {
      position = await poisoned(run, dataDir, batch)
      const expected = line(position, what)

      const json = await run(['consume', 'h', '-e', '--json'], {timeout: PROMPT_MS})
      expect(json.exitCode, String(json.stderr)).toBe(EXIT.RUNTIME)
      expect(lines(json.stdout).map((l) => JSON.parse(l).value)).toEqual(['a', 'b', 'c'])
      expectCorruptJson(json.stderr, expected)

      const headers = await run(['consume', 'h', '-e', '-F', '%h\\n'], {timeout: PROMPT_MS})
      expect(headers.exitCode, String(headers.stderr)).toBe(EXIT.RUNTIME)
      expect(headers.stdout).toBe('h1=v1\nh1=v1\nh1=v1\n')
      expectCorruptLine(headers.stderr, expected)

      // Following (no -e) ends too rather than waiting at the damage for good.
      const follow = await run(['consume', 'h', '-F', '%s\\n'], {timeout: PROMPT_MS})
      expect(follow.exitCode, String(follow.stderr)).toBe(EXIT.RUNTIME)
      expect(follow.stdout).toBe('a\nb\nc\n')
      expectCorruptLine(follow.stderr, expected)
    })
  })

  test('the 74-byte segment itself: consume, -F %h and dump --deep-iteration end at once; verify finds it', async () => {
    const {run, dataDir} = cli()
    expectOk(await run(['topic', 'create', 'h', '-q']))
    const log = segmentOf(dataDir, 'h')
    await withPlanted(() => log, () => 0, async () => {
      writeFileSync(log, billionHeadersBatch())
      expect(statSync(log).size).toBe(74)
      const expected = /^logpipe: topic h partition 0: corrupt record at offset 0 \(segment 0, position 0\): header count 1000000000 does not fit/

      for (const args of [['consume', 'h', '-e', '--json'], ['consume', 'h', '-e', '-F', '%h\\n']]) {
        const r = await run(args, {timeout: PROMPT_MS})
        expect(r.exitCode, `${args.join(' ')}: ${String(r.stderr)}`).toBe(EXIT.RUNTIME)
        expect(r.stdout).toBe('')
        const first = String(r.stderr).split('\n')[0]
        expect(args.includes('--json') ? `logpipe: ${(JSON.parse(first) as {error: {message: string}}).error.message}` : first).toMatch(expected)
      }

      const dump = await run(['dump', log, '--deep-iteration'], {timeout: PROMPT_MS})
      expect(dump.exitCode, String(dump.stderr)).toBe(EXIT.RUNTIME)
      const out = lines(dump.stdout)
      expect(out[2]).toMatch(/^baseOffset: 0 lastOffset: 0 count: 1 .* position: 0 .* size: 74 .* isvalid: true$/)
      expect(out[3]).toMatch(/^\| corrupt record at offset 0 \(position 0\): header count 1000000000 does not fit/)
      const stderr = String(dump.stderr).replace(/\n$/, '').split('\n')
      expect(stderr[0]).toBe(`logpipe: ${log}: corrupt record at offset 0 (position 0): header count 1000000000 does not fit in the 2 bytes left in the record`)
      expect(stderr.slice(1)).toEqual(['hint: run `logpipe topic verify h --repair` to cut the log before it'])

      const verify = await run(['topic', 'verify', 'h'], {timeout: PROMPT_MS})
      expect(verify.exitCode).toBe(EXIT.RUNTIME)
      expect(verify.stdout).toContain(`${log}: corrupt record at offset 0 (batch at position 0): header count 1000000000 does not fit`)

      // The hint's command cuts it; the topic is empty and sound again.
      const repair = await run(['topic', 'verify', 'h', '--repair'], {timeout: PROMPT_MS})
      expect(repair.exitCode, String(repair.stderr)).toBe(EXIT.OK)
      expect(repair.stdout).toContain('repaired: removed offsets 0..0 (74 bytes) from position 0')
      // The emptied segment made way for one at offset 1: offset 0 is never handed out again.
      expect(existsSync(log)).toBe(false)
      expect(existsSync(log.replace('00000000000000000000.log', '00000000000000000001.log'))).toBe(true)
      expectOk(await run(['topic', 'verify', 'h']))
    })
  })

  test('verify names the corrupt record; --repair cuts from its batch; readers and writers carry on', async () => {
    const {run, dataDir} = cli()
    const log = segmentOf(dataDir, 'h')
    let position = 0
    let repaired = false
    await withPlanted(() => log, () => (repaired ? statSync(log).size : position), async () => {
      position = await poisoned(run, dataDir, billionHeadersBatch)

      const verify = await run(['topic', 'verify', 'h'], {timeout: PROMPT_MS})
      expect(verify.exitCode).toBe(EXIT.RUNTIME)
      expect(verify.stdout).toContain(`${log}: corrupt record at offset 3 (batch at position ${position}): header count 1000000000 does not fit`)
      expect(String(verify.stderr)).toMatch(/^logpipe: h: .*1 problem\(s\) found/)

      const repair = await run(['topic', 'verify', 'h', '--repair'], {timeout: PROMPT_MS})
      expect(repair.exitCode, String(repair.stderr)).toBe(EXIT.OK)
      expect(repair.stdout).toContain(`repaired: removed offsets 3..3 (74 bytes) from position ${position}`)
      expect(readFileSync(log).length).toBe(position)
      repaired = true

      expectOk(await run(['produce', 'h', '-q'], {input: 'd\n'}))
      const after = await run(['consume', 'h', '-e', '-F', '%o %s\\n'])
      expectOk(after)
      // Offset 3 was cut, never to be reused: a consumer that committed past it reads on after it.
      expect(after.stdout).toBe('0 a\n1 b\n2 c\n4 d\n')
      expectOk(await run(['topic', 'verify', 'h']))
    })
  })
})

describe('a gzip bomb (point 8)', () => {
  test('a 100 KB gzip batch of 100 MiB of zeros is a corrupt batch, refused once it inflates past 64 MiB', async () => {
    const {run, dataDir} = cli()
    expectOk(await run(['topic', 'create', 'bomb', '-q']))
    expectOk(await run(['produce', 'bomb', '-q'], {input: 'a\n'}))
    const log = segmentOf(dataDir, 'bomb')
    const keep = statSync(log).size
    const zeros = gzipSync(Buffer.alloc(100 * 1024 * 1024), {level: 9})
    expect(zeros.length).toBeLessThan(200_000)
    await withPlanted(() => log, () => keep, async () => {
      appendFileSync(log, rawBatch(zeros, {count: 1, baseOffset: 1, gzipped: true}))
      const r = await run(['consume', 'bomb', '-e', '--json'], {timeout: PROMPT_MS})
      expect(r.exitCode).toBe(EXIT.RUNTIME)
      expect(lines(r.stdout)).toHaveLength(1)
      // Under --json the error is one JSON object on stderr.
      const {error} = JSON.parse(String(r.stderr)) as {error: {message: string; code: string}}
      expect(error.code).toBe('CORRUPT_RECORD')
      expect(error.message).toMatch(/^topic bomb partition 0: corrupt record at offset 1 \(segment 0, position \d+\): gzip batch inflates past 67108864 bytes/)
      expect(String(r.stderr)).not.toMatch(STACK_LINE)
    })
  })
})
