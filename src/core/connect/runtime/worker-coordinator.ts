/**
 * Kafka's WorkerCoordinator, on the data directory: the workers of one
 * group.id are members of the group groups/<group.id>/ (the store's group
 * membership, a heartbeat file each); the LEADER is the live member that
 * joined first (Kafka's first member to join), and it alone computes the
 * assignment of connectors and tasks (incremental-cooperative-assignor.ts
 * or eager-assignor.ts, as connect.protocol says) and writes it
 * with a new generation to groups/<group.id>/connect-assignment.json
 * (Kafka hands it out in the SyncGroup response). Every worker reads it.
 *
 * A worker also publishes what it runs (its claim) in
 * groups/<group.id>/connect/<member-id>.json, rewritten at each tick. A
 * worker starts an assigned connector or task only once no other live
 * worker claims it: the worker it moved away from stops it, flushes or
 * commits its offsets and only then drops it from its claim, so a clean
 * move sends nothing twice. A claim counts while its process lives (on
 * this host) or, from another host, for session.timeout.ms after its last
 * rewrite, so after kill -9 the next owner starts at once from what was
 * flushed (at least once). Nothing in these files is trusted: a file that
 * does not check is passed over.
 */
import {hostname} from 'node:os'
import {join} from 'node:path'
import {ensureDirs, isRecord, listNames, readGroupJson, unlinkIfSame, writeGroupJson} from '../../group/group-files.js'
import {liveMembers, Membership, newMemberId} from '../../group/membership.js'
import {isAlive} from '../../lock/partition-lock.js'
import type {WorkerLoad} from './eager-assignor.js'

export interface GroupAssignment {
  generation: number
  leader: string
  /** The leader's REST URL, where requests for the leader go. */
  leaderUrl: string
  members: string[]
  /** Per member; under the incremental cooperative protocol also a departed member's, while its parts wait for it. */
  loads: Record<string, WorkerLoad>
  /** Epoch ms until which a departed worker's parts wait (scheduled.rebalance.max.delay.ms), or null. */
  delayUntil: number | null
}

export interface WorkerClaim extends WorkerLoad {
  memberId: string
  workerId: string
  url: string
  host: string
  pid: number
  /** Epoch ms of the last rewrite. */
  at: number
  generation: number
}

const ASSIGNMENT_FILE = 'connect-assignment.json'
const CLAIMS_DIR = 'connect'
const MAX_ITEMS = 100_000

export class WorkerCoordinator {
  readonly memberId = newMemberId('connect-worker')
  private readonly membership: Membership

  constructor(
    readonly groupDir: string,
    private readonly workerId: () => string,
    private readonly url: () => string,
    private readonly sessionTimeoutMs: number,
  ) {
    this.membership = new Membership(groupDir, {memberId: this.memberId, clientId: workerId(), topics: [], strategy: 'range', sessionTimeoutMs})
  }

  join(): void {
    ensureDirs(this.groupDir, CLAIMS_DIR)
    this.membership.join()
  }

  heartbeat(): void {
    this.membership.heartbeat()
  }

  /** The live members' ids, sorted, and the leader among them (the first to join). */
  members(): {ids: string[]; leader: string | null} {
    const live = liveMembers(this.groupDir)
    let first: (typeof live)[number] | null = null
    for (const m of live) if (!first || m.joinedAt < first.joinedAt || (m.joinedAt === first.joinedAt && m.memberId < first.memberId)) first = m
    return {ids: live.map((m) => m.memberId).sort(), leader: first?.memberId ?? null}
  }

  assignment(): GroupAssignment | null {
    const r = readGroupJson(join(this.groupDir, ASSIGNMENT_FILE), checkAssignment)
    return r.kind === 'ok' ? r.value : null
  }

  /** The leader's part: writes the assignment under a new generation when it differs from the one in force. Returns the one in force. */
  lead(members: string[], loads: Map<string, WorkerLoad>, delayUntil: number | null = null): GroupAssignment {
    const now = this.assignment()
    const next: GroupAssignment = {generation: (now?.generation ?? 0) + 1, leader: this.memberId, leaderUrl: this.url(), members, loads: Object.fromEntries(loads), delayUntil}
    const same = (a: GroupAssignment) => JSON.stringify([a.leader, a.leaderUrl, a.members, sortedLoads(a.loads), a.delayUntil])
    if (now && same(now) === same(next)) return now
    writeGroupJson(join(this.groupDir, ASSIGNMENT_FILE), next)
    return next
  }

  /** Publishes what this worker runs. */
  claim(generation: number, load: WorkerLoad): void {
    const c: WorkerClaim = {memberId: this.memberId, workerId: this.workerId(), url: this.url(), host: hostname(), pid: process.pid, at: Date.now(), generation, connectors: [...load.connectors].sort(), tasks: [...load.tasks].sort()}
    writeGroupJson(this.claimPath(this.memberId), c, {sync: false})
  }

  /** The claims of the other workers still alive. */
  othersClaims(): WorkerClaim[] {
    return this.liveClaims().filter((c) => c.memberId !== this.memberId)
  }

  liveClaims(): WorkerClaim[] {
    const dir = join(this.groupDir, CLAIMS_DIR)
    const out: WorkerClaim[] = []
    const now = Date.now()
    for (const name of listNames(dir)) {
      const m = /^(.+)\.json$/.exec(name)
      if (!m || name.startsWith('.')) continue
      const r = readGroupJson(join(dir, name), (v) => checkClaim(v, m[1]))
      if (r.kind !== 'ok') continue
      const c = r.value
      const alive = c.host === hostname() ? isAlive(c.pid) : now - c.at <= this.sessionTimeoutMs
      if (alive) out.push(c)
    }
    return out
  }

  /** Leaves the group: the claim goes first (everything it named is stopped by now), then the membership. */
  leave(): void {
    unlinkIfSame(this.claimPath(this.memberId), null)
    this.membership.leave()
  }

  private claimPath(memberId: string): string {
    return join(this.groupDir, CLAIMS_DIR, `${memberId}.json`)
  }
}

function sortedLoads(loads: Record<string, WorkerLoad>): [string, WorkerLoad][] {
  return Object.entries(loads).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

function isNames(v: unknown): v is string[] {
  return Array.isArray(v) && v.length <= MAX_ITEMS && v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 300)
}

function checkLoad(v: unknown): WorkerLoad | string {
  if (!isRecord(v) || !isNames(v.connectors) || !isNames(v.tasks)) return 'a load is not {connectors, tasks}'
  return {connectors: v.connectors, tasks: v.tasks}
}

function checkAssignment(v: unknown): GroupAssignment | string {
  if (!isRecord(v)) return 'it is not a JSON object'
  if (!Number.isSafeInteger(v.generation) || (v.generation as number) < 1) return 'generation is not a positive integer'
  if (typeof v.leader !== 'string' || typeof v.leaderUrl !== 'string' || !isNames(v.members)) return 'leader or members is wrong'
  if (!isRecord(v.loads)) return 'loads is not an object'
  const loads: Record<string, WorkerLoad> = {}
  for (const [member, load] of Object.entries(v.loads)) {
    const l = checkLoad(load)
    if (typeof l === 'string') return l
    loads[member] = l
  }
  const delayUntil = v.delayUntil === undefined || v.delayUntil === null ? null : v.delayUntil
  if (delayUntil !== null && (typeof delayUntil !== 'number' || !Number.isFinite(delayUntil))) return 'delayUntil is not a time'
  return {generation: v.generation as number, leader: v.leader, leaderUrl: v.leaderUrl, members: v.members, loads, delayUntil}
}

function checkClaim(v: unknown, fileId: string): WorkerClaim | string {
  if (!isRecord(v) || v.memberId !== fileId) return "it is not a claim of the file's member"
  const l = checkLoad(v)
  if (typeof l === 'string') return l
  if (typeof v.workerId !== 'string' || typeof v.url !== 'string' || typeof v.host !== 'string') return 'workerId, url or host is not a string'
  if (!Number.isSafeInteger(v.pid) || (v.pid as number) <= 0 || typeof v.at !== 'number' || !Number.isSafeInteger(v.generation)) return 'pid, at or generation is wrong'
  return {memberId: fileId, workerId: v.workerId, url: v.url, host: v.host, pid: v.pid as number, at: v.at, generation: v.generation as number, ...l}
}
