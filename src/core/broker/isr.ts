/**
 * The leader's view of its followers (Kafka's `Partition` bookkeeping of
 * its remote replicas): each follower's log end, learned from the offset it
 * fetches at, and the last time it was caught up; from them the in-sync
 * replica set and the high watermark.
 *
 * - A follower is caught up at a fetch whose offset reaches the leader's log
 *   end; a fetch that reaches the log end the leader had at the follower's
 *   previous fetch makes it caught up as of that previous fetch (Kafka's
 *   lastCaughtUpTimeMs). An ISR member not caught up for
 *   `replica.lag.time.max.ms` is dropped (shrink); a follower out of the ISR
 *   whose log end reaches the high watermark, and the start of the leader's
 *   epoch, is taken back (expand).
 * - The high watermark is the least log end among the ISR (the leader's own
 *   included) and never goes back. An ISR member whose log end is not known
 *   yet (a new leader before its first fetch) holds it where it is.
 *
 * No I/O here: the caller writes the ISR changes (partition-metadata.ts)
 * and wakes who waits for the high watermark.
 */

interface Follower {
  /** Its log end: the offset of its last fetch; -1 before the first one under this leader. */
  logEnd: number
  lastCaughtUpMs: number
  /** The leader's log end at this follower's last fetch, and when that fetch came. */
  lastFetchLeaderEnd: number
  lastFetchMs: number
}

export class IsrState {
  readonly leaderId: number
  private isr_: number[]
  private hw: number
  private readonly followers = new Map<number, Follower>()

  /** `isr` as recorded when this leadership began; `highWatermark` what the replica knew as follower. */
  constructor(leaderId: number, replicas: readonly number[], isr: readonly number[], highWatermark: number, now: number) {
    this.leaderId = leaderId
    this.hw = highWatermark
    this.isr_ = [leaderId]
    this.setReplicas(replicas, now)
    // A broker no longer among the replicas (a reassignment finished by a leader that died before it wrote the ISR) is no member.
    this.isr_ = [...new Set([leaderId, ...isr.filter((id) => this.followers.has(id))])]
  }

  /**
   * The assignment changed (a reassignment began or ended): new followers
   * are watched from now, as out of the ISR until they catch up; ones
   * that left are forgotten, and leave the ISR this leader keeps.
   */
  setReplicas(replicas: readonly number[], now: number): void {
    for (const id of replicas) {
      if (id === this.leaderId || this.followers.has(id)) continue
      this.followers.set(id, {logEnd: -1, lastCaughtUpMs: now, lastFetchLeaderEnd: -1, lastFetchMs: now})
    }
    for (const id of [...this.followers.keys()]) if (!replicas.includes(id)) this.followers.delete(id)
    this.isr_ = this.isr_.filter((id) => id === this.leaderId || this.followers.has(id))
  }

  get isr(): readonly number[] {
    return this.isr_
  }

  get highWatermark(): number {
    return this.hw
  }

  isFollower(id: number): boolean {
    return this.followers.has(id)
  }

  /** The follower's log end as the leader last heard it (-1: not yet). */
  followerLogEnd(id: number): number {
    return this.followers.get(id)?.logEnd ?? -1
  }

  /** The least log end among the followers in the ISR (-1 while one is not known; Infinity with none). */
  leastIsrFollowerLogEnd(): number {
    let least = Infinity
    for (const id of this.isr_) if (id !== this.leaderId) least = Math.min(least, this.followers.get(id)?.logEnd ?? -1)
    return least
  }

  /**
   * A fetch from follower `id` at `fetchOffset` while the leader's log ends
   * at `leaderEnd`. Returns the ISR to record when the follower joins it
   * (expand), else null. Call `advance` afterwards.
   */
  onFetch(id: number, fetchOffset: number, leaderEnd: number, epochStart: number, now: number): number[] | null {
    const f = this.followers.get(id)
    if (!f) return null
    f.logEnd = Math.min(fetchOffset, leaderEnd)
    if (fetchOffset >= leaderEnd) f.lastCaughtUpMs = now
    else if (f.lastFetchLeaderEnd >= 0 && fetchOffset >= f.lastFetchLeaderEnd) f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs)
    f.lastFetchLeaderEnd = leaderEnd
    f.lastFetchMs = now
    if (!this.isr_.includes(id) && f.logEnd >= this.hw && f.logEnd >= epochStart) return [...this.isr_, id].sort((a, b) => a - b)
    return null
  }

  /** The ISR to record when members lagged past `maxLagMs` (shrink), else null. The leader never leaves it. */
  shrinkCandidate(now: number, maxLagMs: number): number[] | null {
    const kept = this.isr_.filter((id) => id === this.leaderId || now - (this.followers.get(id)?.lastCaughtUpMs ?? -Infinity) <= maxLagMs)
    return kept.length === this.isr_.length ? null : kept
  }

  /** The ISR as recorded (after an expand or shrink was written). */
  setIsr(isr: readonly number[]): void {
    this.isr_ = [...new Set([this.leaderId, ...isr])]
  }

  /** Moves the high watermark to the least log end of the ISR; true when it moved. */
  advance(leaderEnd: number): boolean {
    let least = leaderEnd
    for (const id of this.isr_) {
      if (id === this.leaderId) continue
      const end = this.followers.get(id)?.logEnd ?? -1
      if (end < 0) return false
      least = Math.min(least, end)
    }
    if (least <= this.hw) return false
    this.hw = least
    return true
  }
}
