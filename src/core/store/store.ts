/**
 * The data directory: `store.json`, `topics/<topic>/topic.json` and one
 * directory per partition. Topic creation and deletion are renames, so a
 * topic is either all there or not there at all.
 */
import {randomBytes, randomUUID} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {LogReader} from '../log/log-reader.js'
import {LogSegment} from '../log/segment.js'
import {NotFoundError, StoreError, UsageError} from '../errors.js'
import {writeJsonAtomic} from './atomic-write.js'
import {resolveDataDir} from './data-dir.js'
import {validateTopicName} from './names.js'
import {type ConfigOverrides, type LogConfig, isConfigKey, parseConfigValue, resolveConfig} from '../log/log-config.js'

export const STORE_FORMAT_VERSION = 1
export const MAX_PARTITIONS = 10_000

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
}

export class Store {
  readonly dataDir: string
  readonly info: StoreInfo

  private constructor(dataDir: string, info: StoreInfo) {
    this.dataDir = dataDir
    this.info = info
  }

  /** Opens the store at `dataDir` (resolved as the design says), creating it on first use. */
  static open(dataDir?: string): Store {
    const dir = resolveDataDir(dataDir)
    let st
    try {
      st = statSync(dir)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    if (st && !st.isDirectory()) {
      throw new StoreError(`data directory ${dir} is not a directory`, {hint: 'point --data-dir or LOGPIPE_DATA_DIR at a directory'})
    }
    if (!st) mkdirSync(dir, {recursive: true, mode: 0o700})
    mkdirSync(join(dir, 'topics'), {recursive: true, mode: 0o700})
    const infoPath = join(dir, 'store.json')
    let info: StoreInfo
    if (existsSync(infoPath)) {
      try {
        info = JSON.parse(readFileSync(infoPath, 'utf8')) as StoreInfo
      } catch (error) {
        throw new StoreError(`${infoPath} is not valid JSON: ${(error as Error).message}`)
      }
      if (info.formatVersion !== STORE_FORMAT_VERSION) {
        throw new StoreError(`${infoPath} has format version ${info.formatVersion}; this logpipe reads version ${STORE_FORMAT_VERSION}`)
      }
    } else {
      info = {formatVersion: STORE_FORMAT_VERSION, storeId: randomUUID(), createdAt: new Date().toISOString()}
      writeJsonAtomic(infoPath, info)
    }
    return new Store(dir, info)
  }

  get topicsDir(): string {
    return join(this.dataDir, 'topics')
  }

  topicDir(topic: string): string {
    return join(this.topicsDir, validateTopicName(topic))
  }

  partitionDir(topic: string, partition: number): string {
    return join(this.topicDir(topic), String(partition))
  }

  topicExists(topic: string): boolean {
    return existsSync(join(this.topicDir(topic), 'topic.json'))
  }

  listTopics(): string[] {
    return readdirSync(this.topicsDir)
      .filter((name) => !name.startsWith('.') && existsSync(join(this.topicsDir, name, 'topic.json')))
      .sort()
  }

  readTopic(topic: string): TopicMeta {
    const path = join(this.topicDir(topic), 'topic.json')
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NotFoundError(`topic '${topic}' does not exist`, {hint: 'create it with `logpipe topic create` or produce with --create'})
      }
      throw error
    }
    let meta: TopicMeta
    try {
      meta = JSON.parse(text) as TopicMeta
    } catch (error) {
      throw new StoreError(`${path} is not valid JSON: ${(error as Error).message}`, {hint: 'fix or restore the file; the partition data is untouched'})
    }
    if (!Number.isInteger(meta.partitions) || meta.partitions < 1 || typeof meta.config !== 'object' || meta.config === null) {
      throw new StoreError(`${path} is damaged: partitions or config missing`, {hint: 'fix or restore the file; the partition data is untouched'})
    }
    for (const [key, value] of Object.entries(meta.config)) {
      if (!isConfigKey(key)) throw new StoreError(`${path} has an unknown config '${key}'`)
      parseConfigValue(key, String(value))
    }
    return {...meta, name: topic}
  }

  topicConfig(topic: string): LogConfig {
    return resolveConfig(this.readTopic(topic).config)
  }

  /**
   * A reader of one partition; `buffer` becomes its read buffer. It needs no
   * topic setting (its bound on a batch is the format's), so topic.json is
   * read only to report a missing topic as one.
   */
  openReader(topic: string, partition: number, buffer?: Buffer): LogReader {
    const dir = this.partitionDir(topic, partition)
    if (!existsSync(dir)) this.readTopic(topic)
    return new LogReader(dir, buffer)
  }

  /**
   * Creates a topic: built under a temporary name, then renamed into place,
   * so a crash or a concurrent create never leaves half a topic.
   * Returns false when it already exists.
   */
  createTopic(topic: string, partitions: number, replicationFactor: number, config: ConfigOverrides): TopicMeta | null {
    validateTopicName(topic)
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new UsageError(`--partitions must be between 1 and ${MAX_PARTITIONS}, not ${partitions}`)
    }
    if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
      throw new UsageError(`--replication-factor must be 1 or more, not ${replicationFactor}`)
    }
    const target = this.topicDir(topic)
    if (existsSync(target)) return null
    const tmp = join(this.topicsDir, `.creating-${topic.slice(0, 100)}-${randomBytes(4).toString('hex')}`)
    const meta: TopicMeta = {name: topic, id: randomUUID(), partitions, replicationFactor, config, createdAt: new Date().toISOString()}
    try {
      mkdirSync(tmp, {mode: 0o700})
      for (let p = 0; p < partitions; p++) {
        mkdirSync(join(tmp, String(p)), {mode: 0o700})
        LogSegment.create(join(tmp, String(p)), 0)
      }
      writeJsonAtomic(join(tmp, 'topic.json'), meta)
      renameSync(tmp, target)
    } catch (error) {
      rmSync(tmp, {recursive: true, force: true})
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return null
      throw error
    }
    return meta
  }

  /** Rewrites topic.json with changes applied; partition counts only grow. */
  updateTopic(topic: string, change: (meta: TopicMeta) => TopicMeta): TopicMeta {
    const current = this.readTopic(topic)
    const next = change({...current, config: {...current.config}})
    if (next.partitions < current.partitions) {
      throw new UsageError(`topic '${topic}' has ${current.partitions} partitions; the count can only grow`)
    }
    if (next.partitions > MAX_PARTITIONS) throw new UsageError(`--partitions must be at most ${MAX_PARTITIONS}`)
    for (let p = current.partitions; p < next.partitions; p++) {
      const dir = this.partitionDir(topic, p)
      mkdirSync(dir, {recursive: true, mode: 0o700})
      LogSegment.create(dir, 0)
    }
    writeJsonAtomic(join(this.topicDir(topic), 'topic.json'), next)
    return next
  }

  /** Deletes a topic: renamed out of sight first, then removed. */
  deleteTopic(topic: string): boolean {
    const dir = this.topicDir(topic)
    if (!existsSync(join(dir, 'topic.json'))) return false
    const doomed = join(this.topicsDir, `.deleting-${topic.slice(0, 100)}-${randomBytes(4).toString('hex')}`)
    renameSync(dir, doomed)
    rmSync(doomed, {recursive: true, force: true})
    return true
  }
}
