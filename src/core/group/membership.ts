/**
 * Group membership: each member is a process with a file at
 * `groups/<group>/members/<member-id>.json` that it rewrites on every
 * heartbeat. A member whose heartbeat is older than its session timeout is
 * dead; so is one whose process is gone from this host (no need to wait).
 * The file also publishes the member's owned partitions and positions, so
 * `group describe` and the other members can see them.
 */
import {hostname} from 'node:os'
import {join} from 'node:path'
import {isAlive} from '../lock/partition-lock.js'
import {type Clock, systemClock} from '../clock.js'
import {validateMemberId, validateTopicName} from '../store/names.js'
import {ASSIGNMENT_STRATEGIES, type AssignmentStrategy, type TopicPartition} from './assignors.js'
import {ensureDirs, inodeOf, isOffset, isPartition, isRecord, listNames, readGroupJson, unlinkIfSame, writeGroupJson} from './group-files.js'
import {randomBytes} from '../random.js'

export interface MemberInfo {
  memberId: string
  clientId: string
  host: string
  pid: number
  topics: string[]
  strategy: AssignmentStrategy
  sessionTimeoutMs: number
  joinedAt: string
  /** Epoch ms of the last heartbeat. */
  heartbeatAt: number
  owned: TopicPartition[]
  /** Position (next offset to hand out) per "topic/partition". */
  positions: Record<string, number>
}

export function membersDir(groupDir: string): string {
  return join(groupDir, 'members')
}

export function isMemberAlive(m: MemberInfo, now = Date.now()): boolean {
  if (now - m.heartbeatAt > m.sessionTimeoutMs) return false
  if (m.host === hostname() && !isAlive(m.pid)) return false
  return true
}

export interface DamagedMember {
  path: string
  why: string
  /** The inode read, so that only that file is removed. */
  ino: bigint | null
}

const MEMBER_FILE = /^(.+)\.json$/

/**
 * Every member file, live or not, sorted by member id. The member is named
 * by the file's own name, never by a field inside it; a file whose content
 * does not check (or names another member) is damaged and left out, told
 * to `onDamaged`.
 */
export function readMembers(groupDir: string, onDamaged?: (d: DamagedMember) => void): MemberInfo[] {
  const dir = membersDir(groupDir)
  const names = listNames(dir)
  const out: MemberInfo[] = []
  for (const name of names) {
    const m = MEMBER_FILE.exec(name)
    if (!m || name.startsWith('.')) continue
    const path = join(dir, name)
    const ino = inodeOf(path)
    const r = readGroupJson(path, (v) => checkMember(v, m[1]))
    // Removed a moment ago (a member left): nothing to say.
    if (r.kind === 'missing') continue
    if (r.kind === 'damaged') onDamaged?.({path, why: r.why, ino})
    else out.push(r.value)
  }
  return out.sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
}

export function liveMembers(groupDir: string, now = Date.now()): MemberInfo[] {
  return readMembers(groupDir).filter((m) => isMemberAlive(m, now))
}

/**
 * The group's assignment strategy: the one of its longest-standing member
 * (earliest join, then lowest id). Every member divides the partitions
 * with it, so members started with different --assignment values still
 * agree on one plan instead of each leaving partitions to the other.
 */
export function groupStrategy(members: MemberInfo[]): AssignmentStrategy | null {
  let first: MemberInfo | null = null
  for (const m of members) {
    if (!first || m.joinedAt < first.joinedAt || (m.joinedAt === first.joinedAt && m.memberId < first.memberId)) first = m
  }
  return first?.strategy ?? null
}

/**
 * Removes files of members that are dead (any member may tidy up), and
 * damaged member files, saying so: whose they were cannot be known, and a
 * live member's next heartbeat writes its file anew. Every path removed is
 * the listing's own name in the members directory.
 */
export function removeDeadMembers(groupDir: string, now = Date.now(), onNotice?: (message: string) => void): MemberInfo[] {
  const damaged: DamagedMember[] = []
  const dead = readMembers(groupDir, (d) => damaged.push(d)).filter((m) => !isMemberAlive(m, now))
  for (const m of dead) unlinkIfSame(memberPath(groupDir, m.memberId), null)
  for (const d of damaged) {
    if (unlinkIfSame(d.path, d.ino)) onNotice?.(`removed damaged member file ${d.path}: ${d.why}`)
  }
  return dead
}

function memberPath(groupDir: string, memberId: string): string {
  return join(membersDir(groupDir), `${validateMemberId(memberId)}.json`)
}

const MAX_ID = 249

function checkMember(v: unknown, fileId: string): MemberInfo | string {
  if (!isRecord(v)) return 'it is not a JSON object'
  if (typeof v.memberId !== 'string') return 'memberId is not a string'
  if (v.memberId !== fileId) return `memberId '${v.memberId.slice(0, 60)}' is not the file's name`
  try {
    validateMemberId(fileId)
  } catch {
    return 'the file name is not a valid member id'
  }
  if (typeof v.clientId !== 'string' || v.clientId.length > MAX_ID) return 'clientId is not a string'
  if (typeof v.host !== 'string' || v.host.length > 255) return 'host is not a string'
  if (!Number.isSafeInteger(v.pid) || (v.pid as number) <= 0) return 'pid is not a process id'
  if (!Array.isArray(v.topics) || !v.topics.every(validTopic)) return 'topics is not a list of topic names'
  if (!ASSIGNMENT_STRATEGIES.includes(v.strategy as AssignmentStrategy)) return 'strategy is not an assignment strategy'
  if (!Number.isSafeInteger(v.sessionTimeoutMs) || (v.sessionTimeoutMs as number) <= 0) return 'sessionTimeoutMs is not a positive integer'
  if (typeof v.joinedAt !== 'string') return 'joinedAt is not a string'
  if (typeof v.heartbeatAt !== 'number' || !Number.isFinite(v.heartbeatAt)) return 'heartbeatAt is not a time'
  if (!Array.isArray(v.owned) || !v.owned.every((tp) => isRecord(tp) && validTopic(tp.topic) && isPartition(tp.partition))) {
    return 'owned is not a list of partitions'
  }
  if (!isRecord(v.positions)) return 'positions is not an object'
  for (const [key, offset] of Object.entries(v.positions)) {
    const at = key.lastIndexOf('/')
    if (at < 0 || !validTopic(key.slice(0, at)) || !/^\d{1,10}$/.test(key.slice(at + 1)) || !isPartition(Number(key.slice(at + 1))) || !isOffset(offset)) {
      return `positions has a bad entry '${key.slice(0, 60)}'`
    }
  }
  return {
    memberId: v.memberId,
    clientId: v.clientId,
    host: v.host,
    pid: v.pid as number,
    topics: v.topics as string[],
    strategy: v.strategy as AssignmentStrategy,
    sessionTimeoutMs: v.sessionTimeoutMs as number,
    joinedAt: v.joinedAt,
    heartbeatAt: v.heartbeatAt,
    owned: (v.owned as Array<Record<string, unknown>>).map((tp) => ({topic: tp.topic as string, partition: tp.partition as number})),
    positions: v.positions as Record<string, number>,
  }
}

function validTopic(topic: unknown): topic is string {
  if (typeof topic !== 'string') return false
  try {
    validateTopicName(topic)
    return true
  } catch {
    return false
  }
}

export function newMemberId(clientId: string): string {
  return `${clientId}-${randomBytes(8).toString('hex')}`
}

/** This process's membership: join, heartbeat, leave. */
export class Membership {
  readonly groupDir: string
  info: MemberInfo
  private left = false
  private readonly clock: Clock

  constructor(groupDir: string, info: Omit<MemberInfo, 'heartbeatAt' | 'joinedAt' | 'owned' | 'positions' | 'host' | 'pid'>, clock: Clock = systemClock) {
    this.groupDir = groupDir
    this.clock = clock
    validateMemberId(info.memberId)
    const now = clock.now()
    this.info = {...info, host: hostname(), pid: process.pid, joinedAt: new Date(now).toISOString(), heartbeatAt: now, owned: [], positions: {}}
  }

  get path(): string {
    return memberPath(this.groupDir, this.info.memberId)
  }

  join(): void {
    ensureDirs(this.groupDir, 'members')
    this.heartbeat()
  }

  /** Rewrites the member file (rename makes it atomic; no fsync: a heartbeat need not survive a machine crash). */
  heartbeat(update: Partial<Pick<MemberInfo, 'owned' | 'positions' | 'topics'>> = {}): void {
    if (this.left) return
    this.info = {...this.info, ...update, heartbeatAt: this.clock.now()}
    writeGroupJson(this.path, this.info, {sync: false})
  }

  leave(): void {
    this.left = true
    unlinkIfSame(this.path, null)
  }
}
