/**
 * A distributed worker (Kafka's DistributedHerder, on the store): workers
 * started with one group.id share the group's connectors AND tasks.
 * Everything a worker knows comes from three compacted topics, as in Kafka:
 *
 *   config.storage.topic   connector-NAME, target-state-NAME, task-NAME-N,
 *                          commit-NAME, restart-connector-NAME (config-topic.ts)
 *   offset.storage.topic   [NAME, partition] -> offset (offset-topic.ts)
 *   status.storage.topic   status-connector-NAME, status-task-NAME-N
 *                          {"state", "trace", "worker_id", "generation"}
 *
 * The group and its assignment are worker-coordinator.ts: the leader (the
 * first live worker to join) gives each connector and each task to one
 * worker under a new generation, by connect.protocol: incremental
 * cooperative (incremental-cooperative-assignor.ts, Kafka's default) or
 * eager (eager-assignor.ts). Each worker stops what moved away from it,
 * flushing its offsets, before the next owner starts it. The worker that
 * runs a connector instance asks it for its task configs and writes them
 * to the config topic (task-NAME-N, then commit-NAME), which is where the
 * tasks' owners take them from. Any worker answers the REST API: reads
 * from the topics (its own parts from what it runs); what Kafka's leader
 * takes is forwarded to the leader by the REST layer (requestTarget()).
 */
import {ConnectConfigError, ConnectConflictError, NotFoundError} from '../../errors.js'
import {ensureGroup, groupDir} from '../../group/group-member.js'
import type {Store} from '../../store/store.js'
import {invalidConfigMessage} from './config-infos.js'
import {ConfigTopic, sameProps} from './config-topic.js'
import type {ConnectorRunner, TargetState} from './connector-runner.js'
import {eagerAssign, parseTaskId, taskId, type WorkerLoad} from './eager-assignor.js'
import {cooperativeAssign} from './incremental-cooperative-assignor.js'
import type {ConnectorInfo, ConnectorOffsets, RequestTarget, RestartRequest, TaskInfo} from './herder.js'
import {OffsetTopic} from './offset-topic.js'
import {Plugins} from './plugins.js'
import {StandaloneWorker, type StandaloneOptions} from './standalone-worker.js'
import {type ConnectorStatus, type ConnectState, StatusStore, type TaskStatus, validateConnectorName} from './status-store.js'
import {TopicLog} from './topic-log.js'
import {TopicWriters} from '../../client/topic-writers.js'
import {WorkerCoordinator} from './worker-coordinator.js'
import {parseWorkerSettings, type WorkerSettings} from './worker-config.js'

export type DistributedOptions = Omit<StandaloneOptions, 'connectorProps'>

const STATES: readonly ConnectState[] = ['RUNNING', 'PAUSED', 'FAILED', 'UNASSIGNED', 'RESTARTING', 'STOPPED']

export class DistributedWorker extends StandaloneWorker {
  private timer: NodeJS.Timeout | null = null
  private ticking: Promise<void> | null = null
  private coordinator: WorkerCoordinator | null = null
  private generation = 0
  /** The REST API's URL, published with this worker's claim (and, when it leads, with the assignment). */
  url = ''
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
    private readonly ct: ConfigTopic,
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
    const writers = new TopicWriters(store, {clock: o.clock, onNotice: o.notice, onBroker: o.notice})
    const offsets = new OffsetTopic(store, d.offsetTopic, o.notice, writers, d.offsetPartitions)
    const configs = new ConfigTopic(store, d.configTopic, o.notice, writers)
    const statusLog = new TopicLog(store, d.statusTopic, d.statusPartitions, o.notice, writers)
    const w = new DistributedWorker({...o, connectorProps: [], writers}, settings, plugins, offsets, new StatusStore(store.dataDir), configs, statusLog)
    // Restart requests already in the topic were for workers before this one.
    configs.read()
    configs.takeRestarts()
    return w
  }

  get groupId(): string {
    return this.worker.distributed!.groupId
  }

  /** Joins the group and starts the heartbeat that leads (on the leader), follows the assignment and runs this worker's part. */
  async join(): Promise<void> {
    const d = this.worker.distributed!
    await ensureGroup(this.o.store.dataDir, d.groupId, this.o.notice)
    this.coordinator = new WorkerCoordinator(groupDir(this.o.store, d.groupId), () => this.workerId, () => this.url, d.sessionTimeoutMs)
    this.coordinator.join()
    await this.tick()
    // Each heartbeat looks again; a short one so a change over REST or in the group is picked up quickly.
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

  /** Connectors with their tasks in force, as the leader assigns them (a STOPPED connector has none). */
  private assignable(): {name: string; tasks: number}[] {
    return [...this.ct.configs.keys()].map((name) => ({name, tasks: this.ct.targets.get(name) === 'STOPPED' ? 0 : this.ct.taskConfigs(name).length}))
  }

  /** The leader's part: the assignment by connect.protocol, written when it changes. */
  private lead(co: WorkerCoordinator, members: string[]): void {
    const d = this.worker.distributed!
    const parts = this.assignable()
    if (d.protocol === 'eager') {
      co.lead(members, eagerAssign(members, parts))
      return
    }
    const before = co.assignment()
    // Kafka's leader remembers what it assigned; a new leader knows only what the live members run, so
    // the parts of a worker that left before it led (a dead leader's, or all of them after a restart) are new work at once.
    const known = before === null ? null : before.leader === co.memberId ? before : {loads: Object.fromEntries(Object.entries(before.loads).filter(([m]) => members.includes(m))), delayUntil: null}
    const {loads, delayUntil} = cooperativeAssign(known && {loads: known.loads, delayUntil: known.delayUntil}, members, parts, Date.now(), d.scheduledRebalanceMaxDelayMs)
    const a = co.lead(members, loads, delayUntil)
    if (delayUntil !== null && before?.delayUntil !== delayUntil && a.delayUntil === delayUntil) {
      this.o.notice(`worker ${this.workerId}: a worker left; its connectors and tasks wait for it until ${new Date(delayUntil).toISOString()} (scheduled.rebalance.max.delay.ms=${d.scheduledRebalanceMaxDelayMs})`)
    }
  }

  /** What this worker runs now: its claim. */
  private localLoad(): WorkerLoad {
    const load: WorkerLoad = {connectors: [], tasks: []}
    for (const [name, r] of this.runners) {
      if (r.ownsConnector) load.connectors.push(name)
      for (const id of r.localTasks) load.tasks.push(taskId(name, id))
    }
    return load
  }

  private async reconcile(): Promise<void> {
    const co = this.coordinator
    if (this.stopping || !co) return
    co.heartbeat()
    const ct = this.ct
    ct.read()
    const {ids, leader} = co.members()
    if (leader === co.memberId) this.lead(co, ids)
    const a = co.assignment()
    const mine: WorkerLoad = a?.loads[co.memberId] ?? {connectors: [], tasks: []}
    if (a && a.generation !== this.generation) {
      this.generation = a.generation
      const n = a.members.length
      this.o.notice(
        `worker ${this.workerId}: generation ${a.generation}${a.leader === co.memberId ? ' (leader)' : ''}, ${n} worker${n === 1 ? '' : 's'}, runs ${[...mine.connectors, ...mine.tasks].join(', ') || 'nothing'}`,
      )
    }

    // Stop what moved away, was deleted or changed, before anything starts: its next owner waits for this worker's claim to drop it.
    let released = false
    for (const [name, r] of [...this.runners]) {
      const config = ct.configs.get(name)
      const replaced = !config || !sameProps(config, r.plan.props)
      if (r.ownsConnector && (replaced || !mine.connectors.includes(name))) {
        await r.stopConnectorPart()
        await this.release(`status-connector-${name}`, config !== undefined)
        released = true
      }
      for (const id of r.localTasks) {
        const props = ct.taskConfigs(name)[id]
        if (!replaced && mine.tasks.includes(taskId(name, id)) && props !== undefined && sameProps(props, r.taskProps[id])) continue
        await r.stopTaskPart(id)
        await this.release(`status-task-${name}-${id}`, config !== undefined)
        released = true
      }
      if (replaced || (!r.ownsConnector && r.localTasks.length === 0)) {
        if (r.ownsConnector || r.localTasks.length > 0) await r.shutdown(true)
        this.runners.delete(name)
      }
    }
    if (released) co.claim(this.generation, this.localLoad())

    // Start what is ours and no other live worker still runs.
    const taken = new Set(co.othersClaims().flatMap((c) => [...c.connectors.map((n) => `c:${n}`), ...c.tasks.map((t) => `t:${t}`)]))
    const connectors = mine.connectors.filter((n) => ct.configs.has(n) && !this.runners.get(n)?.ownsConnector && !taken.has(`c:${n}`))
    const tasks = mine.tasks.flatMap((t) => {
      const p = parseTaskId(t)
      // A changed connector's tasks wait for the task configs its owner makes from the new config, so they restart once.
      if (!p || !ct.configs.has(p.connector) || ct.tasksStale(p.connector) || taken.has(`t:${t}`)) return []
      const props = ct.taskConfigs(p.connector)[p.task]
      if (props === undefined || this.runners.get(p.connector)?.localTasks.includes(p.task)) return []
      return [{...p, props}]
    })
    if (connectors.length + tasks.length > 0) {
      // Claim first, then look again: of two workers that both read a stale assignment, the one of the older generation gives way.
      co.claim(this.generation, {connectors: [...this.localLoad().connectors, ...connectors], tasks: [...this.localLoad().tasks, ...tasks.map((t) => taskId(t.connector, t.task))]})
      const rivals = co.othersClaims().filter((c) => c.generation > this.generation || (c.generation === this.generation && c.memberId < co.memberId))
      const contested = new Set(rivals.flatMap((c) => [...c.connectors.map((n) => `c:${n}`), ...c.tasks.map((t) => `t:${t}`)]))
      if (tasks.length > 0) this.offsetTopic.refresh()
      for (const name of connectors) {
        if (contested.has(`c:${name}`)) continue
        const r = this.runnerFor(name)
        if (!r) continue
        const configs = await r.startConnectorPart(r.target)
        await this.putTaskConfigs(name, configs ?? [], configs !== null || r.target === 'STOPPED')
      }
      for (const t of tasks) {
        if (contested.has(`t:${taskId(t.connector, t.task)}`)) continue
        const r = this.runnerFor(t.connector)
        if (r) await r.startTaskPart(t.task, t.props)
      }
    }

    // Target states: PAUSED holds the tasks still; STOPPED (KIP-875) stops the connector, whose owner then writes no task configs.
    for (const [name, r] of this.runners) {
      const target = ct.targets.get(name) ?? 'STARTED'
      if (r.target === target) continue
      if (target === 'STOPPED' || r.target === 'STOPPED') {
        r.target = target
        if (!r.ownsConnector) continue
        await r.stopConnectorPart()
        const configs = await r.startConnectorPart(target)
        await this.putTaskConfigs(name, configs ?? [], configs !== null || target === 'STOPPED')
      } else if (target === 'PAUSED') r.pause()
      else await r.resume()
    }

    for (const q of ct.takeRestarts()) {
      const r = this.runners.get(q.name)
      if (!r) continue
      if (q.task === null) {
        await r.restart(q.request.includeTasks, q.request.onlyFailed).done
        // A restarted connector instance is asked for its task configs again, as Kafka's is.
        if (r.ownsConnector) this.reconfigure.add(q.name)
      } else if (r.localTasks.includes(q.task)) await r.restartTask(q.task)
    }
    for (const name of [...this.reconfigure]) {
      this.reconfigure.delete(name)
      const r = this.runners.get(name)
      if (!r?.ownsConnector) continue
      const configs = await r.taskConfigsPart()
      if (configs !== null) await this.putTaskConfigs(name, configs, true)
    }
    co.claim(this.generation, this.localLoad())
    await this.publishStatuses()
  }

  /** The connector's owner writes its task configs when they differ from those in force (Kafka's leader does, asked by the owner). */
  private async putTaskConfigs(name: string, configs: Record<string, string>[], write: boolean): Promise<void> {
    // After a config change the commit is written even for the same task configs: it is what lets the tasks start again.
    if (!write || (this.ct.sameTasks(name, configs) && !this.ct.tasksStale(name))) return
    await this.ct.writeTasks(name, configs)
  }

  /** A runner for this worker's parts of a connector, in the connector's target state; null when its config does not check. */
  private runnerFor(name: string): ConnectorRunner | null {
    const have = this.runners.get(name)
    if (have) return have
    let plan
    try {
      plan = this.plan(this.ct.configs.get(name)!)
    } catch (error) {
      this.o.notice(`connector ${name}: ${(error as Error).message}`)
      return null
    }
    const r = this.add(plan, true)
    r.target = this.ct.targets.get(name) ?? 'STARTED'
    return r
  }

  /** A part this worker gave up: UNASSIGNED under its name (the next owner writes over it), or a tombstone when the connector is gone. */
  private async release(key: string, exists: boolean): Promise<void> {
    await this.publishing
    this.published.delete(key)
    await this.statusLog.write(key, exists ? this.statusRecord({state: 'UNASSIGNED'}) : null)
  }

  private statusRecord(x: {state: string; trace?: string}): string {
    return JSON.stringify({state: x.state, trace: x.trace ?? null, worker_id: this.workerId, generation: this.generation})
  }

  private publishing: Promise<void> = Promise.resolve()
  /** Connectors whose instance asked for new task configs, asked at the next tick. */
  private readonly reconfigure = new Set<string>()

  protected override reconfigurationAsked(name: string): void {
    this.reconfigure.add(name)
    void this.tick()
  }

  /** Kafka writes a status record at each change of state; so does this, one write after another. */
  protected override statusChanged(): void {
    void this.publishStatuses()
  }

  private publishStatuses(): Promise<void> {
    const next = this.publishing.then(() => this.publishNow())
    this.publishing = next.catch((error: unknown) => this.o.notice(`worker ${this.workerId}: cannot write to the status topic: ${(error as Error).message}`))
    return this.publishing
  }

  /** Kafka's status records, for each connector and task this worker runs. */
  private async publishNow(): Promise<void> {
    if (!this.coordinator) return
    for (const [name, r] of this.runners.entries()) {
      const entries: [string, string][] = []
      if (r.ownsConnector) entries.push([`status-connector-${name}`, this.statusRecord(r.status.connector)])
      for (const id of r.localTasks) entries.push([`status-task-${name}-${id}`, this.statusRecord(r.taskState(id)!)])
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
      const parts = [...this.runners].flatMap(([name, r]) => [...(r.ownsConnector ? [`status-connector-${name}`] : []), ...r.localTasks.map((id) => `status-task-${name}-${id}`)])
      await Promise.all([...this.runners.values()].map((r) => r.shutdown(true)))
      await this.offsetTopic.flush()
      await this.publishing
      for (const key of parts) await this.release(key, true)
      // Only now, with everything stopped and flushed, may the others start what this worker ran.
      this.coordinator?.leave()
      await this.offsetTopic.close()
      await this.ct.close()
      await this.statusLog.close()
      this.writers.close()
      this.stopped()
    })()
    return this.stopping
  }

  /** A distributed worker runs until stop(), whatever its tasks do (failed ones wait for a restart). */
  override tasksEnded(): Promise<void> {
    return this.ended
  }

  /** The leader takes what Kafka's leader takes; another worker forwards it there, to the URL the leader published with its assignment. */
  requestTarget(): RequestTarget {
    const co = this.coordinator
    if (!co) return {leader: false, url: null}
    const {leader} = co.members()
    if (leader === co.memberId) return {leader: true}
    const a = co.assignment()
    return {leader: false, url: a !== null && a.leader === leader && a.leaderUrl !== '' ? a.leaderUrl : null}
  }

  // Reads: the group's connectors from the config topic; statuses from the status topic, this worker's own parts from what it runs.

  private config(name: string): Record<string, string> {
    this.ct.read()
    const c = this.ct.configs.get(name)
    if (!c) throw new NotFoundError(`Connector ${name} not found`)
    return c
  }

  override connectorNames(): string[] {
    this.ct.read()
    return [...this.ct.configs.keys()].sort()
  }

  override connectorConfig(name: string): Record<string, string> {
    return {...this.config(name)}
  }

  /** A status record of the status topic; a part whose worker is gone shows UNASSIGNED (a FAILED one stays FAILED, with its trace). */
  private recorded(key: string, live: Set<string>): {state: ConnectState; worker_id: string; trace?: string} | null {
    const v = this.statusLog.table.get(key)
    if (!v) return null
    let doc: unknown
    try {
      doc = JSON.parse(v.toString('utf8'))
    } catch {
      return null
    }
    if (typeof doc !== 'object' || doc === null) return null
    const {state, worker_id, trace} = doc as Record<string, unknown>
    if (!STATES.includes(state as ConnectState) || typeof worker_id !== 'string') return null
    const s = state as ConnectState
    return {state: s === 'FAILED' || live.has(worker_id) ? s : 'UNASSIGNED', worker_id, ...(typeof trace === 'string' ? {trace} : {})}
  }

  override connectorStatus(name: string): ConnectorStatus {
    const config = this.config(name)
    this.statusLog.catchUp()
    const live = new Set([this.workerId, ...(this.coordinator?.liveClaims().map((c) => c.workerId) ?? [])])
    const r = this.runners.get(name)
    const type = this.plugins_.find(config['connector.class'] ?? '').type
    const connector = r?.ownsConnector ? {...r.status.connector} : (this.recorded(`status-connector-${name}`, live) ?? {state: 'UNASSIGNED' as const, worker_id: this.workerId})
    const tasks: TaskStatus[] = this.ct.taskConfigs(name).map((_, id) => r?.taskState(id) ?? {id, ...(this.recorded(`status-task-${name}-${id}`, live) ?? {state: 'UNASSIGNED', worker_id: this.workerId})})
    return {name, connector, tasks: this.ct.targets.get(name) === 'STOPPED' ? [] : tasks, type}
  }

  override connectorInfo(name: string): ConnectorInfo {
    const config = this.config(name)
    const type = this.plugins_.find(config['connector.class'] ?? '').type
    return {name, config: {...config}, tasks: this.taskConfigs(name).map((t) => t.id), type}
  }

  override taskStatus(name: string, task: number): TaskStatus {
    const t = this.connectorStatus(name).tasks.find((x) => x.id === task)
    if (!t) throw new NotFoundError(`No status found for task ${name}-${task}`)
    return t
  }

  /** The task configs in force, as the connector's owner wrote them to the config topic. */
  override taskConfigs(name: string): TaskInfo[] {
    this.config(name)
    if (this.ct.targets.get(name) === 'STOPPED') return []
    return this.ct.taskConfigs(name).map((config, task) => ({id: {connector: name, task}, config: {...config}}))
  }

  override connectorTopics(name: string): string[] {
    this.config(name)
    return [...new Set([...this.statuses.topics(name), ...(this.runners.get(name)?.topics ?? [])])].sort()
  }

  override resetConnectorTopics(name: string): void {
    this.config(name)
    this.statuses.saveTopics(name, [])
    this.runners.get(name)?.topics.clear()
  }

  protected override targetOf(name: string): TargetState {
    this.config(name)
    return this.ct.targets.get(name) ?? 'STARTED'
  }

  protected override kindOf(name: string): 'source' | 'sink' {
    return this.plugins_.find(this.config(name)['connector.class'] ?? '').type
  }

  override connectorOffsets(name: string): ConnectorOffsets {
    this.offsetTopic.refresh()
    return super.connectorOffsets(name)
  }

  // Changes: written to the config topic; the workers that run the connector's parts act on them at their next heartbeat.

  override async putConnectorConfig(name: string, config: Record<string, string>, allowReplace: boolean, initialState: TargetState = 'STARTED'): Promise<{created: boolean; info: ConnectorInfo}> {
    this.refuseWhileStopping()
    this.ct.read()
    const existed = this.ct.configs.has(name)
    if (existed && !allowReplace) throw new ConnectConflictError(`Connector ${name} already exists`)
    validateConnectorName(name)
    const props: Record<string, string> = {...config, name}
    if (!props['connector.class']?.trim()) throw new ConnectConfigError(`Connector config ${JSON.stringify(props)} contains no connector type`)
    const infos = await this.validate(props['connector.class'], props, true)
    if (infos.error_count > 0) throw new ConnectConfigError(invalidConfigMessage(infos))
    this.plan(props)
    if (!existed) await this.ct.write(`target-state-${name}`, {state: initialState})
    await this.ct.write(`connector-${name}`, {properties: props})
    const type = this.plugins_.find(props['connector.class']).type
    // As Kafka's distributed herder answers: a new connector's tasks are not made yet; a changed one's are those in force.
    const tasks = existed ? this.ct.taskConfigs(name).map((_, task) => ({connector: name, task})) : []
    return {created: !existed, info: {name, config: props, tasks, type}}
  }

  override async deleteConnector(name: string): Promise<void> {
    this.config(name)
    await this.ct.write(`connector-${name}`, null)
    await this.ct.write(`target-state-${name}`, null)
  }

  private async setTarget(name: string, state: TargetState): Promise<void> {
    this.config(name)
    await this.ct.write(`target-state-${name}`, {state})
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
    await this.ct.write(`restart-connector-${name}`, {'include-tasks': request.includeTasks, 'only-failed': request.onlyFailed})
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
    await this.ct.write(`restart-task-${name}-${task}`, {requested: Date.now()})
  }
}
