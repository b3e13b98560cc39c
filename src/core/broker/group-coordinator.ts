/**
 * The broker's group coordinator for the classic consumer-group protocol
 * (Kafka's GroupCoordinator): JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
 * DescribeGroups, ListGroups, DeleteGroups, OffsetCommit and OffsetFetch
 * over the groups it holds in memory, with their committed offsets and
 * published membership in the store's `groups/<g>/` files (through a
 * GroupPersistence).
 *
 *   Empty ──join──> PreparingRebalance ──all joined, or rebalance timeout──> CompletingRebalance
 *     ^                 ^         |                                          | leader's SyncGroup
 *     └── last leaves ──┴─────────┴──── a member joins, leaves or times out ─┴──> Stable
 *
 * It is a pure, clock-driven state machine: nothing here sets a timer.
 * Every deadline (session timeouts, the rebalance timeout, the initial
 * rebalance delay, pending ids, SyncGroups not sent) is a time the `tick`
 * method compares with the injected Clock; the broker calls `tick` when
 * `onWake` asks, and a test moves a ManualClock and calls it itself.
 * JoinGroup and SyncGroup answer with promises that stay pending while the
 * protocol says the member waits (the long poll), and settle from a later
 * call or tick.
 */
import {randomUUID} from 'node:crypto'
import {type Clock, systemClock} from '../clock.js'
import type {ClassicGroupState, CoordinatorFile} from '../group/coordinator-file.js'
import {encodeAssignment, encodeSubscription} from '../group/consumer-protocol.js'
import {validateGroupName} from '../store/names.js'
import {ClassicGroup, ClassicMember, type GroupError, type GroupProtocol, type JoinResult, type SyncResult} from './classic-group.js'

export type {GroupError, GroupProtocol, JoinResult, SyncResult} from './classic-group.js'

export interface JoinGroupRequest {
  groupId: string
  /** '' for a member that has no id yet. */
  memberId: string
  groupInstanceId: string | null
  protocolType: string
  protocols: GroupProtocol[]
  sessionTimeoutMs: number
  /** JoinGroup v0 has none: the session timeout stands in. */
  rebalanceTimeoutMs: number
  clientId: string
  clientHost: string
  /** JoinGroup v4+: a new member is first handed an id and must come back with it (KIP-394). */
  requireKnownMemberId: boolean
}

export interface SyncGroupRequest {
  groupId: string
  memberId: string
  generationId: number
  groupInstanceId: string | null
  /** v5+; null when the request does not say. */
  protocolType: string | null
  protocolName: string | null
  assignments: Array<{memberId: string; assignment: Buffer}>
}

export interface HeartbeatRequest {
  groupId: string
  memberId: string
  generationId: number
  groupInstanceId: string | null
}

export interface LeavingMember {
  memberId: string
  groupInstanceId: string | null
}

export interface LeaveGroupResult {
  error: GroupError
  members: Array<LeavingMember & {error: GroupError}>
}

export interface DescribedGroup {
  groupId: string
  error: GroupError
  state: ClassicGroupState
  protocolType: string
  /** The chosen protocol while Stable, '' otherwise (as Kafka answers). */
  protocolData: string
  members: Array<{memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer}>
}

export interface ListedGroup {
  groupId: string
  protocolType: string
  state: ClassicGroupState
}

export interface OffsetToCommit {
  topic: string
  partition: number
  offset: number
  metadata: string | null
}

export interface OffsetCommitRequest {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
  offsets: OffsetToCommit[]
}

export interface CommitResult {
  topic: string
  partition: number
  error: GroupError
}

export interface FetchedOffset {
  topic: string
  partition: number
  /** -1 when the group has committed none. */
  offset: number
  metadata: string
  error: GroupError
}

/** Where another broker that coordinates a group listens (FindCoordinator's answer). */
export interface CoordinatorAddress {
  brokerId: number
  host: string
  port: number
}

/**
 * Where groups outlive the coordinator's memory: committed offsets and the
 * published membership. The broker's one is the store's group files
 * (group-files-persistence.ts).
 */
export interface GroupPersistence {
  /** The generation the group was last at, so a restarted coordinator continues above it; 0 when none is known. */
  lastGeneration(groupId: string): number
  /** Publishes the group's state and members (for `group describe` and file-based members). */
  save(group: ClassicGroup): void
  /** Another live broker coordinates the group (Kafka: leads its __consumer_offsets partition); null when this one may. */
  coordinatorElsewhere(groupId: string): CoordinatorAddress | null
  /** What the group's last coordinator published of it, for taking it over (Kafka's loadGroup); null when nothing was. */
  published(groupId: string): CoordinatorFile | null
  /** Members that are not the coordinator's (file-based ones) hold the group now. */
  heldElsewhere(groupId: string): boolean
  /** Writes the offsets; per partition, NONE or why not (an unknown topic or partition). */
  commitOffsets(groupId: string, memberId: string | null, offsets: OffsetToCommit[]): Promise<GroupError[]>
  /** The committed offsets asked for, or all of them when `partitions` is null. */
  fetchOffsets(groupId: string, partitions: Array<{topic: string; partition: number}> | null): FetchedOffset[]
  /** Groups the store holds that the coordinator may not (file-based groups, offsets only). */
  storedGroups(): ListedGroup[]
  /** Deletes the group's files: NONE, GROUP_ID_NOT_FOUND, or NON_EMPTY_GROUP while others hold it. */
  deleteGroup(groupId: string): Promise<GroupError>
}

export interface GroupCoordinatorOptions {
  persistence: GroupPersistence
  clock?: Clock
  /** group.initial.rebalance.delay.ms: how long an empty group waits for more members before its first rebalance (Kafka: 3000). */
  initialRebalanceDelayMs?: number
  /** group.min.session.timeout.ms (Kafka: 6000). */
  minSessionTimeoutMs?: number
  /** group.max.session.timeout.ms (Kafka: 1800000). */
  maxSessionTimeoutMs?: number
  /** group.max.size (Kafka: unbounded). */
  maxGroupSize?: number
  /** How long a member that joined during a rebalance may wait for it to end (Kafka: 5 minutes). */
  newMemberJoinTimeoutMs?: number
  /** offset.metadata.max.bytes (Kafka: 4096). */
  maxMetadataBytes?: number
  /** Asks to be ticked at (or after) this time: a deadline may have come earlier than the last one asked for. */
  onWake?: (at: number) => void
  /** One line per notable event (a rebalance, a member timed out). */
  onLog?: (line: string) => void
}

export const DEFAULT_INITIAL_REBALANCE_DELAY_MS = 3000
export const DEFAULT_MIN_SESSION_TIMEOUT_MS = 6000
export const DEFAULT_MAX_SESSION_TIMEOUT_MS = 1_800_000
const NEW_MEMBER_JOIN_TIMEOUT_MS = 300_000
const MAX_METADATA_BYTES = 4096

const noJoin = (memberId: string, error: GroupError): JoinResult => ({
  error,
  generationId: -1,
  protocolType: null,
  protocolName: null,
  leader: '',
  skipAssignment: false,
  memberId,
  members: [],
})

const noSync = (error: GroupError): SyncResult => ({error, protocolType: null, protocolName: null, assignment: Buffer.alloc(0)})

/** A member id from the client's id (or instance id) as Kafka makes them, kept to the characters a file name may hold. */
function newMemberId(prefix: string): string {
  const safe = prefix.replace(/[^a-zA-Z0-9._-]/g, '_').replace(/^\.+/, '').slice(0, 200)
  return `${safe || 'member'}-${randomUUID()}`
}

function validGroupId(groupId: string): boolean {
  try {
    validateGroupName(groupId)
    return true
  } catch {
    return false
  }
}

export class GroupCoordinator {
  private readonly groups = new Map<string, ClassicGroup>()
  private readonly persistence: GroupPersistence
  private readonly clock: Clock
  private readonly initialDelayMs: number
  private readonly minSessionMs: number
  private readonly maxSessionMs: number
  private readonly maxGroupSize: number
  private readonly newMemberJoinTimeoutMs: number
  private readonly maxMetadataBytes: number
  private readonly onWake?: (at: number) => void
  private readonly onLog?: (line: string) => void
  private closed = false

  constructor(options: GroupCoordinatorOptions) {
    this.persistence = options.persistence
    this.clock = options.clock ?? systemClock
    this.initialDelayMs = options.initialRebalanceDelayMs ?? DEFAULT_INITIAL_REBALANCE_DELAY_MS
    this.minSessionMs = options.minSessionTimeoutMs ?? DEFAULT_MIN_SESSION_TIMEOUT_MS
    this.maxSessionMs = options.maxSessionTimeoutMs ?? DEFAULT_MAX_SESSION_TIMEOUT_MS
    this.maxGroupSize = options.maxGroupSize ?? Number.POSITIVE_INFINITY
    this.newMemberJoinTimeoutMs = options.newMemberJoinTimeoutMs ?? NEW_MEMBER_JOIN_TIMEOUT_MS
    this.maxMetadataBytes = options.maxMetadataBytes ?? MAX_METADATA_BYTES
    this.onWake = options.onWake
    this.onLog = options.onLog
  }

  private get now(): number {
    return this.clock.now()
  }

  /** The group's in-memory state, for describing and for tests; undefined when the coordinator holds none. */
  group(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId)
  }

  // ---- JoinGroup -------------------------------------------------------

  joinGroup(req: JoinGroupRequest): Promise<JoinResult> {
    return new Promise((resolve) => {
      const group = this.join(req, resolve)
      if (group) this.settle(group)
    })
  }

  private join(req: JoinGroupRequest, respond: (r: JoinResult) => void): ClassicGroup | null {
    if (this.closed) return respond(noJoin(req.memberId, 'NOT_COORDINATOR')), null
    if (!validGroupId(req.groupId)) return respond(noJoin(req.memberId, 'INVALID_GROUP_ID')), null
    if (req.sessionTimeoutMs < this.minSessionMs || req.sessionTimeoutMs > this.maxSessionMs) {
      return respond(noJoin(req.memberId, 'INVALID_SESSION_TIMEOUT')), null
    }
    const held = this.lookup(req.groupId)
    if (held === 'elsewhere') return respond(noJoin(req.memberId, 'NOT_COORDINATOR')), null
    let group = held
    if (!group) {
      // A member id for a group the coordinator does not hold is one of an earlier coordinator's: rejoin without it.
      if (req.memberId !== '') return respond(noJoin(req.memberId, 'UNKNOWN_MEMBER_ID')), null
      group = new ClassicGroup(req.groupId, this.persistence.lastGeneration(req.groupId))
      this.groups.set(req.groupId, group)
    }
    if (group.state === 'Empty' && this.persistence.heldElsewhere(group.groupId)) {
      this.log(`group ${group.groupId}: refused a join from ${req.clientId}: the group's file-based members (logpipe consume -g) hold it`)
      this.forgetIfUnused(group)
      return respond(noJoin(req.memberId, 'INCONSISTENT_GROUP_PROTOCOL')), null
    }
    if (req.memberId === '') this.joinUnknown(group, req, respond)
    else this.joinKnown(group, req, respond)
    this.forgetIfUnused(group)
    return group
  }

  private joinUnknown(group: ClassicGroup, req: JoinGroupRequest, respond: (r: JoinResult) => void): void {
    if (group.state === 'Dead') return respond(noJoin('', 'COORDINATOR_NOT_AVAILABLE'))
    if (!group.supportsProtocols(req.protocolType, req.protocols)) return respond(noJoin('', 'INCONSISTENT_GROUP_PROTOCOL'))
    const staticId = req.groupInstanceId === null ? undefined : group.staticMembers.get(req.groupInstanceId)
    if (staticId === undefined && group.members.size + group.pendingMembers.size >= this.maxGroupSize) return respond(noJoin('', 'GROUP_MAX_SIZE_REACHED'))
    const memberId = newMemberId(req.groupInstanceId ?? req.clientId)
    if (staticId !== undefined) this.replaceStaticMember(group, staticId, memberId, req, respond)
    else if (req.groupInstanceId === null && req.requireKnownMemberId) {
      // KIP-394: the id is remembered for a session timeout; the member joins for real when it comes back with it.
      group.pendingMembers.set(memberId, this.now + req.sessionTimeoutMs)
      respond(noJoin(memberId, 'MEMBER_ID_REQUIRED'))
    } else this.addMember(group, memberId, req, respond)
  }

  private joinKnown(group: ClassicGroup, req: JoinGroupRequest, respond: (r: JoinResult) => void): void {
    const {memberId} = req
    if (group.state === 'Dead') return respond(noJoin(memberId, 'COORDINATOR_NOT_AVAILABLE'))
    if (!group.supportsProtocols(req.protocolType, req.protocols)) return respond(noJoin(memberId, 'INCONSISTENT_GROUP_PROTOCOL'))
    if (group.pendingMembers.has(memberId)) return this.addMember(group, memberId, req, respond)
    if (group.isStaticMemberFenced(req.groupInstanceId, memberId)) return respond(noJoin(memberId, 'FENCED_INSTANCE_ID'))
    const member = group.members.get(memberId)
    if (!member || group.state === 'Empty') return respond(noJoin(memberId, 'UNKNOWN_MEMBER_ID'))
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMember(group, member, req, respond)
      case 'CompletingRebalance':
        // The same metadata again: it missed the answer of this generation, which is still the group's.
        if (member.sameProtocols(req.protocols)) return respond(this.currentJoin(group, member))
        return this.updateMember(group, member, req, respond)
      case 'Stable':
        // A leader's rejoin asks for a new assignment (it saw metadata change); a follower's with nothing new does not.
        if (memberId === group.leaderId || !member.sameProtocols(req.protocols)) return this.updateMember(group, member, req, respond)
        return respond(this.currentJoin(group, member))
    }
  }

  private addMember(group: ClassicGroup, memberId: string, req: JoinGroupRequest, respond: (r: JoinResult) => void): void {
    group.pendingMembers.delete(memberId)
    const member = new ClassicMember({...req, memberId, now: this.now})
    if (group.isEmpty) group.protocolType = req.protocolType
    group.members.set(memberId, member)
    if (req.groupInstanceId !== null) group.staticMembers.set(req.groupInstanceId, memberId)
    group.leaderId ??= memberId
    if (group.initialDelayRemainingMs !== null) group.newMemberAdded = true
    member.awaitingJoin = respond
    this.log(`group ${group.groupId}: member ${memberId} (client ${req.clientId} at ${req.clientHost}) joins`)
    this.maybePrepareRebalance(group, `member ${memberId} joined`)
  }

  private updateMember(group: ClassicGroup, member: ClassicMember, req: JoinGroupRequest, respond: (r: JoinResult) => void): void {
    member.join(req)
    // A second JoinGroup while one waits: the client gave up on the first (a timeout, a new connection).
    member.awaitingJoin?.(noJoin(member.memberId, 'REBALANCE_IN_PROGRESS'))
    member.awaitingJoin = respond
    this.maybePrepareRebalance(group, `member ${member.memberId} rejoined`)
  }

  /**
   * KIP-345: a static member that restarts (a new JoinGroup with its
   * instance id and no member id) takes its old id's place. A Stable group
   * whose protocol does not change carries on without a rebalance; the old
   * id is fenced.
   */
  private replaceStaticMember(group: ClassicGroup, oldId: string, newId: string, req: JoinGroupRequest, respond: (r: JoinResult) => void): void {
    const old = group.members.get(oldId)!
    const currentLeader = group.leaderId
    old.awaitingJoin?.(noJoin(oldId, 'FENCED_INSTANCE_ID'))
    old.awaitingSync?.(noSync('FENCED_INSTANCE_ID'))
    const member = new ClassicMember({...req, memberId: newId, now: this.now})
    member.assignment = old.assignment
    member.isNew = false
    // Same place in the join order, so the choice of a later leader does not change.
    const entries = [...group.members.entries()].map(([id, m]): [string, ClassicMember] => (id === oldId ? [newId, member] : [id, m]))
    group.members.clear()
    for (const [id, m] of entries) group.members.set(id, m)
    group.staticMembers.set(req.groupInstanceId!, newId)
    if (group.leaderId === oldId) group.leaderId = newId
    if (group.pendingSync.delete(oldId)) group.pendingSync.add(newId)
    this.log(`group ${group.groupId}: static member ${req.groupInstanceId} came back as ${newId}, replacing ${oldId}`)
    member.awaitingJoin = respond
    switch (group.state) {
      case 'Stable':
        if (group.selectProtocol() === group.protocolName) {
          member.awaitingJoin = null
          this.save(group)
          // The old leader id, so a returning leader does not compute an assignment a Stable group would never hand out.
          respond({...this.currentJoin(group, member), leader: currentLeader ?? '', members: []})
        } else this.prepareRebalance(group, `static member ${req.groupInstanceId} changed its protocols`)
        return
      case 'CompletingRebalance':
        // The leader may be assigning to the old id: start over so the new id gets its share.
        return this.prepareRebalance(group, `static member ${req.groupInstanceId} came back during a rebalance`)
      default:
        this.save(group)
    }
  }

  private currentJoin(group: ClassicGroup, member: ClassicMember): JoinResult {
    const isLeader = member.memberId === group.leaderId
    return {
      error: 'NONE',
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      memberId: member.memberId,
      members: isLeader ? this.memberMetadata(group) : [],
    }
  }

  private memberMetadata(group: ClassicGroup): JoinResult['members'] {
    return [...group.members.values()].map((m) => ({memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadataFor(group.protocolName ?? '')}))
  }

  private maybePrepareRebalance(group: ClassicGroup, why: string): void {
    if (group.state === 'Stable' || group.state === 'CompletingRebalance' || group.state === 'Empty') this.prepareRebalance(group, why)
  }

  private prepareRebalance(group: ClassicGroup, why: string): void {
    if (group.state === 'CompletingRebalance') {
      // The assignment being made is for a membership that no longer holds.
      for (const m of group.members.values()) {
        m.awaitingSync?.(noSync('REBALANCE_IN_PROGRESS'))
        m.awaitingSync = null
      }
    }
    group.pendingSync.clear()
    group.syncDeadline = null
    const timeout = group.rebalanceTimeoutMs
    if (group.state === 'Empty') {
      // Kafka's InitialDelayedJoin: members of a new group tend to arrive together; wait for them before the first assignment.
      const delay = Math.min(this.initialDelayMs, timeout)
      group.initialDelayRemainingMs = Math.max(timeout - this.initialDelayMs, 0)
      group.newMemberAdded = false
      group.joinDeadline = this.now + delay
    } else {
      group.initialDelayRemainingMs = null
      group.joinDeadline = this.now + timeout
    }
    group.state = 'PreparingRebalance'
    this.log(`group ${group.groupId}: preparing to rebalance (generation ${group.generationId}): ${why}`)
    this.save(group)
  }

  /** Ends the join phase when it may: at once when everyone rejoined, else at the deadline (the initial delay only at its deadline). */
  private maybeCompleteJoin(group: ClassicGroup): void {
    if (group.state !== 'PreparingRebalance' || group.joinDeadline === null) return
    const due = this.now >= group.joinDeadline
    if (group.initialDelayRemainingMs !== null) {
      if (!due) return
      if (group.newMemberAdded && group.initialDelayRemainingMs > 0) {
        const delay = Math.min(this.initialDelayMs, group.initialDelayRemainingMs)
        group.initialDelayRemainingMs = Math.max(group.initialDelayRemainingMs - this.initialDelayMs, 0)
        group.newMemberAdded = false
        group.joinDeadline = this.now + delay
        return
      }
    } else if (!due && !group.allMembersJoined) return
    this.completeJoin(group)
  }

  private completeJoin(group: ClassicGroup): void {
    // Dynamic members that did not rejoin in time are gone; static ones keep their place until their session ends.
    for (const m of [...group.members.values()]) {
      if (!m.awaitingJoin && m.groupInstanceId === null) this.removeMember(group, m, 'UNKNOWN_MEMBER_ID', 'did not rejoin in time')
    }
    const joined = [...group.members.values()].filter((m) => m.awaitingJoin)
    if (joined.length === 0 && !group.isEmpty) {
      // Only static members that have not rejoined: wait another rebalance timeout for them (or their sessions to end).
      group.initialDelayRemainingMs = null
      group.joinDeadline = this.now + group.rebalanceTimeoutMs
      return
    }
    if (group.leaderId === null || !group.members.get(group.leaderId)?.awaitingJoin) group.leaderId = joined[0]?.memberId ?? null
    group.initialDelayRemainingMs = null
    group.joinDeadline = null
    group.generationId++
    if (group.isEmpty) {
      group.state = 'Empty'
      group.protocolName = null
      this.log(`group ${group.groupId}: generation ${group.generationId} has no members`)
      this.save(group)
      return
    }
    group.protocolName = group.selectProtocol()
    group.state = 'CompletingRebalance'
    const now = this.now
    for (const m of group.members.values()) {
      m.isNew = false
      m.lastHeartbeat = now
      group.pendingSync.add(m.memberId)
    }
    group.syncDeadline = now + group.rebalanceTimeoutMs
    this.log(`group ${group.groupId}: generation ${group.generationId} with ${group.members.size} member(s), protocol ${group.protocolName}, leader ${group.leaderId}`)
    this.save(group)
    for (const m of group.members.values()) {
      const respond = m.awaitingJoin
      m.awaitingJoin = null
      respond?.(this.currentJoin(group, m))
    }
  }

  // ---- SyncGroup -------------------------------------------------------

  syncGroup(req: SyncGroupRequest): Promise<SyncResult> {
    return new Promise((resolve) => {
      const group = this.sync(req, resolve)
      if (group) this.settle(group)
    })
  }

  private sync(req: SyncGroupRequest, respond: (r: SyncResult) => void): ClassicGroup | null {
    if (this.closed) return respond(noSync('NOT_COORDINATOR')), null
    const group = this.lookup(req.groupId)
    if (group === 'elsewhere') return respond(noSync('NOT_COORDINATOR')), null
    if (!group) return respond(noSync('UNKNOWN_MEMBER_ID')), null
    if (group.state === 'Dead') return respond(noSync('COORDINATOR_NOT_AVAILABLE')), null
    if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return respond(noSync('FENCED_INSTANCE_ID')), null
    const member = group.members.get(req.memberId)
    if (!member) return respond(noSync('UNKNOWN_MEMBER_ID')), null
    if (req.generationId !== group.generationId) return respond(noSync('ILLEGAL_GENERATION')), null
    if ((req.protocolType !== null && req.protocolType !== group.protocolType) || (req.protocolName !== null && req.protocolName !== group.protocolName)) {
      return respond(noSync('INCONSISTENT_GROUP_PROTOCOL')), null
    }
    switch (group.state) {
      case 'Empty':
        return respond(noSync('UNKNOWN_MEMBER_ID')), null
      case 'PreparingRebalance':
        return respond(noSync('REBALANCE_IN_PROGRESS')), null
      case 'Stable':
        this.synced(group, member)
        respond(this.assignmentOf(group, member))
        return group
      case 'CompletingRebalance': {
        member.awaitingSync = respond
        this.synced(group, member)
        if (req.memberId !== group.leaderId) return group
        const given = new Map(req.assignments.map((a) => [a.memberId, a.assignment]))
        for (const m of group.members.values()) m.assignment = given.get(m.memberId) ?? Buffer.alloc(0)
        group.state = 'Stable'
        this.log(`group ${group.groupId}: generation ${group.generationId} is stable`)
        this.save(group)
        for (const m of group.members.values()) {
          const waiting = m.awaitingSync
          m.awaitingSync = null
          waiting?.(this.assignmentOf(group, m))
        }
        return group
      }
    }
  }

  private synced(group: ClassicGroup, member: ClassicMember): void {
    member.lastHeartbeat = this.now
    group.pendingSync.delete(member.memberId)
    if (group.pendingSync.size === 0) group.syncDeadline = null
  }

  private assignmentOf(group: ClassicGroup, member: ClassicMember): SyncResult {
    return {error: 'NONE', protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment}
  }

  // ---- Heartbeat and LeaveGroup -----------------------------------------

  heartbeat(req: HeartbeatRequest): GroupError {
    if (this.closed) return 'NOT_COORDINATOR'
    const group = this.lookup(req.groupId)
    if (group === 'elsewhere') return 'NOT_COORDINATOR'
    if (!group) return 'UNKNOWN_MEMBER_ID'
    if (group.state === 'Dead') return 'COORDINATOR_NOT_AVAILABLE'
    if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return 'FENCED_INSTANCE_ID'
    const member = group.members.get(req.memberId)
    if (!member) return 'UNKNOWN_MEMBER_ID'
    if (req.generationId !== group.generationId) return 'ILLEGAL_GENERATION'
    member.lastHeartbeat = this.now
    // PreparingRebalance: the member must rejoin; its heartbeat still keeps it alive until it does.
    return group.state === 'PreparingRebalance' ? 'REBALANCE_IN_PROGRESS' : 'NONE'
  }

  /** LeaveGroup: v0-2 name one member (the handler takes the first result's error), v3+ a batch, by member id or by instance id alone. */
  leaveGroup(groupId: string, leaving: LeavingMember[]): LeaveGroupResult {
    if (this.closed) return {error: 'NOT_COORDINATOR', members: []}
    const group = this.lookup(groupId)
    if (group === 'elsewhere') return {error: 'NOT_COORDINATOR', members: []}
    if (!group) return {error: 'NONE', members: leaving.map((m) => ({...m, error: 'UNKNOWN_MEMBER_ID'}))}
    if (group.state === 'Dead') return {error: 'COORDINATOR_NOT_AVAILABLE', members: []}
    const members = leaving.map((l): LeavingMember & {error: GroupError} => {
      if (l.memberId === '') {
        const current = l.groupInstanceId === null ? undefined : group.staticMembers.get(l.groupInstanceId)
        if (current === undefined) return {...l, error: 'UNKNOWN_MEMBER_ID'}
        this.removeMember(group, group.members.get(current)!, 'UNKNOWN_MEMBER_ID', 'left (removed by instance id)')
        return {...l, error: 'NONE'}
      }
      if (group.pendingMembers.delete(l.memberId)) return {...l, error: 'NONE'}
      if (group.isStaticMemberFenced(l.groupInstanceId, l.memberId)) return {...l, error: 'FENCED_INSTANCE_ID'}
      const member = group.members.get(l.memberId)
      if (!member) return {...l, error: 'UNKNOWN_MEMBER_ID'}
      this.removeMember(group, member, 'UNKNOWN_MEMBER_ID', 'left')
      return {...l, error: 'NONE'}
    })
    this.settle(group)
    return {error: 'NONE', members}
  }

  /** Takes a member out, answers what it waits on, and moves the group on (Kafka's removeMemberAndUpdateGroup). */
  private removeMember(group: ClassicGroup, member: ClassicMember, error: GroupError, why: string): void {
    group.members.delete(member.memberId)
    if (member.groupInstanceId !== null && group.staticMembers.get(member.groupInstanceId) === member.memberId) group.staticMembers.delete(member.groupInstanceId)
    group.pendingSync.delete(member.memberId)
    if (group.pendingSync.size === 0) group.syncDeadline = null
    const join = member.awaitingJoin
    const sync = member.awaitingSync
    member.awaitingJoin = null
    member.awaitingSync = null
    join?.(noJoin(member.memberId, error))
    sync?.(noSync(error))
    if (group.leaderId === member.memberId) group.leaderId = group.members.keys().next().value ?? null
    this.log(`group ${group.groupId}: member ${member.memberId} ${why}`)
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.prepareRebalance(group, `member ${member.memberId} ${why}`)
        break
      case 'PreparingRebalance':
        // settle() completes the join if everyone left has rejoined.
        this.save(group)
        break
    }
  }

  // ---- Describe, list, delete ------------------------------------------

  describeGroups(groupIds: string[]): DescribedGroup[] {
    return groupIds.map((groupId): DescribedGroup => {
      const none = {groupId, protocolType: '', protocolData: '', members: []}
      if (this.closed) return {...none, error: 'NOT_COORDINATOR', state: 'Dead'}
      if (!validGroupId(groupId)) return {...none, error: 'INVALID_GROUP_ID', state: 'Dead'}
      const group = this.groups.get(groupId)
      if (!group) {
        // Known only to the store (offsets, file-based members): as Kafka describes a group it loaded with no members.
        const stored = this.persistence.storedGroups().find((g) => g.groupId === groupId)
        return stored ? {...none, error: 'NONE', state: stored.state, protocolType: stored.protocolType} : {...none, error: 'NONE', state: 'Dead'}
      }
      const stable = group.state === 'Stable'
      return {
        groupId,
        error: 'NONE',
        state: group.state,
        protocolType: group.protocolType ?? '',
        protocolData: stable ? (group.protocolName ?? '') : '',
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          metadata: stable ? m.metadataFor(group.protocolName ?? '') : Buffer.alloc(0),
          assignment: stable ? m.assignment : Buffer.alloc(0),
        })),
      }
    })
  }

  /** Every group the coordinator or the store holds, optionally only those in the given states (ListGroups v4). */
  listGroups(states: ClassicGroupState[] = []): ListedGroup[] {
    const out = new Map<string, ListedGroup>()
    for (const g of this.persistence.storedGroups()) out.set(g.groupId, g)
    for (const g of this.groups.values()) {
      if (g.state !== 'Dead') out.set(g.groupId, {groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state})
    }
    return [...out.values()].filter((g) => states.length === 0 || states.includes(g.state)).sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0))
  }

  async deleteGroups(groupIds: string[]): Promise<Array<{groupId: string; error: GroupError}>> {
    const out: Array<{groupId: string; error: GroupError}> = []
    for (const groupId of groupIds) {
      if (this.closed) {
        out.push({groupId, error: 'NOT_COORDINATOR'})
        continue
      }
      if (!validGroupId(groupId)) {
        out.push({groupId, error: 'INVALID_GROUP_ID'})
        continue
      }
      const group = this.groups.get(groupId)
      if (group && group.state !== 'Empty') {
        out.push({groupId, error: group.state === 'Dead' ? 'GROUP_ID_NOT_FOUND' : 'NON_EMPTY_GROUP'})
        continue
      }
      const error = await this.persistence.deleteGroup(groupId)
      // A join may have arrived while the files were being removed: that group lives on, anew.
      const now = this.groups.get(groupId)
      if (error === 'NONE' && now && now.state === 'Empty' && now.isEmpty) {
        now.state = 'Dead'
        this.groups.delete(groupId)
      }
      out.push({groupId, error: group && error === 'GROUP_ID_NOT_FOUND' ? 'NONE' : error})
    }
    return out
  }

  // ---- Offsets -----------------------------------------------------------

  async commitOffsets(req: OffsetCommitRequest): Promise<CommitResult[]> {
    const all = (error: GroupError) => req.offsets.map((o) => ({topic: o.topic, partition: o.partition, error}))
    if (this.closed) return all('NOT_COORDINATOR')
    if (!validGroupId(req.groupId)) return all('INVALID_GROUP_ID')
    const held = this.lookup(req.groupId)
    if (held === 'elsewhere') return all('NOT_COORDINATOR')
    let group = held
    const managed = req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null
    if (!group) {
      // A commit of a consumer that manages its own partitions (generation -1, no member): Kafka makes the group for it.
      if (managed) return all('ILLEGAL_GENERATION')
      group = new ClassicGroup(req.groupId, this.persistence.lastGeneration(req.groupId))
      this.groups.set(req.groupId, group)
    }
    let memberId: string | null = null
    if (group.state === 'Dead') return all('COORDINATOR_NOT_AVAILABLE')
    if (managed) {
      if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return all('FENCED_INSTANCE_ID')
      const member = group.members.get(req.memberId)
      if (!member) return all('UNKNOWN_MEMBER_ID')
      if (req.generationId !== group.generationId) return all('ILLEGAL_GENERATION')
      // It has this generation's JoinGroup answer but has not synced: it will have its assignment soon.
      if (group.state === 'CompletingRebalance') return all('REBALANCE_IN_PROGRESS')
      member.lastHeartbeat = this.now
      memberId = member.memberId
    } else if (group.state !== 'Empty') {
      // While the group has members, only they commit.
      return all('UNKNOWN_MEMBER_ID')
    } else if (this.persistence.heldElsewhere(group.groupId)) {
      this.forgetIfUnused(group)
      return all('UNKNOWN_MEMBER_ID')
    }
    const results: CommitResult[] = []
    const accepted: OffsetToCommit[] = []
    for (const o of req.offsets) {
      if (o.metadata !== null && Buffer.byteLength(o.metadata) > this.maxMetadataBytes) results.push({topic: o.topic, partition: o.partition, error: 'OFFSET_METADATA_TOO_LARGE'})
      else if (!Number.isSafeInteger(o.offset) || o.offset < 0) results.push({topic: o.topic, partition: o.partition, error: 'UNKNOWN_SERVER_ERROR'})
      else accepted.push(o)
    }
    const errors = await this.persistence.commitOffsets(req.groupId, memberId, accepted)
    accepted.forEach((o, i) => results.push({topic: o.topic, partition: o.partition, error: errors[i]}))
    // Back in request order.
    const order = new Map(req.offsets.map((o, i) => [`${o.topic}/${o.partition}`, i]))
    return results.sort((a, b) => order.get(`${a.topic}/${a.partition}`)! - order.get(`${b.topic}/${b.partition}`)!)
  }

  /** OffsetFetch: the partitions asked for (-1 where none is committed), or every committed one when `partitions` is null. */
  fetchOffsets(groupId: string, partitions: Array<{topic: string; partition: number}> | null): {error: GroupError; offsets: FetchedOffset[]} {
    if (this.closed) return {error: 'NOT_COORDINATOR', offsets: []}
    if (!validGroupId(groupId)) return {error: 'INVALID_GROUP_ID', offsets: []}
    return {error: 'NONE', offsets: this.persistence.fetchOffsets(groupId, partitions)}
  }

  // ---- Which broker coordinates ----------------------------------------

  /**
   * FindCoordinator's answer: the live broker that holds the group now, or
   * null for this one (the group is new, or its coordinator is gone and
   * this broker takes it over when the members come).
   */
  coordinatorOf(groupId: string): CoordinatorAddress | null {
    if (!validGroupId(groupId)) return null
    return this.persistence.coordinatorElsewhere(groupId)
  }

  /**
   * The group as this coordinator holds it. Another live broker's group is
   * 'elsewhere' (Kafka's NOT_COORDINATOR), and one this broker held in
   * memory is let go. A group this broker does not hold, whose coordinator
   * is gone, is taken over from what that one published.
   */
  private lookup(groupId: string): ClassicGroup | undefined | 'elsewhere' {
    if (!validGroupId(groupId)) return undefined
    if (this.persistence.coordinatorElsewhere(groupId)) {
      const group = this.groups.get(groupId)
      if (group) this.letGo(group)
      return 'elsewhere'
    }
    return this.groups.get(groupId) ?? this.takeOver(groupId)
  }

  /**
   * Kafka's loadGroup, as a new coordinator reads __consumer_offsets: the
   * members, generation, protocol, leader and assignments the last
   * coordinator published, each member's session starting now. A Stable
   * group stays Stable, so its members heartbeat and commit under the
   * generation they have, with no rebalance; a group caught in a rebalance
   * starts that rebalance again (the assignment being made is lost) and its
   * members rejoin with their ids. A group with no generation yet, or no
   * members, is not taken over: it starts anew from its generation.
   */
  private takeOver(groupId: string): ClassicGroup | undefined {
    const file = this.persistence.published(groupId)
    if (!file || file.members.length === 0 || file.protocolType === null || file.protocol === null) return undefined
    if (file.state !== 'Stable' && file.state !== 'CompletingRebalance' && file.state !== 'PreparingRebalance') return undefined
    const group = new ClassicGroup(groupId, Math.max(file.generation, this.persistence.lastGeneration(groupId)))
    const consumer = file.protocolType === 'consumer'
    group.protocolType = file.protocolType
    group.protocolName = file.protocol
    for (const m of file.members) {
      // The bytes the member and its leader sent, where the file kept them; else what the decoded fields say.
      const protocols = m.protocols?.map((p) => ({name: p.name, metadata: Buffer.from(p.metadata, 'base64')})) ?? [{name: file.protocol, metadata: consumer ? encodeSubscription(m.topics) : Buffer.alloc(0)}]
      const member = new ClassicMember({
        ...m,
        protocolType: file.protocolType,
        protocols,
        now: this.now,
      })
      member.isNew = false
      member.assignment = m.assignmentData !== undefined ? Buffer.from(m.assignmentData, 'base64') : consumer ? encodeAssignment(m.assignment) : Buffer.alloc(0)
      group.members.set(m.memberId, member)
      if (m.groupInstanceId !== null) group.staticMembers.set(m.groupInstanceId, m.memberId)
    }
    group.leaderId = file.leader !== null && group.members.has(file.leader) ? file.leader : (group.members.keys().next().value ?? null)
    group.state = 'Stable'
    this.groups.set(groupId, group)
    const from = `broker ${file.coordinator.brokerId} (pid ${file.coordinator.pid}), gone`
    if (file.state === 'Stable') {
      this.log(`group ${groupId}: took over generation ${group.generationId} with ${group.members.size} member(s) from ${from}`)
      this.save(group)
    } else {
      this.prepareRebalance(group, `took it over from ${from}, in ${file.state} of generation ${group.generationId}`)
    }
    this.settle(group)
    return group
  }

  /** Another broker coordinates the group now: what waits here is told NOT_COORDINATOR and the group is forgotten, its file left to that broker. */
  private letGo(group: ClassicGroup): void {
    this.groups.delete(group.groupId)
    answerWaitingNotCoordinator(group)
    this.log(`group ${group.groupId}: another broker coordinates it now; this one lets go of generation ${group.generationId}`)
  }

  // ---- Time ------------------------------------------------------------

  /** Judges every deadline that has passed: expired sessions and pending ids, SyncGroups not sent, join phases that end. */
  tick(): void {
    for (const group of [...this.groups.values()]) {
      // A coordinator that was paused past its session judges nothing of a group another broker took over meanwhile.
      if (this.persistence.coordinatorElsewhere(group.groupId)) this.letGo(group)
      else this.expire(group)
    }
  }

  private expire(group: ClassicGroup): void {
    const now = this.now
    for (const [id, deadline] of [...group.pendingMembers]) {
      if (now >= deadline) group.pendingMembers.delete(id)
    }
    for (const m of [...group.members.values()]) {
      const deadline = this.memberDeadline(m)
      if (deadline !== null && now >= deadline && group.members.get(m.memberId) === m) {
        this.removeMember(group, m, 'UNKNOWN_MEMBER_ID', m.isNew ? 'waited too long for the rebalance to end' : `timed out (no heartbeat for ${m.sessionTimeoutMs} ms)`)
      }
    }
    if ((group.state === 'CompletingRebalance' || group.state === 'Stable') && group.syncDeadline !== null && now >= group.syncDeadline) {
      for (const id of [...group.pendingSync]) {
        const m = group.members.get(id)
        if (m) this.removeMember(group, m, 'UNKNOWN_MEMBER_ID', 'did not send SyncGroup within the rebalance timeout')
      }
      group.pendingSync.clear()
      group.syncDeadline = null
    }
    this.maybeCompleteJoin(group)
  }

  /** When a member is gone unless it is heard from; null while it waits on the coordinator. */
  private memberDeadline(m: ClassicMember): number | null {
    if (m.isNew) return m.lastHeartbeat + this.newMemberJoinTimeoutMs
    if (m.awaitingJoin || m.awaitingSync) return null
    return m.lastHeartbeat + m.sessionTimeoutMs
  }

  /** The earliest time at which `tick` has something to judge; null when nothing waits on time. */
  nextDeadline(): number | null {
    let next: number | null = null
    for (const g of this.groups.values()) {
      const at = this.groupDeadline(g)
      if (at !== null && (next === null || at < next)) next = at
    }
    return next
  }

  private groupDeadline(g: ClassicGroup): number | null {
    let next: number | null = null
    const consider = (at: number | null) => {
      if (at !== null && (next === null || at < next)) next = at
    }
    consider(g.joinDeadline)
    consider(g.syncDeadline)
    for (const at of g.pendingMembers.values()) consider(at)
    for (const m of g.members.values()) consider(this.memberDeadline(m))
    return next
  }

  /** After a change: complete what may complete now, and ask to be woken for the group's next deadline. */
  private settle(group: ClassicGroup): void {
    this.maybeCompleteJoin(group)
    const at = this.groupDeadline(group)
    if (at !== null) this.onWake?.(at)
  }

  /**
   * The broker is stopping: everyone waiting is told NOT_COORDINATOR (a
   * client then looks for the coordinator again), and nothing more is
   * accepted. The published membership dies with the broker's process.
   */
  close(): void {
    this.closed = true
    for (const g of this.groups.values()) answerWaitingNotCoordinator(g)
  }

  /** A group made for a request that was refused holds nothing: the store's view of it stands (ListGroups, DescribeGroups). */
  private forgetIfUnused(group: ClassicGroup): void {
    if (group.state === 'Empty' && group.isEmpty && group.pendingMembers.size === 0) this.groups.delete(group.groupId)
  }

  private save(group: ClassicGroup): void {
    try {
      this.persistence.save(group)
    } catch (error) {
      // The coordinator's memory is the truth while it runs; the file is what others see of it.
      this.log(`group ${group.groupId}: cannot publish its membership: ${(error as Error).message}`)
    }
  }

  private log(line: string): void {
    this.onLog?.(line)
  }
}

/** Members waiting on a JoinGroup or SyncGroup answer are told NOT_COORDINATOR (so their clients look for the coordinator again). */
function answerWaitingNotCoordinator(group: ClassicGroup): void {
  for (const m of group.members.values()) {
    const join = m.awaitingJoin
    const sync = m.awaitingSync
    m.awaitingJoin = null
    m.awaitingSync = null
    join?.(noJoin(m.memberId, 'NOT_COORDINATOR'))
    sync?.(noSync('NOT_COORDINATOR'))
  }
}
