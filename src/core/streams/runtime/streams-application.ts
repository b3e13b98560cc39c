/**
 * A Kafka Streams application as the store knows it, for `stream list`
 * and `stream describe`: its consumer group (named by application.id),
 * its internal topics (Kafka's naming: `<app>-...-changelog`,
 * `<app>-...-repartition`, the foreign-key join topics), and what
 * KafkaStreams saves at start in `streams/<app>/application.json` (the
 * topology description, the sub-topologies' input topics, the stores and
 * their changelogs), which is what makes tasks and stores describable.
 *
 * The saved file is read as untrusted: a damaged one is said and the app
 * described without it.
 */
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {GroupAdmin, type GroupDescription, type PartitionLag} from '../../group/group-admin.js'
import {NotFoundError, UsageError} from '../../errors.js'
import type {Store} from '../../store/store.js'

export const APPLICATION_FILE = 'application.json'

export interface SavedSubtopology {
  id: number
  /** Full topic names (a pattern's matches at start). */
  sources: string[]
  patterns: string[]
  stores: string[]
}

export interface SavedApplication {
  applicationId: string
  savedAt: number
  topology: string
  subtopologies: SavedSubtopology[]
  globalTopics: string[]
  stores: Array<{name: string; changelog: string | null}>
}

/** Kafka's StreamsResetter.matchesInternalTopicFormat, for one application. */
export function isInternalTopic(applicationId: string, topic: string): boolean {
  if (!topic.startsWith(`${applicationId}-`)) return false
  return (
    topic.endsWith('-changelog') ||
    topic.endsWith('-repartition') ||
    topic.endsWith('-subscription-registration-topic') ||
    topic.endsWith('-subscription-response-topic') ||
    /-KTABLE-FK-JOIN-SUBSCRIPTION-(REGISTRATION|RESPONSE)-\d+-topic$/.test(topic)
  )
}

/** An application.id is part of topic and directory names: the characters Kafka allows in topic names, and never `.` or `..` (`streams/..` is the data directory). */
export function checkApplicationId(applicationId: string): string {
  if (!/^[a-zA-Z0-9._-]+$/.test(applicationId) || applicationId === '.' || applicationId === '..') {
    throw new UsageError(`${JSON.stringify(applicationId)} is not an application.id`, {hint: 'an application.id has only letters, digits, ".", "_" and "-"'})
  }
  return applicationId
}

export function stateDir(store: Store, applicationId: string): string {
  return join(store.dataDir, 'streams', checkApplicationId(applicationId))
}

/** Written at every start: whoever describes the app later sees the topology that last ran. */
export function saveApplication(store: Store, app: SavedApplication): void {
  const dir = stateDir(store, app.applicationId)
  mkdirSync(dir, {recursive: true})
  const path = join(dir, APPLICATION_FILE)
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(app, null, 2)}\n`)
  renameSync(tmp, path)
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string')

export function readApplication(store: Store, applicationId: string, onNotice?: (message: string) => void): SavedApplication | null {
  const path = join(stateDir(store, applicationId), APPLICATION_FILE)
  if (!existsSync(path)) return null
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
    const subs = v.subtopologies as unknown[]
    const stores = v.stores as unknown[]
    const ok =
      v.applicationId === applicationId &&
      typeof v.topology === 'string' &&
      typeof v.savedAt === 'number' &&
      strings(v.globalTopics) &&
      Array.isArray(subs) &&
      subs.every((s) => {
        const o = s as Record<string, unknown>
        return typeof o === 'object' && o !== null && Number.isInteger(o.id) && strings(o.sources) && strings(o.patterns) && strings(o.stores)
      }) &&
      Array.isArray(stores) &&
      stores.every((s) => {
        const o = s as Record<string, unknown>
        return typeof o === 'object' && o !== null && typeof o.name === 'string' && (o.changelog === null || typeof o.changelog === 'string')
      })
    if (!ok) throw new Error('not an application description')
    return v as unknown as SavedApplication
  } catch (error) {
    onNotice?.(`${path} is damaged (${(error as Error).message}); describing ${applicationId} without it`)
    return null
  }
}

export interface ApplicationSummary {
  applicationId: string
  /** The group's state (Kafka's names), or null when the app has no group. */
  state: string | null
  members: number
  inputTopics: string[]
  internalTopics: string[]
  /** Whether the topology was saved by a run. */
  topologyKnown: boolean
}

export interface TaskDescription {
  taskId: string
  partitions: Array<{topic: string; partition: number}>
  /** The member owning the task's partitions (client id and pid), null when none does. */
  owner: string | null
}

export interface ApplicationDescription extends ApplicationSummary {
  topology: string | null
  tasks: TaskDescription[] | null
  /** Committed offset, log end and lag of each input partition (repartition topics included). */
  lag: PartitionLag[]
  /** Each store's changelog, its record count, its cleanup.policy and, where that deletes (windowed stores), its retention.ms (null: no changelog topic, or one that only compacts). */
  stores: Array<{name: string; changelog: string | null; changelogRecords: number | null; cleanupPolicy: string | null; retentionMs: number | null}>
  globalTopics: string[]
}

export class StreamsApplications {
  private readonly groups: GroupAdmin

  constructor(private readonly store: Store, private readonly onNotice?: (message: string) => void) {
    this.groups = new GroupAdmin(store, {onNotice})
  }

  /** Apps with a saved topology, and groups with internal topics of their name. */
  list(): ApplicationSummary[] {
    const ids = new Set<string>()
    const streamsDir = join(this.store.dataDir, 'streams')
    if (existsSync(streamsDir)) {
      for (const e of readdirSync(streamsDir, {withFileTypes: true})) if (e.isDirectory() && existsSync(join(streamsDir, e.name, APPLICATION_FILE))) ids.add(e.name)
    }
    const topics = this.store.listTopics()
    for (const g of this.groups.listGroups()) if (topics.some((t) => isInternalTopic(g.group, t))) ids.add(g.group)
    return [...ids].sort().map((id) => this.summary(id, readApplication(this.store, id, this.onNotice), topics))
  }

  describe(applicationId: string): ApplicationDescription {
    checkApplicationId(applicationId)
    const saved = readApplication(this.store, applicationId, this.onNotice)
    const topics = this.store.listTopics()
    const group = this.group(applicationId)
    if (!saved && !group && !topics.some((t) => isInternalTopic(applicationId, t))) {
      throw new NotFoundError(`no Streams application ${applicationId} in this store`, {hint: 'list them with `logpipe stream list`; an app is known once it ran (`logpipe stream run`)'})
    }
    const summary = this.summary(applicationId, saved, topics, group)
    const inputs = new Set([...summary.inputTopics, ...summary.internalTopics.filter((t) => t.endsWith('-repartition') || t.endsWith('-topic'))])
    const lag = (group?.partitions ?? []).filter((p) => inputs.has(p.topic))
    return {
      ...summary,
      topology: saved?.topology ?? null,
      tasks: saved ? this.tasks(saved, group) : null,
      lag,
      globalTopics: saved?.globalTopics ?? [],
      stores: (saved?.stores ?? []).map((s) => {
        const exists = s.changelog !== null && this.store.topicExists(s.changelog)
        const config = exists ? this.store.topicConfig(s.changelog!) : null
        return {...s, changelogRecords: exists ? this.records(s.changelog!) : null, cleanupPolicy: config?.['cleanup.policy'] ?? null, retentionMs: config?.['cleanup.policy'].includes('delete') ? config['retention.ms'] : null}
      }),
    }
  }

  private group(applicationId: string): GroupDescription | null {
    return this.groups.exists(applicationId) ? this.groups.describeGroup(applicationId) : null
  }

  private summary(id: string, saved: SavedApplication | null, topics: string[], group = this.group(id)): ApplicationSummary {
    const internal = topics.filter((t) => isInternalTopic(id, t)).sort()
    const fromGroup = (group?.partitions ?? []).map((p) => p.topic)
    const inputs = saved ? saved.subtopologies.flatMap((s) => s.sources) : fromGroup
    return {
      applicationId: id,
      state: group?.state ?? null,
      members: group?.members.length ?? 0,
      inputTopics: [...new Set(inputs.filter((t) => !isInternalTopic(id, t)))].sort(),
      internalTopics: internal,
      topologyKnown: saved !== null,
    }
  }

  /** One task per sub-topology and partition of its inputs (`<sub>_<partition>`), owned by whoever owns those partitions. */
  private tasks(saved: SavedApplication, group: GroupDescription | null): TaskDescription[] {
    const out: TaskDescription[] = []
    const ownerOf = new Map<string, string>()
    for (const m of group?.members ?? []) for (const tp of m.owned) ownerOf.set(`${tp.topic}/${tp.partition}`, `${m.clientId}${m.pid === null ? '' : ` (pid ${m.pid})`}`)
    for (const s of saved.subtopologies) {
      const counts = s.sources.filter((t) => this.store.topicExists(t)).map((t) => this.store.readTopic(t).partitions)
      const n = Math.max(0, ...counts)
      for (let p = 0; p < n; p++) {
        const partitions = s.sources.filter((t) => this.store.topicExists(t) && this.store.readTopic(t).partitions > p).map((topic) => ({topic, partition: p}))
        const owner = partitions.map((tp) => ownerOf.get(`${tp.topic}/${tp.partition}`)).find((o) => o !== undefined) ?? null
        out.push({taskId: `${s.id}_${p}`, partitions, owner})
      }
    }
    return out
  }

  /** Records in a topic: the sum of its partitions' end minus start offsets (a compacted changelog may hold fewer). */
  private records(topic: string): number {
    let total = 0
    for (let p = 0; p < this.store.readTopic(topic).partitions; p++) {
      const r = this.store.openReader(topic, p)
      try {
        total += r.logEndOffset() - r.logStartOffset()
      } finally {
        r.close()
      }
    }
    return total
  }
}
