/**
 * The config topic read and written as Kafka's KafkaConfigBackingStore
 * does, one record per key:
 *
 *   connector-NAME        {"properties": {...}}   (null: deleted)
 *   target-state-NAME     {"state": "STARTED"|"PAUSED"|"STOPPED"}
 *   task-NAME-N           {"properties": {...}}   a task's config, not in force yet
 *   commit-NAME           {"tasks": N}            tasks 0..N-1 as last written are in force
 *   restart-connector-NAME {"include-tasks", "only-failed"}
 *   restart-task-NAME-N   logpipe's, for one task (Kafka forwards that to the leader)
 *
 * Task configs take effect only with their commit record, so a reader
 * never sees half of a new set (a writer killed between the two leaves
 * the old set in force). Every value is checked; a record that does not
 * parse is passed over.
 */
import type {TopicWriters} from '../../client/topic-writers.js'
import type {Store} from '../../store/store.js'
import type {TargetState} from './connector-runner.js'
import type {RestartRequest} from './herder.js'
import {TopicLog} from './topic-log.js'

export interface RestartAsked {
  name: string
  task: number | null
  request: RestartRequest
}

type Props = Record<string, string>

export class ConfigTopic {
  readonly configs = new Map<string, Props>()
  readonly targets = new Map<string, TargetState>()
  /** The task configs in force per connector (after its last commit record). */
  readonly tasks = new Map<string, Props[]>()
  /** Task configs written since the connector's last commit record. */
  private readonly deferred = new Map<string, Map<number, Props>>()
  /** Connectors whose config changed after their last commit record: their task configs in force were made from the old config. */
  private readonly stale = new Set<string>()
  private readonly log: TopicLog

  constructor(
    store: Store,
    topic: string,
    private readonly notice: (m: string) => void,
    writers: TopicWriters,
  ) {
    this.log = new TopicLog(store, topic, 1, notice, writers)
  }

  /** Restart requests read and not yet taken (by whichever read came first: a REST call's or the worker's tick). */
  private restarts: RestartAsked[] = []

  /** The restart requests read since the last call. */
  takeRestarts(): RestartAsked[] {
    const r = this.restarts
    this.restarts = []
    return r
  }

  /** Reads what was written since. */
  read(): void {
    const restarts = this.restarts
    for (const {key, value} of this.log.catchUp()) {
      const doc = value === null ? null : parse(value)
      let m: RegExpExecArray | null
      if ((m = /^connector-(.+)$/.exec(key))) {
        if (value === null) {
          this.configs.delete(m[1])
          this.targets.delete(m[1])
          this.tasks.delete(m[1])
          this.deferred.delete(m[1])
          this.stale.delete(m[1])
        } else if (isStringMap(doc?.properties)) {
          const before = this.configs.get(m[1])
          if (before && !sameProps(before, doc.properties)) this.stale.add(m[1])
          this.configs.set(m[1], doc.properties)
        }
      } else if ((m = /^target-state-(.+)$/.exec(key))) {
        const s = doc?.state
        if (s === 'STARTED' || s === 'PAUSED' || s === 'STOPPED') this.targets.set(m[1], s)
      } else if ((m = /^task-(.+)-(\d{1,9})$/.exec(key))) {
        if (!isStringMap(doc?.properties)) continue
        const d = this.deferred.get(m[1]) ?? new Map<number, Props>()
        d.set(Number(m[2]), doc.properties)
        this.deferred.set(m[1], d)
      } else if ((m = /^commit-(.+)$/.exec(key))) {
        const n = doc?.tasks
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 100_000) continue
        const d = this.deferred.get(m[1]) ?? new Map<number, Props>()
        const before = this.tasks.get(m[1]) ?? []
        const next = Array.from({length: n}, (_, i) => d.get(i) ?? before[i])
        this.deferred.delete(m[1])
        if (next.some((p) => p === undefined)) {
          this.notice(`config topic: the commit of connector ${m[1]}'s ${n} task configs lacks some of them; the ones before stay in force`)
          continue
        }
        this.tasks.set(m[1], next)
        this.stale.delete(m[1])
      } else if ((m = /^restart-connector-(.+)$/.exec(key)) && doc) {
        restarts.push({name: m[1], task: null, request: {includeTasks: doc['include-tasks'] === true, onlyFailed: doc['only-failed'] === true}})
      } else if ((m = /^restart-task-(.+)-(\d{1,9})$/.exec(key)) && doc) {
        restarts.push({name: m[1], task: Number(m[2]), request: {includeTasks: true, onlyFailed: false}})
      }
    }
  }

  /**
   * Whether the connector's config changed since its task configs were committed: starting its tasks
   * then would start them on the old configs and restart them again once the owner writes the new ones.
   */
  tasksStale(name: string): boolean {
    return this.stale.has(name)
  }

  taskConfigs(name: string): Props[] {
    return this.tasks.get(name) ?? []
  }

  /** Whether `configs` are the task configs in force (then nothing needs writing). */
  sameTasks(name: string, configs: Props[]): boolean {
    const now = this.taskConfigs(name)
    return now.length === configs.length && now.every((p, i) => sameProps(p, configs[i]))
  }

  /** Kafka's putTaskConfigs: each task's record, then the commit that puts them in force together. */
  async writeTasks(name: string, configs: Props[]): Promise<void> {
    for (let i = 0; i < configs.length; i++) await this.log.write(`task-${name}-${i}`, JSON.stringify({properties: configs[i]}))
    await this.log.write(`commit-${name}`, JSON.stringify({tasks: configs.length}))
    this.read()
  }

  async write(key: string, value: unknown): Promise<void> {
    await this.log.write(key, value === null ? null : JSON.stringify(value))
    this.read()
  }

  close(): Promise<void> {
    return this.log.close()
  }
}

export function sameProps(a: Props, b: Props): boolean {
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k])
}

function parse(value: Buffer): Record<string, unknown> | null {
  try {
    const v = JSON.parse(value.toString('utf8')) as unknown
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null
  } catch {
    return null
  }
}

function isStringMap(v: unknown): v is Props {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')
}
