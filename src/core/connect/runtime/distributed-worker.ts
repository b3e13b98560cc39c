/**
 * A distributed worker (Kafka's DistributedHerder, on the store): workers
 * started with one group.id share the group's connectors. Everything a
 * worker knows comes from three compacted topics, as in Kafka:
 *
 *   config.storage.topic   connector-NAME {"properties": {...}} (null: deleted),
 *                          target-state-NAME {"state": "STARTED"|"PAUSED"|"STOPPED"},
 *                          restart-connector-NAME {"include-tasks", "only-failed"}
 *                          (logpipe's restart-task-NAME-ID for one task)
 *   offset.storage.topic   [NAME, partition] -> offset (offset-topic.ts)
 *   status.storage.topic   status-connector-NAME, status-task-NAME-ID
 *                          {"state", "trace", "worker_id", "generation"}
 *
 * Membership is the store's group membership under groups/<group.id>/
 * (a heartbeat file per worker; a killed worker is dead at once on this
 * host, after session.timeout.ms on another). The assignment is logpipe's
 * own and eager: every heartbeat each worker takes the live members in
 * member-id order and the connectors in name order and runs connector i
 * (with all its tasks) when it is member i mod n; a connector that moves is
 * stopped where it was before the next owner's next heartbeat starts it.
 * Kafka's incremental cooperative protocol, with a leader that spreads
 * tasks one by one, is not built. Any worker answers the REST API: a
 * change is written to the config topic, which every worker reads, so no
 * request needs forwarding; reads of a connector another worker runs come
 * from the status it publishes.
 */
import {ConnectConfigError, ConnectConflictError, NotFoundError} from '../../errors.js'
import {ensureGroup, groupDir} from '../../group/group-member.js'
import {liveMembers, Membership, newMemberId} from '../../group/membership.js'
import type {Store} from '../../store/store.js'
import {invalidConfigMessage} from './config-infos.js'
import type {TargetState} from './connector-runner.js'
import type {ConnectorInfo, ConnectorOffsets, RestartRequest, TaskInfo} from './herder.js'
import {OffsetTopic} from './offset-topic.js'
import {Plugins} from './plugins.js'
import {StandaloneWorker, type StandaloneOptions} from './standalone-worker.js'
import {type ConnectorStatus, StatusStore, type TaskStatus, validateConnectorName} from './status-store.js'
import {TopicLog} from './topic-log.js'
import {parseWorkerSettings, type WorkerSettings} from './worker-config.js'

export type DistributedOptions = Omit<StandaloneOptions, 'connectorProps'>

interface ConfigState {
  configs: Map<string, Record<string, string>>
  targets: Map<string, TargetState>
}

export class DistributedWorker extends StandaloneWorker {
  private readonly state: ConfigState = {configs: new Map(), targets: new Map()}
  private timer: NodeJS.Timeout | null = null
  private ticking: Promise<void> | null = null
  private membership!: Membership
  private generation = 0
  private assignment: string[] = []
  /** What was last written per status key: a status is published when it changes. */
  private readonly published = new Map<string, string>()
  private stopped!: () => void
  private readonly ended = new Promise<void>((resolve) => (this.stopped = resolve))

  private constructor(
    o: StandaloneOptions,
    worker: WorkerSettings,
    plugins: Plugins,
    private readonly offsetTopic: OffsetTopic,
    statuses: StatusStore,
    private readonly configLog: TopicLog,
    private readonly statusLog: TopicLog,
  ) {
    super(o, worker, plugins, offsetTopic, statuses)
  }

  static async open(o: DistributedOptions): Promise<DistributedWorker> {
    const base = o.baseDir ?? process.cwd()
    const settings = parseWorkerSettings(o.workerProps, o.notice, 'distributed')
    const d = settings.distributed!
    const plugins = await Plugins.load(settings.pluginPath, o.notice, base)
    const store: Store = o.store
    const offsets = new OffsetTopic(store, d.offsetTopic, o.notice, d.offsetPartitions)
    const configLog = new TopicLog(store, d.configTopic, 1, o.notice)
    const statusLog = new TopicLog(store, d.statusTopic, d.statusPartitions, o.notice)
    const w = new DistributedWorker({...o, connectorProps: []}, settings, plugins, offsets, new StatusStore(store.dataDir), configLog, statusLog)
    // Restart requests already in the topic were for workers before this one.
    w.readConfigs(false)
    return w
  }

  get groupId(): string {
    return this.worker.distributed!.groupId
  }

  /** Joins the group and starts the heartbeat that assigns and runs connectors. */
  async join(): Promise<void> {
    const d = this.worker.distributed!
    await ensureGroup(this.o.store.dataDir, d.groupId, this.o.notice)
    this.membership = new Membership(groupDir(this.o.store, d.groupId), {memberId: newMemberId('connect-worker'), clientId: this.workerId, topics: [], strategy: 'range', sessionTimeoutMs: d.sessionTimeoutMs})
    this.membership.join()
    await this.tick()
    // Each heartbeat looks again; a short one so a change over REST is picked up quickly.
    const every = Math.min(d.heartbeatIntervalMs, 500)
    this.timer = setInterval(() => void this.tick(), every)
  }

  private tick(): Promise<void> {
    this.ticking ??= this.reconcile()
      .catch((error: unknown) => this.o.notice(`worker ${this.workerId}: ${(error as Error).message}`))
      .finally(() => {
        this.ticking = null
      })
    return this.ticking
  }

  /** Reads the config topic; restart requests are acted on only when `act` (those read at start were for others). */
  private readConfigs(act: boolean): {restarts: {name: string; task: number | null; request: RestartRequest}[]} {
    const restarts: {name: string; task: number | null; request: RestartRequest}[] = []
    for (const {key, value} of this.configLog.catchUp()) {
      const doc = value === null ? null : parse(value)
      let m: RegExpExecArray | null
      if ((m = /^connector-(.+)$/.exec(key))) {
        if (doc === null) {
          this.state.configs.delete(m[1])
          this.state.targets.delete(m[1])
        } else if (isStringMap(doc.properties)) this.state.configs.set(m[1], doc.properties)
      } else if ((m = /^target-state-(.+)$/.exec(key))) {
        const s = doc?.state
        if (s === 'STARTED' || s === 'PAUSED' || s === 'STOPPED') this.state.targets.set(m[1], s)
      } else if (act && (m = /^restart-connector-(.+)$/.exec(key)) && doc) {
        restarts.push({name: m[1], task: null, request: {includeTasks: doc['include-tasks'] === true, onlyFailed: doc['only-failed'] === true}})
      } else if (act && (m = /^restart-task-(.+)-(\d+)$/.exec(key)) && doc) {
        restarts.push({name: m[1], task: Number(m[2]), request: {includeTasks: true, onlyFailed: false}})
      }
    }
    return {restarts}
  }

  private async reconcile(): Promise<void> {
    if (this.stopping) return
    this.membership.heartbeat()
    const {restarts} = this.readConfigs(true)
    const members = liveMembers(this.membership.groupDir).map((m) => m.memberId).sort()
    const me = members.indexOf(this.membership.info.memberId)
    const names = [...this.state.configs.keys()].sort()
    const mine = me < 0 ? [] : names.filter((_, i) => i % members.length === me)
    if (mine.join('\n') !== this.assignment.join('\n')) {
      this.generation++
      this.assignment = mine
      this.o.notice(`worker ${this.workerId}: generation ${this.generation}, ${members.length} worker${members.length === 1 ? '' : 's'}, runs ${mine.join(', ') || 'no connector'}`)
    }
    // Stop what is no longer ours (moved, or deleted) before starting what is.
    for (const [name, r] of [...this.runners]) {
      const config = this.state.configs.get(name)
      if (mine.includes(name) && config && sameConfig(config, r.plan.props)) continue
      this.runners.delete(name)
      await r.shutdown(config !== undefined && !mine.includes(name))
      if (!config) this.statuses.remove(name)
    }
    for (const name of mine) {
      const target = this.state.targets.get(name) ?? 'STARTED'
      const r = this.runners.get(name)
      if (!r) {
        this.offsetTopic.refresh()
        let plan
        try {
          plan = this.plan(this.state.configs.get(name)!)
        } catch (error) {
          this.o.notice(`connector ${name}: ${(error as Error).message}`)
          continue
        }
        await this.add(plan).start(target)
        continue
      }
      if (r.target === target) continue
      if (target === 'PAUSED' && r.target === 'STARTED') r.pause()
      else if (target === 'STOPPED') await r.stop()
      else await r.resume()
      if (target === 'PAUSED' && r.target !== 'PAUSED') r.pause()
    }
    for (const q of restarts) {
      const r = this.runners.get(q.name)
      if (!r) continue
      if (q.task === null) await r.restart(q.request.includeTasks, q.request.onlyFailed).done
      else if (q.task < r.taskProps.length) await r.restartTask(q.task)
    }
    await this.publishStatuses()
  }

  /** Kafka's status records, for each connector and task this worker runs. */
  private async publishStatuses(): Promise<void> {
    for (const r of this.runners.values()) {
      const s = r.status
      const rec = (x: {state: string; trace?: string}) => JSON.stringify({state: x.state, trace: x.trace ?? null, worker_id: this.workerId, generation: this.generation})
      const entries: [string, string][] = [[`status-connector-${s.name}`, rec(s.connector)], ...s.tasks.map((t): [string, string] => [`status-task-${s.name}-${t.id}`, rec(t)])]
      for (const [key, value] of entries) {
        if (this.published.get(key) === value) continue
        await this.statusLog.write(key, value)
        this.published.set(key, value)
      }
    }
  }

  override stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.stopping ??= (async () => {
      await this.ticking
      this.membership?.leave()
      await Promise.all([...this.runners.values()].map((r) => r.shutdown()))
      await this.offsetTopic.flush()
      await this.offsetTopic.close()
      await this.configLog.close()
      await this.statusLog.close()
      this.stopped()
    })()
    return this.stopping
  }

  /** A distributed worker runs until stop(), whatever its tasks do (failed ones wait for a restart). */
  override tasksEnded(): Promise<void> {
    return this.ended
  }

  // Reads: the connectors of the group; a connector another worker runs answers from the status it publishes.

  private config(name: string): Record<string, string> {
    this.readConfigs(false)
    const c = this.state.configs.get(name)
    if (!c) throw new NotFoundError(`Connector ${name} not found`)
    return c
  }

  override connectorNames(): string[] {
    this.readConfigs(false)
    return [...this.state.configs.keys()].sort()
  }

  override connectorConfig(name: string): Record<string, string> {
    return {...this.config(name)}
  }

  override connectorStatus(name: string): ConnectorStatus {
    const config = this.config(name)
    const local = this.runners.get(name)
    if (local) return local.status
    try {
      return this.statuses.status(name)
    } catch {
      const type = this.plugins_.find(config['connector.class'] ?? '').type
      return {name, connector: {state: 'UNASSIGNED', worker_id: this.workerId}, tasks: [], type}
    }
  }

  override connectorInfo(name: string): ConnectorInfo {
    const config = this.config(name)
    const s = this.connectorStatus(name)
    return {name, config: {...config}, tasks: s.tasks.map((t) => ({connector: name, task: t.id})), type: s.type}
  }

  override taskStatus(name: string, task: number): TaskStatus {
    const t = this.connectorStatus(name).tasks.find((x) => x.id === task)
    if (!t) throw new NotFoundError(`No status found for task ${name}-${task}`)
    return t
  }

  override taskConfigs(name: string): TaskInfo[] {
    const local = this.runners.get(name)
    if (local) return super.taskConfigs(name)
    return this.connectorInfo(name).tasks.map((id) => ({id, config: {...this.config(name)}}))
  }

  override connectorTopics(name: string): string[] {
    this.config(name)
    return this.runners.has(name) ? super.connectorTopics(name) : this.statuses.topics(name)
  }

  override resetConnectorTopics(name: string): void {
    this.config(name)
    this.statuses.saveTopics(name, [])
    this.runners.get(name)?.topics.clear()
  }

  protected override targetOf(name: string): TargetState {
    this.config(name)
    return this.state.targets.get(name) ?? 'STARTED'
  }

  protected override kindOf(name: string): 'source' | 'sink' {
    return this.plugins_.find(this.config(name)['connector.class'] ?? '').type
  }

  override connectorOffsets(name: string): ConnectorOffsets {
    this.offsetTopic.refresh()
    return super.connectorOffsets(name)
  }

  // Changes: written to the config topic; the worker that runs the connector acts on them at its next heartbeat.

  override async putConnectorConfig(name: string, config: Record<string, string>, allowReplace: boolean, initialState: TargetState = 'STARTED'): Promise<{created: boolean; info: ConnectorInfo}> {
    this.refuseWhileStopping()
    this.readConfigs(false)
    const existed = this.state.configs.has(name)
    if (existed && !allowReplace) throw new ConnectConflictError(`Connector ${name} already exists`)
    validateConnectorName(name)
    const props: Record<string, string> = {...config, name}
    if (!props['connector.class']?.trim()) throw new ConnectConfigError(`Connector config ${JSON.stringify(props)} contains no connector type`)
    const infos = await this.validate(props['connector.class'], props, true)
    if (infos.error_count > 0) throw new ConnectConfigError(invalidConfigMessage(infos))
    this.plan(props)
    if (!existed) await this.configLog.write(`target-state-${name}`, JSON.stringify({state: initialState}))
    await this.configLog.write(`connector-${name}`, JSON.stringify({properties: props}))
    this.readConfigs(false)
    const type = this.plugins_.find(props['connector.class']).type
    // As Kafka's distributed herder answers: the tasks are not made yet.
    return {created: !existed, info: {name, config: props, tasks: [], type}}
  }

  override async deleteConnector(name: string): Promise<void> {
    this.config(name)
    await this.configLog.write(`connector-${name}`, null)
    await this.configLog.write(`target-state-${name}`, null)
    this.readConfigs(false)
  }

  private async setTarget(name: string, state: TargetState): Promise<void> {
    this.config(name)
    await this.configLog.write(`target-state-${name}`, JSON.stringify({state}))
    this.readConfigs(false)
  }

  override pauseConnector(name: string): Promise<void> {
    return this.setTarget(name, 'PAUSED')
  }

  override resumeConnector(name: string): Promise<void> {
    this.refuseWhileStopping()
    return this.setTarget(name, 'STARTED')
  }

  override stopConnector(name: string): Promise<void> {
    return this.setTarget(name, 'STOPPED')
  }

  override async restartConnector(name: string, request: RestartRequest): Promise<ConnectorStatus | null> {
    this.refuseWhileStopping()
    const s = this.connectorStatus(name)
    await this.configLog.write(`restart-connector-${name}`, JSON.stringify({'include-tasks': request.includeTasks, 'only-failed': request.onlyFailed}))
    if (!request.includeTasks && !request.onlyFailed) return null
    const connectorToo = !request.onlyFailed || s.connector.state === 'FAILED'
    return {
      ...s,
      connector: connectorToo ? {state: 'RESTARTING', worker_id: s.connector.worker_id} : s.connector,
      tasks: s.tasks.map((t) => (request.includeTasks && (!request.onlyFailed || t.state === 'FAILED') ? {id: t.id, state: 'RESTARTING', worker_id: t.worker_id} : t)),
    }
  }

  override async restartTask(name: string, task: number): Promise<void> {
    this.refuseWhileStopping()
    if (!this.connectorStatus(name).tasks.some((t) => t.id === task)) throw new NotFoundError(`Task ${name}-${task} not found`)
    await this.configLog.write(`restart-task-${name}-${task}`, JSON.stringify({requested: Date.now()}))
  }
}

function parse(value: Buffer): Record<string, unknown> | null {
  try {
    const v = JSON.parse(value.toString('utf8')) as unknown
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null
  } catch {
    return null
  }
}

function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')
}

function sameConfig(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort()
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k])
}

