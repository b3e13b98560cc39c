/**
 * `logpipe dump FILE...` (DESIGN.md sections 2 and 3): segment files decoded
 * in the form of Kafka's DumpLogSegments — one line per batch, `| offset:`
 * record lines with --deep-iteration / --print-data — offset and time index
 * entries, and the same as JSON. The batch lines are checked against the
 * bytes of the file itself (positions, sizes, CRCs).
 */
import {copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {EXIT, expectCleanError, expectOk, lines, once, sharedCli} from './support.js'

const BATCH_LINE =
  /^baseOffset: (\d+) lastOffset: (\d+) count: (\d+) baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: (\d+) isTransactional: false isControl: false deleteHorizonMs: OptionalLong\.empty position: (\d+) CreateTime: (\d+) size: (\d+) magic: 2 compresscodec: (\w+) crc: (\d+) isvalid: true$/

interface BatchLine {
  baseOffset: number
  lastOffset: number
  count: number
  position: number
  createTime: number
  size: number
  codec: string
  crc: number
}

function parseBatch(line: string): BatchLine {
  const m = BATCH_LINE.exec(line)
  expect(m, `a DumpLogSegments batch line: ${line}`).not.toBeNull()
  const n = m!.map(Number)
  return {baseOffset: n[1], lastOffset: n[2], count: n[3], position: n[5], createTime: n[6], size: n[7], codec: m![8], crc: n[9]}
}

/**
 * Record timestamps: recent ones, because a segment whose newest record is
 * older than retention.ms (7 days) is deleted at the next write, as in Kafka.
 */
const T0 = Math.floor(Date.now() / 1000) * 1000 - 60_000

const rec = (key: string | null, value: string, timestamp: number, headers: Array<{key: string; value: string}> = []) => JSON.stringify({key, value, timestamp, headers})

describe('dump of a .log segment', () => {
  const {run, dataDir} = sharedCli()
  const log = () => join(dataDir, 'topics', 'd', '0', '00000000000000000000.log')
  // Three produce runs, three batches: offsets 0-1, 2, 3-5.
  const setup = once(async () => {
    expectOk(await run(['topic', 'create', 'd', '-q']))
    expectOk(await run(['produce', 'd', '--input', 'json'], {input: [rec('k0', 'v0', T0 + 1000, [{key: 'h', value: '1'}]), rec(null, 'v1', T0 + 1001)].join('\n')}))
    expectOk(await run(['produce', 'd', '--input', 'json'], {input: rec('k2', '', T0 + 2000)}))
    expectOk(await run(['produce', 'd', '--input', 'json'], {input: [rec('k3', 'v3', T0 + 3000), rec('k4', 'v4', T0 + 3005, [{key: 'a', value: 'x'}, {key: 'b', value: 'y'}]), rec('k5', 'v5', T0 + 3001)].join('\n')}))
  })

  test('one line per batch, in the form of Kafka DumpLogSegments, matching the bytes of the file', async () => {
    await setup()
    const r = await run(['dump', log()])
    expectOk(r)
    const out = lines(r.stdout)
    expect(out[0]).toBe(`Dumping ${log()}`)
    expect(out[1]).toBe('Log starting offset: 0')
    expect(out).toHaveLength(5)
    const batches = out.slice(2).map(parseBatch)
    expect(batches.map((b) => [b.baseOffset, b.lastOffset, b.count, b.createTime, b.codec])).toEqual([
      [0, 1, 2, T0 + 1001, 'none'],
      [2, 2, 1, T0 + 2000, 'none'],
      [3, 5, 3, T0 + 3005, 'none'],
    ])
    const file = readFileSync(log())
    let position = 0
    for (const b of batches) {
      expect(b.position).toBe(position)
      // batchLength + 12 is the size; the CRC is the uint32 at byte 17 of the batch.
      expect(b.size).toBe(file.readInt32BE(position + 8) + 12)
      expect(b.crc).toBe(file.readUInt32BE(position + 17))
      expect(Number(file.readBigInt64BE(position))).toBe(b.baseOffset)
      position += b.size
    }
    expect(position).toBe(file.length)
  })

  test('--deep-iteration adds a record line per record; --print-data adds keys and payloads', async () => {
    await setup()
    const deep = await run(['dump', log(), '--deep-iteration'])
    expectOk(deep)
    const deepRecords = lines(deep.stdout).filter((l) => l.startsWith('| '))
    expect(deepRecords).toEqual([
      `| offset: 0 CreateTime: ${T0 + 1000} keySize: 2 valueSize: 2 sequence: -1 headerKeys: [h]`,
      `| offset: 1 CreateTime: ${T0 + 1001} keySize: -1 valueSize: 2 sequence: -1 headerKeys: []`,
      `| offset: 2 CreateTime: ${T0 + 2000} keySize: 2 valueSize: 0 sequence: -1 headerKeys: []`,
      `| offset: 3 CreateTime: ${T0 + 3000} keySize: 2 valueSize: 2 sequence: -1 headerKeys: []`,
      `| offset: 4 CreateTime: ${T0 + 3005} keySize: 2 valueSize: 2 sequence: -1 headerKeys: [a,b]`,
      `| offset: 5 CreateTime: ${T0 + 3001} keySize: 2 valueSize: 2 sequence: -1 headerKeys: []`,
    ])
    const data = await run(['dump', log(), '--print-data'])
    expectOk(data)
    const out = lines(data.stdout)
    // Record lines follow their batch line.
    expect(out.map((l) => (l.startsWith('| ') ? 'R' : l.startsWith('baseOffset') ? 'B' : '-')).join('')).toBe('--BRRBRBRRR')
    expect(out.filter((l) => l.startsWith('| '))).toEqual([
      `| offset: 0 CreateTime: ${T0 + 1000} keySize: 2 valueSize: 2 sequence: -1 headerKeys: [h] key: k0 payload: v0`,
      `| offset: 1 CreateTime: ${T0 + 1001} keySize: -1 valueSize: 2 sequence: -1 headerKeys: [] payload: v1`,
      `| offset: 2 CreateTime: ${T0 + 2000} keySize: 2 valueSize: 0 sequence: -1 headerKeys: [] key: k2 payload: `,
      `| offset: 3 CreateTime: ${T0 + 3000} keySize: 2 valueSize: 2 sequence: -1 headerKeys: [] key: k3 payload: v3`,
      `| offset: 4 CreateTime: ${T0 + 3005} keySize: 2 valueSize: 2 sequence: -1 headerKeys: [a,b] key: k4 payload: v4`,
      `| offset: 5 CreateTime: ${T0 + 3001} keySize: 2 valueSize: 2 sequence: -1 headerKeys: [] key: k5 payload: v5`,
    ])
    // Without either flag: batches only.
    expect((await run(['dump', log()])).stdout).not.toContain('| offset')
  })

  test('--json: batches with their records, keys and payloads', async () => {
    await setup()
    const r = await run(['dump', log(), '--json'])
    expectOk(r)
    const [result] = JSON.parse(String(r.stdout))
    expect(result).toMatchObject({file: log(), kind: 'log', baseOffset: 0, trailingBytes: 0})
    expect(result.batches).toHaveLength(3)
    expect(result.batches[2]).toMatchObject({
      baseOffset: 3,
      lastOffset: 5,
      count: 3,
      magic: 2,
      isValid: true,
      compression: 'none',
      producerId: -1,
      isTransactional: false,
      isControl: false,
      timestampType: 'CreateTime',
      maxTimestamp: T0 + 3005,
    })
    expect(result.batches.flatMap((b: {records: Array<{offset: number; key: string | null; payload: string | null; headerKeys: string[]}>}) => b.records.map((x) => [x.offset, x.key, x.payload, x.headerKeys]))).toEqual([
      [0, 'k0', 'v0', ['h']],
      [1, null, 'v1', []],
      [2, 'k2', '', []],
      [3, 'k3', 'v3', []],
      [4, 'k4', 'v4', ['a', 'b']],
      [5, 'k5', 'v5', []],
    ])
  })

  test('a torn batch at the end is reported, the whole batches before it still listed', async () => {
    await setup()
    const {base} = cli()
    const dir = join(base, 'copy')
    mkdirSync(dir)
    const copy = join(dir, '00000000000000000000.log')
    copyFileSync(log(), copy)
    const file = readFileSync(copy)
    const firstBatch = file.readInt32BE(8) + 12
    writeFileSync(copy, Buffer.concat([file, file.subarray(0, firstBatch - 7)]))
    const r = await run(['dump', copy])
    expect(r.exitCode).toBe(0)
    const out = lines(r.stdout)
    expect(out.filter((l) => l.startsWith('baseOffset'))).toHaveLength(3)
    expect(out.at(-1)).toBe(`Found ${firstBatch - 7} invalid bytes at the end of 00000000000000000000.log (position ${file.length}): a torn batch`)
  })
})

describe('dump of compressed batches', () => {
  test('--compression gzip shows compresscodec: gzip and the records inside', async () => {
    const {run, dataDir} = cli()
    expectOk(await run(['produce', 'z', '--create', '-q', '--compression', 'gzip', '-K', ':'], {input: 'a:'.padEnd(300, 'x') + '\nb:' + 'y'.repeat(300) + '\n'}))
    const log = join(dataDir, 'topics', 'z', '0', '00000000000000000000.log')
    const r = await run(['dump', log, '--print-data'])
    expectOk(r)
    const out = lines(r.stdout)
    const batch = parseBatch(out[2])
    expect(batch.codec).toBe('gzip')
    expect(batch.count).toBe(2)
    expect(batch.size).toBe(statSync(log).size)
    expect(batch.size).toBeLessThan(300)
    expect(out.slice(3)).toEqual([
      expect.stringMatching(/^\| offset: 0 CreateTime: \d+ keySize: 1 valueSize: 298 sequence: -1 headerKeys: \[\] key: a payload: x{298}$/),
      expect.stringMatching(/^\| offset: 1 CreateTime: \d+ keySize: 1 valueSize: 300 sequence: -1 headerKeys: \[\] key: b payload: y{300}$/),
    ])
  })
})

describe('dump of .index and .timeindex', () => {
  test('entries point at the batches of the log, several files in one call, and --json', async () => {
    const {run, dataDir} = cli()
    // An index entry for every batch after the first; one record per batch; rising timestamps.
    expectOk(await run(['topic', 'create', 'ix', '--config', 'index.interval.bytes=1', '-q']))
    const input = Array.from({length: 8}, (_, i) => rec(null, `value-${i}`, T0 + i * 10)).join('\n')
    expectOk(await run(['produce', 'ix', '--input', 'json', '--batch-bytes', '64'], {input}))
    const dir = join(dataDir, 'topics', 'ix', '0')
    const [log, index, timeindex] = ['log', 'index', 'timeindex'].map((ext) => join(dir, `00000000000000000000.${ext}`))

    const r = await run(['dump', log, index, timeindex])
    expectOk(r)
    const out = lines(r.stdout)
    const at = (p: string) => out.indexOf(`Dumping ${p}`)
    expect(at(log)).toBe(0)
    expect(at(index)).toBeGreaterThan(at(log))
    expect(at(timeindex)).toBeGreaterThan(at(index))
    const batches = out.slice(2, at(index)).map(parseBatch)
    expect(batches).toHaveLength(8)
    const positionOf = new Map(batches.map((b) => [b.lastOffset, b.position]))

    const indexLines = out.slice(at(index) + 1, at(timeindex))
    expect(indexLines.length).toBeGreaterThanOrEqual(6)
    let last = -1
    for (const line of indexLines) {
      const m = /^offset: (\d+) position: (\d+)$/.exec(line)
      expect(m, line).not.toBeNull()
      const [offset, position] = [Number(m![1]), Number(m![2])]
      expect(offset).toBeGreaterThan(last)
      expect(position, `index entry for offset ${offset}`).toBe(positionOf.get(offset))
      last = offset
    }
    expect(statSync(index).size).toBe(indexLines.length * 8)

    const timeLines = out.slice(at(timeindex) + 1)
    expect(timeLines.length).toBeGreaterThanOrEqual(1)
    let lastTs = -1
    for (const line of timeLines) {
      const m = /^timestamp: (\d+) offset: (\d+)$/.exec(line)
      expect(m, line).not.toBeNull()
      const [timestamp, offset] = [Number(m![1]), Number(m![2])]
      expect(timestamp).toBeGreaterThan(lastTs)
      expect(timestamp, `time index entry for offset ${offset}`).toBe(T0 + offset * 10)
      lastTs = timestamp
    }
    expect(statSync(timeindex).size).toBe(timeLines.length * 12)

    const j = JSON.parse(String((await run(['dump', index, timeindex, '--json'])).stdout))
    expect(j.map((x: {kind: string; file: string}) => [x.kind, x.file])).toEqual([
      ['index', index],
      ['timeindex', timeindex],
    ])
    expect(j[0].entries).toEqual(indexLines.map((l) => ({offset: Number(l.split(' ')[1]), position: Number(l.split(' ')[3])})))
    expect(j[1].entries).toEqual(timeLines.map((l) => ({timestamp: Number(l.split(' ')[1]), offset: Number(l.split(' ')[3])})))
  })

  test('an empty segment has no entries', async () => {
    const {run, dataDir} = cli()
    expectOk(await run(['topic', 'create', 'e', '-q']))
    const dir = join(dataDir, 'topics', 'e', '0')
    const r = await run(['dump', ...['log', 'index', 'timeindex'].map((ext) => join(dir, `00000000000000000000.${ext}`))])
    expectOk(r)
    expect(lines(r.stdout)).toEqual([
      `Dumping ${join(dir, '00000000000000000000.log')}`,
      'Log starting offset: 0',
      `Dumping ${join(dir, '00000000000000000000.index')}`,
      `Dumping ${join(dir, '00000000000000000000.timeindex')}`,
    ])
  })
})

describe('dump errors', () => {
  test.each([
    {what: 'a missing file', file: (b: string) => join(b, '00000000000000000000.log'), exitCode: EXIT.NOT_FOUND, message: /00000000000000000000\.log: no such file/},
    {what: 'a file of another kind', file: (b: string) => join(b, 'notes.txt'), exitCode: EXIT.USAGE, message: /notes\.txt: not a \.log, \.index or \.timeindex file/},
  ])('$what', async ({file, exitCode, message}) => {
    const {run, base} = cli()
    writeFileSync(join(base, 'notes.txt'), 'hello\n')
    expectCleanError(await run(['dump', file(base)]), exitCode, message)
  })
})

test('a batch whose CRC fails is listed with isvalid: false, and the batches after it still show', async () => {
  const {run, dataDir} = cli()
  // Three one-record batches: tiny batches and no linger.
  expectOk(await run(['produce', 'd', '--create', '-q', '--batch-bytes', '64', '--linger-ms', '0'], {input: '1\n2\n3\n'}))
  const file = join(dataDir, 'topics', 'd', '0', '00000000000000000000.log')
  const original = readFileSync(file)
  const bytes = Buffer.from(original)
  const second = bytes.readInt32BE(8) + 12 // where the second batch starts
  bytes[second + 61 + 3] ^= 0xff // a byte of its record, covered by the CRC
  writeFileSync(file, bytes)
  const r = await run(['dump', file])
  expect(r.exitCode).toBe(0)
  const valid = lines(r.stdout)
    .filter((l) => l.startsWith('baseOffset:'))
    .map((l) => /baseOffset: (\d+) .* isvalid: (\w+)$/.exec(l)!.slice(1).join(' '))
  expect(valid).toEqual(['0 true', '1 false', '2 true'])
  writeFileSync(file, original) // leave a sound log for the kafkajs check after each test
})
