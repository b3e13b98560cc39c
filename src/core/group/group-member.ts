/**
 * One process's life in a consumer group, without a coordinator: on every
 * tick it heartbeats, reads the live members, computes the assignment the
 * same way every member does, lets go of partitions that are no longer its
 * own (after the caller has handed their records on and it has committed),
 * and tries to take the ones that are. A partition is taken only through
 * its ownership lock, so two members never read it at once even while
 * their views of the member list briefly differ.
 */
import {join} from 'node:path'
import {type OffsetSpec, resolveOffsetSpec} from '../log/offset-spec.js'
import type {Store} from '../store/store.js'
import {validateGroupName} from '../store/names.js'
import {LogpipeError, UsageError} from '../errors.js'
import {type AssignmentStrategy, type GroupAssignment, type TopicPartition, assign, tpKey} from './assignors.js'
import {Membership, groupStrategy, liveMembers, newMemberId, removeDeadMembers} from './membership.js'
import {type CommitOutcome, OffsetStore} from './offset-store.js'
import {PartitionOwnership} from './ownership.js'
import {liveCoordinatedMembers} from './coordinator-file.js'
import {ensureDirs, isRecord, readGroupJson, withGroupLock, writeGroupJson} from './group-files.js'
import {type Clock, systemClock} from '../clock.js'

export type AutoOffsetReset = 'earliest' | 'latest'

export interface GroupMemberOptions {
  sessionTimeoutMs?: number
  strategy?: AssignmentStrategy
  /** Where to start without a committed offset: one answer, or one per topic (a library's subscribe calls each say). */
  autoOffsetReset?: AutoOffsetReset | ((topic: string) => AutoOffsetReset)
  /**
   * Where to start a partition the group has no committed offset for
   * (consume -g with an explicit -o, as kafka-console-consumer's
   * --from-beginning with --group); without it, autoOffsetReset decides.
   */
  startWithoutCommit?: OffsetSpec
  clientId?: string
  onNotice?: (message: string) => void
  /** Judges heartbeats, session timeouts and ownership staleness. */
  clock?: Clock
  /**
   * Subscribe to the topics matching this instead of a fixed list (Kafka's
   * pattern subscription): checked every round, so a topic created later
   * joins the member's topics and the next assignment.
   */
  include?: RegExp
  /**
   * group.instance.id: a static member (KIP-345), kept by a broker's
   * coordinator across restarts within its session timeout; file-based
   * groups have no such members.
   */
  groupInstanceId?: string
}

export interface PartitionHooks {
  /** Start handing out records of tp from `offset`. */
  assigned(tp: TopicPartition, offset: number): void
  /**
   * Stop reading tp and resolve with its position once every record handed
   * out is handed on (output flushed, commands done); null if nothing to commit.
   */
  revoked(tp: TopicPartition): Promise<number | null>
  /** The OffsetCommit metadata to commit a revoked partition's position with (Streams' changelog offsets), asked after revoked(). */
  commitMetadata?(tp: TopicPartition): string | undefined
  /** Current positions, to publish with the heartbeat. */
  positions(): Record<string, number>
  /**
   * Bytes to give each member with its assignment, made from the whole plan
   * (Kafka's assignment userData: Streams' standby tasks). Called wherever
   * the plan is made: by every file-based member, by the leader through a
   * broker. Must depend on the plan alone, so every member gets the same answer.
   */
  assignmentData?(plan: GroupAssignment): Map<string, Buffer>
}

export const DEFAULT_SESSION_TIMEOUT_MS = 10_000

/** The store's topics matching a subscriptionPattern(), sorted. */
export function matchingTopics(store: Store, pattern: RegExp): string[] {
  return store.listTopics().filter((t) => pattern.test(t)).sort()
}

/** Kafka matches a subscription pattern against the whole topic name (Java's Matcher.matches), so it is anchored. */
export function subscriptionPattern(text: string, flag = '--include'): RegExp {
  try {
    return new RegExp(`^(?:${text})$`, 'u')
  } catch (error) {
    throw new UsageError(`${flag}: '${text}' is not a regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`)
  }
}

export function groupDir(store: Store, group: string): string {
  return join(store.dataDir, 'groups', validateGroupName(group))
}

export const GROUP_FILE = 'group.json'

interface GroupMeta {
  group: string
  createdAt: string
}

function checkGroupMeta(v: unknown, group: string): GroupMeta | string {
  if (!isRecord(v)) return 'it is not a JSON object'
  if (v.group !== group) return `group is not '${group}'`
  if (typeof v.createdAt !== 'string') return 'createdAt is not a string'
  return {group, createdAt: v.createdAt}
}

/**
 * Creates the group's directory and \`group.json\` if absent (never leaving
 * an empty or partial one), and rebuilds a damaged group.json, saying so:
 * it holds nothing but the name and a creation time, so a rebuild loses
 * nothing that matters. A planted link in place of the group directory is
 * replaced, never followed.
 */
export async function ensureGroup(dataDir: string, group: string, onNotice?: (message: string) => void): Promise<string> {
  validateGroupName(group)
  for (const path of ensureDirs(dataDir, 'groups', group)) onNotice?.(`group ${group}: replaced ${path}, which was not a directory`)
  const dir = join(dataDir, 'groups', group)
  const path = join(dir, GROUP_FILE)
  const fresh = () => ({group, createdAt: new Date().toISOString()})
  const first = readGroupJson(path, (v) => checkGroupMeta(v, group))
  if (first.kind === 'ok') return dir
  if (first.kind === 'missing' && writeGroupJson(path, fresh(), {exclusive: true})) return dir
  await withGroupLock(dir, () => {
    const r = readGroupJson(path, (v) => checkGroupMeta(v, group))
    if (r.kind !== 'damaged') return
    writeGroupJson(path, fresh())
    onNotice?.(`group ${group}: rebuilt ${path}: it was damaged: ${r.why}`)
  })
  return dir
}

/**
 * Where a member starts reading a partition it was given: the committed
 * offset when it is within the log and was committed against this topic
 * (`topicId`), else `startWithoutCommit` or auto.offset.reset. Shared by
 * file-based members and members through a broker's coordinator: both
 * read the same offsets files.
 */
export function startOffsetFor(
  store: Store,
  offsets: OffsetStore,
  tp: TopicPartition,
  topicId: string | undefined,
  options: Pick<GroupMemberOptions, 'autoOffsetReset' | 'startWithoutCommit'>,
  notice: (message: string) => void,
  addedSinceJoin = false,
): number {
  const reader = store.openReader(tp.topic, tp.partition)
  try {
    const start = reader.logStartOffset()
    const end = reader.logEndOffset()
    let committed = offsets.read(tp.topic, tp.partition)
    if (committed?.topicId !== undefined && committed.topicId !== topicId) {
      notice(`the committed offset ${committed.offset} of ${tpKey(tp)} belongs to an earlier topic of that name (deleted since); ignoring it`)
      committed = null
    }
    if (committed && committed.offset >= start && committed.offset <= end) return committed.offset
    // A partition added (topic alter --partitions) after this member
    // joined holds only records written since: latest, or an -o, would
    // skip those written before this member saw it (Kafka's consumer does,
    // until its next metadata refresh). The group starts it at its start,
    // as a plain consume reads partitions added while it runs.
    if (!committed && addedSinceJoin) return start
    if (!committed && options.startWithoutCommit) return resolveOffsetSpec(reader, options.startWithoutCommit)
    const r = options.autoOffsetReset ?? 'earliest'
    const reset = typeof r === 'function' ? r(tp.topic) : r
    if (committed) {
      notice(`committed offset ${committed.offset} of ${tpKey(tp)} is outside the log (${start}..${end}); resetting to ${reset}`)
    }
    return reset === 'earliest' ? start : end
  } finally {
    reader.close()
  }
}

/** What a group consumer needs of its membership, file-based (GroupMember) or through a broker (WireGroupMember). */
export interface GroupMembership {
  readonly group: string
  readonly memberId: string
  /** groups/<g>/ in the store. */
  readonly dir: string
  /** What this member owns now. */
  readonly ownedPartitions: TopicPartition[]
  /** Every partition the current assignment gives this member is owned (until then "every partition at its end" says nothing). */
  readonly holdsItsAssignment: boolean
  /** What the current assignment gives this member besides partitions (PartitionHooks.assignmentData); null: nothing. */
  readonly assignmentData: Buffer | null
  readonly tickIntervalMs: number
  /** Set when the member can never take part again (fenced by its group.instance.id): the consumer stops with it. */
  readonly failure?: Error | null
  join(): Promise<void>
  heartbeat(): void
  tick(): Promise<void>
  /** `metadata` is Kafka's OffsetCommit metadata string, kept with the offset (a mirror's progress). */
  commit(tp: TopicPartition, offset: number, metadata?: string): Promise<CommitOutcome>
  /** Several at once, where that is cheaper than one by one (a coordinator's one request); by `topic/partition`. */
  commitMany?(entries: Array<{tp: TopicPartition; offset: number; metadata?: string}>): Promise<Map<string, CommitOutcome>>
  leave(): Promise<void>
}

export class GroupMember implements GroupMembership {
  readonly group: string
  readonly dir: string
  readonly memberId: string
  readonly offsets: OffsetStore
  readonly sessionTimeoutMs: number
  private readonly store: Store
  private topics: string[]
  private readonly options: GroupMemberOptions
  private readonly hooks: PartitionHooks
  private readonly membership: Membership
  private readonly owned = new Map<string, PartitionOwnership>()
  private readonly topicIds = new Map<string, string>()
  /** Partitions of each subscribed topic when this member first saw it. */
  private readonly partitionsAtJoin = new Map<string, number>()
  private ticking: Promise<void> | null = null
  private stopped = false
  private readonly clock: Clock
  assignmentData: Buffer | null = null

  constructor(store: Store, group: string, topics: string[], hooks: PartitionHooks, options: GroupMemberOptions = {}) {
    this.store = store
    this.group = group
    this.dir = groupDir(store, group)
    this.topics = options.include ? matchingTopics(store, options.include) : topics
    this.hooks = hooks
    this.options = options
    this.clock = options.clock ?? systemClock
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS
    this.memberId = newMemberId(options.clientId ?? 'logpipe')
    this.offsets = new OffsetStore(this.dir, {onNotice: options.onNotice})
    this.membership = new Membership(this.dir, {
      memberId: this.memberId,
      clientId: options.clientId ?? 'logpipe',
      topics: this.topics,
      strategy: options.strategy ?? 'range',
      sessionTimeoutMs: this.sessionTimeoutMs,
    }, this.clock)
  }

  /** How often to tick: often enough to heartbeat well within the session timeout and to react quickly. */
  get tickIntervalMs(): number {
    return Math.max(20, Math.min(250, Math.floor(this.sessionTimeoutMs / 5)))
  }

  /** Ownership locks go stale (for a host we cannot check) after the session timeout. */
  private get staleMs(): number {
    return Math.max(2000, this.sessionTimeoutMs)
  }

  async join(): Promise<void> {
    await ensureGroup(this.store.dataDir, this.group, this.options.onNotice)
    await this.offsets.settle()
    // A broker coordinates this group: its members take what their leader assigns, not what file-based members compute.
    const coordinated = liveCoordinatedMembers(this.dir, this.clock.now())
    if (coordinated && coordinated.members.length > 0) {
      throw new LogpipeError(`group '${this.group}' is coordinated by broker ${coordinated.file.coordinator.brokerId}, which has ${coordinated.members.length} live member(s)`, {
        hint: 'join it through the broker with a Kafka client, or use another group name',
      })
    }
    this.membership.join()
    // Like Kafka's INCONSISTENT_GROUP_PROTOCOL: a member cannot join with
    // an assignment strategy other than the group's.
    const strategy = groupStrategy(liveMembers(this.dir, this.clock.now()))
    const mine = this.options.strategy ?? 'range'
    if (strategy && strategy !== mine) {
      this.membership.leave()
      throw new LogpipeError(`group '${this.group}' assigns partitions with ${strategy}; this member asked for ${mine}`, {
        hint: `use --assignment ${strategy}, or stop the group's members first`,
      })
    }
    await this.tick()
  }

  get ownedPartitions(): TopicPartition[] {
    return [...this.owned.values()].map((o) => ({topic: o.topic, partition: o.partition}))
  }

  /**
   * Rewrites the member file when the last heartbeat is getting old. The
   * caller runs this on a timer of its own besides tick(): a round can wait
   * for seconds on a revoke (an --exec command finishing), and a member
   * busy handing on is alive; without this the others would declare it
   * dead after the session timeout, rebalance without it, and let an
   * operator reset offsets under it.
   */
  heartbeat(): void {
    if (this.clock.now() - this.membership.info.heartbeatAt < this.tickIntervalMs / 2) return
    this.membership.heartbeat({owned: this.ownedPartitions, positions: this.hooks.positions()})
  }

  /** One round of heartbeat and rebalance; concurrent calls share one round. */
  tick(): Promise<void> {
    this.ticking ??= this.round().finally(() => {
      this.ticking = null
    })
    return this.ticking
  }

  /**
   * Every partition the last round's plan gave this member is owned and
   * handed to the consumer. Until then "at the end of every partition" says
   * nothing: the partitions another member still holds (it lets go on its
   * next tick) are unread, so a consume -g -e must not end yet.
   */
  get holdsItsAssignment(): boolean {
    return this.holdsAll
  }

  private holdsAll = false

  private async round(): Promise<void> {
    try {
      await this.rebalance()
    } catch (error) {
      this.holdsAll = false
      throw error
    }
  }

  private async rebalance(): Promise<void> {
    if (this.stopped) return
    if (this.options.include) {
      const now = matchingTopics(this.store, this.options.include)
      if (now.join('\0') !== this.topics.join('\0')) this.topics = now
    }
    this.membership.heartbeat({owned: this.ownedPartitions, positions: this.hooks.positions(), topics: this.topics})
    const now = this.clock.now()
    removeDeadMembers(this.dir, now, (message) => this.notice(message))
    const members = liveMembers(this.dir, now)
    if (!members.some((m) => m.memberId === this.memberId)) members.push(this.membership.info)
    const partitionsPerTopic = new Map<string, number>()
    for (const topic of new Set(members.flatMap((m) => m.topics))) {
      try {
        partitionsPerTopic.set(topic, this.store.readTopic(topic).partitions)
      } catch {
        // A topic another member subscribes to that is gone: nobody gets it.
      }
    }
    for (const topic of this.topics) {
      const n = partitionsPerTopic.get(topic)
      if (n !== undefined && !this.partitionsAtJoin.has(topic)) this.partitionsAtJoin.set(topic, n)
    }
    // The group's strategy, not necessarily ours: two members that joined at
    // the same moment with different ones must still compute the same plan.
    const strategy = groupStrategy(members) ?? this.options.strategy ?? 'range'
    const plan = assign(
      strategy,
      members.map((m) => ({memberId: m.memberId, topics: m.topics, owned: m.owned ?? []})),
      partitionsPerTopic,
    )
    const mine = new Map((plan.get(this.memberId) ?? []).map((tp) => [tpKey(tp), tp]))
    this.assignmentData = this.hooks.assignmentData?.(plan).get(this.memberId) ?? null

    // Let go of what is no longer ours, or was taken from us.
    for (const [key, ownership] of [...this.owned]) {
      const lost = !ownership.valid
      if (mine.has(key) && !lost) continue
      const tp = {topic: ownership.topic, partition: ownership.partition}
      // Revoked is revoked, even when the commit fails (the group's lock
      // timed out, a full disk): kept, the partition would be owned and
      // never read again. Uncommitted records are read again by the next owner.
      try {
        const position = await this.hooks.revoked(tp)
        if (lost) {
          this.notice(`lost ownership of ${key} (another member took it over); its uncommitted records will be read again`)
        } else if (position !== null) {
          await this.commitWith(ownership, position, this.hooks.commitMetadata?.(tp))
        }
      } finally {
        this.owned.delete(key)
        await ownership.release()
      }
    }
    // Take what is ours and free.
    let unclaimed = 0
    const taken: Array<{key: string; tp: TopicPartition; ownership: PartitionOwnership}> = []
    for (const [key, tp] of mine) {
      if (this.owned.has(key) || this.stopped) continue
      const ownership = new PartitionOwnership(this.dir, tp.topic, tp.partition, this.memberId, this.staleMs, this.clock)
      if (await ownership.tryAcquire(this.committedGeneration(tp))) taken.push({key, tp, ownership})
      else unclaimed++
    }
    // Start offsets are read under the group's lock, as commits are made: a
    // member that lost a partition either committed before this read or is
    // refused. Owned means handed to the consumer: a partition whose start
    // offset cannot be read (a damaged offsets file) is let go again, so a
    // later round takes it once repaired instead of holding it unread.
    let failure: unknown = null
    let starts: Array<number | null> = []
    try {
      if (taken.length > 0) {
        starts = await withGroupLock(this.dir, () =>
          taken.map(({tp}) => {
            try {
              return this.startOffset(tp)
            } catch (error) {
              failure ??= error
              return null
            }
          }),
        )
      }
    } catch (error) {
      // No lock, no start offsets: nothing taken stays held.
      failure = error
      starts = taken.map(() => null)
    }
    for (const [i, {key, tp, ownership}] of taken.entries()) {
      const start = starts[i]
      if (start === null) {
        await ownership.release()
        unclaimed++
        continue
      }
      this.owned.set(key, ownership)
      this.hooks.assigned(tp, start)
    }
    if (failure !== null) throw failure
    this.holdsAll = unclaimed === 0 && !this.stopped
    this.membership.heartbeat({owned: this.ownedPartitions, positions: this.hooks.positions()})
  }

  /** The committed offset, or the auto.offset.reset position when there is none or it fell out of the log. */
  startOffset(tp: TopicPartition): number {
    const atJoin = this.partitionsAtJoin.get(tp.topic)
    const addedSinceJoin = atJoin !== undefined && tp.partition >= atJoin
    return startOffsetFor(this.store, this.offsets, tp, this.topicIdOf(tp.topic), this.options, (m) => this.notice(m), addedSinceJoin)
  }


  /** The generation of the committed offset, which a new owner's generation must exceed. */
  private committedGeneration(tp: TopicPartition): number {
    const state = this.offsets.inspect(tp.topic, tp.partition)
    return state.kind === 'committed' ? state.committed.generation : 0
  }

  /** Commits `offset` (the next to read) for a partition this member owns. */
  async commit(tp: TopicPartition, offset: number, metadata?: string): Promise<CommitOutcome> {
    const ownership = this.owned.get(tpKey(tp))
    if (!ownership) return 'fenced'
    return this.commitWith(ownership, offset, metadata)
  }

  private async commitWith(ownership: PartitionOwnership, offset: number, metadata?: string): Promise<CommitOutcome> {
    if (!ownership.valid) return 'fenced'
    // The topic was deleted (and maybe created again) under us: what we read is not the topic's any more.
    const known = this.topicIds.get(ownership.topic)
    if (known !== undefined && this.currentTopicId(ownership.topic) !== known) return 'fenced'
    // Asked again under the group's lock: a takeover after the check above
    // would otherwise let this member write an offset the new owner never saw.
    return this.offsets.commit(ownership.topic, ownership.partition, offset, ownership.generation, this.memberId, known, () => ownership.valid, metadata)
  }

  /** The id of the topic as this member first saw it; kept, so a topic made anew under the name is told apart. */
  private topicIdOf(topic: string): string | undefined {
    if (!this.topicIds.has(topic)) {
      const id = this.currentTopicId(topic)
      if (id !== undefined) this.topicIds.set(topic, id)
    }
    return this.topicIds.get(topic)
  }

  private currentTopicId(topic: string): string | undefined {
    try {
      return this.store.readTopic(topic).id
    } catch {
      return undefined
    }
  }

  /** Clean exit: hand on and commit everything, release, and leave at once. */
  async leave(): Promise<void> {
    if (this.ticking) await this.ticking
    this.stopped = true
    for (const [key, ownership] of [...this.owned]) {
      const tp = {topic: ownership.topic, partition: ownership.partition}
      const position = await this.hooks.revoked(tp)
      if (position !== null) await this.commitWith(ownership, position, this.hooks.commitMetadata?.(tp))
      this.owned.delete(key)
      await ownership.release()
    }
    this.membership.leave()
  }

  private notice(message: string): void {
    this.options.onNotice?.(`group ${this.group}: ${message}`)
  }
}
