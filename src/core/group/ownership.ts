/**
 * Ownership of one partition within a group: a lock at
 * `groups/<group>/owners/<topic>/<partition>/leader.lock`, the same
 * mechanism as a partition's write lock. A member reads a partition only
 * while it holds this lock; a new owner takes it only after the old one let
 * go (having committed) or died.
 *
 * Each taking of the lock bumps the partition's generation (kept in
 * `generation` beside the lock). Commits carry the generation they were made
 * under, so a member that lost ownership without noticing is fenced.
 */
import {join} from 'node:path'
import {LockError, StoreError} from '../errors.js'
import {PartitionLock} from '../lock/partition-lock.js'
import {type Clock, systemClock} from '../clock.js'
import {validateTopicName} from '../store/names.js'
import {ensureDirs, isOffset, isPartition, isRecord, readGroupJson, writeGroupJson} from './group-files.js'

export function ownershipDir(groupDir: string, topic: string, partition: number): string {
  if (!isPartition(partition)) throw new StoreError(`partition ${partition} is not a partition number`)
  return join(groupDir, 'owners', validateTopicName(topic), String(partition))
}

/** The generation file's value: 0 when there is none yet, -1 when it is damaged (no owner's generation matches it). */
export function readGeneration(dir: string): number {
  const r = readGroupJson(join(dir, 'generation'), (v) => (isRecord(v) && isOffset(v.generation) ? v.generation : 'generation is not a non-negative integer'))
  if (r.kind === 'missing') return 0
  if (r.kind === 'damaged') return -1
  return r.value
}

export class PartitionOwnership {
  readonly topic: string
  readonly partition: number
  readonly dir: string
  private readonly lock: PartitionLock
  /** Generation under which we own the partition; valid while held. */
  generation = 0

  private readonly groupDir: string

  constructor(groupDir: string, topic: string, partition: number, memberId: string, staleMs: number, clock: Clock = systemClock) {
    this.topic = topic
    this.partition = partition
    this.groupDir = groupDir
    this.dir = ownershipDir(groupDir, topic, partition)
    // One attempt per call (timeout 0): the member retries on its next tick.
    this.lock = new PartitionLock(this.dir, {staleMs, timeoutMs: 0, client: memberId, liveness: 'heartbeat', now: () => clock.now()})
  }

  /**
   * Tries once to take ownership; true when we hold it now. `floor` is the
   * highest generation known elsewhere (the committed offset's): a damaged
   * or lost generation file is rebuilt above it, so the new owner's
   * commits are never fenced by an older one's.
   */
  async tryAcquire(floor = 0): Promise<boolean> {
    ensureDirs(this.groupDir, 'owners', this.topic, String(this.partition))
    try {
      await this.lock.acquire()
    } catch (error) {
      if (error instanceof LockError) return false
      throw error
    }
    this.generation = Math.max(readGeneration(this.dir), floor) + 1
    writeGroupJson(join(this.dir, 'generation'), {generation: this.generation})
    return true
  }

  /**
   * Still ours: the lock in place is the one we took (not replaced by a
   * stale takeover), and nobody bumped the generation.
   */
  get valid(): boolean {
    return this.lock.isCurrent() && readGeneration(this.dir) === this.generation
  }

  /** Lets go; a lock taken over while we stalled is left to its new owner (PartitionLock.release). */
  async release(): Promise<void> {
    await this.lock.release()
  }
}
