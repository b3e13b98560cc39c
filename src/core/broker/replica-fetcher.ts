/**
 * A follower's fetching from its leader (Kafka's ReplicaFetcherThread, one
 * per partition here): Fetch with this broker's id as replica id, the
 * batches appended unchanged (PartitionState.appendAsFollower), the
 * leader's high watermark taken as far as this log reaches.
 *
 * Before the first fetch from a leader (and again after a fenced or
 * diverging answer) the follower finds where its log and the leader's part
 * (KIP-101, KIP-279): OffsetForLeaderEpoch for its latest epoch; the leader
 * answers that epoch's end in its log, or the largest epoch below it it
 * knows and that one's end; the follower cuts its log to the lesser of
 * that end and its own end of the answered epoch. So no replica keeps
 * records its leader lacks.
 *
 * The fetcher only fetches and appends: roles, ISR and elections are the
 * partition's and the replica manager's.
 */
import {LogpipeError} from '../errors.js'
import {UNDEFINED_EPOCH} from '../log/leader-epoch-cache.js'
import {ErrorCode} from '../wire/error-codes.js'
import {KafkaConnection} from '../wire/kafka-connection.js'
import {fetch} from '../wire/messages/01-fetch.js'
import {offsetForLeaderEpoch} from '../wire/messages/23-offset-for-leader-epoch.js'
import type {BrokerLog} from './broker-log.js'
import type {PartitionState} from './partition-state.js'
import {isBrokerAlive, readRegistration} from './registry.js'
import type {ReplicationQuota} from './replication-quota.js'

const FETCH_VERSION = 11
const OFFSET_FOR_LEADER_EPOCH_VERSION = 3
const BACKOFF_MS = 100
const MAX_BACKOFF_MS = 1000

export interface ReplicaFetcherOptions {
  brokerId: number
  dataDir: string
  leaderId: number
  leaderEpoch: number
  waitMs: number
  maxBytes: number
  log: BrokerLog
  /** The follower quota when this replica's fetching is throttled now (replication-quota.ts), else null. */
  throttle?: () => ReplicationQuota | null
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, {once: true})
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })

/**
 * Where a follower whose latest epoch is `latest` cuts its log, given the
 * leader's OffsetForLeaderEpoch answer: at the leader's end of that epoch;
 * when the leader answers a lower epoch (it never had ours, KIP-279), at
 * the lesser of the leader's end of it and our own. Null: no cut (the
 * leader knows no epoch at or below ours).
 */
export function truncationPoint(latest: number, answer: {epoch: number; endOffset: number}, logEnd: number, ownEndOf: (epoch: number) => number): number | null {
  if (latest === UNDEFINED_EPOCH || answer.epoch === UNDEFINED_EPOCH || answer.endOffset < 0) return null
  const ownEnd = answer.epoch === latest ? logEnd : ownEndOf(answer.epoch)
  return Math.min(answer.endOffset, ownEnd < 0 ? answer.endOffset : ownEnd, logEnd)
}

export class ReplicaFetcher {
  readonly leaderId: number
  readonly leaderEpoch: number
  private readonly state: PartitionState
  private readonly options: ReplicaFetcherOptions
  private readonly abort = new AbortController()
  private connection: KafkaConnection | null = null
  private truncated = false
  private running: Promise<void> | null = null
  private lastError = ''

  constructor(state: PartitionState, options: ReplicaFetcherOptions) {
    this.state = state
    this.options = options
    this.leaderId = options.leaderId
    this.leaderEpoch = options.leaderEpoch
  }

  start(): void {
    this.running ??= this.loop()
  }

  async stop(): Promise<void> {
    this.abort.abort()
    this.connection?.close()
    await this.running
  }

  private get label(): string {
    return `topic ${this.state.topic} partition ${this.state.partition}`
  }

  private async loop(): Promise<void> {
    let backoff = BACKOFF_MS
    while (!this.abort.signal.aborted) {
      try {
        const connection = await this.connect()
        if (connection === null) {
          await sleep(backoff, this.abort.signal)
          continue
        }
        if (!this.truncated) {
          await this.truncate(connection)
          this.truncated = true
        }
        await this.fetchOnce(connection)
        backoff = BACKOFF_MS
      } catch (error) {
        if (this.abort.signal.aborted) break
        const message = (error as Error).message
        // Said once per kind of failure, not at every retry.
        if (message !== this.lastError) this.options.log.warn(`${this.label}: fetching from broker ${this.leaderId}: ${message}; retrying`)
        this.lastError = message
        this.connection?.close()
        this.connection = null
        await sleep(backoff, this.abort.signal)
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
      }
    }
  }

  private async connect(): Promise<KafkaConnection | null> {
    if (this.connection && !this.connection.isClosed) return this.connection
    const leader = readRegistration(this.options.dataDir, this.leaderId)
    if (leader === null || !isBrokerAlive(leader)) return null
    this.connection = await KafkaConnection.open(leader.host, leader.port, `logpipe-replica-${this.options.brokerId}`)
    return this.connection
  }

  /** Cuts the log where it parts from the leader's (the leader-epoch rule). */
  private async truncate(connection: KafkaConnection): Promise<void> {
    const state = this.state
    const latest = state.latestEpoch
    if (latest === UNDEFINED_EPOCH) return
    const response = await connection.request(offsetForLeaderEpoch, OFFSET_FOR_LEADER_EPOCH_VERSION, {
      replicaId: this.options.brokerId,
      topics: [{topic: state.topic, partitions: [{partition: state.partition, currentLeaderEpoch: this.leaderEpoch, leaderEpoch: latest}]}],
    })
    const answer = response.topics[0]?.partitions[0]
    if (!answer) throw new LogpipeError('OffsetForLeaderEpoch answered no partition')
    if (answer.errorCode !== ErrorCode.NONE) throw new LogpipeError(`OffsetForLeaderEpoch: error ${answer.errorCode}`)
    const cut = truncationPoint(latest, {epoch: answer.leaderEpoch, endOffset: Number(answer.endOffset)}, state.logEndOffset, (e) => state.endOffsetForEpoch(e).endOffset)
    if (cut !== null && cut < state.logEndOffset) {
      const before = state.logEndOffset
      state.truncateTo(cut)
      this.options.log.info(`${this.label}: truncated to offset ${state.logEndOffset} (was ${before}) to follow broker ${this.leaderId} at epoch ${this.leaderEpoch}`)
    }
  }

  private async fetchOnce(connection: KafkaConnection): Promise<void> {
    const state = this.state
    const quota = this.options.throttle?.() ?? null
    if (quota) {
      const wait = quota.delayMs()
      if (wait > 0) {
        await sleep(wait, this.abort.signal)
        return
      }
    }
    const offset = state.logEndOffset
    const response = await connection.request(fetch, FETCH_VERSION, {
      replicaId: this.options.brokerId,
      maxWaitMs: this.options.waitMs,
      minBytes: 1,
      maxBytes: this.options.maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: state.topic,
          partitions: [{partition: state.partition, currentLeaderEpoch: this.leaderEpoch, fetchOffset: BigInt(offset), logStartOffset: -1n, partitionMaxBytes: this.options.maxBytes}],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    })
    if (this.abort.signal.aborted) return
    const answer = response.responses[0]?.partitions[0]
    if (!answer) throw new LogpipeError('Fetch answered no partition')
    if (answer.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE || answer.errorCode === ErrorCode.FENCED_LEADER_EPOCH) {
      // Our log and the leader's part here: find where again.
      this.truncated = false
      throw new LogpipeError(`Fetch at offset ${offset}: error ${answer.errorCode}`)
    }
    if (answer.errorCode !== ErrorCode.NONE) throw new LogpipeError(`Fetch at offset ${offset}: error ${answer.errorCode}`)
    if (state.logEndOffset !== offset || state.role !== 'follower') return
    const records = answer.records
    if (records && records.length > 0) {
      state.appendAsFollower(records)
      quota?.record(records.length)
    }
    state.setFollowerHighWatermark(Number(answer.highWatermark))
    this.lastError = ''
  }
}
