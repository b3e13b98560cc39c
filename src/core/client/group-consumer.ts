/**
 * A Consumer that is a member of a consumer group: partitions come and go
 * as the group rebalances (GroupMember decides), the start offset of each
 * is the group's committed offset, and positions are committed only after
 * the caller has handed the records on (its `handOn` callback: output
 * flushed, or the --exec runner done with them).
 */
import type {MemoryArena} from '../codec/memory-arena.js'
import type {Store} from '../store/store.js'
import type {GroupAssignment, TopicPartition} from '../group/assignors.js'
import {GroupMember, type GroupMemberOptions, type GroupMembership} from '../group/group-member.js'
import {isBrokerAlive, listRegistrations} from '../broker/registry.js'
import {WireGroupMember, storeGroupSource} from './wire-group-member.js'
import {RemoteGroupSource} from './remote-group-source.js'
import type {FetchSession} from './fetch-session.js'
import type {KafkaClient} from './kafka-client.js'
import type {CommitOutcome} from '../group/offset-store.js'
import {Consumer} from './consumer.js'
import {systemClock} from '../clock.js'
import {UsageError} from '../errors.js'

/**
 * Whoever finishes records after they are handed out (the --exec runner, a
 * library's eachMessage): commits stop at what it has finished, and a
 * partition is let go only once its records in progress are done.
 */
export interface HandOnTracker {
  /** The next offset not yet finished, given the read position; null when nothing of the partition was handled (nothing to commit). */
  safePosition(topic: string, partition: number, position: number): number | null
  /** Resolves once the partition's records in progress are finished. */
  release(topic: string, partition: number): Promise<void>
  /** The partition is gone: drop what is known of it. */
  forget(topic: string, partition: number): void
}

/** The member's own settings (GroupMemberOptions) and how this consumer hands records on. */
export interface GroupConsumerOptions extends GroupMemberOptions {
  /** How often positions are committed while consuming. */
  commitIntervalMs?: number
  /** Records go to this runner (the --exec runner, a library's handler) instead of an output stream. */
  exec?: HandOnTracker
  /** Commit a partition's position when it is taken away or the member leaves (default true; a library's autoCommit: false turns it off). */
  commitOnRevoke?: boolean
  /** Told after each round of the group in which this member's partitions, or the bytes given with them, changed. */
  onAssignmentChange?: (owned: TopicPartition[], data: Buffer | null) => void
  /** Bytes for each member along with its assignment, made from the whole plan (PartitionHooks.assignmentData: Streams' standby tasks). */
  assignmentData?: (plan: GroupAssignment) => Map<string, Buffer>
  /** Hands on everything given out so far (flushes the caller's output). */
  handOn: () => Promise<void>
  /** Kafka's OffsetCommit metadata for a partition, asked after the hand-on of a commit (Streams keeps its changelog offsets there). */
  commitMetadata?: (tp: TopicPartition) => string | undefined
  /** Read buffers come from here (see Consumer's `arena`). */
  arena?: MemoryArena
  /** Each partition ends before its first record at or after this time (see Consumer). */
  stopAtTimestamp?: number
  /**
   * Through this remote broker (the store is null): its coordinator, its
   * Metadata and OffsetFetch, and records by Fetch through `session`.
   */
  remote?: {client: KafkaClient; session: FetchSession}
  /** metadata.max.age.ms: how often a pattern subscription and the leader's partition counts are looked at again (a member through a broker). */
  metadataMaxAgeMs?: number
}

export class GroupConsumer {
  readonly consumer: Consumer
  readonly member: GroupMembership
  private readonly options: GroupConsumerOptions
  private timer: NodeJS.Timeout | null = null
  private heartbeats: NodeJS.Timeout | null = null
  private lastCommit = 0
  private closed = false

  /** `store` is null when options.remote names the broker the group and its records are behind. */
  constructor(store: Store | null, group: string, topics: string[], options: GroupConsumerOptions) {
    this.options = options
    const remote = options.remote
    if (!store && !remote) throw new TypeError('a GroupConsumer needs a store or a remote broker')
    if (store) for (const t of topics) store.readTopic(t) // unknown topics fail here, before joining
    const readOptions = {manual: true, onNotice: options.onNotice, arena: options.arena, stopAtTimestamp: options.stopAtTimestamp}
    this.consumer = remote ? new Consumer(null, [], {...readOptions, partitionFactory: remote.session}) : new Consumer(store, topics, readOptions)
    const hooks = {
      assigned: (tp: TopicPartition, offset: number) => {
        this.consumer.assign(tp.topic, tp.partition, offset)
      },
      revoked: (tp: TopicPartition) => this.revoke(tp),
      commitMetadata: (tp: TopicPartition) => this.options.commitMetadata?.(tp),
      positions: () => this.positions(),
      assignmentData: options.assignmentData,
    }
    if (remote) {
      this.member = new WireGroupMember(group, topics, hooks, {...options, source: new RemoteGroupSource(group, remote.client, remote.session, options)})
      return
    }
    // While a broker runs it coordinates the store's groups: join through it, so kcat or kafka-python members share the group.
    const broker = listRegistrations(store!.dataDir).brokers.find((b) => isBrokerAlive(b, options.clock))
    if (!broker && options.groupInstanceId !== undefined) {
      throw new UsageError(`group.instance.id needs a broker: static members are kept by its group coordinator, and no broker serves ${store!.dataDir}`, {
        hint: 'start one with `logpipe broker start`, or give --bootstrap-server',
      })
    }
    this.member = broker
      ? new WireGroupMember(group, topics, hooks, {...options, source: storeGroupSource(store!, group, broker, options)})
      : new GroupMember(store!, group, topics, hooks, options)
  }

  private ownedKey = ''

  /** One round of the group, telling onAssignmentChange when what this member owns changed. */
  async tick(): Promise<void> {
    await this.member.tick()
    this.reportAssignment()
  }

  private reportAssignment(): void {
    const owned = this.member.ownedPartitions
    const data = this.member.assignmentData
    const key = `${owned.map((tp) => `${tp.topic}/${tp.partition}`).sort().join(',')} ${data?.toString('hex') ?? ''}`
    if (key === this.ownedKey) return
    this.ownedKey = key
    this.options.onAssignmentChange?.(owned, data)
  }

  async start(): Promise<void> {
    await this.member.join()
    this.ownedKey = '-'
    this.reportAssignment()
    // Heartbeats on their own timer: a tick may wait long on a revoke.
    this.heartbeats = setInterval(() => {
      try {
        this.member.heartbeat()
      } catch (error) {
        this.options.onNotice?.(`group ${this.member.group}: heartbeat failed: ${(error as Error).message}`)
      }
    }, this.member.tickIntervalMs)
    this.heartbeats.unref()
    const loop = () => {
      this.timer = setTimeout(() => {
        this.tick()
          .catch((error) => {
            // A fenced member is out for good: the reading loop is woken to stop with its error.
            if (this.member.failure) this.consumer.interrupt()
            else this.options.onNotice?.(`group ${this.member.group}: ${(error as Error).message}`)
          })
          .finally(() => {
            if (!this.closed && !this.member.failure) loop()
          })
      }, this.member.tickIntervalMs)
      this.timer.unref()
    }
    loop()
  }

  /** Positions safe to commit now, per owned partition. */
  positions(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const a of this.consumer.assignments) {
      out[`${a.topic}/${a.partition}`] = (this.options.exec ? this.options.exec.safePosition(a.topic, a.partition, a.position) : null) ?? a.position
    }
    return out
  }

  /** Commits what has been handed on, if the commit interval has passed (or `force`). */
  async commit(force = false): Promise<Map<string, CommitOutcome>> {
    const outcomes = new Map<string, CommitOutcome>()
    const now = (this.options.clock ?? systemClock).now()
    if (!force && now - this.lastCommit < (this.options.commitIntervalMs ?? 1000)) return outcomes
    this.lastCommit = now
    const snapshot = this.consumer.assignments.map((a) => ({topic: a.topic, partition: a.partition}))
    // Positions are read after the hand-on so they never run ahead of it.
    await this.options.handOn()
    const positions = this.positions()
    const due = snapshot.filter((tp) => positions[`${tp.topic}/${tp.partition}`] !== undefined)
    const metadata = this.options.commitMetadata
    if (this.member.commitMany) return this.member.commitMany(due.map((tp) => ({tp, offset: positions[`${tp.topic}/${tp.partition}`], metadata: metadata?.(tp)})))
    for (const tp of due) {
      const key = `${tp.topic}/${tp.partition}`
      outcomes.set(key, await this.member.commit(tp, positions[key], metadata?.(tp)))
    }
    return outcomes
  }

  private async revoke(tp: TopicPartition): Promise<number | null> {
    const exec = this.options.exec
    const position = this.consumer.unassign(tp.topic, tp.partition)
    if (position === null) return null
    if (exec) {
      await exec.release(tp.topic, tp.partition)
      const safe = exec.safePosition(tp.topic, tp.partition, position)
      exec.forget(tp.topic, tp.partition)
      return this.options.commitOnRevoke === false ? null : safe
    }
    await this.options.handOn()
    return this.options.commitOnRevoke === false ? null : position
  }

  /** Clean exit: hand on, commit, release every partition and leave the group at once. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    try {
      await this.options.handOn()
      // Still heartbeating while the last commands finish: we leave only now.
      await this.member.leave()
    } finally {
      if (this.heartbeats) clearInterval(this.heartbeats)
      this.consumer.close()
    }
  }
}
