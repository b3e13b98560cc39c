/**
 * Consumer-group administration, in the form of kafka-consumer-groups:
 * list with state, describe offsets and lag per partition, reset offsets
 * (a plan first, applied only with execute), delete.
 */
import {lstatSync, readdirSync, rmSync, renameSync, unlinkSync, type Stats} from 'node:fs'
import {join} from 'node:path'
import {GroupNotEmptyError, LogpipeError, NotFoundError, StoreError, UsageError} from '../errors.js'
import {LogReader} from '../log/log-reader.js'
import type {Store} from '../store/store.js'
import {validateGroupName} from '../store/names.js'
import {assign, tpKey, type TopicPartition} from './assignors.js'
import {type ClassicGroupState, type CoordinatorFile, liveCoordinatedMembers} from './coordinator-file.js'
import {ensureGroup, groupDir} from './group-member.js'
import {groupStrategy, isMemberAlive, readMembers, type MemberInfo} from './membership.js'
import {type CommittedOffset, OffsetStore} from './offset-store.js'
import {withGroupLock} from './group-files.js'
import {listGroupNames} from '../store/layout.js'
import {type Clock, systemClock} from '../clock.js'
import {randomBytes} from '../random.js'

/** Kafka's states; a file-based group is never CompletingRebalance (no coordinator hands out its assignment). */
export type GroupState = ClassicGroupState

/** Who reads a partition, as describe shows it. */
interface Owner {
  memberId: string
  host: string
  clientId: string
  pid: number | null
  position: number | null
}

/** A member as describe shows it: a file-based one (with pid and positions) or a broker-coordinated one. */
export interface DescribedMember {
  memberId: string
  /** group.instance.id of a static member (KIP-345). */
  groupInstanceId: string | null
  clientId: string
  host: string
  pid: number | null
  topics: string[]
  owned: TopicPartition[]
  assignment: TopicPartition[]
  positions: Record<string, number>
}

export interface GroupSummary {
  group: string
  state: GroupState
  members: number
}

export interface PartitionLag {
  group: string
  topic: string
  partition: number
  currentOffset: number | null
  logEndOffset: number
  lag: number | null
  position: number | null
  consumerId: string | null
  host: string | null
  clientId: string | null
  pid: number | null
}

export interface GroupDescription {
  group: string
  state: GroupState
  /** The assignment strategy (a coordinated group's chosen protocol: range, roundrobin, cooperative-sticky, ...). */
  strategy: string | null
  /** Set when a broker coordinates the group. */
  coordinator: {brokerId: number; generation: number; protocolType: string | null; leader: string | null} | null
  members: DescribedMember[]
  partitions: PartitionLag[]
}

export type ResetSpec =
  | {kind: 'earliest'}
  | {kind: 'latest'}
  | {kind: 'current'}
  | {kind: 'offset'; offset: number}
  | {kind: 'shift'; by: number}
  | {kind: 'datetime'; timestamp: number}
  | {kind: 'file'; offsets: Map<string, number>}

export interface ResetPlanRow {
  group: string
  topic: string
  partition: number
  currentOffset: number | null
  newOffset: number
  note?: string
}

export interface GroupAdminOptions {
  /** One-line notices: damaged member files skipped, an interrupted reset finished. */
  onNotice?: (message: string) => void
  /** Judges whether members' heartbeats are within their session timeouts. */
  clock?: Clock
}

export class GroupAdmin {
  readonly store: Store
  private readonly onNotice?: (message: string) => void
  private readonly clock: Clock

  constructor(store: Store, options: GroupAdminOptions = {}) {
    this.store = store
    this.onNotice = options.onNotice
    this.clock = options.clock ?? systemClock
  }

  private dir(group: string): string {
    return groupDir(this.store, group)
  }

  /** The group directory's own entry, never what a link there points to. */
  private entry(group: string): Stats | null {
    try {
      return lstatSync(this.dir(group))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw error
    }
  }

  exists(group: string): boolean {
    return this.entry(group) !== null
  }

  private require(group: string): string {
    validateGroupName(group)
    const st = this.entry(group)
    if (!st) {
      throw new NotFoundError(`group '${group}' does not exist`, {hint: 'list groups with `logpipe group list`'})
    }
    if (!st.isDirectory()) {
      throw new StoreError(`${this.dir(group)} is not a directory${st.isSymbolicLink() ? ' but a symbolic link' : ''}; logpipe does not follow it`, {
        hint: `remove it with \`logpipe group delete ${group}\``,
      })
    }
    return this.dir(group)
  }

  private offsets(dir: string): OffsetStore {
    return new OffsetStore(dir, {onNotice: this.onNotice})
  }

  /** Live members; damaged member files are left out and said (a member's tick removes them). */
  private liveMembers(group: string, dir: string): MemberInfo[] {
    const now = this.clock.now()
    return readMembers(dir, (d) => this.onNotice?.(`group ${group}: ignoring damaged member file ${d.path}: ${d.why}`)).filter((m) => isMemberAlive(m, now))
  }

  listGroups(): GroupSummary[] {
    return listGroupNames(this.store.dataDir).map((group) => {
        const d = this.describeGroup(group)
        return {group, state: d.state, members: d.members.length}
      })
  }

  describeGroup(group: string): GroupDescription {
    const dir = this.require(group)
    const coordinated = liveCoordinatedMembers(dir)
    if (coordinated && coordinated.members.length > 0) return this.describeCoordinated(group, dir, coordinated.file)
    const members = this.liveMembers(group, dir)
    const offsets = this.offsets(dir).readAll()
    const topics = new Set<string>([...offsets.keys(), ...members.flatMap((m) => m.topics)])
    const partitionsPerTopic = this.partitionCounts(topics)
    const strategy = groupStrategy(members)
    const plan = strategy
      ? assign(strategy, members.map((m) => ({memberId: m.memberId, topics: m.topics, owned: m.owned ?? []})), partitionsPerTopic)
      : new Map<string, TopicPartition[]>()
    const ownerOf = new Map<string, Owner>()
    for (const m of members) {
      for (const tp of m.owned ?? []) ownerOf.set(tpKey(tp), {memberId: m.memberId, host: m.host, clientId: m.clientId, pid: m.pid, position: m.positions?.[tpKey(tp)] ?? null})
    }
    const subscribed = new Set(members.flatMap((m) => m.topics))
    let state: GroupState
    if (members.length === 0) state = offsets.size > 0 ? 'Empty' : 'Dead'
    else {
      const settled = members.every((m) => {
        const want = (plan.get(m.memberId) ?? []).map(tpKey).sort().join(',')
        const have = (m.owned ?? []).map(tpKey).sort().join(',')
        return want === have
      })
      state = settled ? 'Stable' : 'PreparingRebalance'
    }
    return {
      group,
      state,
      strategy,
      coordinator: null,
      members: members.map((m) => ({...m, groupInstanceId: null, assignment: plan.get(m.memberId) ?? []})),
      partitions: this.lagRows(group, offsets, partitionsPerTopic, subscribed, ownerOf),
    }
  }

  /**
   * The committed offset of every partition of `topics` (default: the
   * topics the group has offsets for); null where there is none, or only
   * one an earlier topic of that name left. A group that does not exist has none.
   */
  committedOffsets(group: string, topics?: string[]): Array<{topic: string; partition: number; offset: number | null}> {
    validateGroupName(group)
    const st = this.entry(group)
    const offsets = st?.isDirectory() ? this.offsets(this.dir(group)).readAll() : new Map<string, Map<number, {offset: number; topicId?: string}>>()
    const out: Array<{topic: string; partition: number; offset: number | null}> = []
    for (const topic of topics ?? [...offsets.keys()].sort()) {
      let meta
      try {
        meta = this.store.readTopic(topic)
      } catch (error) {
        if (topics && error instanceof NotFoundError) throw error
        continue
      }
      for (let p = 0; p < meta.partitions; p++) {
        const found = offsets.get(topic)?.get(p)
        const mine = found && (found.topicId === undefined || found.topicId === meta.id)
        out.push({topic, partition: p, offset: mine ? found.offset : null})
      }
    }
    return out
  }

  /**
   * A group a broker coordinates: its members are the coordinator's (kcat,
   * kafka-python, ...), each owning what its leader assigned, as
   * kafka-consumer-groups shows them; positions are the clients' own and
   * unknown here.
   */
  private describeCoordinated(group: string, dir: string, file: CoordinatorFile): GroupDescription {
    const offsets = this.offsets(dir).readAll()
    const topics = new Set<string>([...offsets.keys(), ...file.members.flatMap((m) => [...m.topics, ...m.assignment.map((tp) => tp.topic)])])
    const partitionsPerTopic = this.partitionCounts(topics)
    const ownerOf = new Map<string, Owner>()
    for (const m of file.members) {
      for (const tp of m.assignment) ownerOf.set(tpKey(tp), {memberId: m.memberId, host: m.clientHost, clientId: m.clientId, pid: null, position: null})
    }
    const subscribed = new Set(file.members.flatMap((m) => [...m.topics, ...m.assignment.map((tp) => tp.topic)]))
    return {
      group,
      state: file.state,
      strategy: file.protocol,
      coordinator: {brokerId: file.coordinator.brokerId, generation: file.generation, protocolType: file.protocolType, leader: file.leader},
      members: file.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        host: m.clientHost,
        pid: null,
        topics: m.topics,
        owned: m.assignment,
        assignment: m.assignment,
        positions: {},
      })),
      partitions: this.lagRows(group, offsets, partitionsPerTopic, subscribed, ownerOf),
    }
  }

  private partitionCounts(topics: Set<string>): Map<string, number> {
    const out = new Map<string, number>()
    for (const t of topics) {
      try {
        out.set(t, this.store.readTopic(t).partitions)
      } catch {}
    }
    return out
  }

  /** One row per partition with a committed offset or a subscriber: committed, log end, lag, owner. */
  private lagRows(group: string, offsets: Map<string, Map<number, CommittedOffset>>, partitionsPerTopic: Map<string, number>, subscribed: Set<string>, ownerOf: Map<string, Owner>): PartitionLag[] {
    const rows: PartitionLag[] = []
    for (const topic of [...partitionsPerTopic.keys()].sort()) {
      const n = partitionsPerTopic.get(topic)!
      let topicId: string | undefined
      try {
        topicId = this.store.readTopic(topic).id
      } catch {}
      for (let p = 0; p < n; p++) {
        const found = offsets.get(topic)?.get(p) ?? null
        // One a member of an earlier topic of that name committed is none of this one.
        const committed = found?.topicId !== undefined && found.topicId !== topicId ? null : found
        if (!committed && !subscribed.has(topic)) continue
        const end = this.logEnd(topic, p)
        const owner = ownerOf.get(`${topic}/${p}`) ?? null
        rows.push({
          group,
          topic,
          partition: p,
          currentOffset: committed?.offset ?? null,
          logEndOffset: end,
          lag: committed ? Math.max(0, end - committed.offset) : null,
          position: owner?.position ?? null,
          consumerId: owner?.memberId ?? null,
          host: owner?.host ?? null,
          clientId: owner?.clientId ?? null,
          pid: owner?.pid ?? null,
        })
      }
    }
    return rows
  }

  private logEnd(topic: string, partition: number): number {
    const r = this.reader(topic, partition)
    try {
      return r.logEndOffset()
    } finally {
      r.close()
    }
  }

  private reader(topic: string, partition: number): LogReader {
    return this.store.openReader(topic, partition)
  }

  /** The partitions named by --topic T[:P,...] (repeatable) or --all-topics. */
  resolvePartitions(group: string, topics: string[] | 'all'): TopicPartition[] {
    validateGroupName(group)
    const out: TopicPartition[] = []
    if (topics === 'all') {
      return this.offsets(this.require(group)).partitions()
    }
    for (const spec of topics) {
      const [topic, list] = spec.split(':', 2)
      const n = this.store.readTopic(topic).partitions
      if (list === undefined) {
        for (let p = 0; p < n; p++) out.push({topic, partition: p})
        continue
      }
      for (const item of list.split(',')) {
        if (!/^\d+$/.test(item)) throw new UsageError(`--topic ${spec}: '${item}' is not a partition number`)
        const p = Number(item)
        if (p >= n) throw new UsageError(`--topic ${spec}: partition ${p} does not exist (topic '${topic}' has 0..${n - 1})`)
        out.push({topic, partition: p})
      }
    }
    return out
  }

  /** Works out new offsets without changing anything. */
  planReset(group: string, partitions: TopicPartition[], spec: ResetSpec): ResetPlanRow[] {
    validateGroupName(group)
    // A group that does not exist yet has no offsets: resetting it pre-seeds them, as in Kafka.
    const dir = this.entry(group) ? this.require(group) : this.dir(group)
    const offsets = this.offsets(dir)
    return partitions.map((tp) => {
      const r = this.reader(tp.topic, tp.partition)
      try {
        const start = r.logStartOffset()
        const end = r.logEndOffset()
        // A damaged offsets file has no current offset; the reset replaces it.
        const state = offsets.inspect(tp.topic, tp.partition)
        const current = state.kind === 'committed' ? state.committed.offset : null
        const damaged = state.kind === 'damaged' ? `${state.path} is damaged (${state.why}); it will be replaced` : undefined
        return resetPlanRow(group, tp, spec, {start, end, current, damaged, offsetAt: (ts) => r.offsetForTimestamp(ts)})
      } finally {
        r.close()
      }
    })
  }

  /** Applies a plan, all of it or nothing even if killed; refused while the group has live members. */
  async executeReset(group: string, plan: ResetPlanRow[]): Promise<void> {
    validateGroupName(group)
    if (!this.entry(group)) await ensureGroup(this.store.dataDir, group, this.onNotice)
    const dir = this.require(group)
    await this.offsets(dir).resetAll(
      plan.map((row) => ({topic: row.topic, partition: row.partition, offset: row.newOffset})),
      () => this.refuseWhileLive(group, dir, 'reset offsets of'),
    )
  }

  refuseWhileLive(group: string, dir: string, what: string): void {
    const live = this.liveMembers(group, dir)
    if (live.length > 0) {
      throw new GroupNotEmptyError(`cannot ${what} group '${group}': it has ${live.length} live member(s)`, {
        hint: 'stop its consumers first (they leave at once on Ctrl-C), then try again',
      })
    }
    // Kafka refuses both while the group has members (NON_EMPTY_GROUP); so does a broker's coordinator here.
    const coordinated = liveCoordinatedMembers(dir)
    if (coordinated && coordinated.members.length > 0) {
      throw new GroupNotEmptyError(`cannot ${what} group '${group}': broker ${coordinated.file.coordinator.brokerId} coordinates it with ${coordinated.members.length} live member(s)`, {
        hint: 'stop its consumers (they leave the group when they close), then try again',
      })
    }
  }

  /**
   * Deletes the group: renamed away first (so a half-done delete is never
   * a half group), then removed without following any link inside it. A
   * link or file planted in the group's place is removed itself.
   */
  async deleteGroup(group: string): Promise<void> {
    validateGroupName(group)
    const st = this.entry(group)
    if (st && !st.isDirectory()) {
      unlinkSync(this.dir(group))
      return
    }
    const dir = this.require(group)
    const groups = join(this.store.dataDir, 'groups')
    const doomed = join(groups, `.deleting-${group}-${randomBytes(4).toString('hex')}`)
    await withGroupLock(dir, () => {
      this.refuseWhileLive(group, dir, 'delete')
      renameSync(dir, doomed)
    })
    rmSync(doomed, {recursive: true, force: true})
    // Deletes a kill -9 interrupted: renamed away already, so nobody's group.
    for (const name of readdirSync(groups)) {
      if (!name.startsWith('.deleting-')) continue
      try {
        rmSync(join(groups, name), {recursive: true, force: true})
        this.onNotice?.(`finished an interrupted group delete (${name})`)
      } catch {
        // Another delete is removing it at this moment.
      }
    }
  }
}

/** Parses an ISO-8601 duration PnDTnHnMnS (as Kafka's --by-duration takes) into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text)
  if (!m || text === 'P' || text.endsWith('T')) {
    throw new UsageError(`--by-duration: '${text}' is not a duration`, {hint: 'use PnDTnHnMnS, e.g. P1DT2H, PT30M, PT10S'})
  }
  const [, d, h, min, s] = m
  return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Math.round(Number(s ?? 0) * 1000)
}

/** Reads Kafka's reset-offsets CSV: topic,partition,offset per line (a leading group column is accepted). */
export function parseOffsetsCsv(text: string): Map<string, number> {
  const out = new Map<string, number>()
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return
    const cells = line.split(',').map((c) => c.trim())
    const [topic, partition, offset] = cells.length === 4 ? cells.slice(1) : cells
    if (cells.length < 3 || cells.length > 4 || !/^\d+$/.test(partition ?? '') || !/^\d+$/.test(offset ?? '')) {
      throw new UsageError(`--from-file line ${i + 1}: expected topic,partition,offset, got '${line}'`)
    }
    out.set(`${topic}/${partition}`, Number(offset))
  })
  return out
}

/** What a reset needs to know of one partition: its log's range, its committed offset and how to find an offset by time. */
export interface ResetPartitionState {
  start: number
  end: number
  /** null: nothing committed (or, with `damaged`, nothing readable). */
  current: number | null
  /** Why the committed offset could not be read; the reset replaces it. */
  damaged?: string
  /** The first offset at or after the time; the log end when there is none. */
  offsetAt: (timestamp: number) => number
}

/**
 * One row of a reset plan, by Kafka's rules: the spec's target for the
 * partition, clamped to the log's range and saying so. The file path and
 * the broker path (wire-group-admin.ts) both plan with it.
 */
export function resetPlanRow(group: string, tp: TopicPartition, spec: ResetSpec, p: ResetPartitionState): ResetPlanRow {
  const {start, end, current, damaged} = p
  let target: number
  switch (spec.kind) {
    case 'earliest':
      target = start
      break
    case 'latest':
      target = end
      break
    case 'current':
      target = current ?? end
      break
    case 'offset':
      target = spec.offset
      break
    case 'shift':
      if (current === null) {
        throw new LogpipeError(`${tpKey(tp)} has no ${damaged ? 'readable ' : ''}committed offset to shift`, {hint: 'use --to-earliest, --to-latest or --to-offset for it'})
      }
      target = current + spec.by
      break
    case 'datetime':
      target = p.offsetAt(spec.timestamp)
      break
    case 'file': {
      const v = spec.offsets.get(tpKey(tp))
      if (v === undefined) throw new UsageError(`--from-file has no offset for ${tpKey(tp)}`)
      target = v
      break
    }
  }
  const row: ResetPlanRow = {group, topic: tp.topic, partition: tp.partition, currentOffset: current, newOffset: target}
  if (damaged) row.note = damaged
  // Kafka clamps to the log's range and says so.
  let clamped: string | undefined
  if (target > end) {
    row.newOffset = end
    clamped = `${target} is beyond the log end offset ${end}; using ${end}`
  } else if (target < start) {
    row.newOffset = start
    clamped = `${target} is before the log start offset ${start}; using ${start}`
  }
  if (clamped) row.note = damaged ? `${damaged}; ${clamped}` : clamped
  return row
}
