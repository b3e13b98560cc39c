/**
 * One replica of a replicated partition on this broker, and the rules that
 * move it between roles, applied at every leadership scan (tick):
 *
 * - leader: it keeps leading while its leadership lock is current and
 *   partition.json names it at its epoch; it drops lagging followers from
 *   the ISR; with `auto.leader.rebalance.enable` it steps down for the
 *   preferred replica once that one is alive, in the ISR and caught up.
 * - follower: it stands for election when mayStand allows and nobody
 *   alive leads (election.ts); otherwise it fetches from the leader
 *   partition.json names, at that epoch (replica-fetcher.ts), starting a
 *   new fetcher (and so a new truncation check) at every leader change.
 *
 * A leader that steps down or stops cleanly records `leader: -1` under its
 * own epoch before letting go of the lock, so the next leader is elected
 * at the next scan of the others instead of after a session timeout.
 */
import {existsSync, mkdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {FencedEpochError, StoreError} from '../errors.js'
import type {LogConfig} from '../log/log-config.js'
import {readFileNoFollow} from '../store/fs.js'
import {writeFileAtomic} from '../store/atomic-write.js'
import {NO_LEADER, type PartitionMeta, readPartitionMeta, updatePartitionMeta} from '../store/partition-metadata.js'
import type {BrokerLog} from './broker-log.js'
import {Leadership, mayStand} from './election.js'
import {readElectionRequest} from './election-request.js'
import {type PartitionReassignment, reassignmentTarget} from '../store/replica-assignment.js'
import {PartitionState} from './partition-state.js'
import {isBrokerAlive, readRegistration} from './registry.js'
import {ReplicaFetcher} from './replica-fetcher.js'
import type {ReplicationQuota} from './replication-quota.js'
import {isThrottledReplica} from '../log/log-config.js'

/** Kafka's file naming the topic id a replica's directory belongs to. */
const PARTITION_METADATA_FILE = 'partition.metadata'

export interface ReplicationSettings {
  brokerId: number
  dataDir: string
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  lagMs: number
  fetchWaitMs: number
  fetchMaxBytes: number
  autoRebalance: boolean
  lockTimeoutMs: number
  log: BrokerLog
  now?: () => number
  /** The replica's high watermark as replication-offset-checkpoint last recorded it (0: none). */
  highWatermark?: number
  /** This broker's follower quota (replication-quota.ts), for replicas its topic's follower.replication.throttled.replicas names. */
  followerQuota?: ReplicationQuota
  /** Records a finished reassignment in topic.json (reassignment.ts); false when it was not in progress any more. */
  finishReassignment: (topic: string, partition: number, target: readonly number[]) => boolean
}

/** What topic.json says of one partition's replicas at this scan. */
export interface Assignment {
  replicas: readonly number[]
  reassigning?: PartitionReassignment
}

const sameList = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((id, i) => id === b[i])

export class ReplicatedPartition {
  readonly topic: string
  readonly partition: number
  readonly metaDir: string
  /** The assignment as topic.json last said (during a reassignment, the target replicas then the leaving ones). */
  private replicas_: readonly number[]
  readonly state: PartitionState
  private readonly leadership: Leadership
  private readonly settings: ReplicationSettings
  private fetcher: ReplicaFetcher | null = null
  private ticking: Promise<void> | null = null
  private stopped = false
  /** Its log dir cannot be written (a failed disk): no leading, no following, until it can again. */
  private offline = false
  /** The ISR as partition.json said at the last tick. */
  private lastIsr: readonly number[] = []

  private constructor(topic: string, partition: number, metaDir: string, replicas: readonly number[], state: PartitionState, settings: ReplicationSettings) {
    this.topic = topic
    this.partition = partition
    this.metaDir = metaDir
    this.replicas_ = replicas
    this.state = state
    this.settings = settings
    this.leadership = new Leadership(metaDir, {
      brokerId: settings.brokerId,
      sessionTimeoutMs: settings.sessionTimeoutMs,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      label: `topic ${topic} partition ${partition}`,
      now: settings.now,
    })
  }

  /** Opens (and makes, the first time) this broker's replica in `replicaDir`, a follower until a tick elects it. */
  static async open(
    topic: string,
    partition: number,
    topicId: string,
    metaDir: string,
    replicaDir: string,
    replicas: readonly number[],
    config: LogConfig,
    settings: ReplicationSettings,
  ): Promise<ReplicatedPartition> {
    claimReplicaDir(replicaDir, metaDir, topicId, (m) => settings.log.warn(`topic ${topic} partition ${partition}: ${m}`))
    const state = await PartitionState.openReplica(topic, partition, replicaDir, config, {replicas, metaDir, highWatermark: settings.highWatermark ?? 0}, {
      brokerId: settings.brokerId,
      lockTimeoutMs: settings.lockTimeoutMs,
      onNotice: (m) => settings.log.warn(m),
      now: settings.now,
    })
    return new ReplicatedPartition(topic, partition, metaDir, replicas, state, settings)
  }

  get replicas(): readonly number[] {
    return this.replicas_
  }

  /** One pass of the rules above; concurrent callers share the pass in progress. */
  tick(config: LogConfig, assignment: Assignment): Promise<void> {
    if (this.stopped || this.offline) return Promise.resolve()
    if (!sameList(assignment.replicas, this.replicas_)) {
      this.replicas_ = [...assignment.replicas]
      this.state.setReplicas(this.replicas_)
    }
    this.ticking ??= this.tickOnce(config, assignment.reassigning).finally(() => {
      this.ticking = null
    })
    return this.ticking
  }

  private alive = (id: number): boolean => {
    if (id === this.settings.brokerId) return true
    try {
      const r = readRegistration(this.settings.dataDir, id)
      return r !== null && isBrokerAlive(r)
    } catch (error) {
      if (error instanceof StoreError) return false
      throw error
    }
  }

  private async tickOnce(config: LogConfig, reassigning: PartitionReassignment | undefined): Promise<void> {
    const log = this.settings.log
    const me = this.settings.brokerId
    this.state.updateConfig(config)
    const meta = readPartitionMeta(this.metaDir)
    if (meta === null) return
    this.lastIsr = meta.isr
    // `topic elect-leaders` asks through a file beside partition.json (election-request.ts).
    const request = readElectionRequest(this.metaDir, (this.settings.now ?? Date.now)())
    const state = this.state
    if (state.role === 'leader') {
      if (!state.isLeader || meta.leader !== me || meta.leaderEpoch !== state.leaderEpoch) {
        log.warn(`${this.label}: no longer leader at epoch ${state.leaderEpoch} (partition.json: leader ${meta.leader}, epoch ${meta.leaderEpoch}); following`)
        await this.leadership.release().catch(() => {})
        state.makeFollower(meta.leaderEpoch)
      } else {
        state.checkIsr(this.settings.lagMs)
        if (reassigning) {
          const target = reassignmentTarget(this.replicas_, reassigning)
          if (target.every((id) => state.isr?.includes(id))) {
            await this.finishReassignment(target)
            return
          }
        }
        const preferred = this.replicas_[0]
        const rebalance = this.settings.autoRebalance || request?.type === 'preferred'
        if (rebalance && preferred !== me && this.alive(preferred) && meta.isr.includes(preferred) && state.followerLogEnd(preferred) >= state.logEndOffset) {
          log.info(`${this.label}: handing leadership back to the preferred replica, broker ${preferred}`)
          await this.stepDown()
        }
        return
      }
    }
    const unclean = config['unclean.leader.election.enable'] === 'true' || request?.type === 'unclean'
    const nobodyLeads = meta.leader === NO_LEADER || meta.leader === me || !this.alive(meta.leader)
    if (nobodyLeads && mayStand({meta, me, replicas: this.replicas_, unclean, alive: this.alive})) {
      const taken = await this.leadership.take((m) => mayStand({meta: m, me, replicas: this.replicas_, unclean, alive: this.alive}))
      if (taken) {
        await this.stopFetcher()
        const unclean_ = !meta.isr.includes(me)
        state.makeLeader(taken.leaderEpoch, taken.isr, this.leadership)
        log.info(`${this.label}: elected leader at epoch ${taken.leaderEpoch}${unclean_ ? ' (unclean: was out of the ISR)' : ''}, log end ${state.logEndOffset}, ISR ${taken.isr.join(',')}`)
        return
      }
    }
    await this.follow(meta)
  }

  private async follow(meta: PartitionMeta): Promise<void> {
    const me = this.settings.brokerId
    if (meta.leader === NO_LEADER || meta.leader === me) {
      await this.stopFetcher()
      return
    }
    if (this.fetcher && this.fetcher.leaderId === meta.leader && this.fetcher.leaderEpoch === meta.leaderEpoch) return
    {
      await this.stopFetcher()
      if (this.stopped) return
      this.state.makeFollower(meta.leaderEpoch)
      this.fetcher = new ReplicaFetcher(this.state, {
        brokerId: me,
        dataDir: this.settings.dataDir,
        leaderId: meta.leader,
        leaderEpoch: meta.leaderEpoch,
        waitMs: this.settings.fetchWaitMs,
        maxBytes: this.settings.fetchMaxBytes,
        log: this.settings.log,
        throttle: () => this.followerThrottle(),
      })
      this.fetcher.start()
      this.settings.log.info(`${this.label}: following broker ${meta.leader} at epoch ${meta.leaderEpoch} from offset ${this.state.logEndOffset}`)
    }
  }

  /** Kafka's follower throttle: only while this replica is out of the ISR, and named by its topic. */
  private followerThrottle(): ReplicationQuota | null {
    const q = this.settings.followerQuota
    if (!q || q.unlimited || this.lastIsr.includes(this.settings.brokerId)) return null
    return isThrottledReplica(this.state.config['follower.replication.throttled.replicas'], this.partition, this.settings.brokerId) ? q : null
  }

  private async stopFetcher(): Promise<void> {
    const f = this.fetcher
    this.fetcher = null
    await f?.stop()
  }

  /**
   * The log dir cannot be written (Kafka's offline log dir): stop
   * following, and a leader steps down and leaves the ISR in one change of
   * partition.json (in the data directory, still writable), so another
   * in-sync replica is elected at its next scan even when this one is the
   * preferred replica. The log and its lock stay open for the way back.
   */
  async goOffline(): Promise<void> {
    if (this.offline) return
    this.offline = true
    await this.ticking?.catch(() => {})
    await this.stopFetcher()
    const me = this.settings.brokerId
    const epoch = this.state.leaderEpoch
    if (this.state.role === 'leader') {
      try {
        updatePartitionMeta(this.metaDir, epoch, (current) => {
          if (current.leader !== me || current.leaderEpoch !== epoch) return null
          const isr = current.isr.filter((id) => id !== me)
          // The last in-sync replica stays named: nobody else has every committed record.
          return {leader: NO_LEADER, leaderEpoch: epoch, isr: isr.length > 0 ? isr : current.isr}
        })
      } catch (error) {
        if (!(error instanceof FencedEpochError) && !(error instanceof StoreError)) throw error
      }
      this.state.makeFollower(epoch)
    }
    await this.leadership.release().catch(() => {})
  }

  /** The log dir can be written again: the next tick follows (and truncates where the leader's log says). */
  goOnline(): void {
    this.offline = false
  }

  /** Leaves leadership for the next leader: `leader: -1` under our epoch, then the lock. */
  private async stepDown(): Promise<void> {
    const epoch = this.state.leaderEpoch
    const me = this.settings.brokerId
    try {
      updatePartitionMeta(this.metaDir, epoch, (current) => (current.leader === me && current.leaderEpoch === epoch ? {...current, leader: NO_LEADER} : null))
    } catch (error) {
      if (!(error instanceof FencedEpochError) && !(error instanceof StoreError)) throw error
    }
    this.state.makeFollower(epoch)
    await this.leadership.release().catch(() => {})
  }

  /**
   * Every target replica is in the ISR: the assignment becomes the target
   * (topic.json), the ISR loses the leavers (partition.json, under our
   * epoch), and a leader that is leaving steps down (reassignment.ts).
   */
  private async finishReassignment(target: number[]): Promise<void> {
    const me = this.settings.brokerId
    const epoch = this.state.leaderEpoch
    if (!this.settings.finishReassignment(this.topic, this.partition, target)) return
    this.replicas_ = target
    this.state.setReplicas(target)
    const staying = target.includes(me)
    try {
      updatePartitionMeta(this.metaDir, epoch, (current) =>
        current.leader === me && current.leaderEpoch === epoch ? {leader: staying ? me : NO_LEADER, leaderEpoch: epoch, isr: current.isr.filter((id) => target.includes(id))} : null,
      )
    } catch (error) {
      if (!(error instanceof FencedEpochError) && !(error instanceof StoreError)) throw error
    }
    this.settings.log.info(`${this.label}: reassignment complete, replicas ${target.join(',')}${staying ? '' : `; broker ${me} leaves it and steps down`}`)
    if (!staying) {
      this.state.makeFollower(epoch)
      await this.leadership.release().catch(() => {})
    }
  }

  private get label(): string {
    return `topic ${this.topic} partition ${this.partition}`
  }

  /** Stops fetching, leaves leadership cleanly, lets go of the replica's log. */
  async stop(): Promise<void> {
    this.stopped = true
    await this.ticking?.catch(() => {})
    await this.ticking?.catch(() => {})
    await this.stopFetcher()
    if (this.state.role === 'leader' && this.state.isLeader) await this.stepDown().catch(() => {})
    else await this.leadership.release().catch(() => {})
    await this.state.release()
  }
}

/**
 * The replica directory is this topic's: `partition.metadata` names the
 * topic id (Kafka's file). One left by an earlier topic of the same name
 * (deleted while this broker was down) is emptied first.
 */
function claimReplicaDir(dir: string, metaDir: string, topicId: string, notice: (m: string) => void): void {
  const path = join(dir, PARTITION_METADATA_FILE)
  const want = `version: 0\ntopic_id: ${topicId}\n`
  if (existsSync(path)) {
    let text = ''
    try {
      text = readFileNoFollow(path, 'utf8')
    } catch {}
    // In the data directory the replica shares the topic's own directory, which a delete takes along: never stale.
    if (text === want || dir === metaDir) return
    notice(`${dir} held a replica of an earlier topic of this name (${text.split('\n')[1] ?? 'unknown id'}); removed it`)
    rmSync(dir, {recursive: true, force: true})
  }
  mkdirSync(dir, {recursive: true, mode: 0o700})
  writeFileAtomic(path, want, 0o644)
}
