/**
 * One consumer group as the coordinator holds it in memory (Kafka's
 * GroupMetadata and MemberMetadata): its state, generation, protocol,
 * leader, members in join order, members that were handed an id and must
 * come back with it (KIP-394), static members by instance id (KIP-345),
 * and the deadlines the coordinator's tick judges. Only data and the rules
 * that read nothing but it; the transitions are in group-coordinator.ts.
 */
import type {ClassicGroupState, MemberIdentity} from '../group/coordinator-file.js'

export interface GroupProtocol {
  name: string
  metadata: Buffer
}

export interface JoinResult {
  error: GroupError
  generationId: number
  protocolType: string | null
  protocolName: string | null
  leader: string
  skipAssignment: boolean
  memberId: string
  /** Every member's metadata for the chosen protocol, for the leader only. */
  members: Array<{memberId: string; groupInstanceId: string | null; metadata: Buffer}>
}

export interface SyncResult {
  error: GroupError
  protocolType: string | null
  protocolName: string | null
  assignment: Buffer
}

/** Kafka's error names, as the protocol's error table spells them; the wire handlers map them to codes. */
export type GroupError =
  | 'NONE'
  | 'COORDINATOR_NOT_AVAILABLE'
  | 'NOT_COORDINATOR'
  | 'INVALID_GROUP_ID'
  | 'GROUP_ID_NOT_FOUND'
  | 'UNKNOWN_MEMBER_ID'
  | 'MEMBER_ID_REQUIRED'
  | 'ILLEGAL_GENERATION'
  | 'INCONSISTENT_GROUP_PROTOCOL'
  | 'INVALID_SESSION_TIMEOUT'
  | 'REBALANCE_IN_PROGRESS'
  | 'FENCED_INSTANCE_ID'
  | 'GROUP_MAX_SIZE_REACHED'
  | 'NON_EMPTY_GROUP'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'OFFSET_METADATA_TOO_LARGE'
  | 'UNKNOWN_SERVER_ERROR'

/** What a JoinGroup sets on its member, the first time and on every rejoin. */
export type JoinSettings = Omit<MemberIdentity, 'memberId' | 'groupInstanceId'> & {protocolType: string; protocols: GroupProtocol[]}

export class ClassicMember implements MemberIdentity {
  readonly memberId: string
  readonly groupInstanceId: string | null
  clientId!: string
  clientHost!: string
  sessionTimeoutMs!: number
  rebalanceTimeoutMs!: number
  protocolType!: string
  protocols!: GroupProtocol[]
  assignment: Buffer = Buffer.alloc(0)
  awaitingJoin: ((r: JoinResult) => void) | null = null
  awaitingSync: ((r: SyncResult) => void) | null = null
  lastHeartbeat: number
  /** Joined during the current rebalance and not yet through one: expires after the new-member timeout, not by heartbeats. */
  isNew = true

  constructor(init: JoinSettings & {memberId: string; groupInstanceId: string | null; now: number}) {
    this.memberId = init.memberId
    this.groupInstanceId = init.groupInstanceId
    this.lastHeartbeat = init.now
    this.join(init)
  }

  /** Takes what a JoinGroup says (a rejoin may change any of it but the ids). */
  join(s: JoinSettings): void {
    this.clientId = s.clientId
    this.clientHost = s.clientHost
    this.sessionTimeoutMs = s.sessionTimeoutMs
    this.rebalanceTimeoutMs = s.rebalanceTimeoutMs
    this.protocolType = s.protocolType
    this.protocols = s.protocols
  }

  metadataFor(protocol: string): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? Buffer.alloc(0)
  }

  /** Same protocols with the same metadata, in the same order: a rejoin that changes nothing. */
  sameProtocols(protocols: GroupProtocol[]): boolean {
    return protocols.length === this.protocols.length && protocols.every((p, i) => p.name === this.protocols[i].name && p.metadata.equals(this.protocols[i].metadata))
  }
}

export class ClassicGroup {
  readonly groupId: string
  state: ClassicGroupState = 'Empty'
  generationId = 0
  protocolType: string | null = null
  protocolName: string | null = null
  leaderId: string | null = null
  /** In join order: the first is the leader when a leader must be chosen. */
  readonly members = new Map<string, ClassicMember>()
  /** Ids handed out with MEMBER_ID_REQUIRED, each with the time it expires unless the member comes back. */
  readonly pendingMembers = new Map<string, number>()
  readonly staticMembers = new Map<string, string>()
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSync = new Set<string>()
  /** When the join phase (PreparingRebalance) ends at the latest. */
  joinDeadline: number | null = null
  /** Left of the initial rebalance delay after the current step (Kafka's InitialDelayedJoin). */
  initialDelayRemainingMs: number | null = null
  /** A member joined during the current step of the initial delay, so another step follows. */
  newMemberAdded = false
  syncDeadline: number | null = null

  constructor(groupId: string, generationId = 0) {
    this.groupId = groupId
    this.generationId = generationId
  }

  get isEmpty(): boolean {
    return this.members.size === 0
  }

  /** Kafka's selectProtocol: each member votes for its first choice among the protocols all members support. */
  selectProtocol(): string | null {
    const candidates = this.candidateProtocols()
    if (candidates.length === 0) return null
    const votes = new Map<string, number>()
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.includes(p.name))!.name
      votes.set(choice, (votes.get(choice) ?? 0) + 1)
    }
    // A tie goes to the earlier member's preference, so the choice does not depend on map order.
    let best: string | null = null
    for (const m of this.members.values()) {
      for (const p of m.protocols) {
        if (!votes.has(p.name)) continue
        if (best === null || votes.get(p.name)! > votes.get(best)!) best = p.name
      }
    }
    return best
  }

  /** The protocols every member supports, in the first member's order. */
  candidateProtocols(): string[] {
    const members = [...this.members.values()]
    if (members.length === 0) return []
    return members[0].protocols.map((p) => p.name).filter((name) => members.every((m) => m.protocols.some((q) => q.name === name)))
  }

  /** Kafka's supportsProtocols: the type matches and one of the member's protocols is one every member supports. */
  supportsProtocols(protocolType: string, protocols: GroupProtocol[]): boolean {
    if (this.isEmpty) return protocolType !== '' && protocols.length > 0
    if (this.protocolType !== protocolType) return false
    const members = [...this.members.values()]
    return protocols.some((p) => members.every((m) => m.protocols.some((q) => q.name === p.name)))
  }

  /** The largest rebalance timeout of the members: how long a join phase may last. */
  get rebalanceTimeoutMs(): number {
    let max = 0
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs)
    return max
  }

  get allMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false
    for (const m of this.members.values()) if (!m.awaitingJoin) return false
    return true
  }

  /** A static member's instance id is held by another member id: that one is fenced (KIP-345). */
  isStaticMemberFenced(groupInstanceId: string | null, memberId: string): boolean {
    if (groupInstanceId === null) return false
    const current = this.staticMembers.get(groupInstanceId)
    return current !== undefined && current !== memberId
  }
}
