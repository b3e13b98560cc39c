/**
 * Every codec end to end (issue 9 point 8): `produce --compression C`
 * writes batches in Kafka's framing for C, and every reader reads them:
 * consume, dump, topic verify, compaction (which rewrites them in C) and
 * kafkajs with its codecs (the check after each test). A bomb in any codec
 * is a corrupt batch, refused at the format bound.
 */
import {appendFileSync, statSync, truncateSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {Compression, compress} from '../../src/core/record/compression.js'
import {cli} from '../helpers/cli.js'
import {rawBatch} from '../helpers/hostile-batch.js'
import {EXIT, STACK_LINE, expectOk, lines} from './support.js'

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const
const segment = (dataDir: string, topic: string) => join(dataDir, 'topics', topic, '0', '00000000000000000000.log')

describe.each(CODECS)('--compression %s', (codec) => {
  test('consume returns the input, dump names the codec, topic verify finds every record sound', async () => {
    const {run, dataDir} = cli()
    // Repetitive lines (they compress) and unique ones, in about ten batches.
    const input = Array.from({length: 3000}, (_, i) => (i % 3 ? `order ${i} status shipped ${'x'.repeat(i % 40)}` : `${i}:${(i * 2654435761) % 4294967296}`)).join('\n') + '\n'
    expectOk(await run(['produce', 'c', '--create', '-q', '--compression', codec, '--batch-bytes', '10000'], {input}))
    const log = segment(dataDir, 'c')
    expect(statSync(log).size, 'compressed batches are smaller than the input').toBeLessThan(input.length)

    const consumed = await run(['consume', 'c', '-e'])
    expectOk(consumed)
    expect(consumed.stdout).toBe(input)

    const dump = await run(['dump', log])
    expectOk(dump)
    const batches = lines(dump.stdout).filter((l) => l.startsWith('baseOffset'))
    expect(batches.length).toBeGreaterThan(5)
    for (const b of batches) expect(b).toMatch(new RegExp(`compresscodec: ${codec} crc: \\d+ isvalid: true$`))
    const deep = await run(['dump', log, '--deep-iteration'])
    expectOk(deep)
    expect(lines(deep.stdout).filter((l) => l.startsWith('| offset:'))).toHaveLength(3000)

    expectOk(await run(['topic', 'verify', 'c', '-q']))
  })

  test('compaction rewrites its batches in the same codec and keeps the latest value of every key', async () => {
    const {run, dataDir} = cli()
    expectOk(await run(['topic', 'create', 'k', '-q', '--config', 'cleanup.policy=compact', '--config', 'segment.bytes=1500']))
    let input = ''
    for (let round = 0; round < 4; round++) {
      input = Array.from({length: 60}, (_, i) => `key${i % 6}:round ${round} record ${i} ${'v'.repeat(20)}\n`).join('')
      expectOk(await run(['produce', 'k', '-q', '-K', ':', '--batch-bytes', '400', '--compression', codec], {input}))
    }
    const held = await run(['consume', 'k', '-e', '-F', '%k=%s\n'])
    expectOk(held)
    const latest = new Map<string, string>()
    for (const l of lines(held.stdout)) latest.set(l.split('=')[0], l)
    expect([...latest.values()].sort()).toEqual(
      Array.from({length: 6}, (_, k) => `key${k}=round 3 record ${54 + k} ${'v'.repeat(20)}`).sort(),
    )
    expect(lines(held.stdout).length, 'compaction removed older values').toBeLessThan(240)
    const dump = await run(['dump', segment(dataDir, 'k')])
    expectOk(dump)
    const batches = lines(dump.stdout).filter((l) => l.startsWith('baseOffset'))
    expect(batches.length).toBeGreaterThan(0)
    for (const b of batches) expect(b).toContain(`compresscodec: ${codec} `)
    expectOk(await run(['topic', 'verify', 'k', '-q']))
  })

  test('a bomb (100 MiB of zeros) is a corrupt batch, refused at the 64 MiB bound', async () => {
    const {run, dataDir} = cli()
    expectOk(await run(['produce', 'bomb', '--create', '-q'], {input: 'a\n'}))
    const log = segment(dataDir, 'bomb')
    const keep = statSync(log).size
    const zeros = compress(Compression[codec], Buffer.alloc(100 * 1024 * 1024))
    expect(zeros.length).toBeLessThan(6 * 1024 * 1024)
    appendFileSync(log, rawBatch(zeros, {count: 1, baseOffset: 1, codec: Compression[codec]}))
    try {
      const r = await run(['consume', 'bomb', '-e', '--json'], {timeout: 30_000})
      expect(r.exitCode).toBe(EXIT.RUNTIME)
      expect(lines(r.stdout)).toHaveLength(1)
      // Under --json the error is one JSON object on stderr.
      const {error} = JSON.parse(String(r.stderr)) as {error: {message: string; code: string}}
      expect(error.code).toBe('CORRUPT_RECORD')
      expect(error.message).toMatch(
        new RegExp(`^topic bomb partition 0: corrupt record at offset 1 \\(segment 0, position \\d+\\): ${codec} batch (inflates past 67108864 bytes|may inflate to \\d+ bytes, past the 67108864)`),
      )
      expect(String(r.stderr)).not.toMatch(STACK_LINE)
      const verify = await run(['topic', 'verify', 'bomb'], {timeout: 30_000})
      expect(verify.exitCode).toBe(EXIT.RUNTIME)
      expect(String(verify.stdout) + String(verify.stderr)).toMatch(new RegExp(`${codec} batch`))
    } finally {
      // The kafkajs check after the test would inflate the bomb whole.
      truncateSync(log, keep)
    }
  })
})

test('bench produce --compression writes batches in that codec, and bench consume reads them', async () => {
  const {run, dataDir} = cli()
  expectOk(await run(['bench', 'produce', '--num-records', '5000', '--record-size', '100', '--topic', 'perf', '--compression', 'lz4', '--batch-bytes', '50000', '-q']))
  const dump = await run(['dump', segment(dataDir, 'perf')])
  expectOk(dump)
  const batches = lines(dump.stdout).filter((l) => l.startsWith('baseOffset'))
  expect(batches.length).toBeGreaterThan(5)
  for (const b of batches) expect(b).toContain('compresscodec: lz4 ')
  const consumed = await run(['bench', 'consume', '--topic', 'perf', '--json'])
  expectOk(consumed)
  expect(JSON.parse(String(consumed.stdout))).toMatchObject({records: 5000})
})
