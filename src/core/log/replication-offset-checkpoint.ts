/**
 * Kafka's `replication-offset-checkpoint`: one file at the root of a
 * broker's log dir holding each replica's high watermark, so a restarted
 * broker starts each replica at the high watermark it knew instead of 0
 * (a leader that came back at 0 would hide committed records from
 * consumers until its followers fetched again). Kafka's layout, kept so
 * its tools read it:
 *
 *   0                      version
 *   2                      entries
 *   orders 0 1250          topic partition offset, one per line
 *   orders 1 980
 *
 * Written whole (temp, fsync, rename) by the broker's replica manager
 * every `replica.high.watermark.checkpoint.interval.ms` and at stop.
 * Read with every line checked; a file that does not check is ignored
 * (the replicas start at 0, which hides records for a moment but never
 * exposes any that are not committed) and said once.
 */
import {join} from 'node:path'
import {writeFileAtomic} from '../store/atomic-write.js'
import {readFileNoFollow} from '../store/fs.js'

export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint'
const VERSION = 0
const MAX_FILE_BYTES = 64 << 20
const MAX_ENTRIES = 1_000_000

const key = (topic: string, partition: number) => `${topic} ${partition}`

export function formatCheckpoint(entries: ReadonlyMap<string, number>): string {
  let text = `${VERSION}\n${entries.size}\n`
  for (const [k, offset] of entries) text += `${k} ${offset}\n`
  return text
}

/** Entries by `topic partition`; a string says why the text is not a checkpoint. */
export function parseCheckpoint(text: string): Map<string, number> | string {
  if (text.length > MAX_FILE_BYTES) return `${text.length} bytes is too large`
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  if (lines[0] !== String(VERSION)) return `version ${JSON.stringify(lines[0] ?? '')} is not ${VERSION}`
  if (!/^\d{1,7}$/.test(lines[1] ?? '') || Number(lines[1]) > MAX_ENTRIES) return `entry count ${JSON.stringify(lines[1] ?? '')} is not a count`
  const count = Number(lines[1])
  if (lines.length !== count + 2) return `says ${count} entries, holds ${lines.length - 2}`
  const out = new Map<string, number>()
  for (let i = 2; i < lines.length; i++) {
    const m = /^([a-zA-Z0-9._-]{1,249}) (\d{1,5}) (\d{1,16})$/.exec(lines[i])
    if (!m || !Number.isSafeInteger(Number(m[3]))) return `line ${i + 1} is not "topic partition offset"`
    out.set(key(m[1], Number(m[2])), Number(m[3]))
  }
  return out
}

/** One log dir's checkpoint: the offsets read at start, and the writes after. */
export class ReplicationOffsetCheckpoint {
  readonly path: string
  private readonly entries: Map<string, number>
  private written: string

  /** `onNotice` hears of a file that was there but did not check. */
  constructor(logDir: string, onNotice: (message: string) => void) {
    this.path = join(logDir, REPLICATION_OFFSET_CHECKPOINT)
    let text: string | null = null
    try {
      text = readFileNoFollow(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') onNotice(`${this.path}: ${(error as Error).message}; replicas start at high watermark 0`)
    }
    const parsed = text === null ? new Map<string, number>() : parseCheckpoint(text)
    if (typeof parsed === 'string') onNotice(`${this.path} is damaged (${parsed}); replicas start at high watermark 0`)
    this.entries = typeof parsed === 'string' ? new Map() : parsed
    this.written = text ?? ''
  }

  /** The high watermark recorded for the replica, 0 when none is. */
  highWatermark(topic: string, partition: number): number {
    return this.entries.get(key(topic, partition)) ?? 0
  }

  /** Replaces the file with these replicas' high watermarks, unless it says that already. */
  write(replicas: Iterable<{topic: string; partition: number; highWatermark: number}>): void {
    const next = new Map<string, number>()
    for (const r of [...replicas].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))) next.set(key(r.topic, r.partition), r.highWatermark)
    const text = formatCheckpoint(next)
    if (text === this.written) return
    writeFileAtomic(this.path, text, 0o644)
    this.written = text
    this.entries.clear()
    for (const [k, v] of next) this.entries.set(k, v)
  }
}
