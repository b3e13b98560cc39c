/**
 * Crashes and damage (DESIGN.md section 2, "Writing" and "Reading"): a
 * producer killed mid-stream, garbage or a torn batch at the end of the
 * active segment, damaged indexes, and a write lock left behind by a dead
 * process. Readers must treat a bad tail as "not yet written"; the next lock
 * holder must cut it (saying so in one stderr line) without losing anything
 * before it; indexes are only accelerators; a dead holder's lock is taken
 * over at once.
 */
import {appendFileSync, existsSync, readFileSync, readdirSync, statSync, truncateSync, unlinkSync, utimesSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {execa} from 'execa'
import {describe, expect, test} from 'vitest'
import {ROOT, cli} from '../helpers/cli.js'
import {trackProcesses, waitFor} from './support.js'

const HOLD_LOCK = join(ROOT, 'test', 'fixtures', 'hold-partition-lock.mjs')
const RECOVERED = /^logpipe: .*recovered: truncated (\d+) bytes .*$/

type Cli = ReturnType<typeof cli>

const running = trackProcesses()

function partitionDir(c: Cli, topic: string, partition = 0): string {
  return join(c.dataDir, 'topics', topic, String(partition))
}

function segmentFiles(c: Cli, topic: string, suffix: string): string[] {
  const dir = partitionDir(c, topic)
  return readdirSync(dir)
    .filter((n) => n.endsWith(suffix))
    .sort()
    .map((n) => join(dir, n))
}

function activeSegment(c: Cli, topic: string): string {
  return segmentFiles(c, topic, '.log').at(-1)!
}

interface BatchSpan {
  position: number
  size: number
  baseOffset: number
  lastOffset: number
}

/** Walks a segment by the batches' length fields (no CRC check): the whole batches and what is left. */
function walkSegment(path: string): {batches: BatchSpan[]; end: number; size: number} {
  const data = readFileSync(path)
  const batches: BatchSpan[] = []
  let pos = 0
  while (pos + 61 <= data.length) {
    const size = data.readInt32BE(pos + 8) + 12
    if (size < 61 || pos + size > data.length) break
    const baseOffset = Number(data.readBigInt64BE(pos))
    batches.push({position: pos, size, baseOffset, lastOffset: baseOffset + data.readInt32BE(pos + 23)})
    pos += size
  }
  return {batches, end: pos, size: data.length}
}

/** Seeded bytes (mulberry32), so a failure can be replayed. */
function seededBytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n)
  let a = seed >>> 0
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff
  }
  return out
}

/** Runs `fn` over `items`, at most `width` at a time. */
async function inPool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await fn(items[next++])
  }
  await Promise.all(Array.from({length: width}, worker))
}

/** Longest a produce may take when it has to take over a dead holder's lock. */
const LOCK_DEADLINE_MS = 20_000

/**
 * A holder that died a moment ago leaves a fresh lock. Dating it in the
 * future makes sure that waiting for it to go stale (10 s) cannot be what
 * frees it while the test runs: only the dead-owner takeover can.
 */
function freshenLock(dir: string): boolean {
  const lock = join(dir, 'leader.lock')
  if (!existsSync(lock)) return false
  const future = new Date(Date.now() + 120_000)
  utimesSync(lock, future, future)
  return true
}

const rec = (i: number) => `rec-${String(i).padStart(5, '0')}`

function expectedLines(from: number, to: number): string {
  let s = ''
  for (let i = from; i < to; i++) s += `${i} ${rec(i)}\n`
  return s
}

/**
 * A topic holding records rec-00000.. at offsets 0.., in many small batches;
 * record i has timestamp base + i (a minute ago onwards). Returns base.
 */
async function topicWithRecords(c: Cli, topic: string, count: number, config: string[] = []): Promise<number> {
  const created = await c.run(['topic', 'create', topic, ...config.flatMap((k) => ['--config', k])])
  expect(created.exitCode, created.stderr as string).toBe(0)
  const base = Date.now() - 60_000
  let input = ''
  for (let i = 0; i < count; i++) input += `{"value":"${rec(i)}","timestamp":${base + i}}\n`
  const p = await c.run(['produce', topic, '--input', 'json', '--batch-bytes', '1024'], {input})
  expect(p.exitCode, p.stderr as string).toBe(0)
  expect(p.stderr).toBe('')
  return base
}

async function consumeAll(c: Cli, topic: string): Promise<string> {
  const r = await c.run(['consume', topic, '-e', '-F', '%o %s\\n'])
  expect(r.exitCode, r.stderr as string).toBe(0)
  return r.stdout as string
}

async function expectVerifyOk(c: Cli, topic: string): Promise<void> {
  const v = await c.run(['topic', 'verify', topic])
  expect(v.exitCode, `${v.stdout}${v.stderr}`).toBe(0)
  expect(v.stdout).toMatch(/: OK\n$/)
}

/** The next produce cuts the bad tail and says so in exactly one stderr line. */
async function expectRecoveringProduce(c: Cli, topic: string, input: string, bytes: number, what: RegExp): Promise<void> {
  const p = await c.run(['produce', topic], {input})
  expect(p.exitCode, p.stderr as string).toBe(0)
  const lines = (p.stderr as string).split('\n').filter(Boolean)
  expect(lines, 'stderr of the recovering produce').toHaveLength(1)
  const m = RECOVERED.exec(lines[0])
  expect(m, lines[0]).not.toBeNull()
  expect(Number(m![1])).toBe(bytes)
  expect(lines[0]).toMatch(what)
}

describe('crash A: a producer killed mid-stream', () => {
  test('the log is a contiguous prefix of the input; the next produce recovers any torn tail', async () => {
    const c = cli()
    const topic = 'killed'
    expect((await c.run(['topic', 'create', topic])).exitCode).toBe(0)

    // An endless-looking stdin: P00000001, P00000002, ... (50 M lines, far more than is needed).
    const generator = execa(
      process.execPath,
      [
        '-e',
        `let i = 0
        const max = 50_000_000
        process.stdout.on('error', () => process.exit(0))
        function more() {
          while (i < max) {
            let s = ''
            for (let k = 0; k < 10_000 && i < max; k++) s += 'P' + String(++i).padStart(8, '0') + '\\n'
            if (!process.stdout.write(s)) return process.stdout.once('drain', more)
          }
          process.stdout.end()
        }
        more()`,
      ],
      {reject: false, buffer: false},
    )
    const producer = c.run(['produce', topic])
    running.push(generator, producer)
    const piping = generator.pipe(producer).catch(() => {})

    const log = join(partitionDir(c, topic), '00000000000000000000.log')
    const size = () => {
      try {
        return statSync(log).size
      } catch {
        return 0
      }
    }
    await waitFor(() => size() > 8 << 20 || producer.exitCode !== null, 'the log to grow past 8 MiB')
    producer.kill('SIGKILL')
    const killed = await producer
    generator.kill()
    await generator
    await piping
    expect(killed.signal, `producer ended on its own: ${killed.stderr}`).toBe('SIGKILL')

    // The killed producer most likely held the lock: the next one must take it over at once.
    freshenLock(partitionDir(c, topic))

    // What the crash left: whole batches, perhaps followed by a torn one.
    const walked = walkSegment(log)
    expect(walked.batches.length).toBeGreaterThan(0)
    const torn = walked.size - walked.end

    const after = ['after-1', 'after-2', 'after-3']
    const p = await c.run(['produce', topic], {input: after.map((s) => `${s}\n`).join(''), timeout: LOCK_DEADLINE_MS})
    expect(p.timedOut, 'the producer was still waiting for the lock').toBe(false)
    expect(p.exitCode, p.stderr as string).toBe(0)
    const notices = (p.stderr as string).split('\n').filter(Boolean)
    if (torn > 0) {
      expect(notices).toHaveLength(1)
      expect(notices[0]).toMatch(RECOVERED)
      expect(Number(RECOVERED.exec(notices[0])![1])).toBe(torn)
    } else {
      expect(notices, 'no torn tail, so nothing to recover').toEqual([])
    }
    await expectVerifyOk(c, topic)

    const lines = (await consumeAll(c, topic)).split('\n')
    expect(lines.pop()).toBe('')
    const k = lines.length - after.length
    expect(k).toBeGreaterThan(0)
    expect(k).toBe(walked.batches.at(-1)!.lastOffset + 1)
    for (let i = 0; i < k; i++) {
      const want = `${i} P${String(i + 1).padStart(8, '0')}`
      if (lines[i] !== want) throw new Error(`line ${i + 1} is ${JSON.stringify(lines[i])}, expected ${want}`)
    }
    expect(lines.slice(k)).toEqual(after.map((s, i) => `${k + i} ${s}`))
  })
})

describe('crash B: a bad tail on the active segment', () => {
  const COUNT = 2000

  test('37 garbage bytes: readers stop before them, verify names them, the next produce cuts them', async () => {
    const c = cli()
    const topic = 'garbage'
    await topicWithRecords(c, topic, COUNT)
    const log = activeSegment(c, topic)
    const validSize = statSync(log).size
    appendFileSync(log, seededBytes(37, 37))

    // Readers: the garbage is "not yet written".
    expect(await consumeAll(c, topic)).toBe(expectedLines(0, COUNT))

    const v = await c.run(['topic', 'verify', topic])
    expect(v.exitCode).toBe(1)
    expect(v.stdout).toContain(`${log}: 37 bytes at position ${validSize}`)
    expect(v.stderr).toMatch(/^logpipe: .*1 problem\(s\) found/)

    // A follower waiting at the garbage picks up the record written after the repair.
    const follower = c.run(['consume', topic, '-F', '%o %s\\n', '-c', String(COUNT + 1)])
    running.push(follower)
    let printed = 0
    follower.stdout!.on('data', (chunk: Buffer) => {
      for (const b of chunk) if (b === 10) printed++
    })
    await waitFor(() => printed >= COUNT || follower.exitCode !== null, 'the follower to print the valid records')
    expect(follower.exitCode, 'follower still running').toBeNull()

    await expectRecoveringProduce(c, topic, 'new-1\n', 37, /bytes that are not a valid batch at offset 2000/)
    const followed = await follower
    expect(followed.exitCode, followed.stderr as string).toBe(0)
    expect(followed.stdout).toBe(expectedLines(0, COUNT) + `${COUNT} new-1\n`)

    expect(statSync(log).size).toBeGreaterThan(validSize)
    await expectVerifyOk(c, topic)
    expect(await consumeAll(c, topic)).toBe(expectedLines(0, COUNT) + `${COUNT} new-1\n`)
  })

  test('a torn last batch: readers stop before it, verify names it, the next produce cuts it', async () => {
    const c = cli()
    const topic = 'torn'
    await topicWithRecords(c, topic, COUNT)
    const log = activeSegment(c, topic)
    const walked = walkSegment(log)
    expect(walked.end).toBe(walked.size)
    expect(walked.batches.length).toBeGreaterThan(2)
    const last = walked.batches.at(-1)!
    expect(last.lastOffset).toBe(COUNT - 1)
    const cut = last.position + Math.floor(last.size / 2)
    truncateSync(log, cut)

    expect(await consumeAll(c, topic)).toBe(expectedLines(0, last.baseOffset))

    const v = await c.run(['topic', 'verify', topic])
    expect(v.exitCode).toBe(1)
    expect(v.stdout).toContain(`${log}: ${cut - last.position} bytes at position ${last.position} are a torn batch`)
    expect(v.stderr).toMatch(/^logpipe: .*1 problem\(s\) found/)

    await expectRecoveringProduce(c, topic, 'new-1\n', cut - last.position, new RegExp(`a torn batch at offset ${last.baseOffset} `))
    await expectVerifyOk(c, topic)
    expect(await consumeAll(c, topic)).toBe(expectedLines(0, last.baseOffset) + `${last.baseOffset} new-1\n`)
  })
})

describe('crash C: damaged indexes', () => {
  const COUNT = 20_000

  test('indexes deleted or overwritten with two spaces: consume -o N still finds the records; verify --repair rebuilds them', async () => {
    const c = cli()
    const topic = 'indexed'
    // Several segments, each with a dozen or more index entries.
    const base = await topicWithRecords(c, topic, COUNT, ['segment.bytes=65536'])
    const logs = segmentFiles(c, topic, '.log')
    expect(logs.length).toBeGreaterThan(3)
    const bases = logs.map((p) => Number(p.slice(-24, -4)))
    const offsetIndexes = segmentFiles(c, topic, '.index')
    const timeIndexes = segmentFiles(c, topic, '.timeindex')
    expect(offsetIndexes).toHaveLength(logs.length)
    expect(timeIndexes).toHaveLength(logs.length)
    const original = new Map([...offsetIndexes, ...timeIndexes].map((p) => [p, readFileSync(p)]))
    expect(readFileSync(offsetIndexes[0]).length, 'the first segment has index entries').toBeGreaterThan(8)
    await expectVerifyOk(c, topic)

    // Both indexes of segments 0, 2, 4, ... deleted; of segments 1, 3, ... overwritten with two spaces.
    logs.forEach((_, i) => {
      for (const p of [offsetIndexes[i], timeIndexes[i]]) {
        if (i % 2 === 0) unlinkSync(p)
        else writeFileSync(p, '  ')
      }
    })

    // Offsets around segment boundaries, and timestamps of the last records
    // of closed segments (past their last sparse time-index entry).
    const [b1, b2] = bases.slice(1)
    const offsets = [0, 777, b1 - 1, b1, b2, COUNT - 3]
    const times = [4_321, b1 - 40, b1 - 1, b2 - 1, COUNT - 1]
    const checkLookups = async (when: string) => {
      const lookups: Array<[string, string[], string]> = [
        ...offsets.map((n): [string, string[], string] => [`-o ${n}`, ['-o', String(n), '-c', '3'], expectedLines(n, n + 3)]),
        ...times.map((n): [string, string[], string] => [`-o @(time of record ${n})`, ['-o', `@${base + n}`, '-c', '1'], expectedLines(n, n + 1)]),
        ['-o -2 -e', ['-o', '-2', '-e'], expectedLines(COUNT - 2, COUNT)],
      ]
      await inPool(lookups, 3, async ([what, args, want]) => {
        const r = await c.run(['consume', topic, ...args, '-F', '%o %s\\n'])
        expect(r.exitCode, r.stderr as string).toBe(0)
        expect(r.stdout, `${when}: consume ${what}`).toBe(want)
      })
    }
    await checkLookups('damaged')

    const broken = await c.run(['topic', 'verify', topic])
    expect(broken.exitCode, `${broken.stdout}`).toBe(1)
    for (const p of offsetIndexes) expect(broken.stdout, 'verify names every damaged index').toContain(p)

    const repair = await c.run(['topic', 'verify', topic, '--repair'])
    expect(repair.exitCode, `${repair.stdout}${repair.stderr}`).toBe(0)
    expect(repair.stdout).toMatch(/repaired/)
    await expectVerifyOk(c, topic)
    await checkLookups('repaired')
    // Rebuilt byte for byte as the writer made them (the same every-4096-bytes
    // rule, and a closed segment's time index ends with its largest timestamp).
    // The active segment's time index may gain that last entry too, as in Kafka.
    const active = timeIndexes.at(-1)!
    for (const [p, bytes] of original) {
      const rebuilt = readFileSync(p)
      if (p === active) {
        expect(rebuilt.subarray(0, bytes.length).equals(bytes), `${p} rebuilt as written`).toBe(true)
        expect(rebuilt.length - bytes.length, `${p} at most one entry more`).toBeLessThanOrEqual(12)
      } else {
        expect(rebuilt.equals(bytes), `${p} rebuilt as written`).toBe(true)
      }
    }
    expect(await consumeAll(c, topic)).toBe(expectedLines(0, COUNT))
  })
})

describe('lock takeover', () => {
  test('a lock left by a killed holder is taken over at once, by a waiting producer and by the next one; the data is intact', async () => {
    const c = cli()
    const topic = 'orphaned'
    await topicWithRecords(c, topic, 100)
    const dir = partitionDir(c, topic)

    const holder = execa(process.execPath, [HOLD_LOCK, dir], {reject: false})
    running.push(holder)
    let said = ''
    holder.stdout!.on('data', (chunk: Buffer) => (said += chunk.toString()))
    await waitFor(() => said.includes('locked') || holder.exitCode !== null, 'the holder to take the lock')
    expect(holder.exitCode, said).toBeNull()
    expect(JSON.parse(readFileSync(join(dir, 'leader.json'), 'utf8')).pid).toBe(holder.pid)

    // A producer that has to wait for the live holder (deadline: see below).
    const waiting = c.run(['produce', topic], {input: 'waiting-1\n', timeout: LOCK_DEADLINE_MS})
    running.push(waiting)
    // Readers take no lock; and nothing is written while the holder lives.
    expect(await consumeAll(c, topic)).toBe(expectedLines(0, 100))
    expect(waiting.exitCode, 'the producer did not wait for the lock').toBeNull()

    holder.kill('SIGKILL')
    expect((await holder).signal).toBe('SIGKILL')
    freshenLock(dir)

    // Awaited with a deadline well inside the test's: a producer that cannot
    // take the lock over waits 30 s and then fails.
    const w = await waiting
    expect(w.timedOut, 'the waiting producer was still waiting for the lock').toBe(false)
    expect(w.exitCode, w.stderr as string).toBe(0)
    expect(w.stderr).toBe('')

    // Again with a producer that starts after the holder died.
    const holder2 = execa(process.execPath, [HOLD_LOCK, dir], {reject: false})
    running.push(holder2)
    said = ''
    holder2.stdout!.on('data', (chunk: Buffer) => (said += chunk.toString()))
    await waitFor(() => said.includes('locked') || holder2.exitCode !== null, 'the second holder to take the lock')
    holder2.kill('SIGKILL')
    expect((await holder2).signal).toBe('SIGKILL')
    freshenLock(dir)

    const next = c.run(['produce', topic], {input: 'after-1\nafter-2\n', timeout: LOCK_DEADLINE_MS})
    const n = await next
    expect(n.timedOut, 'the next producer was still waiting for the lock').toBe(false)
    expect(n.exitCode, n.stderr as string).toBe(0)
    expect(n.stderr).toBe('')
    expect(JSON.parse(readFileSync(join(dir, 'leader.json'), 'utf8')).pid).toBe(next.pid)

    expect(await consumeAll(c, topic)).toBe(expectedLines(0, 100) + '100 waiting-1\n101 after-1\n102 after-2\n')
    await expectVerifyOk(c, topic)
  })
})
