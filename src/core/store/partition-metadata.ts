/**
 * A replicated partition's state in the metadata directory, what ZooKeeper's
 * `/brokers/topics/<t>/partitions/<p>/state` holds for Kafka:
 * `topics/<topic>/<partition>/partition.json` with the leader's broker id,
 * its leader epoch, the in-sync replicas and a version bumped by every
 * change (Kafka's partition epoch).
 *
 * Every change is a read-modify-write under `partition.json.lock`, written
 * atomically, and fenced by epoch: a writer names the leader epoch it acts
 * under, and one below the epoch recorded is refused (FencedEpochError), so
 * a leader that was paused while another was elected cannot shrink the new
 * leader's ISR or put itself back. A new leader writes under the epoch it
 * takes (the recorded one + 1), which no earlier writer can reach.
 */
import {join} from 'node:path'
import {FencedEpochError, StoreError} from '../errors.js'
import {writeJsonAtomic} from './atomic-write.js'
import {readFileNoFollow} from './fs.js'
import {withMetadataLock} from './metadata-lock.js'

export const PARTITION_STATE_FILE = 'partition.json'
/** No leader elected yet (a new partition): the first leader takes epoch 0. */
export const NO_LEADER = -1
const MAX_FILE_BYTES = 1 << 20
const INT32_MAX = 0x7fffffff

export interface PartitionMeta {
  leader: number
  leaderEpoch: number
  isr: number[]
  version: number
}

const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= INT32_MAX

/** Schema-checks partition.json; a bad one is a StoreError naming the file. */
export function parsePartitionMeta(text: string, path: string): PartitionMeta {
  const bad = (what: string) => new StoreError(`${path} is damaged: ${what}`, {hint: 'restore it from a backup; the brokers rewrite it at the next election or ISR change'})
  if (text.length > MAX_FILE_BYTES) throw bad(`${text.length} bytes is not a partition state`)
  let v: Record<string, unknown>
  try {
    v = JSON.parse(text) as Record<string, unknown>
  } catch {
    throw bad('not JSON')
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('not a JSON object')
  if (v.leader !== NO_LEADER && !isId(v.leader)) throw bad('leader is not a broker id')
  if (!Number.isSafeInteger(v.leaderEpoch) || (v.leaderEpoch as number) < -1 || (v.leaderEpoch as number) > INT32_MAX) throw bad('leaderEpoch is not an epoch')
  if (!Array.isArray(v.isr) || v.isr.length > 1000 || !v.isr.every(isId) || new Set(v.isr).size !== v.isr.length) throw bad('isr is not a list of distinct broker ids')
  if (!Number.isSafeInteger(v.version) || (v.version as number) < 0) throw bad('version is not a count')
  return {leader: v.leader as number, leaderEpoch: v.leaderEpoch as number, isr: [...(v.isr as number[])], version: v.version as number}
}

export function partitionMetaPath(partitionDir: string): string {
  return join(partitionDir, PARTITION_STATE_FILE)
}

/** The partition's state, or null when it has none (a topic that is not replicated). */
export function readPartitionMeta(partitionDir: string): PartitionMeta | null {
  const path = partitionMetaPath(partitionDir)
  let text: string
  try {
    text = readFileNoFollow(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  return parsePartitionMeta(text, path)
}

/** The state of a partition nobody leads yet: every replica in sync (all are empty). */
export function initialPartitionMeta(replicas: readonly number[]): PartitionMeta {
  return {leader: NO_LEADER, leaderEpoch: NO_LEADER, isr: [...replicas], version: 0}
}

/** Writes a new partition's first state (the topic is not visible yet, so no lock is needed). */
export function writeInitialPartitionMeta(partitionDir: string, replicas: readonly number[]): void {
  writeJsonAtomic(partitionMetaPath(partitionDir), initialPartitionMeta(replicas))
}

/**
 * Changes the partition's state as `change` says, under its lock, on behalf
 * of a writer acting at `writerEpoch`. Refused with FencedEpochError when
 * the recorded epoch is above it, or when the change would lower the epoch.
 * `change` returning null leaves the file as it is. Returns the state now.
 */
export function updatePartitionMeta(partitionDir: string, writerEpoch: number, change: (current: PartitionMeta) => Omit<PartitionMeta, 'version'> | null): PartitionMeta {
  const path = partitionMetaPath(partitionDir)
  return withMetadataLock(
    `${path}.lock`,
    (lock) => {
      const current = readPartitionMeta(partitionDir)
      if (current === null) throw new StoreError(`${path} is missing`, {hint: 'the topic was deleted, or is not replicated'})
      if (current.leaderEpoch > writerEpoch) {
        throw new FencedEpochError(`${path}: leader epoch ${writerEpoch} is fenced, the partition is at epoch ${current.leaderEpoch}`, current.leaderEpoch)
      }
      const next = change(current)
      if (next === null) return current
      if (next.leaderEpoch < current.leaderEpoch) throw new FencedEpochError(`${path}: leader epoch may not go back from ${current.leaderEpoch} to ${next.leaderEpoch}`, current.leaderEpoch)
      const written: PartitionMeta = {leader: next.leader, leaderEpoch: next.leaderEpoch, isr: [...next.isr], version: current.version + 1}
      lock.check()
      writeJsonAtomic(path, written)
      return written
    },
    {label: `${path}`, timeoutMs: 10_000},
  )
}
