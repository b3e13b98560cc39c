/**
 * The data directory: `store.json`, `topics/<topic>/topic.json` and one
 * directory per partition. Topic creation and deletion are renames, so a
 * topic is either all there or not there at all; what a killed create or
 * delete leaves (`.creating-*`, `.deleting-*`) is rolled back or finished
 * by the next command that opens the store. Every metadata file read is
 * schema-checked (`parseStoreInfo`, `parseTopicMeta`), and every change of
 * `topic.json` is made under its lock, so no concurrent change is lost.
 */
import {existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {LogReader} from '../log/log-reader.js'
import type {PartitionFactory} from '../log/partition.js'
import {PartitionLog} from '../log/partition-log.js'
import {LogSegment} from '../log/segment.js'
import {NotFoundError, StoreError, UsageError} from '../errors.js'
import {createFileExclusive, removeLeftoverTemps, writeJsonAtomic} from './atomic-write.js'
import {resolveDataDir} from './data-dir.js'
import {readFileNoFollow, refuseLinkedDirs} from './fs.js'
import {ORPHAN_LOCK_MS, withMetadataLock} from './metadata-lock.js'
import {type HostProcess, isRunning, parseHostProcess, thisHostProcess} from '../lock/process-identity.js'
import {TOPIC_FILE, deleteTopicOffsets, listTopicNames} from './layout.js'
import {validateTopicName} from './names.js'
import {readLogDir, replicaDir} from './log-dirs.js'
import {readPartitionMeta, writeInitialPartitionMeta} from './partition-metadata.js'
import {checkAssignment, checkReassigning, type PartitionReassignment} from './replica-assignment.js'
import {type ConfigOverrides, type LogConfig, checkConfigValue, isConfigKey, resolveConfig} from '../log/log-config.js'
import {randomBytes, randomUUID} from '../random.js'

export const STORE_FORMAT_VERSION = 1
export const MAX_PARTITIONS = 10_000
export const MAX_REPLICATION_FACTOR = 100
/** Serialises topic creation and deletion (and finishing interrupted ones) in one store. */
const TOPICS_LOCK = '.topics.lock'
const CREATING = '.creating-'
const DELETING = '.deleting-'
/** Who is building a `.creating-*` directory, so a cleaner never removes a live create. */
const CREATOR_FILE = 'creator.json'
/** A `.creating-*` directory of another host's create is rolled back only after this long. */
const REMOTE_CREATE_STALE_MS = 10 * 60_000

export interface StoreInfo {
  formatVersion: number
  storeId: string
  createdAt: string
}

export interface TopicMeta {
  name: string
  id: string
  partitions: number
  replicationFactor: number
  config: ConfigOverrides
  createdAt: string
  /**
   * The replica assignment, per partition the broker ids holding it (the
   * first the preferred leader); absent for a topic that is not
   * replicated, whose log is the data directory's own partition directory.
   */
  replicas?: number[][]
  /** Partitions being moved to other brokers (replica-assignment.ts, `topic reassign`); absent when none is. */
  reassigning?: Record<number, PartitionReassignment>
}

export interface StoreOpenOptions {
  /**
   * Create the store when it does not exist (commands that write); without
   * it a missing store is a NotFoundError, so a mistyped --data-dir never
   * looks like an empty store. Default true for library callers.
   */
  create?: boolean
  /** One-line notes (leftovers finished or rolled back). */
  onNotice?: (message: string) => void
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v)
const isDate = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v))

/** Schema-checks store.json; a damaged one is a StoreError naming the file. */
export function parseStoreInfo(text: string, path: string): StoreInfo {
  const hint = `restore ${path} from a backup, or move it aside: the next command that writes (\`logpipe topic create\`, \`logpipe produce --create\`) writes a new one; the topics are untouched`
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (error) {
    throw new StoreError(`${path} is not valid JSON: ${(error as Error).message}`, {hint})
  }
  if (!isObject(v)) throw new StoreError(`${path} is damaged: it holds ${kindOf(v)}, not an object`, {hint})
  if (v.formatVersion !== STORE_FORMAT_VERSION) {
    if (Number.isSafeInteger(v.formatVersion)) {
      throw new StoreError(`${path} has format version ${String(v.formatVersion)}; this logpipe reads version ${STORE_FORMAT_VERSION}`, {
        hint: 'use the logpipe version that wrote this store',
      })
    }
    throw new StoreError(`${path} is damaged: formatVersion is ${JSON.stringify(v.formatVersion) ?? 'missing'}, not ${STORE_FORMAT_VERSION}`, {hint})
  }
  if (typeof v.storeId !== 'string' || v.storeId === '') throw new StoreError(`${path} is damaged: storeId is not a non-empty string`, {hint})
  if (!isDate(v.createdAt)) throw new StoreError(`${path} is damaged: createdAt is not a date`, {hint})
  return {formatVersion: v.formatVersion, storeId: v.storeId, createdAt: v.createdAt}
}

export interface ParsedTopicMeta {
  meta: TopicMeta
  /** Config entries that are unknown or out of range, left out of meta.config; `topic alter` can mend them. */
  badConfig: Array<{key: string; problem: string}>
}

/**
 * Schema-checks topic.json. Damage to its structure is thrown as a
 * StoreError naming the file; bad config entries are returned apart, so
 * `topic alter --config` / `--delete-config` can rewrite them.
 */
export function parseTopicMeta(text: string, path: string, topic: string): ParsedTopicMeta {
  const restore = `restore ${path} from a backup (the partition data is untouched)`
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (error) {
    throw new StoreError(`${path} is not valid JSON: ${(error as Error).message}`, {hint: restore})
  }
  if (!isObject(v)) throw new StoreError(`${path} is damaged: it holds ${kindOf(v)}, not an object`, {hint: restore})
  const bad = (what: string, hint = restore) => new StoreError(`${path} is damaged: ${what}`, {hint})
  const {partitions, replicationFactor, id, createdAt, config, replicas, reassigning} = v
  if (!Number.isSafeInteger(partitions) || (partitions as number) < 1 || (partitions as number) > MAX_PARTITIONS) {
    const found = countPartitionDirs(join(path, '..'))
    throw bad(
      `partitions is ${JSON.stringify(partitions) ?? 'missing'}, not an integer from 1 to ${MAX_PARTITIONS}`,
      found > 0 ? `set "partitions" in ${path} to ${found} (the partition directories 0..${found - 1} are there)` : restore,
    )
  }
  if (replicationFactor !== undefined && (!Number.isSafeInteger(replicationFactor) || (replicationFactor as number) < 1 || (replicationFactor as number) > MAX_REPLICATION_FACTOR)) {
    throw bad(`replicationFactor is ${JSON.stringify(replicationFactor)}, not an integer from 1 to ${MAX_REPLICATION_FACTOR}`, `set "replicationFactor" in ${path} to 1`)
  }
  if (typeof id !== 'string' || id === '') throw bad(`id is ${JSON.stringify(id) ?? 'missing'}, not a non-empty string`)
  if (!isDate(createdAt)) throw bad(`createdAt is ${JSON.stringify(createdAt) ?? 'missing'}, not a date`, `set "createdAt" in ${path} to a date such as "${new Date().toISOString()}"`)
  if (config !== undefined && !isObject(config)) throw bad(`config is ${JSON.stringify(config)}, not an object`, `set "config" in ${path} to {}`)
  let assignment: number[][] | undefined
  let moving: Record<number, PartitionReassignment> | undefined
  if (replicas !== undefined) {
    // The replicas being left are counted only once `reassigning` is known to hold lists.
    const leaving = (p: number) => {
      const r = (reassigning as Record<string, {removing?: unknown}> | undefined)?.[String(p)]?.removing
      return Array.isArray(r) ? r.length : 0
    }
    const checked = checkAssignment(replicas, partitions as number, null, isObject(reassigning) ? leaving : undefined, MAX_REPLICATION_FACTOR)
    if (typeof checked === 'string') throw bad(checked)
    assignment = checked
  }
  if (reassigning !== undefined) {
    const checked = checkReassigning(reassigning, assignment)
    if (typeof checked === 'string') throw bad(checked)
    if (Object.keys(checked).length > 0) moving = checked
  }
  const overrides: ConfigOverrides = {}
  const badConfig: ParsedTopicMeta['badConfig'] = []
  for (const [key, value] of Object.entries(config ?? {})) {
    const r = typeof value === 'number' || typeof value === 'string' ? checkConfigValue(key, String(value)) : {problem: `config ${key} is ${JSON.stringify(value)}`}
    if ('problem' in r) badConfig.push({key, problem: r.problem})
    else overrides[key as keyof LogConfig] = r.value
  }
  return {
    meta: {
      name: topic,
      id,
      partitions: partitions as number,
      replicationFactor: (replicationFactor as number | undefined) ?? 1,
      config: overrides,
      createdAt,
      ...(assignment ? {replicas: assignment} : {}),
      ...(moving ? {reassigning: moving} : {}),
    },
    badConfig,
  }
}

function countPartitionDirs(topicDir: string): number {
  try {
    const names = new Set(readdirSync(topicDir))
    let n = 0
    while (n < MAX_PARTITIONS && names.has(String(n))) n++
    return n
  } catch {
    return 0
  }
}

/** The StoreError for config entries of topic.json that do not check, with the `topic alter` that mends them. */
function badConfigError(path: string, topic: string, badConfig: ParsedTopicMeta['badConfig']): StoreError {
  const {key, problem} = badConfig[0]
  const more = badConfig.length > 1 ? ` (and ${badConfig.length - 1} more)` : ''
  return new StoreError(`${path} is damaged: ${problem}${more}`, {
    hint: `run \`logpipe topic alter ${topic} --delete-config ${badConfig.map((b) => b.key).join(' --delete-config ')}\`${isConfigKey(key) ? ` (back to the default) or \`--config ${key}=VALUE\`` : ''}`,
  })
}

export class Store {
  readonly dataDir: string
  readonly info: StoreInfo
  private readonly onNotice: (message: string) => void

  private constructor(dataDir: string, info: StoreInfo, onNotice: (message: string) => void) {
    this.dataDir = dataDir
    this.info = info
    this.onNotice = onNotice
  }

  /**
   * Opens the store at `dataDir` (resolved as the design says). With
   * `create` (the default) it is created on first use; without, a missing
   * store is a NotFoundError. Leftovers of a killed topic create or delete
   * are rolled back or finished first.
   */
  static open(dataDir?: string, options: StoreOpenOptions = {}): Store {
    const dir = resolveDataDir(dataDir)
    const create = options.create ?? true
    const onNotice = options.onNotice ?? (() => {})
    let st
    try {
      st = statSync(dir)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    if (st && !st.isDirectory()) {
      throw new StoreError(`data directory ${dir} is not a directory`, {hint: 'point --data-dir or LOGPIPE_DATA_DIR at a directory'})
    }
    const infoPath = join(dir, 'store.json')
    let text: string | null = null
    try {
      text = readFileNoFollow(infoPath, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    let info: StoreInfo
    if (text !== null) {
      info = parseStoreInfo(text, infoPath)
    } else if (!create) {
      if (existsSync(join(dir, 'topics'))) {
        throw new StoreError(`${infoPath} is missing`, {
          hint: 'a command that writes (`logpipe topic create`, `logpipe produce --create`) writes a new one; the topics are untouched',
        })
      }
      throw new NotFoundError(`no store at ${dir}`, {
        hint: 'produce with --create, or topic create, makes one; check --data-dir / LOGPIPE_DATA_DIR',
      })
    } else {
      if (!st) mkdirSync(dir, {recursive: true, mode: 0o700})
      for (const name of removeLeftoverTemps(infoPath, 60_000)) onNotice(`removed ${join(dir, name)}, left by a command that was killed`)
      const fresh = {formatVersion: STORE_FORMAT_VERSION, storeId: randomUUID(), createdAt: new Date().toISOString()}
      // Two first commands at once: one store.json wins, both use it.
      info = createFileExclusive(infoPath, JSON.stringify(fresh, null, 2) + '\n') ? fresh : parseStoreInfo(readFileNoFollow(infoPath, 'utf8'), infoPath)
    }
    if (create) mkdirSync(join(dir, 'topics'), {recursive: true, mode: 0o700})
    const store = new Store(dir, info, onNotice)
    store.finishLeftovers()
    return store
  }

  get topicsDir(): string {
    return join(this.dataDir, 'topics')
  }

  get groupsDir(): string {
    return join(this.dataDir, 'groups')
  }

  topicDir(topic: string): string {
    return join(this.topicsDir, validateTopicName(topic))
  }

  /**
   * The partition's directory in the data directory; a link planted at it
   * or at its topic's is refused, since everything below would land outside
   * the store. For a replicated topic it holds the partition's state and
   * leadership lock (partition-metadata.ts), not necessarily its log: see
   * logDir. @internal
   */
  partitionDir(topic: string, partition: number): string {
    const dir = join(this.topicDir(topic), String(partition))
    refuseLinkedDirs(this.topicsDir, topic, String(partition))
    return dir
  }

  /**
   * Where the file-path CLI finds the partition's log: the partition
   * directory for a topic that is not replicated (as without brokers);
   * for a replicated one, the replica of its last recorded leader, else of
   * its preferred replica, in that broker's log dir (log-dirs.ts).
   * @internal
   */
  logDir(topic: string, partition: number): string {
    const dir = this.partitionDir(topic, partition)
    let meta: TopicMeta
    try {
      meta = this.readTopicFile(topic).meta
    } catch (error) {
      if (error instanceof NotFoundError) return dir
      throw error
    }
    const replicas = meta.replicas?.[partition]
    if (!replicas) return dir
    const state = readPartitionMeta(dir)
    const broker = state && state.leader >= 0 ? state.leader : replicas[0]
    return replicaDir(readLogDir(this.dataDir, broker), topic, partition)
  }

  topicExists(topic: string): boolean {
    return existsSync(join(this.topicDir(topic), TOPIC_FILE))
  }

  listTopics(): string[] {
    return listTopicNames(this.dataDir)
  }


  /** topic.json's path; a link planted at the topic's directory is refused (its lock, too, would be made through it). */
  private topicFile(topic: string): string {
    const path = join(this.topicDir(topic), TOPIC_FILE)
    refuseLinkedDirs(this.topicsDir, topic)
    return path
  }

  private readTopicFile(topic: string): ParsedTopicMeta {
    const path = this.topicFile(topic)
    let text: string
    try {
      text = readFileNoFollow(path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw topicNotFound(topic)
      throw error
    }
    return parseTopicMeta(text, path, topic)
  }

  readTopic(topic: string): TopicMeta {
    const parsed = this.readTopicFile(topic)
    if (parsed.badConfig.length > 0) throw badConfigError(this.topicFile(topic), topic, parsed.badConfig)
    return parsed.meta
  }

  topicConfig(topic: string): LogConfig {
    return resolveConfig(this.readTopic(topic).config)
  }

  /**
   * A reader of one partition; `buffer` becomes its read buffer. It needs no
   * topic setting (its bound on a batch is the format's), so topic.json is
   * read only to report a missing topic as one.
   * @internal
   */
  openReader(topic: string, partition: number, buffer?: Buffer): LogReader {
    const dir = this.logDir(topic, partition)
    if (!existsSync(dir)) this.readTopic(topic)
    return new LogReader(dir, buffer)
  }

  /** The partitions as files in this data directory: what the embedded producer and consumer use. @internal */
  readonly partitions: PartitionFactory = {
    writer: (topic, partition, config, options) => new PartitionLog(this.logDir(topic, partition), config, options),
    reader: (topic, partition, buffer) => this.openReader(topic, partition, buffer),
  }

  /**
   * Creates a topic: built under a temporary name, then renamed into place,
   * so a crash or a concurrent create never leaves half a topic.
   * Returns null when it already exists.
   * @internal
   */
  createTopic(topic: string, partitions: number, replicationFactor: number, config: ConfigOverrides, replicas?: number[][]): TopicMeta | null {
    validateTopicName(topic)
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new UsageError(`--partitions must be between 1 and ${MAX_PARTITIONS}, not ${partitions}`)
    }
    if (!Number.isInteger(replicationFactor) || replicationFactor < 1 || replicationFactor > MAX_REPLICATION_FACTOR) {
      throw new UsageError(`--replication-factor must be between 1 and ${MAX_REPLICATION_FACTOR}, not ${replicationFactor}`)
    }
    const target = this.topicDir(topic)
    if (existsSync(target)) return null
    // The name says who makes it, so even before creator.json is written a
    // stopped creator is never taken for a dead one.
    const me = thisHostProcess()
    const tmp = join(this.topicsDir, `${CREATING}${topic.slice(0, 100)}-${me.pid}.${me.startTime ?? 'x'}-${randomBytes(4).toString('hex')}`)
    if (replicas !== undefined) {
      const checked = checkAssignment(replicas, partitions, replicationFactor)
      if (typeof checked === 'string') throw new UsageError(`replica assignment of '${topic}': ${checked}`)
    }
    const meta: TopicMeta = {name: topic, id: randomUUID(), partitions, replicationFactor, config, createdAt: new Date().toISOString(), ...(replicas ? {replicas} : {})}
    try {
      mkdirSync(tmp, {mode: 0o700})
      writeFileSync(join(tmp, CREATOR_FILE), JSON.stringify(thisHostProcess()) + '\n')
      for (let p = 0; p < partitions; p++) {
        mkdirSync(join(tmp, String(p)), {mode: 0o700})
        // A replicated partition's logs are its replicas', made by their brokers; here only its state.
        if (replicas) writeInitialPartitionMeta(join(tmp, String(p)), replicas[p])
        else LogSegment.create(join(tmp, String(p)), 0)
      }
      writeJsonAtomic(join(tmp, TOPIC_FILE), meta)
      const created = this.withTopicsLock(() => {
        if (existsSync(target)) return false
        // Any committed offsets under this name are an earlier topic's (a
        // delete cut short, a member that committed after the delete): a
        // new topic starts with none, as in Kafka.
        deleteTopicOffsets(this.groupsDir, topic)
        rmSync(join(tmp, CREATOR_FILE))
        renameSync(tmp, target)
        return true
      })
      if (!created) {
        rmSync(tmp, {recursive: true, force: true})
        return null
      }
    } catch (error) {
      rmSync(tmp, {recursive: true, force: true})
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return null
      throw error
    }
    return meta
  }

  /**
   * Rewrites topic.json with `change` applied, under the topic's lock so
   * concurrent changes all land. Partition counts only grow. A bad config
   * entry of a damaged file is mended when `change` sets it or the caller
   * names it in `deletedKeys`; any other damage is refused as readTopic
   * refuses it.
   * @internal
   */
  updateTopic(topic: string, change: (meta: TopicMeta) => TopicMeta, deletedKeys: readonly string[] = []): TopicMeta {
    const path = this.topicFile(topic)
    const lockPath = `${path}.lock`
    try {
      return withMetadataLock(
        lockPath,
        (lock) => {
          const {meta: current, badConfig} = this.readTopicFile(topic)
          const next = change({...current, config: {...current.config}})
          for (const key of deletedKeys) {
            if (!isConfigKey(key) && !badConfig.some((b) => b.key === key)) throw new UsageError(`unknown topic config '${key}'`)
          }
          const left = badConfig.filter((b) => !Object.hasOwn(next.config, b.key) && !deletedKeys.includes(b.key))
          if (left.length > 0) throw badConfigError(path, topic, left)
          if (next.partitions < current.partitions) {
            throw new UsageError(`topic '${topic}' has ${current.partitions} partitions; the count can only grow`)
          }
          if (next.partitions > MAX_PARTITIONS) throw new UsageError(`--partitions must be at most ${MAX_PARTITIONS}`)
          if (current.replicas && next.partitions > current.partitions && next.replicas?.length !== next.partitions) {
            throw new UsageError(`topic '${topic}' is replicated: adding partitions needs a replica assignment for each new one`)
          }
          for (let p = current.partitions; p < next.partitions; p++) {
            const dir = this.partitionDir(topic, p)
            mkdirSync(dir, {recursive: true, mode: 0o700})
            if (next.replicas) writeInitialPartitionMeta(dir, next.replicas[p])
            else LogSegment.create(dir, 0)
          }
          // Every writer of topic.json holds this lock: a temp file now is a killed writer's.
          for (const name of removeLeftoverTemps(path)) this.onNotice(`removed ${join(this.topicDir(topic), name)}, left by a command that was killed`)
          lock.check()
          writeJsonAtomic(path, next)
          return next
        },
        {label: `topic '${topic}' metadata`},
      )
    } catch (error) {
      // The lock's directory is the topic's: gone means the topic is.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(path)) throw topicNotFound(topic)
      throw error
    }
  }

  /**
   * Deletes a topic and every group's committed offsets for it: the topic
   * is renamed out of sight first (the step that makes it gone), then the
   * offsets and the data are removed. A crash in between leaves the
   * `.deleting-*` directory, holding topic.json, and the next command that
   * opens the store finishes the job; a create of the same name waits for
   * it (the topics lock) and removes any offsets left under the name.
   * @internal
   */
  deleteTopic(topic: string): boolean {
    const dir = this.topicDir(topic)
    const doomed = join(this.topicsDir, `${DELETING}${topic.slice(0, 100)}-${randomBytes(4).toString('hex')}`)
    const renamed = this.withTopicsLock(() => {
      if (!existsSync(join(dir, TOPIC_FILE))) return false
      // Holding the topic's own lock too: no `topic alter` is halfway through a write.
      // A planted link is renamed away itself: its lock would be made where it points, and no alter goes through one.
      if (lstatSync(dir).isSymbolicLink()) renameSync(dir, doomed)
      else withMetadataLock(join(dir, `${TOPIC_FILE}.lock`), () => renameSync(dir, doomed), {label: `topic '${topic}' metadata`})
      deleteTopicOffsets(this.groupsDir, topic)
      return true
    })
    if (renamed) rmSync(doomed, {recursive: true, force: true})
    return renamed
  }

  private withTopicsLock<T>(fn: () => T): T {
    return withMetadataLock(join(this.topicsDir, TOPICS_LOCK), fn, {label: `the topics of ${this.dataDir}`})
  }

  /**
   * Rolls back the `.creating-*` directories of creates whose process is
   * gone and finishes the `.deleting-*` ones, saying so through onNotice.
   * A create still running (its creator alive) is left alone.
   */
  private finishLeftovers(): void {
    let names: string[]
    try {
      names = readdirSync(this.topicsDir).filter((n) => n.startsWith(CREATING) || n.startsWith(DELETING))
    } catch {
      return
    }
    if (names.length === 0) return
    this.withTopicsLock(() => {
      for (const name of names) {
        const path = join(this.topicsDir, name)
        if (!existsSync(path)) continue
        if (name.startsWith(CREATING)) {
          const creator = abandonedCreator(path)
          if (creator === false) continue
          rmSync(path, {recursive: true, force: true})
          this.onNotice(`rolled back an interrupted create (${path}${creator ? `, pid ${creator.pid} on ${creator.host} is gone` : ''})`)
        } else {
          const topic = doomedTopicName(path)
          // A topic of that name now is a later one: its offsets are its own.
          if (topic !== null && !existsSync(join(this.topicsDir, topic))) deleteTopicOffsets(this.groupsDir, topic)
          rmSync(path, {recursive: true, force: true})
          this.onNotice(`finished an interrupted delete${topic === null ? '' : ` of topic '${topic}'`} (${path})`)
        }
      }
    })
  }
}

function topicNotFound(topic: string): NotFoundError {
  return new NotFoundError(`topic '${topic}' does not exist`, {hint: 'create it with `logpipe topic create` or produce with --create'})
}

/**
 * The creator of a `.creating-*` directory when it is gone (null when it
 * never recorded itself and the directory is old), false while the create
 * may still be running.
 */
function abandonedCreator(path: string): HostProcess | null | false {
  let creator: HostProcess | null = null
  try {
    creator = parseHostProcess(JSON.parse(readFileNoFollow(join(path, CREATOR_FILE), 'utf8')))
  } catch {}
  let age: number
  try {
    age = Date.now() - statSync(path).mtimeMs
  } catch {
    return false
  }
  if (creator) {
    if (creator.host === hostname()) return isRunning(creator) ? false : creator
    return age > REMOTE_CREATE_STALE_MS ? creator : false
  }
  // Before creator.json (or after it was removed, under the topics lock, to
  // rename the directory into place), the name says who: a creator that
  // runs on this host keeps it however long it is stopped. (One on another
  // host lacks creator.json only for the instant between two calls.)
  const named = /-(\d+)\.(\d+|x)-[0-9a-f]{8}$/.exec(path)
  if (named && isRunning({pid: Number(named[1]), startTime: named[2] === 'x' ? null : named[2], bootId: null})) return false
  return age > ORPHAN_LOCK_MS ? null : false
}

/** The name in a `.deleting-*` directory's topic.json, checked like a name from the command line; null when unreadable. */
function doomedTopicName(path: string): string | null {
  try {
    const v = JSON.parse(readFileNoFollow(join(path, TOPIC_FILE), 'utf8')) as unknown
    if (!isObject(v) || typeof v.name !== 'string') return null
    return validateTopicName(v.name)
  } catch {
    return null
  }
}
