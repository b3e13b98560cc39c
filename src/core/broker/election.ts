/**
 * Leader election through lock files. A replicated partition's leadership
 * is a lock in the metadata directory, `topics/<t>/<p>/leadership/`
 * (partition-lock.ts), held by one broker at a time; `leader.json` beside
 * it names the broker (`client: broker N`), and partition.json records
 * the leader and its epoch (partition-metadata.ts).
 *
 * The lock judges its holder by heartbeat, not by process alone: its
 * holder refreshes it every `broker.heartbeat.interval.ms`, and one that
 * has not for `broker.session.timeout.ms` (a paused leader, SIGSTOP) loses
 * it, as a Kafka broker whose session expires loses its partitions. A
 * holder whose process is gone (kill -9) loses it at once.
 *
 * Who may stand (mayStand): a replica in the ISR; a replica out of it only
 * with `unclean.leader.election.enable` and no ISR member alive. The
 * preferred replica (the first of the assignment) goes first whenever it is
 * alive and in the ISR, so leadership returns to it. The taker bumps the
 * epoch in partition.json under its new lock (takeLeadership), so two
 * brokers never lead one epoch, and a leader from an older epoch is fenced
 * from every later change of the file.
 */
import {mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {FencedEpochError, LockError} from '../errors.js'
import {PartitionLock} from '../lock/partition-lock.js'
import {type PartitionMeta, readPartitionMeta, updatePartitionMeta} from '../store/partition-metadata.js'

export const LEADERSHIP_DIR = 'leadership'

export interface StandInput {
  meta: PartitionMeta
  me: number
  replicas: readonly number[]
  unclean: boolean
  /** Whether a broker is alive now (its registration's heartbeat). */
  alive: (id: number) => boolean
}

/** Whether this replica may try to take leadership now. */
export function mayStand({meta, me, replicas, unclean, alive}: StandInput): boolean {
  if (!replicas.includes(me)) return false
  const inIsr = meta.isr.includes(me)
  if (!inIsr) {
    // Unclean: only when no replica of the ISR is left to lead.
    if (!unclean || meta.isr.some((id) => id !== me && alive(id))) return false
  }
  const preferred = replicas[0]
  if (preferred !== me && alive(preferred) && meta.isr.includes(preferred)) return false
  return true
}

/**
 * The ISR a new leader records: the recorded one without the leader it
 * replaces (gone, or it would still hold the lock), itself included; for
 * an unclean election itself alone, since nobody else is known in sync
 * with its log.
 */
export function isrAfterElection(meta: PartitionMeta, me: number): number[] {
  if (!meta.isr.includes(me)) return [me]
  return meta.isr.filter((id) => id === me || id !== meta.leader).sort((a, b) => a - b)
}

export interface LeadershipOptions {
  brokerId: number
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  label: string
  now?: () => number
}

/** One partition's leadership lock, as one broker sees it. */
export class Leadership {
  readonly metaDir: string
  private readonly lock: PartitionLock
  private readonly options: LeadershipOptions

  constructor(metaDir: string, options: LeadershipOptions) {
    this.metaDir = metaDir
    this.options = options
    this.lock = new PartitionLock(join(metaDir, LEADERSHIP_DIR), {
      client: `broker ${options.brokerId}`,
      liveness: 'heartbeat',
      staleMs: options.sessionTimeoutMs,
      refreshMs: options.heartbeatIntervalMs,
      // A try, not a wait: the next scan tries again.
      timeoutMs: 0,
      label: `leadership of ${options.label}`,
      now: options.now,
    })
  }

  get held(): boolean {
    return this.lock.held
  }

  /** Still ours: the lock directory in place is the one we made. One stat. */
  isCurrent(): boolean {
    return this.lock.isCurrent()
  }

  /**
   * Takes the lock if nobody live holds it, then the epoch: partition.json
   * gets this broker as leader at the recorded epoch + 1, unless the check
   * `stillMayStand` fails on the state read under the lock. Returns the
   * state written, or null (lock held by another, or not eligible).
   */
  async take(stillMayStand: (meta: PartitionMeta) => boolean): Promise<PartitionMeta | null> {
    mkdirSync(join(this.metaDir, LEADERSHIP_DIR), {recursive: true, mode: 0o700})
    try {
      await this.lock.acquire()
    } catch (error) {
      if (error instanceof LockError) return null
      throw error
    }
    try {
      const meta = readPartitionMeta(this.metaDir)
      if (meta === null || !stillMayStand(meta)) {
        await this.lock.release()
        return null
      }
      const epoch = meta.leaderEpoch + 1
      const me = this.options.brokerId
      const written = updatePartitionMeta(this.metaDir, epoch, (current) => ({leader: me, leaderEpoch: epoch, isr: isrAfterElection(current, me)}))
      if (!this.lock.isCurrent()) {
        await this.lock.release()
        return null
      }
      return written
    } catch (error) {
      await this.lock.release()
      if (error instanceof FencedEpochError) return null
      throw error
    }
  }

  async release(): Promise<void> {
    await this.lock.release()
  }
}
