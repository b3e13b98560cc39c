/**
 * Group membership: each member is a process with a file at
 * `groups/<group>/members/<member-id>.json` that it rewrites on every
 * heartbeat. A member whose heartbeat is older than its session timeout is
 * dead; so is one whose process is gone from this host (no need to wait).
 * The file also publishes the member's owned partitions and positions, so
 * `group describe` and the other members can see them.
 */
import {mkdirSync, readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {randomBytes} from 'node:crypto'
import {isAlive} from '../lock/partition-lock.js'
import type {AssignmentStrategy, TopicPartition} from './assignors.js'

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

/** Every member file, live or not, sorted by member id. */
export function readMembers(groupDir: string): MemberInfo[] {
  const dir = membersDir(groupDir)
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const out: MemberInfo[] = []
  for (const name of names) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue
    try {
      out.push(JSON.parse(readFileSync(join(dir, name), 'utf8')) as MemberInfo)
    } catch {
      // Mid-rename or removed a moment ago: the next look will see it.
    }
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

/** Removes files of members that are dead (any member may tidy up). */
export function removeDeadMembers(groupDir: string, now = Date.now()): MemberInfo[] {
  const dead = readMembers(groupDir).filter((m) => !isMemberAlive(m, now))
  for (const m of dead) {
    try {
      unlinkSync(join(membersDir(groupDir), `${m.memberId}.json`))
    } catch {}
  }
  return dead
}

export function newMemberId(clientId: string): string {
  return `${clientId}-${randomBytes(8).toString('hex')}`
}

/** This process's membership: join, heartbeat, leave. */
export class Membership {
  readonly groupDir: string
  info: MemberInfo
  private left = false

  constructor(groupDir: string, info: Omit<MemberInfo, 'heartbeatAt' | 'joinedAt' | 'owned' | 'positions' | 'host' | 'pid'>) {
    this.groupDir = groupDir
    this.info = {...info, host: hostname(), pid: process.pid, joinedAt: new Date().toISOString(), heartbeatAt: Date.now(), owned: [], positions: {}}
  }

  get path(): string {
    return join(membersDir(this.groupDir), `${this.info.memberId}.json`)
  }

  join(): void {
    mkdirSync(membersDir(this.groupDir), {recursive: true, mode: 0o700})
    this.heartbeat()
  }

  /** Rewrites the member file (rename makes it atomic; no fsync: a heartbeat need not survive a machine crash). */
  heartbeat(update: Partial<Pick<MemberInfo, 'owned' | 'positions'>> = {}): void {
    if (this.left) return
    this.info = {...this.info, ...update, heartbeatAt: Date.now()}
    const tmp = `${this.path}.${randomBytes(4).toString('hex')}.tmp`
    writeFileSync(tmp, JSON.stringify(this.info) + '\n')
    renameSync(tmp, this.path)
  }

  leave(): void {
    this.left = true
    try {
      unlinkSync(this.path)
    } catch {}
  }
}
