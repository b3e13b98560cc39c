/**
 * A group member through a broker's group coordinator: it joins with
 * JoinGroup/SyncGroup like any Kafka client (so it shares a group with
 * kcat, kafka-python and kafkajs members), assigns as leader with our own
 * assignors, heartbeats on every tick, rejoins when told to (handing on
 * and committing first), and commits with OffsetCommit under its
 * generation.
 *
 * What it needs of the world besides the coordinator comes from its
 * GroupSource: the store's files while a broker of the data dir runs
 * (`storeGroupSource`: partition counts from topic.json, start offsets
 * from the offsets files the coordinator keeps), or the broker itself
 * when the member goes through a remote one (remote-group-source.ts:
 * Metadata, OffsetFetch, ListOffsets).
 */
import {liveGroupCoordinator} from '../broker/group-files-persistence.js'
import {isBrokerAlive, listRegistrations} from '../broker/registry.js'
import {LogpipeError} from '../errors.js'
import {type AssignmentStrategy, type TopicPartition, assign} from '../group/assignors.js'
import {decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription} from '../group/consumer-protocol.js'
import {DEFAULT_SESSION_TIMEOUT_MS, type GroupMemberOptions, type GroupMembership, type PartitionHooks, groupDir, matchingTopics, startOffsetFor} from '../group/group-member.js'
import type {CommitOutcome} from '../group/offset-store.js'
import {OffsetStore} from '../group/offset-store.js'
import type {Store} from '../store/store.js'
import {ErrorCode, kafkaError} from '../wire/error-codes.js'
import {heartbeat} from '../wire/messages/12-heartbeat.js'
import {joinGroup} from '../wire/messages/11-join-group.js'
import {leaveGroup} from '../wire/messages/13-leave-group.js'
import {offsetCommit} from '../wire/messages/08-offset-commit.js'
import {offsetFetch} from '../wire/messages/09-offset-fetch.js'
import {syncGroup} from '../wire/messages/14-sync-group.js'
import {type ConnectionOptions, KafkaConnection} from './kafka-connection.js'

/** Our strategies under the names Kafka clients use; sticky is ours alone (Kafka's carries user data we do not write). */
const PROTOCOL_NAMES: Record<AssignmentStrategy, string> = {range: 'range', roundrobin: 'roundrobin', sticky: 'logpipe-sticky'}
const MAX_REJOINS = 50
/** metadata.max.age.ms's default, as Kafka's: how often a pattern subscription and the leader's partition counts are looked at again. */
export const DEFAULT_METADATA_MAX_AGE_MS = 300_000

/** Committed offsets by `topic/partition` (-1: none), from OffsetFetch. */
export type CommittedOffsets = Map<string, number>

/** Where a wire member learns what the coordinator does not tell it. */
export interface GroupSource {
  /** groups/<g>/ when the group's files are in reach; null through a remote broker. */
  readonly dir: string | null
  /** How often the subscription and partition counts are looked at again when metadata.max.age.ms is not given. */
  readonly metadataMaxAgeMs: number
  /** Where the coordinator listens, asked again whenever the connection to it was lost. */
  coordinator(group: string): Promise<{host: string; port: number; options: ConnectionOptions}>
  /** Partition counts of these topics; a topic unknown here is left out (nobody gets it). */
  partitionCounts(topics: string[]): Promise<Map<string, number>>
  /** The topics matching a pattern subscription now, sorted. */
  matching(pattern: RegExp): Promise<string[]>
  /** Where each partition given to this member starts; `committed` asks the coordinator (OffsetFetch) if the source needs it. */
  startOffsets(tps: TopicPartition[], committed: () => Promise<CommittedOffsets>): Promise<number[]>
}

/** The data directory's files, for a member joining through the broker that serves them. */
export function storeGroupSource(store: Store, group: string, broker: {host: string; port: number; options?: ConnectionOptions}, options: GroupMemberOptions): GroupSource {
  const offsets = new OffsetStore(groupDir(store, group), {onNotice: options.onNotice})
  const topicId = (topic: string) => {
    try {
      return store.readTopic(topic).id
    } catch {
      return undefined
    }
  }
  return {
    dir: groupDir(store, group),
    // Looking at the store's topics is a directory listing: about as often as a file-based member does.
    metadataMaxAgeMs: 1000,
    // The broker that holds the group (the others answer NOT_COORDINATOR), else any live one, which takes it.
    coordinator: async () => {
      const at = liveGroupCoordinator(store, group) ?? listRegistrations(store.dataDir).brokers.find((b) => isBrokerAlive(b)) ?? broker
      return {host: at.host, port: at.port, options: broker.options ?? {}}
    },
    async partitionCounts(topics) {
      const out = new Map<string, number>()
      for (const t of topics) {
        try {
          out.set(t, store.readTopic(t).partitions)
        } catch {
          // A topic only another member knows of and this store lacks.
        }
      }
      return out
    },
    matching: async (pattern) => matchingTopics(store, pattern),
    startOffsets: async (tps) => tps.map((tp) => startOffsetFor(store, offsets, tp, topicId(tp.topic), options, (m) => options.onNotice?.(`group ${group}: ${m}`))),
  }
}

export class WireGroupMember implements GroupMembership {
  readonly group: string
  readonly sessionTimeoutMs: number
  /** The topics named; with a pattern, those matching it are added. */
  private readonly named: string[]
  private topics: string[]
  private readonly hooks: PartitionHooks
  private readonly options: GroupMemberOptions & {metadataMaxAgeMs?: number}
  private readonly source: GroupSource
  private connection: KafkaConnection | null = null
  /** Kafka's member id, '' until the coordinator gave one. */
  memberId = ''
  private generationId = -1
  private owned: TopicPartition[] = []
  assignmentData: Buffer | null = null
  /** Every partition the last SyncGroup gave this member has been handed to the consumer. */
  private synced = false
  private ticking: Promise<void> | null = null
  private stopped = false
  failure: Error | null = null
  /** As leader: the partition counts the last plan was made with, looked at again every metadata.max.age.ms. */
  private planned: Map<string, number> | null = null
  private metadataAt = 0

  constructor(group: string, topics: string[], hooks: PartitionHooks, options: GroupMemberOptions & {source: GroupSource; metadataMaxAgeMs?: number}) {
    this.group = group
    this.named = [...new Set(topics)]
    this.topics = this.named
    this.hooks = hooks
    this.options = options
    this.source = options.source
    this.sessionTimeoutMs = Math.max(options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS, 6000)
  }

  /** The group's directory in the store (offsets; no member files: the broker keeps the members). */
  get dir(): string {
    if (this.source.dir === null) throw new LogpipeError(`group '${this.group}' is kept by a remote broker: its files are not here`)
    return this.source.dir
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
    if (!this.connection) {
      const c = await this.source.coordinator(this.group)
      this.connection = await KafkaConnection.open(c.host, c.port, this.options.clientId ?? 'logpipe', c.options)
    }
    return this.connection
  }

  /** An answer saying the coordinator moved: the next request finds it again. */
  private moved(code: number): boolean {
    if (code !== ErrorCode.NOT_COORDINATOR && code !== ErrorCode.COORDINATOR_NOT_AVAILABLE && code !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return false
    this.connection?.close()
    this.connection = null
    return true
  }

  async join(): Promise<void> {
    if (this.options.include) this.topics = await this.subscription()
    this.metadataAt = Date.now()
    await this.rejoin()
  }

  private async subscription(): Promise<string[]> {
    return [...new Set([...this.named, ...(this.options.include ? await this.source.matching(this.options.include) : [])])].sort()
  }

  /**
   * Every metadata.max.age.ms, as Kafka's consumer: a pattern that now
   * matches other topics, or (as leader) a partition count that changed,
   * means a new round, with a new subscription or a new plan.
   */
  private async metadataChanged(): Promise<boolean> {
    const now = Date.now()
    if (now - this.metadataAt < (this.options.metadataMaxAgeMs ?? this.source.metadataMaxAgeMs)) return false
    this.metadataAt = now
    if (this.options.include) {
      const topics = await this.subscription()
      if (topics.join('\0') !== this.topics.join('\0')) {
        this.notice(`subscribed topics are now ${topics.join(', ') || '(none)'}; rejoining`)
        this.topics = topics
        return true
      }
    }
    if (this.planned) {
      const counts = await this.source.partitionCounts([...this.planned.keys()])
      for (const [t, n] of this.planned) {
        if ((counts.get(t) ?? n) !== n) {
          this.notice(`topic ${t} has ${counts.get(t)} partitions now; rejoining to assign them`)
          return true
        }
      }
    }
    return false
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
    if (await this.metadataChanged()) {
      await this.revokeAll(true)
      await this.rejoin()
      return
    }
    const c = await this.conn()
    const r = await c.request(heartbeat, 3, {groupId: this.group, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.instanceId})
    if (r.errorCode === ErrorCode.NONE) return
    if (r.errorCode === ErrorCode.FENCED_INSTANCE_ID) throw this.fenced()
    if (this.moved(r.errorCode)) {
      this.notice('the coordinator moved; finding it again')
      return
    }
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
    for (let attempt = 0; attempt < MAX_REJOINS && !this.stopped; attempt++) {
      const c = await this.conn()
      const j = await c.request(joinGroup, 5, {
        groupId: this.group,
        sessionTimeoutMs: this.sessionTimeoutMs,
        rebalanceTimeoutMs: Math.max(this.sessionTimeoutMs, 30_000),
        memberId: this.memberId,
        groupInstanceId: this.instanceId,
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
      if (j.errorCode === ErrorCode.REBALANCE_IN_PROGRESS || this.moved(j.errorCode)) continue
      if (j.errorCode === ErrorCode.FENCED_INSTANCE_ID) throw this.fenced()
      if (j.errorCode === ErrorCode.INCONSISTENT_GROUP_PROTOCOL) {
        throw new LogpipeError(`group '${this.group}' uses another assignment strategy or is held by file-based members; this member asked for ${this.strategy}`, {
          hint: 'use the --assignment its members use (range or roundrobin), or another group name',
        })
      }
      if (j.errorCode !== ErrorCode.NONE) throw new LogpipeError(`group '${this.group}': the coordinator refused the join (error ${j.errorCode})`)
      this.memberId = j.memberId
      this.generationId = j.generationId
      this.planned = null
      const assignments = j.leader === j.memberId ? await this.plan(j.members) : []
      const s = await c.request(syncGroup, 3, {groupId: this.group, generationId: j.generationId, memberId: j.memberId, groupInstanceId: this.instanceId, assignments})
      if (s.errorCode === ErrorCode.FENCED_INSTANCE_ID) throw this.fenced()
      if (s.errorCode === ErrorCode.REBALANCE_IN_PROGRESS || s.errorCode === ErrorCode.ILLEGAL_GENERATION || this.moved(s.errorCode)) continue
      if (s.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
        this.memberId = ''
        continue
      }
      if (s.errorCode !== ErrorCode.NONE) throw new LogpipeError(`group '${this.group}': the coordinator refused the sync (error ${s.errorCode})`)
      const decoded = decodeAssignment(Buffer.from(s.assignment))
      const mine = decoded?.partitions ?? []
      this.assignmentData = decoded?.userData ? Buffer.from(decoded.userData) : null
      const given = await this.usable(mine)
      const starts = await this.source.startOffsets(given, () => this.fetchCommitted(given))
      this.owned = given
      given.forEach((tp, i) => this.hooks.assigned(tp, starts[i]))
      this.synced = true
      return
    }
  }

  /**
   * The partitions of an assignment this member can read: of its topics,
   * each once, and existing. The leader may be any client, so what it
   * assigned is checked like anything else read from a socket.
   */
  private async usable(assigned: TopicPartition[]): Promise<TopicPartition[]> {
    const mine = assigned.filter((tp) => this.topics.includes(tp.topic))
    const counts = await this.source.partitionCounts([...new Set(mine.map((tp) => tp.topic))])
    const seen = new Set<string>()
    const out = mine.filter((tp) => {
      const key = `${tp.topic}/${tp.partition}`
      if (seen.has(key)) return false
      seen.add(key)
      return Number.isInteger(tp.partition) && tp.partition >= 0 && tp.partition < (counts.get(tp.topic) ?? 0)
    })
    if (out.length < mine.length) this.notice(`the leader assigned ${mine.length - out.length} partition(s) this member cannot read (unknown or named twice); ignoring them`)
    return out
  }

  /** The group's committed offsets of these partitions (OffsetFetch v3: one group, per-partition errors and the group's). */
  private async fetchCommitted(tps: TopicPartition[]): Promise<CommittedOffsets> {
    const out: CommittedOffsets = new Map()
    if (tps.length === 0) return out
    const byTopic = new Map<string, number[]>()
    for (const tp of tps) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition])
    const r = await (await this.conn()).request(offsetFetch, 3, {
      groupId: this.group,
      topics: [...byTopic].map(([name, partitionIndexes]) => ({name, partitionIndexes})),
      groups: [],
      requireStable: false,
    })
    if (r.errorCode !== ErrorCode.NONE) throw kafkaError(r.errorCode, `OffsetFetch, group '${this.group}'`)
    for (const t of r.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== ErrorCode.NONE) throw kafkaError(p.errorCode, `OffsetFetch, group '${this.group}' topic '${t.name}' partition ${p.partitionIndex}`)
        out.set(`${t.name}/${p.partitionIndex}`, Number(p.committedOffset))
      }
    }
    return out
  }

  /** The leader's assignment of every member's subscription, with our assignors (members by id, as Kafka's do). */
  private async plan(members: Array<{memberId: string; metadata: Buffer}>): Promise<Array<{memberId: string; assignment: Buffer}>> {
    const subs = members.map((m) => ({memberId: m.memberId, topics: decodeSubscription(Buffer.from(m.metadata))?.topics ?? [], owned: []}))
    const partitionsPerTopic = await this.source.partitionCounts([...new Set(subs.flatMap((s) => s.topics))])
    this.planned = partitionsPerTopic
    const plan = assign(this.strategy, subs, partitionsPerTopic)
    const data = this.hooks.assignmentData?.(plan)
    return subs.map((s) => ({memberId: s.memberId, assignment: encodeAssignment(plan.get(s.memberId) ?? [], data?.get(s.memberId) ?? null)}))
  }

  private async revokeAll(commit: boolean): Promise<void> {
    const positions: Array<{tp: TopicPartition; offset: number; metadata?: string}> = []
    for (const tp of this.owned) {
      const position = await this.hooks.revoked(tp)
      if (commit && position !== null) positions.push({tp, offset: position, metadata: this.hooks.commitMetadata?.(tp)})
    }
    if (positions.length > 0) await this.commitMany(positions)
    this.owned = []
    this.synced = false
  }

  async commit(tp: TopicPartition, offset: number, metadata?: string): Promise<CommitOutcome> {
    return (await this.commitMany([{tp, offset, metadata}])).get(`${tp.topic}/${tp.partition}`) ?? 'fenced'
  }

  /**
   * One OffsetCommit for all of them: the coordinator writes a request's
   * offsets together (one fsync'd round where a request per partition
   * cost one each, about 40 ms apiece here, while reading waited).
   */
  async commitMany(entries: Array<{tp: TopicPartition; offset: number; metadata?: string}>): Promise<Map<string, CommitOutcome>> {
    const out = new Map<string, CommitOutcome>()
    const byTopic = new Map<string, Array<{partitionIndex: number; committedOffset: bigint; committedMetadata: string | null}>>()
    for (const {tp, offset, metadata} of entries) {
      out.set(`${tp.topic}/${tp.partition}`, 'fenced')
      if (!this.owned.some((o) => o.topic === tp.topic && o.partition === tp.partition)) continue
      byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), {partitionIndex: tp.partition, committedOffset: BigInt(offset), committedMetadata: metadata ?? null}])
    }
    if (byTopic.size === 0) return out
    const r = await (await this.conn()).request(offsetCommit, 2, {
      groupId: this.group,
      generationIdOrMemberEpoch: this.generationId,
      memberId: this.memberId,
      topics: [...byTopic].map(([name, partitions]) => ({name, partitions})),
    })
    for (const t of r.topics) {
      for (const p of t.partitions) {
        const key = `${t.name}/${p.partitionIndex}`
        if (out.has(key) && p.errorCode === ErrorCode.NONE) out.set(key, 'committed')
      }
    }
    return out
  }

  /** group.instance.id, or null for a dynamic member. */
  private get instanceId(): string | null {
    return this.options.groupInstanceId ?? null
  }

  /** Another process joined with this member's group.instance.id: this one is out for good (Kafka's consumer stops too). */
  private fenced(): LogpipeError {
    this.stopped = true
    // What it owned is another's now: nothing is handed on or committed under the old member id.
    this.owned = []
    this.synced = false
    this.failure = new LogpipeError(`group '${this.group}': another member joined with group.instance.id ${this.instanceId}, which fenced this one`, {
      hint: 'give each running consumer its own group.instance.id',
    })
    return this.failure as LogpipeError
  }

  /**
   * Commits and hands on what it owns; a dynamic member then leaves the
   * group (a rebalance at once). A static member does not, as Kafka's
   * consumer on close: the coordinator keeps its place for the session
   * timeout, so a restart within it takes the same partitions back
   * without a rebalance.
   */
  async leave(): Promise<void> {
    if (this.ticking) await this.ticking.catch(() => {})
    this.stopped = true
    try {
      await this.revokeAll(true)
      if (this.memberId !== '' && this.instanceId === null) await (await this.conn()).request(leaveGroup, 1, {groupId: this.group, memberId: this.memberId})
    } finally {
      this.connection?.close()
    }
  }

  private notice(message: string): void {
    this.options.onNotice?.(`group ${this.group}: ${message}`)
  }
}
