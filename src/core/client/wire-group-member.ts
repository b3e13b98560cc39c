/**
 * A group member through a broker's group coordinator, for `consume -g`
 * while a broker runs: it joins with JoinGroup/SyncGroup like any Kafka
 * client (so it shares a group with kcat, kafka-python and kafkajs
 * members), assigns as leader with our own assignors, heartbeats on every
 * tick, rejoins when told to (handing on and committing first), and
 * commits with OffsetCommit under its generation. It reads the partitions
 * it is given from the files, as every reader does (readers take no
 * locks), and starts at the offsets the coordinator keeps in those files.
 */
import {LogpipeError} from '../errors.js'
import {type AssignmentStrategy, type TopicPartition, assign} from '../group/assignors.js'
import {decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription} from '../group/consumer-protocol.js'
import {DEFAULT_SESSION_TIMEOUT_MS, type GroupMemberOptions, type GroupMembership, type PartitionHooks, groupDir, startOffsetFor} from '../group/group-member.js'
import type {CommitOutcome} from '../group/offset-store.js'
import {OffsetStore} from '../group/offset-store.js'
import type {Store} from '../store/store.js'
import {ErrorCode} from '../wire/error-codes.js'
import {heartbeat} from '../wire/messages/12-heartbeat.js'
import {joinGroup} from '../wire/messages/11-join-group.js'
import {leaveGroup} from '../wire/messages/13-leave-group.js'
import {offsetCommit} from '../wire/messages/08-offset-commit.js'
import {syncGroup} from '../wire/messages/14-sync-group.js'
import {type ConnectionSecurity, KafkaConnection} from './kafka-connection.js'

/** Our strategies under the names Kafka clients use; sticky is ours alone (Kafka's carries user data we do not write). */
const PROTOCOL_NAMES: Record<AssignmentStrategy, string> = {range: 'range', roundrobin: 'roundrobin', sticky: 'logpipe-sticky'}
const MAX_REJOINS = 50

export class WireGroupMember implements GroupMembership {
  readonly group: string
  readonly sessionTimeoutMs: number
  private readonly store: Store
  private readonly topics: string[]
  private readonly hooks: PartitionHooks
  private readonly options: GroupMemberOptions
  private readonly broker: {host: string; port: number; security?: ConnectionSecurity}
  private readonly offsets: OffsetStore
  private connection: KafkaConnection | null = null
  /** Kafka's member id, '' until the coordinator gave one. */
  memberId = ''
  private generationId = -1
  private owned: TopicPartition[] = []
  /** Every partition the last SyncGroup gave this member has been handed to the consumer. */
  private synced = false
  private ticking: Promise<void> | null = null
  private stopped = false

  constructor(store: Store, group: string, topics: string[], hooks: PartitionHooks, options: GroupMemberOptions & {broker: {host: string; port: number; security?: ConnectionSecurity}}) {
    this.store = store
    this.group = group
    this.topics = topics
    this.hooks = hooks
    this.options = options
    this.broker = options.broker
    this.sessionTimeoutMs = Math.max(options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS, 6000)
    this.offsets = new OffsetStore(groupDir(store, group), {onNotice: options.onNotice})
  }

  /** The group's directory in the store (offsets; no member files: the broker keeps the members). */
  get dir(): string {
    return groupDir(this.store, this.group)
  }

  get ownedPartitions(): TopicPartition[] {
    return this.owned.map((tp) => ({topic: tp.topic, partition: tp.partition}))
  }

  get holdsItsAssignment(): boolean {
    return this.synced
  }

  /** A heartbeat well within the session timeout (Kafka's clients send one every third of it, or more often). */
  get tickIntervalMs(): number {
    return Math.max(100, Math.min(1000, Math.floor(this.sessionTimeoutMs / 10)))
  }

  private get strategy(): AssignmentStrategy {
    return this.options.strategy ?? 'range'
  }

  /** The connection to the coordinator, opened again after the last one failed (the next tick retries; the coordinator answers UNKNOWN_MEMBER_ID if it forgot us). */
  private async conn(): Promise<KafkaConnection> {
    if (this.connection?.isClosed) this.connection = null
    this.connection ??= await KafkaConnection.open(this.broker.host, this.broker.port, this.options.clientId ?? 'logpipe', this.broker.security)
    return this.connection
  }

  async join(): Promise<void> {
    await this.rejoin()
  }

  /** Heartbeats go out on tick (one request at a time on the one connection). */
  heartbeat(): void {}

  tick(): Promise<void> {
    this.ticking ??= this.round().finally(() => {
      this.ticking = null
    })
    return this.ticking
  }

  private async round(): Promise<void> {
    if (this.stopped) return
    const c = await this.conn()
    const r = await c.request(heartbeat, 3, {groupId: this.group, generationId: this.generationId, memberId: this.memberId, groupInstanceId: null})
    if (r.errorCode === ErrorCode.NONE) return
    if (r.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) {
      // Still this generation's member: what it hands on is committed before it rejoins.
      await this.revokeAll(true)
    } else {
      this.notice(`the coordinator answered heartbeat with error ${r.errorCode}; rejoining`)
      await this.revokeAll(false)
      if (r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || r.errorCode === ErrorCode.FENCED_INSTANCE_ID) this.memberId = ''
    }
    await this.rejoin()
  }

  private async rejoin(): Promise<void> {
    const c = await this.conn()
    for (let attempt = 0; attempt < MAX_REJOINS && !this.stopped; attempt++) {
      const j = await c.request(joinGroup, 5, {
        groupId: this.group,
        sessionTimeoutMs: this.sessionTimeoutMs,
        rebalanceTimeoutMs: Math.max(this.sessionTimeoutMs, 30_000),
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{name: PROTOCOL_NAMES[this.strategy], metadata: encodeSubscription(this.topics)}],
      })
      if (j.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        this.memberId = j.memberId
        continue
      }
      if (j.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
        this.memberId = ''
        continue
      }
      if (j.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) continue
      if (j.errorCode === ErrorCode.INCONSISTENT_GROUP_PROTOCOL) {
        throw new LogpipeError(`group '${this.group}' uses another assignment strategy or is held by file-based members; this member asked for ${this.strategy}`, {
          hint: 'use the --assignment its members use (range or roundrobin), or another group name',
        })
      }
      if (j.errorCode !== ErrorCode.NONE) throw new LogpipeError(`group '${this.group}': the coordinator refused the join (error ${j.errorCode})`)
      this.memberId = j.memberId
      this.generationId = j.generationId
      const assignments = j.leader === j.memberId ? this.plan(j.members) : []
      const s = await c.request(syncGroup, 3, {groupId: this.group, generationId: j.generationId, memberId: j.memberId, groupInstanceId: null, assignments})
      if (s.errorCode === ErrorCode.REBALANCE_IN_PROGRESS || s.errorCode === ErrorCode.ILLEGAL_GENERATION) continue
      if (s.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
        this.memberId = ''
        continue
      }
      if (s.errorCode !== ErrorCode.NONE) throw new LogpipeError(`group '${this.group}': the coordinator refused the sync (error ${s.errorCode})`)
      const mine = decodeAssignment(Buffer.from(s.assignment))?.partitions ?? []
      this.owned = mine.filter((tp) => this.topics.includes(tp.topic))
      for (const tp of this.owned) {
        this.hooks.assigned(tp, startOffsetFor(this.store, this.offsets, tp, this.topicId(tp.topic), this.options, (m) => this.notice(m)))
      }
      this.synced = true
      return
    }
  }

  /** The leader's assignment of every member's subscription, with our assignors (members by id, as Kafka's do). */
  private plan(members: Array<{memberId: string; metadata: Buffer}>): Array<{memberId: string; assignment: Buffer}> {
    const subs = members.map((m) => ({memberId: m.memberId, topics: decodeSubscription(Buffer.from(m.metadata))?.topics ?? [], owned: []}))
    const partitionsPerTopic = new Map<string, number>()
    for (const t of new Set(subs.flatMap((s) => s.topics))) {
      try {
        partitionsPerTopic.set(t, this.store.readTopic(t).partitions)
      } catch {
        // A topic only another member knows of and this store lacks: nobody gets it.
      }
    }
    const plan = assign(this.strategy, subs, partitionsPerTopic)
    return subs.map((s) => ({memberId: s.memberId, assignment: encodeAssignment(plan.get(s.memberId) ?? [])}))
  }

  private topicId(topic: string): string | undefined {
    try {
      return this.store.readTopic(topic).id
    } catch {
      return undefined
    }
  }

  private async revokeAll(commit: boolean): Promise<void> {
    for (const tp of this.owned) {
      const position = await this.hooks.revoked(tp)
      if (commit && position !== null) await this.commit(tp, position)
    }
    this.owned = []
    this.synced = false
  }

  async commit(tp: TopicPartition, offset: number, metadata?: string): Promise<CommitOutcome> {
    if (!this.owned.some((o) => o.topic === tp.topic && o.partition === tp.partition)) return 'fenced'
    const c = await this.conn()
    const r = await c.request(offsetCommit, 2, {
      groupId: this.group,
      generationIdOrMemberEpoch: this.generationId,
      memberId: this.memberId,
      topics: [{name: tp.topic, partitions: [{partitionIndex: tp.partition, committedOffset: BigInt(offset), committedMetadata: metadata ?? null}]}],
    })
    return r.topics[0]?.partitions[0]?.errorCode === ErrorCode.NONE ? 'committed' : 'fenced'
  }

  async leave(): Promise<void> {
    if (this.ticking) await this.ticking.catch(() => {})
    this.stopped = true
    try {
      await this.revokeAll(true)
      if (this.memberId !== '') await (await this.conn()).request(leaveGroup, 1, {groupId: this.group, memberId: this.memberId})
    } finally {
      this.connection?.close()
    }
  }

  private notice(message: string): void {
    this.options.onNotice?.(`group ${this.group}: ${message}`)
  }
}
