/**
 * A partition's leader epochs: which epoch began at which offset, as Kafka's
 * `LeaderEpochFileCache` keeps them in `<partition>/leader-epoch-checkpoint`.
 * It answers "where did epoch N end" (OffsetForLeaderEpoch), which is how a
 * follower of a new leader finds the point to truncate to, and gives a broker
 * that becomes leader its next epoch.
 *
 * File format (Kafka's checkpoint files): a version line `0`, a count line,
 * then one `epoch startOffset` line per entry, epochs and start offsets both
 * increasing. Replaced atomically (temp, fsync, rename) on every change.
 */
import {join} from 'node:path'
import {StoreError} from '../errors.js'
import {writeFileAtomic} from '../store/atomic-write.js'
import {readFileNoFollow} from '../store/fs.js'

export const LEADER_EPOCH_FILE = 'leader-epoch-checkpoint'
/** Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_EPOCH = -1
export const UNDEFINED_EPOCH_OFFSET = -1
/** A checkpoint larger than this is not one we wrote (an entry is at most ~32 bytes). */
const MAX_FILE_BYTES = 4 << 20
const INT32_MAX = 0x7fffffff

export interface EpochEntry {
  epoch: number
  startOffset: number
}

export class LeaderEpochCache {
  readonly path: string
  private entries: EpochEntry[]

  private constructor(path: string, entries: EpochEntry[]) {
    this.path = path
    this.entries = entries
  }

  /** The cache of the partition directory `dir`; empty when it has no checkpoint yet. */
  static load(dir: string): LeaderEpochCache {
    const path = join(dir, LEADER_EPOCH_FILE)
    let text: string
    try {
      text = readFileNoFollow(path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new LeaderEpochCache(path, [])
      throw error
    }
    return new LeaderEpochCache(path, parseCheckpoint(text, path))
  }

  get all(): readonly EpochEntry[] {
    return this.entries
  }

  /** The last epoch assigned, or UNDEFINED_EPOCH for a partition that never had a leader epoch recorded. */
  get latestEpoch(): number {
    return this.entries.length === 0 ? UNDEFINED_EPOCH : this.entries[this.entries.length - 1].epoch
  }

  /**
   * Records that `epoch` begins at `startOffset`. As in Kafka, entries that
   * would break the order (an epoch at or above this one, or one starting
   * at or after this offset) are dropped first: the newest knowledge wins.
   */
  assign(epoch: number, startOffset: number): void {
    if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > INT32_MAX) throw new RangeError(`leader epoch ${epoch} is not an int32 >= 0`)
    if (!Number.isSafeInteger(startOffset) || startOffset < 0) throw new RangeError(`start offset ${startOffset} is not >= 0`)
    const last = this.entries[this.entries.length - 1]
    if (last && last.epoch === epoch && last.startOffset === startOffset) return
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset)
    this.entries.push({epoch, startOffset})
    this.flush()
  }

  /**
   * Kafka's `endOffsetFor`: the epoch at or below `requested` that the log
   * knows, and the offset where it ended (the start of the next epoch, or
   * the log end for the current one). Unknown (above every epoch, or
   * UNDEFINED): `{UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET}`.
   */
  endOffsetFor(requested: number, logEndOffset: number): {epoch: number; endOffset: number} {
    const undefinedAnswer = {epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET}
    if (requested === UNDEFINED_EPOCH || this.entries.length === 0) return undefinedAnswer
    if (requested === this.latestEpoch) return {epoch: requested, endOffset: logEndOffset}
    const higher = this.entries.find((e) => e.epoch > requested)
    if (!higher) return undefinedAnswer
    let floor: EpochEntry | undefined
    for (const e of this.entries) if (e.epoch <= requested) floor = e
    // Below every known epoch: that epoch (if it ever was) ended where the first known one began.
    return {epoch: floor ? floor.epoch : requested, endOffset: higher.startOffset}
  }

  /** The epoch the record at `offset` was written under: the last one that began at or before it (UNDEFINED_EPOCH before the first). */
  epochAt(offset: number): number {
    let epoch = UNDEFINED_EPOCH
    for (const e of this.entries) {
      if (e.startOffset > offset) break
      epoch = e.epoch
    }
    return epoch
  }

  /** The log was cut back to `endOffset`: epochs that began at or after it are gone. */
  truncateFromEnd(endOffset: number): void {
    const kept = this.entries.filter((e) => e.startOffset < endOffset)
    if (kept.length === this.entries.length) return
    this.entries = kept
    this.flush()
  }

  /**
   * The log now starts at `startOffset` (retention, a deleted prefix): the
   * epoch holding it starts there, earlier epochs are gone.
   */
  truncateFromStart(startOffset: number): void {
    let floorIndex = -1
    for (let i = 0; i < this.entries.length; i++) if (this.entries[i].startOffset <= startOffset) floorIndex = i
    if (floorIndex < 0) return
    const floor = this.entries[floorIndex]
    if (floorIndex === 0 && floor.startOffset === startOffset) return
    this.entries = [{epoch: floor.epoch, startOffset}, ...this.entries.slice(floorIndex + 1)]
    this.flush()
  }

  private flush(): void {
    const lines = ['0', String(this.entries.length), ...this.entries.map((e) => `${e.epoch} ${e.startOffset}`)]
    writeFileAtomic(this.path, lines.join('\n') + '\n', 0o644)
  }
}

/** The entries of a checkpoint, every line checked; a bad file is a StoreError naming it and the line. */
export function parseCheckpoint(text: string, path: string): EpochEntry[] {
  const bad = (what: string) =>
    new StoreError(`${path}: ${what}`, {hint: `remove it (\`rm ${path}\`) while no broker leads the partition; the next leader starts a new epoch`})
  if (text.length > MAX_FILE_BYTES) throw bad(`${text.length} bytes is more than a leader epoch checkpoint holds`)
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  if (lines[0] !== '0') throw bad(`version '${(lines[0] ?? '').slice(0, 20)}' is not 0`)
  if (!/^\d{1,9}$/.test(lines[1] ?? '')) throw bad(`entry count '${(lines[1] ?? '').slice(0, 20)}' is not a number`)
  const count = Number(lines[1])
  if (lines.length - 2 !== count) throw bad(`says ${count} entries but holds ${lines.length - 2}`)
  const entries: EpochEntry[] = []
  for (let i = 2; i < lines.length; i++) {
    const m = /^(\d{1,10}) (\d{1,16})$/.exec(lines[i])
    const epoch = m ? Number(m[1]) : NaN
    const startOffset = m ? Number(m[2]) : NaN
    if (!m || epoch > INT32_MAX || !Number.isSafeInteger(startOffset)) throw bad(`line ${i + 1} '${lines[i].slice(0, 40)}' is not 'epoch startOffset'`)
    const prev = entries[entries.length - 1]
    if (prev && (epoch <= prev.epoch || startOffset < prev.startOffset)) throw bad(`line ${i + 1}: epochs and start offsets must increase`)
    entries.push({epoch, startOffset})
  }
  return entries
}
