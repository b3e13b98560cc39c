/**
 * Several producer processes appending to the same partitions at once, with
 * a tail-following consumer reading while they write (DESIGN.md section 2,
 * "Writing" and "Reading"): the partition write lock must serialise the
 * appends so that no record is lost, duplicated or reordered within its
 * producer, offsets stay contiguous, and a reader that takes no lock never
 * sees a batch before it is whole. The input is fed in rounds, so that the
 * four producers really write at the same time (each alone finishes its
 * 25,000 records in a few tens of milliseconds).
 */
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {trackProcesses, waitFor} from './support.js'

const PRODUCERS = 4
const PER_PRODUCER = 25_000
const TOTAL = PRODUCERS * PER_PRODUCER
/** Records per producer in each round of input (see below). */
const ROUND = 1000
const LINE = /^(\d+) (\d+) P(\d)-(\d{5})$/

function linesFor(id: number, from: number, to: number): string {
  let s = ''
  for (let seq = from; seq < to; seq++) s += `P${id}-${String(seq).padStart(5, '0')}\n`
  return s
}

const running = trackProcesses()

interface Parsed {
  partition: number
  offset: number
  value: string
  producer: number
  seq: number
}

function parseLines(stdout: string, source: string): Parsed[] {
  expect(stdout.endsWith('\n'), `${source}: output ends with a newline`).toBe(true)
  return stdout
    .slice(0, -1)
    .split('\n')
    .map((line, i) => {
      const m = LINE.exec(line)
      if (!m) throw new Error(`${source}: line ${i + 1} is not a whole record: ${JSON.stringify(line.slice(0, 80))}`)
      return {
        partition: Number(m[1]),
        offset: Number(m[2]),
        value: line.slice(m[1].length + m[2].length + 2),
        producer: Number(m[3]),
        seq: Number(m[4]),
      }
    })
}

/** Per partition, the records in the order printed: offsets must run 0, 1, 2, ... */
function checkContiguous(records: Parsed[], partitions: number, source: string): Parsed[][] {
  const per: Parsed[][] = Array.from({length: partitions}, () => [])
  for (const r of records) {
    if (r.partition >= partitions) throw new Error(`${source}: ${r.value} in partition ${r.partition} of ${partitions}`)
    const list = per[r.partition]
    if (r.offset !== list.length) {
      throw new Error(`${source}: partition ${r.partition} offset ${r.offset} (${r.value}) follows offset ${list.length - 1}`)
    }
    list.push(r)
  }
  return per
}

// The 3-partition topic also rolls small segments while the producers race.
describe.each<[number, string, string[]]>([
  [1, '', []],
  [3, ' of 64 KiB segments', ['--config', 'segment.bytes=65536']],
])('4 producers x 25,000 records on a %i-partition topic%s', (partitions, _note, config) => {
  test('every record exactly once, in producer order, contiguous offsets; a follower sees only whole batches', async () => {
    const {run} = cli()
    const topic = `race${partitions}`
    expect((await run(['topic', 'create', topic, '--partitions', String(partitions), ...config])).exitCode).toBe(0)

    // The follower reads the topic while it is written and stops at the count.
    const follower = run(['consume', topic, '-F', '%p %o %s\\n', '-c', String(TOTAL)])
    const seenOf = new Array<number>(PRODUCERS + 1).fill(0)
    let partial = ''
    follower.stdout!.setEncoding('utf8')
    follower.stdout!.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n')
      partial = lines.pop()!
      for (const line of lines) seenOf[Number(line[line.lastIndexOf(' ') + 2])]++
    })
    const followerExit = follower.then((r) => r)

    // The input goes in rounds of ROUND records to all four producers at
    // once; the next round starts when the follower has printed the last
    // one's records. So every round the four really write at the same time,
    // and the follower reads while they do.
    // Odd producers write small batches (many lock hand-overs), even ones the default size.
    const producers = Array.from({length: PRODUCERS}, (_, i) => {
      const id = i + 1
      return run(['produce', topic, ...(id % 2 === 1 ? ['--batch-bytes', '2048'] : [])])
    })
    running.push(follower, ...producers)
    for (let from = 0; from < PER_PRODUCER; from += ROUND) {
      const to = Math.min(from + ROUND, PER_PRODUCER)
      producers.forEach((p, i) => p.stdin!.write(linesFor(i + 1, from, to)))
      await waitFor(
        () => seenOf.every((n, id) => id === 0 || n >= to) || follower.exitCode !== null || producers.some((p) => p.exitCode !== null),
        `the follower to print records up to ${to} of every producer`,
      )
      for (const [what, p] of [['the follower', follower], ...producers.map((p, i) => [`producer ${i + 1}`, p] as const)] as const) {
        if (p.exitCode !== null) {
          const r = await p
          throw new Error(`${what} exited early (${r.exitCode}): ${r.stderr}`)
        }
      }
    }
    for (const p of producers) p.stdin!.end()

    const results = await Promise.all(producers)
    results.forEach((r, i) => {
      expect(r.exitCode, `producer ${i + 1}: ${r.stderr}`).toBe(0)
      // No producer may see another's batch as a torn tail, or warn at all.
      expect(r.stderr, `producer ${i + 1} stderr`).toBe('')
    })

    // The follower must finish on its own once the last record is there.
    let done = false
    void followerExit.finally(() => (done = true))
    await waitFor(() => done, 'the follower to reach its count', 30_000)
    const followed = await followerExit
    expect(followed.exitCode, followed.stderr as string).toBe(0)

    const all = await run(['consume', topic, '-e', '-F', '%p %o %s\\n'])
    expect(all.exitCode, all.stderr as string).toBe(0)
    const records = parseLines(all.stdout as string, 'consume -e')
    expect(records.length).toBe(TOTAL)

    // Every record exactly once.
    const count = new Map<string, number>()
    for (const r of records) count.set(r.value, (count.get(r.value) ?? 0) + 1)
    const wrong: string[] = []
    for (let id = 1; id <= PRODUCERS; id++) {
      for (let seq = 0; seq < PER_PRODUCER; seq++) {
        const v = `P${id}-${String(seq).padStart(5, '0')}`
        if (count.get(v) !== 1) wrong.push(`${v} x${count.get(v) ?? 0}`)
      }
    }
    expect(wrong.slice(0, 10), `${wrong.length} records not present exactly once`).toEqual([])

    // Offsets 0..n-1 per partition; per producer and partition, sequence numbers only grow.
    const per = checkContiguous(records, partitions, 'consume -e')
    for (let p = 0; p < partitions; p++) {
      const last = new Map<number, number>()
      for (const r of per[p]) {
        const prev = last.get(r.producer) ?? -1
        if (r.seq <= prev) throw new Error(`partition ${p}: P${r.producer} sequence ${r.seq} at offset ${r.offset} after ${prev}`)
        last.set(r.producer, r.seq)
      }
    }
    if (partitions > 1) {
      // The sticky partitioner moves on with each batch: every partition got some.
      for (let p = 0; p < partitions; p++) expect(per[p].length, `records in partition ${p}`).toBeGreaterThan(0)
    }

    // The follower printed the same records, each whole and once, in offset order per partition.
    const followedRecords = parseLines(followed.stdout as string, 'follower')
    expect(followedRecords.length).toBe(TOTAL)
    checkContiguous(followedRecords, partitions, 'follower')
    // (Contiguous offsets and equal counts: comparing each (partition, offset) is enough.)
    const mismatches = followedRecords.filter((r) => per[r.partition][r.offset]?.value !== r.value)
    expect(mismatches.slice(0, 5), 'records the follower printed differently').toEqual([])

    // The indexes the four writers kept between them match the log.
    const verify = await run(['topic', 'verify', topic])
    expect(verify.exitCode, `${verify.stdout}${verify.stderr}`).toBe(0)
  })
})
