/**
 * A standalone worker (Kafka's ConnectStandalone with its StandaloneHerder
 * and Worker): one process runs every connector given, each connector's
 * tasks as loops in it, and answers the REST API's calls (the Herder
 * interface) to create, change, pause, resume, stop, restart and delete
 * connectors while it runs. The connector files given at start are all
 * checked before anything starts, so a bad file is one error and nothing
 * ran. As in Kafka's standalone herder, connectors live in memory: one
 * made over REST is gone when the worker restarts (its offsets stay).
 */
import {resolve} from 'node:path'
import {ConnectConfigError, ConnectConflictError, NotFoundError} from '../../errors.js'
import {type Clock, systemClock} from '../../clock.js'
import {GroupAdmin} from '../../group/group-admin.js'
import type {Store} from '../../store/store.js'
import {TopicWriters} from '../../client/topic-writers.js'
import {isPlainObject} from '../api/schema.js'
import {createConverter, createHeaderConverter} from '../converters/converter-classes.js'
import {configInfos, type ConfigInfos, invalidConfigMessage} from './config-infos.js'
import {commonConfigDef, OTHER_KNOWN, parseConnectorSettings, PREFIXED_KEYS} from './connector-config.js'
import {type ConnectorPlan, ConnectorRunner, type TargetState} from './connector-runner.js'
import type {ConnectorInfo, ConnectorOffsets, Herder, RestartRequest, TaskInfo, WorkerInfo} from './herder.js'
import {OffsetFile} from './offset-file.js'
import {TransformationChain} from './transformation-chain.js'
import type {SourceOffsetStore} from './source-offset-store.js'
import {type PluginInfo, Plugins} from './plugins.js'
import {type ConnectorStatus, StatusStore, type TaskStatus, validateConnectorName} from './status-store.js'
import {parseWorkerSettings, type WorkerSettings} from './worker-config.js'
import type {Converters} from './worker-task.js'

export interface StandaloneOptions {
  store: Store
  workerProps: Record<string, string>
  connectorProps: Record<string, string>[]
  notice: (m: string) => void
  clock?: Clock
  /** Relative paths (plugin.path, the offsets file) are taken from here; default the working directory. */
  baseDir?: string
  /** Kafka's worker_id: the REST listener's host:port once it listens; until then logpipe-standalone-PID. */
  workerId?: string
  /** What GET / answers as the version: logpipe's. */
  version?: string
  /** The producers' broker or files, when the caller made them (a distributed worker's topic logs share them). @internal */
  writers?: TopicWriters
}

export class StandaloneWorker implements Herder {
  protected readonly runners = new Map<string, ConnectorRunner>()
  protected stopping: Promise<void> | null = null
  workerId: string
  /** Topics are written on the files, or through the data dir's broker while one runs (topic-writers.ts). */
  protected readonly writers: TopicWriters
  private idle: {promise: Promise<void>; resolve: () => void}

  protected constructor(
    protected readonly o: StandaloneOptions,
    protected readonly worker: WorkerSettings,
    protected readonly plugins_: Plugins,
    protected readonly offsets: SourceOffsetStore,
    protected readonly statuses: StatusStore,
  ) {
    this.workerId = o.workerId ?? `logpipe-standalone-${process.pid}`
    this.writers = o.writers ?? new TopicWriters(o.store, {clock: o.clock, onNotice: o.notice, onBroker: o.notice})
    let resolveIdle!: () => void
    this.idle = {promise: new Promise<void>((r) => (resolveIdle = r)), resolve: () => resolveIdle()}
  }

  /** Checks the worker file and every connector file, then starts nothing yet: call launch(). */
  static async create(o: StandaloneOptions): Promise<{worker: StandaloneWorker; launch: () => Promise<void>}> {
    const base = o.baseDir ?? process.cwd()
    const settings = parseWorkerSettings(o.workerProps, o.notice)
    const plugins = await Plugins.load(settings.pluginPath, o.notice, base)
    const offsets = new OffsetFile(resolve(base, settings.offsetFile))
    const w = new StandaloneWorker(o, settings, plugins, offsets, new StatusStore(o.store.dataDir))
    const planned = o.connectorProps.map((props) => w.plan(props))
    const names = new Set<string>()
    for (const p of planned) {
      if (names.has(p.settings.name)) throw new ConnectConfigError(`connector ${p.settings.name} is given twice`)
      names.add(p.settings.name)
    }
    return {worker: w, launch: () => w.launchAll(planned)}
  }

  static async start(o: StandaloneOptions): Promise<StandaloneWorker> {
    const {worker, launch} = await StandaloneWorker.create(o)
    await launch()
    return worker
  }

  private async launchAll(planned: ConnectorPlan[]): Promise<void> {
    for (const p of planned) {
      const r = this.add(p)
      await r.start('STARTED')
      if (r.status.connector.state === 'FAILED') throw new ConnectConfigError(`connector ${r.name} failed to start: ${r.status.connector.trace?.split('\n')[0] ?? ''}`)
    }
  }

  /** Class, kind and settings of one connector config, checked; nothing started. */
  protected plan(props: Record<string, string>): ConnectorPlan {
    const name = props.name?.trim()
    if (!name) throw new ConnectConfigError('connector configuration: missing required configuration "name" which has no default value')
    validateConnectorName(name)
    if (!props['connector.class']?.trim()) throw new ConnectConfigError(`connector ${name}: missing required configuration "connector.class" which has no default value`)
    const info = this.plugins_.find(props['connector.class'])
    const connector = new info.ctor()
    const kind = info.type
    const defs = [...commonConfigDef(kind), connector.config()]
    const problems = defs.flatMap((d) => d.validate(props).flatMap((v) => v.errorMessages))
    if (problems.length > 0) throw new ConnectConfigError(`connector ${name}: ${problems.join('; ')}`, {hint: 'see docs/CONNECT.md for the settings of each connector'})
    const settings = parseConnectorSettings(props, kind)
    const known = new Set(defs.flatMap((d) => d.names()))
    for (const k of Object.keys(props)) {
      if (!known.has(k) && !OTHER_KNOWN.has(k) && !PREFIXED_KEYS.test(k) && !k.startsWith('errors.')) this.o.notice(`connector ${name}: setting ${k} is not used by ${info.className}`)
    }
    // Each task gets a chain of its own, as in Kafka; the first is built here so a bad transform fails before anything runs.
    const chain = () => {
      try {
        return TransformationChain.fromProps(props, this.plugins_)
      } catch (error) {
        if (error instanceof ConnectConfigError) throw new ConnectConfigError(`connector ${name}: ${error.message}`, {hint: error.hint})
        throw error
      }
    }
    const firstChain = chain()
    let chainUsed = false
    const first = this.converters(name, props)
    let used = false
    return {
      settings,
      kind,
      className: info.className,
      newConnector: () => new info.ctor(),
      props,
      converters: () => {
        if (!used) {
          used = true
          return first
        }
        return this.converters(name, props)
      },
      transforms: () => {
        if (chainUsed) return chain()
        chainUsed = true
        return firstChain
      },
    }
  }

  private converters(name: string, props: Record<string, string>): Converters {
    const w = this.worker
    const prefixed = (p: string) => Object.fromEntries(Object.entries(props).filter(([k]) => k.startsWith(p)).map(([k, v]) => [k.slice(p.length), v]))
    const pick = (key: 'key' | 'value' | 'header', workerClass: string) => {
      const own = props[`${key}.converter`]?.trim()
      return own ? {cls: own, configs: prefixed(`${key}.converter.`), setting: `connector ${name}: ${key}.converter`} : {cls: workerClass, configs: w.converterConfigs[key], setting: `${key}.converter`}
    }
    const k = pick('key', w.keyConverter)
    const v = pick('value', w.valueConverter)
    const h = pick('header', w.headerConverter)
    return {
      key: createConverter(k.setting, k.cls, k.configs, true),
      value: createConverter(v.setting, v.cls, v.configs, false),
      header: createHeaderConverter(h.setting, h.cls, h.configs),
      keyClass: k.cls,
      valueClass: v.cls,
      headerClass: h.cls,
    }
  }

  /** `parts`: a distributed worker's runner, which starts the connector instance and each task as assigned. */
  protected add(plan: ConnectorPlan, parts = false): ConnectorRunner {
    this.statuses.saveConfig(plan.settings.name, plan.props)
    const r = new ConnectorRunner(plan, {
      store: this.o.store,
      writers: this.writers,
      statuses: this.statuses,
      offsets: this.offsets,
      workerId: this.workerId,
      offsetFlushIntervalMs: this.worker.offsetFlushIntervalMs,
      sessionTimeoutMs: this.worker.sessionTimeoutMs,
      notice: this.o.notice,
      clock: this.o.clock ?? systemClock,
      onTaskEnded: () => this.checkIdle(),
      parts,
      onStatusChange: parts ? () => this.statusChanged() : undefined,
      onTaskReconfiguration: parts ? () => this.reconfigurationAsked(plan.settings.name) : undefined,
    })
    this.runners.set(plan.settings.name, r)
    return r
  }

  /** A distributed worker publishes its parts' states when they change. */
  protected statusChanged(): void {}

  /** A distributed worker asks a connector it runs for its task configs again. */
  protected reconfigurationAsked(_name: string): void {}

  /** Every task has failed and none is left running: what `connect standalone` exits 1 on. */
  private checkIdle(): void {
    if (this.stopping) return
    const all = [...this.runners.values()]
    if (all.length > 0 && all.every((r) => !r.live && r.target === 'STARTED' && r.failedTasks.length > 0)) this.idle.resolve()
  }

  protected runner(name: string): ConnectorRunner {
    const r = this.runners.get(name)
    if (!r) throw new NotFoundError(`Connector ${name} not found`)
    return r
  }

  /** Each connector's current status. */
  status(): ConnectorStatus[] {
    return [...this.runners.values()].map((r) => r.status)
  }

  failedTasks(): string[] {
    return [...this.runners.values()].flatMap((r) => r.failedTasks)
  }

  /** Resolves when every task has failed with none left to run, or after stop(). */
  async tasksEnded(): Promise<void> {
    await this.idle.promise
  }

  /** Clean stop: tasks stop and commit, source offsets are flushed, connectors stop. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all([...this.runners.values()].map((r) => r.shutdown()))
      await this.offsets.flush()
      this.writers.close()
      this.idle.resolve()
    })()
    return this.stopping
  }

  // The Herder, as the REST API calls it.

  info(): WorkerInfo {
    return {version: this.o.version ?? '0.0.0', commit: 'logpipe', kafka_cluster_id: this.o.store.info.storeId}
  }

  connectorNames(): string[] {
    return [...this.runners.keys()].sort()
  }

  connectorInfo(name: string): ConnectorInfo {
    const r = this.runner(name)
    return {name, config: {...r.plan.props}, tasks: r.taskProps.map((_, task) => ({connector: name, task})), type: r.plan.kind}
  }

  connectorConfig(name: string): Record<string, string> {
    return {...this.runner(name).plan.props}
  }

  async putConnectorConfig(name: string, config: Record<string, string>, allowReplace: boolean, initialState: TargetState = 'STARTED'): Promise<{created: boolean; info: ConnectorInfo}> {
    this.refuseWhileStopping()
    const existing = this.runners.get(name)
    if (existing && !allowReplace) throw new ConnectConflictError(`Connector ${name} already exists`)
    validateConnectorName(name)
    const props: Record<string, string> = {...config, name}
    if (!props['connector.class']?.trim()) throw new ConnectConfigError(`Connector config ${JSON.stringify(props)} contains no connector type`)
    const infos = await this.validate(props['connector.class'] ?? '', props, true)
    if (infos.error_count > 0) throw new ConnectConfigError(invalidConfigMessage(infos))
    const plan = this.plan(props)
    let target = initialState
    if (existing) {
      // Kafka keeps a connector's target state across a config change.
      target = existing.target
      await existing.shutdown()
      this.runners.delete(name)
    }
    const r = this.add(plan)
    await r.start(target)
    return {created: !existing, info: this.connectorInfo(name)}
  }

  async deleteConnector(name: string): Promise<void> {
    const r = this.runner(name)
    this.runners.delete(name)
    await r.shutdown()
    this.statuses.remove(name)
  }

  connectorStatus(name: string): ConnectorStatus {
    return this.runner(name).status
  }

  taskStatus(name: string, task: number): TaskStatus {
    const t = this.runner(name).status.tasks.find((x) => x.id === task)
    if (!t) throw new NotFoundError(`No status found for task ${name}-${task}`)
    return t
  }

  taskConfigs(name: string): TaskInfo[] {
    return this.runner(name).taskProps.map((config, task) => ({id: {connector: name, task}, config: {...config}}))
  }

  async restartConnector(name: string, request: RestartRequest): Promise<ConnectorStatus | null> {
    this.refuseWhileStopping()
    const r = this.runner(name)
    const {status, done} = r.restart(request.includeTasks, request.onlyFailed)
    if (!request.includeTasks && !request.onlyFailed) {
      await done
      return null
    }
    void done.catch((error: unknown) => this.o.notice(`connector ${name}: restart failed: ${(error as Error).message}`))
    return status
  }

  async restartTask(name: string, task: number): Promise<void> {
    this.refuseWhileStopping()
    const r = this.runner(name)
    if (task < 0 || task >= r.taskProps.length) throw new NotFoundError(`Task ${name}-${task} not found`)
    await r.restartTask(task)
  }

  async pauseConnector(name: string): Promise<void> {
    this.runner(name).pause()
  }

  async resumeConnector(name: string): Promise<void> {
    this.refuseWhileStopping()
    await this.runner(name).resume()
  }

  async stopConnector(name: string): Promise<void> {
    await this.runner(name).stop()
  }

  connectorTopics(name: string): string[] {
    return [...this.runner(name).topics].sort()
  }

  resetConnectorTopics(name: string): void {
    const r = this.runner(name)
    r.topics.clear()
    this.statuses.saveTopics(name, [])
  }

  plugins(): PluginInfo[] {
    return this.plugins_.list()
  }

  /** Kafka's validate: Connect's own settings and the connector's, each with its errors. */
  async validate(pluginClass: string, config: Record<string, string>, fromCreate = false): Promise<ConfigInfos> {
    const given = config['connector.class']
    if (!fromCreate && given !== undefined && given !== pluginClass && this.plugins_.find(given) !== this.plugins_.find(pluginClass)) {
      throw new ConnectConfigError(`Included connector type ${given} does not match request type ${pluginClass}`)
    }
    const info = this.plugins_.find(pluginClass || (given ?? ''))
    const props: Record<string, string> = {...config, 'connector.class': given ?? pluginClass}
    const defs = [...commonConfigDef(info.type), new info.ctor().config()]
    const extra = new Map<string, string[]>()
    if (info.type === 'sink') {
      const topics = (props.topics ?? '').trim()
      const regex = (props['topics.regex'] ?? '').trim()
      if (topics === '' && regex === '') extra.set('topics', ['Must configure one of topics or topics.regex'])
      if (topics !== '' && regex !== '') extra.set('topics', ['topics and topics.regex are mutually exclusive options, but both are set.'])
    }
    return configInfos(props['connector.class'], defs, props, extra)
  }

  connectorOffsets(name: string): ConnectorOffsets {
    if (this.kindOf(name) === 'source') return {offsets: this.offsets.entries(name).filter((e) => e.offset !== null).map((e) => ({partition: e.partition, offset: e.offset}))}
    const committed = new GroupAdmin(this.o.store).committedOffsets(`connect-${name}`)
    return {offsets: committed.filter((c) => c.offset !== null).map((c) => ({partition: {kafka_topic: c.topic, kafka_partition: c.partition}, offset: {kafka_offset: c.offset}}))}
  }

  /** The connector's target state (STOPPED lets its offsets change). */
  protected targetOf(name: string): TargetState {
    return this.runner(name).target
  }

  protected kindOf(name: string): 'source' | 'sink' {
    return this.runner(name).plan.kind
  }

  private refuseUnlessStopped(name: string): 'source' | 'sink' {
    if (this.targetOf(name) !== 'STOPPED') {
      throw new ConnectConfigError(
        `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`,
      )
    }
    return this.kindOf(name)
  }

  async alterConnectorOffsets(name: string, body: ConnectorOffsets): Promise<string> {
    const kind = this.refuseUnlessStopped(name)
    if (!isPlainObject(body) || !Array.isArray(body.offsets) || body.offsets.length === 0) throw new ConnectConfigError('Offsets must be specified and should not be empty')
    if (kind === 'source') {
      for (const e of body.offsets) {
        if (!isPlainObject(e) || !isPlainObject(e.partition)) throw new ConnectConfigError('Source partitions may not be null')
        if (e.offset !== null && !isPlainObject(e.offset)) throw new ConnectConfigError('Source offsets must be objects or null')
      }
      for (const e of body.offsets) this.offsets.stage(name, e.partition, e.offset)
      await this.offsets.flush()
      return 'The Connect framework-managed offsets for this connector have been altered successfully. However, if this connector manages offsets externally, they will need to be manually altered in the system that the connector uses.'
    }
    const admin = new GroupAdmin(this.o.store)
    const group = `connect-${name}`
    const rows: {topic: string; partition: number; offset: number}[] = []
    for (const e of body.offsets) {
      const p = isPlainObject(e) ? e.partition : null
      if (!isPlainObject(p) || typeof p.kafka_topic !== 'string' || !Number.isInteger(p.kafka_partition) || (p.kafka_partition as number) < 0) {
        throw new ConnectConfigError('Sink connector offsets must have a partition with the keys kafka_topic (a string) and kafka_partition (a non-negative integer)')
      }
      const o = e.offset
      if (o !== null && (!isPlainObject(o) || !Number.isInteger(o.kafka_offset) || (o.kafka_offset as number) < 0)) {
        throw new ConnectConfigError('Sink connector offsets must be null or have the key kafka_offset (a non-negative integer)')
      }
      // A null offset resets the partition; here it goes back to the log start, where a group without a commit would begin.
      rows.push({topic: p.kafka_topic, partition: p.kafka_partition as number, offset: o === null ? -1 : (o.kafka_offset as number)})
    }
    const plan = rows.flatMap((row) => admin.planReset(group, [{topic: row.topic, partition: row.partition}], row.offset < 0 ? {kind: 'earliest'} : {kind: 'offset', offset: row.offset}))
    await admin.executeReset(group, plan)
    return 'The offsets for this connector have been altered successfully'
  }

  async resetConnectorOffsets(name: string): Promise<string> {
    const kind = this.refuseUnlessStopped(name)
    if (kind === 'source') {
      await this.offsets.resetConnector(name)
      return 'The Connect framework-managed offsets for this connector have been reset successfully. However, if this connector manages offsets externally, they will need to be manually reset in the system that the connector uses.'
    }
    const admin = new GroupAdmin(this.o.store)
    const group = `connect-${name}`
    if (admin.exists(group)) await admin.deleteGroup(group)
    return 'The offsets for this connector have been reset successfully'
  }

  protected refuseWhileStopping(): void {
    if (this.stopping) throw new ConnectConflictError('Cannot complete request because the worker is shutting down')
  }
}

