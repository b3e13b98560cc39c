/**
 * Consumer-group administration, in the form of kafka-consumer-groups:
 * list with state, describe offsets and lag per partition, reset offsets
 * (a plan first, applied only with execute), delete.
 */
import {lstatSync, readdirSync, rmSync, renameSync, unlinkSync, type Stats} from 'node:fs'
import {join} from 'node:path'
import {randomBytes} from 'node:crypto'
import {LogpipeError, NotFoundError, StoreError, UsageError} from '../errors.js'
import {LogReader} from '../log/log-reader.js'
import type {Store} from '../store/store.js'
import {validateGroupName} from '../store/names.js'
import {assign, tpKey, type AssignmentStrategy, type TopicPartition} from './assignors.js'
import {groupDir} from './group-member.js'
import {groupStrategy, isMemberAlive, readMembers, type MemberInfo} from './membership.js'
import {OffsetStore} from './offset-store.js'
import {withGroupLock} from './group-files.js'
import {listGroupNames} from '../store/layout.js'

export type GroupState = 'Empty' | 'Stable' | 'PreparingRebalance' | 'Dead'

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
  strategy: AssignmentStrategy | null
  members: Array<MemberInfo & {assignment: TopicPartition[]}>
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
}

export class GroupAdmin {
  readonly store: Store
  private readonly onNotice?: (message: string) => void

  constructor(store: Store, options: GroupAdminOptions = {}) {
    this.store = store
    this.onNotice = options.onNotice
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
    const now = Date.now()
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
    const members = this.liveMembers(group, dir)
    const offsets = this.offsets(dir).readAll()
    const topics = new Set<string>([...offsets.keys(), ...members.flatMap((m) => m.topics)])
    const partitionsPerTopic = new Map<string, number>()
    const topicIds = new Map<string, string>()
    for (const t of topics) {
      try {
        const meta = this.store.readTopic(t)
        partitionsPerTopic.set(t, meta.partitions)
        topicIds.set(t, meta.id)
      } catch {}
    }
    const strategy = groupStrategy(members)
    const plan = strategy
      ? assign(strategy, members.map((m) => ({memberId: m.memberId, topics: m.topics, owned: m.owned ?? []})), partitionsPerTopic)
      : new Map<string, TopicPartition[]>()
    const ownerOf = new Map<string, MemberInfo>()
    for (const m of members) for (const tp of m.owned ?? []) ownerOf.set(tpKey(tp), m)

    const rows: PartitionLag[] = []
    for (const topic of [...topics].sort()) {
      const n = partitionsPerTopic.get(topic)
      if (n === undefined) continue
      const subscribed = members.some((m) => m.topics.includes(topic))
      for (let p = 0; p < n; p++) {
        const found = offsets.get(topic)?.get(p) ?? null
        // One a member of an earlier topic of that name committed is none of this one.
        const committed = found?.topicId !== undefined && found.topicId !== topicIds.get(topic) ? null : found
        if (!committed && !subscribed) continue
        const end = this.logEnd(topic, p)
        const owner = ownerOf.get(`${topic}/${p}`) ?? null
        rows.push({
          group,
          topic,
          partition: p,
          currentOffset: committed?.offset ?? null,
          logEndOffset: end,
          lag: committed ? Math.max(0, end - committed.offset) : null,
          position: owner?.positions?.[`${topic}/${p}`] ?? null,
          consumerId: owner?.memberId ?? null,
          host: owner?.host ?? null,
          clientId: owner?.clientId ?? null,
          pid: owner?.pid ?? null,
        })
      }
    }
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
      members: members.map((m) => ({...m, assignment: plan.get(m.memberId) ?? []})),
      partitions: rows,
    }
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
    const dir = this.require(group)
    const out: TopicPartition[] = []
    if (topics === 'all') {
      return this.offsets(dir).partitions()
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
    const dir = this.require(group)
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
            target = r.offsetForTimestamp(spec.timestamp)
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
      } finally {
        r.close()
      }
    })
  }

  /** Applies a plan, all of it or nothing even if killed; refused while the group has live members. */
  async executeReset(group: string, plan: ResetPlanRow[]): Promise<void> {
    const dir = this.require(group)
    await this.offsets(dir).resetAll(
      plan.map((row) => ({topic: row.topic, partition: row.partition, offset: row.newOffset})),
      () => this.refuseWhileLive(group, dir, 'reset offsets of'),
    )
  }

  refuseWhileLive(group: string, dir: string, what: string): void {
    const live = this.liveMembers(group, dir)
    if (live.length > 0) {
      throw new LogpipeError(`cannot ${what} group '${group}': it has ${live.length} live member(s)`, {
        hint: 'stop its consumers first (they leave at once on Ctrl-C), then try again',
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
