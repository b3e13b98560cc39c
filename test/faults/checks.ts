/**
 * What must hold after a round, computed from what the processes printed and
 * what the log holds afterwards (`consume -e`, `topic describe --json`,
 * `group describe --json`). Each check returns problems as lines, so a round
 * reports all of them at once.
 */
import {readdirSync, lstatSync} from 'node:fs'
import {join} from 'node:path'
import type {ProducerSpec} from './workload.js'

export interface LogRecord {
  offset: number
  key: string
  value: string
}

/** topic -> partition -> records in the order consume printed them. */
export type LogView = Map<string, Map<number, LogRecord[]>>

/** Parses `consume ... -F '%t %p %o %k %s\n'` (no spaces in keys or values). */
export function parseLog(text: string): LogView {
  const view: LogView = new Map()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const [topic, p, o, key, ...rest] = line.split(' ')
    const partitions = view.get(topic) ?? new Map<number, LogRecord[]>()
    view.set(topic, partitions)
    const records = partitions.get(Number(p)) ?? []
    partitions.set(Number(p), records)
    records.push({offset: Number(o), key, value: rest.join(' ')})
  }
  return view
}

export interface PartitionEnds {
  logStartOffset: number
  logEndOffset: number
}

export interface Ack {
  partition: number
  offset: number
}

/** The whole lines of a `produce --json`, as acknowledgements; a line that is not one is a problem. */
export function parseAcks(lines: string[], topic: string, problems: string[], who: string): Ack[] {
  const acks: Ack[] = []
  for (const line of lines) {
    let a: {topic?: unknown; partition?: unknown; offset?: unknown}
    try {
      a = JSON.parse(line)
    } catch {
      problems.push(`${who}: not an acknowledgement: ${JSON.stringify(line.slice(0, 80))}`)
      continue
    }
    if (a.topic !== topic || !Number.isSafeInteger(a.partition) || !Number.isSafeInteger(a.offset)) {
      problems.push(`${who}: bad acknowledgement ${line}`)
      continue
    }
    acks.push({partition: a.partition as number, offset: a.offset as number})
  }
  return acks
}

/** The acknowledged records of one producer, each with the record it stands for. */
export interface AckedRecord extends Ack {
  key: string | null
  value: string | null // null: sticky, known only by rank
  rank: number // sticky: the k-th record of this producer in its partition
}

/**
 * Pairs acknowledgements with input records. Within a partition a producer's
 * batches are written in the order its records came, so the k-th ack for a
 * partition is the k-th record sent there; which partition a record went to
 * is the -p, murmur2 of its key, or (sticky) known only from the log.
 */
export function pairAcks(spec: ProducerSpec, acks: Ack[], partitionForKey: (key: string) => number): AckedRecord[] {
  const out: AckedRecord[] = []
  const m = spec.mapping
  if (m.kind === 'pinned') {
    acks.forEach((a, i) => out.push({...a, key: null, value: spec.records[i]?.value ?? '<beyond input>', rank: i}))
    return out
  }
  const seen = new Map<number, number>()
  const byPartition = new Map<number, Array<{key: string | null; value: string}>>()
  if (m.kind === 'keyed' || m.kind === 'explicit') {
    for (const r of spec.records) {
      const p = m.kind === 'keyed' ? partitionForKey(r.key!) : r.partition!
      const list = byPartition.get(p) ?? []
      byPartition.set(p, list)
      list.push(r)
    }
  }
  for (const a of acks) {
    const k = seen.get(a.partition) ?? 0
    seen.set(a.partition, k + 1)
    if (m.kind !== 'sticky') {
      const r = byPartition.get(a.partition)?.[k]
      out.push({...a, key: r?.key ?? null, value: r?.value ?? '<beyond input>', rank: k})
    } else {
      out.push({...a, key: null, value: null, rank: k})
    }
  }
  return out
}

export interface LossReport {
  checked: number
  lost: string[]
  /** Below the log start: deleted by retention, legitimately. */
  expired: number
  /** Replaced by a later record of the same key: compacted away, legitimately. */
  compacted: number
}

/**
 * Every acknowledged record is in the log at its offset with its value,
 * unless retention deleted its segment (offset below the log start) or
 * compaction kept a later record of its key.
 */
export function findLosses(
  topic: string,
  policy: 'delete' | 'retention' | 'compact',
  acked: Array<{producer: string; prefix: string; records: AckedRecord[]}>,
  log: Map<number, LogRecord[]> | undefined,
  ends: PartitionEnds[],
): LossReport {
  const report: LossReport = {checked: 0, lost: [], expired: 0, compacted: 0}
  const at = new Map<number, Map<number, LogRecord>>()
  const latestOfKey = new Map<number, Map<string, number>>()
  for (const [p, records] of log ?? []) {
    const m = new Map<number, LogRecord>()
    const latest = new Map<string, number>()
    for (const r of records) {
      m.set(r.offset, r)
      latest.set(r.key, Math.max(latest.get(r.key) ?? -1, r.offset))
    }
    at.set(p, m)
    latestOfKey.set(p, latest)
  }
  const seenOffsets = new Map<string, string>()
  for (const {producer, prefix, records} of acked) {
    // Sticky records are known by rank: the k-th of this producer's records in the partition.
    const ranks = new Map<number, LogRecord[]>()
    if (records.some((r) => r.value === null)) {
      for (const [p, list] of log ?? []) ranks.set(p, list.filter((r) => r.value.startsWith(prefix)))
    }
    for (const a of records) {
      report.checked++
      const where = `${topic}/${a.partition}@${a.offset}`
      const dup = seenOffsets.get(where)
      if (dup) report.lost.push(`${where}: acknowledged to ${dup} and to ${producer}`)
      seenOffsets.set(where, producer)
      const start = ends[a.partition]?.logStartOffset ?? 0
      if (policy === 'retention' && a.offset < start) {
        report.expired++
        continue
      }
      const r = at.get(a.partition)?.get(a.offset)
      if (a.value === null) {
        const byRank = ranks.get(a.partition)?.[a.rank]
        if (!r) report.lost.push(`${where}: ${producer}'s record #${a.rank} in the partition is missing`)
        else if (!byRank || byRank.offset !== a.offset) report.lost.push(`${where}: holds ${r.value}, not ${producer}'s record #${a.rank} in the partition (${byRank ? `that is at ${byRank.offset}` : 'gone'})`)
        continue
      }
      if (r) {
        if (r.value !== a.value || (a.key !== null && r.key !== a.key)) report.lost.push(`${where}: holds ${r.key}:${r.value}, acknowledged ${a.key ?? ''}:${a.value}`)
        continue
      }
      if (policy === 'compact' && a.key !== null && (latestOfKey.get(a.partition)?.get(a.key) ?? -1) > a.offset) {
        report.compacted++
        continue
      }
      report.lost.push(`${where}: acknowledged ${a.key ?? ''}${a.key !== null ? ':' : ''}${a.value} is missing (log ${start}..${ends[a.partition]?.logEndOffset ?? '?'})`)
    }
  }
  return report
}

/** Offsets are increasing in every partition; contiguous from the log start where nothing compacts. */
export function checkOffsets(topic: string, compacted: boolean, log: Map<number, LogRecord[]> | undefined, ends: PartitionEnds[]): string[] {
  const problems: string[] = []
  ends.forEach((e, p) => {
    const records = log?.get(p) ?? []
    let expect = e.logStartOffset
    let last = -1
    for (const r of records) {
      if (r.offset <= last) {
        problems.push(`${topic}/${p}: offset ${r.offset} after ${last}`)
        break
      }
      if (!compacted && r.offset !== expect) {
        problems.push(`${topic}/${p}: offset ${r.offset} where ${expect} belongs`)
        break
      }
      last = r.offset
      expect = r.offset + 1
    }
    if (last >= e.logEndOffset) problems.push(`${topic}/${p}: offset ${last} at or past the log end ${e.logEndOffset}`)
    if (!compacted && records.length > 0 && last !== e.logEndOffset - 1) problems.push(`${topic}/${p}: consume ended at ${last}, the log end is ${e.logEndOffset}`)
    if (!compacted && records.length === 0 && e.logEndOffset !== e.logStartOffset) problems.push(`${topic}/${p}: consume printed nothing of ${e.logStartOffset}..${e.logEndOffset}`)
  })
  return problems
}

/** Names a killed command may leave that the next command touching them must finish or remove. */
const LEFTOVER = /^\.creating-|^\.deleting-|\.tmp$|\.cleaned$|\.replacing$/

export function findLeftovers(dataDir: string): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch {
      return
    }
    for (const name of names) {
      const p = join(dir, name)
      if (LEFTOVER.test(name)) out.push(p.slice(dataDir.length + 1))
      try {
        if (lstatSync(p).isDirectory()) walk(p)
      } catch {}
    }
  }
  walk(dataDir)
  return out
}

/** What a `consume -F '%p %o ...'` printed: partition -> offsets, ascending, once each. */
export function printedOffsets(lines: string[]): Map<number, number[]> {
  const sets = new Map<number, Set<number>>()
  for (const line of lines) {
    const [p, o] = line.split(' ')
    if (o === undefined || !/^\d+$/.test(p) || !/^\d+$/.test(o)) continue
    const set = sets.get(Number(p)) ?? new Set<number>()
    sets.set(Number(p), set)
    set.add(Number(o))
  }
  return new Map([...sets].map(([p, s]) => [p, [...s].sort((a, b) => a - b)]))
}

/** Ascending offsets as ranges, "0-4744, 4758-6999", at most `max` of them (then how many more). */
export function offsetRanges(offsets: readonly number[], max = 6): string {
  if (offsets.length === 0) return 'nothing'
  const ranges: string[] = []
  let start = offsets[0]
  for (let i = 1; i <= offsets.length; i++) {
    if (i < offsets.length && offsets[i] === offsets[i - 1] + 1) continue
    ranges.push(start === offsets[i - 1] ? String(start) : `${start}-${offsets[i - 1]}`)
    start = offsets[i]
  }
  return ranges.length <= max ? ranges.join(', ') : `${ranges.slice(0, max).join(', ')} and ${ranges.length - max} more ranges`
}

/** A committed offset as the campaign saw it change: offset, ownership generation, and who (the member's process name, or its id). */
export interface CommitSeen {
  offset: number
  generation: number
  by: string
}

/**
 * A few lines that explain a partition reported skipped from `first` on:
 * what each process printed of it, the commits seen around `first` (the
 * last at or below it and the next ones), and the segments around it (a
 * reader that moved to the wrong next segment skips exactly one).
 */
export function explainSkip(
  topic: string,
  partition: number,
  first: number,
  printed: ReadonlyArray<{name: string; offsets: Map<number, number[]>}>,
  commits: readonly CommitSeen[],
  segments: readonly number[],
): string[] {
  const who = printed.map((p) => `${p.name} ${offsetRanges(p.offsets.get(partition) ?? [])}`).join('; ')
  const below = commits.findLastIndex((c) => c.offset <= first)
  const around = commits.slice(Math.max(0, below), Math.max(0, below) + 4)
  const seen = around.map((c) => `${c.offset}@${c.generation} ${c.by}`).join(', ')
  const at = segments.findLastIndex((b) => b <= first)
  const near = segments.slice(Math.max(0, at - 1), at + 2).join(', ')
  return [
    `  ${topic}/${partition} printed: ${who}`,
    `  ${topic}/${partition} commits seen (${commits.length}; offset@generation by): ${seen || 'none'}`,
    `  ${topic}/${partition} segments around ${first}: ${near || 'none'}`,
  ]
}
