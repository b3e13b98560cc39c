/**
 * One partition's idempotent producers (Kafka's ProducerStateManager): per
 * producer id, its epoch and the sequence ranges and offsets of its last 5
 * batches (Kafka keeps 5, the most a producer has in flight per partition),
 * so a retried batch is answered with the offset it was first written at
 * and written no second time, and a gap in the sequence is refused.
 *
 * The rules are Kafka's (ProducerAppendInfo.checkSequence): an older epoch
 * is INVALID_PRODUCER_EPOCH; a newer epoch must start at sequence 0; in the
 * same epoch each batch follows the last (Int32 max wraps to 0). A producer
 * we know nothing of is taken at any sequence, as Kafka does once retention
 * removed a producer's batches: refusing would strand a live producer.
 *
 * The state survives a restart as Kafka's does: `<20-digit offset>.snapshot`
 * in the partition directory holds it as of that offset (written when the
 * broker lets the partition go, and when it takes it), and the batch headers
 * of the log past the snapshot (they carry producer id, epoch and base
 * sequence) are replayed on start.
 */
import {readdirSync, readFileSync, unlinkSync} from 'node:fs'
import {join} from 'node:path'
import {writeFileAtomic} from '../store/atomic-write.js'
import {ErrorCode} from '../wire/error-codes.js'

/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN. */
export const BATCHES_KEPT = 5

const INT32_MAX = 0x7fffffff
const SNAPSHOT = /^(\d{20})\.snapshot$/
const SNAPSHOT_TEMP = /^\.\d{20}\.snapshot\.[0-9a-f]+\.tmp$/
const SNAPSHOT_VERSION = 1
/** Snapshots kept: the newest, and the one before in case the newest is damaged. */
const SNAPSHOTS_KEPT = 2

export interface BatchRange {
  firstSeq: number
  lastSeq: number
  firstOffset: number
  lastOffset: number
}

export interface ProducerEntry {
  epoch: number
  /** Oldest first, at most BATCHES_KEPT. */
  batches: BatchRange[]
}

/** What a batch's producer fields say: write it, answer it as the duplicate it is, or refuse it. */
export type ProducerVerdict =
  | {kind: 'append'}
  | {kind: 'duplicate'; firstOffset: number; lastOffset: number}
  | {kind: 'refuse'; errorCode: number; message: string}

/** The last sequence of a batch of `count` records from `firstSeq` (Kafka's incrementSequence). */
export function lastSequence(firstSeq: number, lastOffsetDelta: number): number {
  const last = firstSeq + lastOffsetDelta
  return last > INT32_MAX ? last - INT32_MAX - 1 : last
}

function follows(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === (lastSeq === INT32_MAX ? 0 : lastSeq + 1)
}

export function snapshotFileName(offset: number): string {
  return `${String(offset).padStart(20, '0')}.snapshot`
}

export class ProducerState {
  private readonly producers = new Map<number, ProducerEntry>()

  get size(): number {
    return this.producers.size
  }

  entry(producerId: number): ProducerEntry | undefined {
    return this.producers.get(producerId)
  }

  /** Kafka's checks for a batch from `producerId`; nothing changes until `record`. */
  check(producerId: number, epoch: number, firstSeq: number, lastSeq: number): ProducerVerdict {
    const entry = this.producers.get(producerId)
    if (!entry) return {kind: 'append'}
    if (epoch < entry.epoch) {
      return {kind: 'refuse', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `producer ${producerId}: epoch ${epoch} is older than its current epoch ${entry.epoch}`}
    }
    if (epoch > entry.epoch) {
      if (firstSeq === 0) return {kind: 'append'}
      return {kind: 'refuse', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `producer ${producerId}: a new epoch ${epoch} must start at sequence 0, not ${firstSeq}`}
    }
    const dup = entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq)
    if (dup) return {kind: 'duplicate', firstOffset: dup.firstOffset, lastOffset: dup.lastOffset}
    const last = entry.batches.at(-1)
    if (last === undefined || follows(last.lastSeq, firstSeq)) return {kind: 'append'}
    return {
      kind: 'refuse',
      errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      message: `producer ${producerId} epoch ${epoch}: sequence ${firstSeq} does not follow ${last.lastSeq}`,
    }
  }

  /** A batch of `producerId` is in the log at firstOffset..lastOffset. */
  record(producerId: number, epoch: number, firstSeq: number, lastSeq: number, firstOffset: number, lastOffset: number): void {
    let entry = this.producers.get(producerId)
    if (!entry || entry.epoch !== epoch) {
      entry = {epoch, batches: []}
      this.producers.set(producerId, entry)
    }
    entry.batches.push({firstSeq, lastSeq, firstOffset, lastOffset})
    if (entry.batches.length > BATCHES_KEPT) entry.batches.shift()
  }

  /** A producer known by its epoch alone (its batches are no longer kept). */
  know(producerId: number, epoch: number): void {
    if (!this.producers.has(producerId)) this.producers.set(producerId, {epoch, batches: []})
  }

  /** Writes the state as of `offset` (the log end) and drops all but the newest snapshots. */
  writeSnapshot(dir: string, offset: number): void {
    const producers = [...this.producers].map(([id, e]) => ({id, epoch: e.epoch, batches: e.batches}))
    writeFileAtomic(join(dir, snapshotFileName(offset)), JSON.stringify({version: SNAPSHOT_VERSION, offset, producers}) + '\n')
    const offsets = snapshotOffsets(dir)
    for (const o of offsets.slice(0, Math.max(0, offsets.length - SNAPSHOTS_KEPT))) unlinkQuietly(join(dir, snapshotFileName(o)))
  }

  /**
   * The newest snapshot at or below `logEnd` that reads whole (a snapshot
   * past the log end describes batches no longer there, after a
   * truncation: it is removed). Null when none is usable; then the state
   * is empty and the caller replays the log from where it chooses. Only
   * for the partition's lock holder: it removes files.
   */
  static loadSnapshot(dir: string, logEnd: number): {state: ProducerState; offset: number} | null {
    // A broker killed while writing one left its temp file (atomic-write's `.<name>.<hex>.tmp`).
    for (const name of readdirSync(dir)) if (SNAPSHOT_TEMP.test(name)) unlinkQuietly(join(dir, name))
    const offsets = snapshotOffsets(dir)
    for (const o of offsets.filter((x) => x > logEnd)) unlinkQuietly(join(dir, snapshotFileName(o)))
    for (const o of offsets.filter((x) => x <= logEnd).reverse()) {
      const state = parseSnapshot(readQuietly(join(dir, snapshotFileName(o))), o)
      if (state) return {state, offset: o}
    }
    return null
  }
}

/** Offsets of the snapshots in `dir`, ascending. */
export function snapshotOffsets(dir: string): number[] {
  const out: number[] = []
  for (const name of readdirSync(dir)) {
    const m = SNAPSHOT.exec(name)
    if (m) out.push(Number(m[1]))
  }
  return out.sort((a, b) => a - b)
}

const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max

/** A snapshot's state, or null when the bytes are not one we wrote (every field is checked). */
function parseSnapshot(text: string | null, offset: number): ProducerState | null {
  if (text === null) return null
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const v = value as {version?: unknown; offset?: unknown; producers?: unknown}
  if (v.version !== SNAPSHOT_VERSION || v.offset !== offset || !Array.isArray(v.producers)) return null
  const state = new ProducerState()
  for (const p of v.producers as unknown[]) {
    if (typeof p !== 'object' || p === null) return null
    const {id, epoch, batches} = p as {id?: unknown; epoch?: unknown; batches?: unknown}
    if (!isInt(id, 0, Number.MAX_SAFE_INTEGER) || !isInt(epoch, 0, 0x7fff) || !Array.isArray(batches) || batches.length > BATCHES_KEPT) return null
    for (const b of batches as unknown[]) {
      if (typeof b !== 'object' || b === null) return null
      const {firstSeq, lastSeq, firstOffset, lastOffset} = b as Record<string, unknown>
      if (!isInt(firstSeq, 0, INT32_MAX) || !isInt(lastSeq, 0, INT32_MAX)) return null
      if (!isInt(firstOffset, 0, offset) || !isInt(lastOffset, firstOffset, offset)) return null
      state.record(id, epoch, firstSeq, lastSeq, firstOffset, lastOffset)
    }
    if (batches.length === 0) state.know(id, epoch)
  }
  return state
}

function readQuietly(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {}
}
