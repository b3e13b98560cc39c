/**
 * A standalone worker (Kafka's ConnectStandalone with its StandaloneHerder
 * and Worker): one process runs every connector given, each connector's
 * tasks as loops in it. Everything is checked before anything starts (the
 * worker file, each connector's class and settings with its ConfigDef), so
 * a bad file is one error and nothing ran. Then each connector is started,
 * asked for its task configs, and its tasks run until stop(): a source
 * task writes to topics, a sink task reads as group connect-<name>. A task
 * that fails is FAILED (status file and a notice) while the rest go on, as
 * in Kafka. stop() stops every task, commits sink offsets, flushes source
 * offsets, stops the connectors.
 */
import {resolve} from 'node:path'
import {ConnectConfigError} from '../../errors.js'
import {type Clock, systemClock} from '../../clock.js'
import type {Store} from '../../store/store.js'
import type {Connector, Props, SinkTask, SourceTask} from '../api/connector.js'
import {createConverter, createHeaderConverter} from '../converters/converter-classes.js'
import {commonConfigDef, OTHER_KNOWN, parseConnectorSettings, PREFIXED_KEYS, type ConnectorSettings} from './connector-config.js'
import {ErrorHandler} from './error-handler.js'
import {OffsetFile} from './offset-file.js'
import {type ConnectorKind, Plugins} from './plugins.js'
import {type ConnectorStatus, type ConnectState, StatusStore, validateConnectorName} from './status-store.js'
import {TransformationChain} from './transformation-chain.js'
import {parseWorkerSettings, type WorkerSettings} from './worker-config.js'
import {WorkerSinkTask} from './worker-sink-task.js'
import {WorkerSourceTask} from './worker-source-task.js'
import type {Converters, WorkerTask, WorkerTaskOptions} from './worker-task.js'

export interface StandaloneOptions {
  store: Store
  workerProps: Record<string, string>
  connectorProps: Record<string, string>[]
  notice: (m: string) => void
  clock?: Clock
  /** Relative paths (plugin.path, the offsets file) are taken from here; default the working directory. */
  baseDir?: string
}

interface Planned {
  settings: ConnectorSettings
  kind: ConnectorKind
  connector: Connector
  props: Props
  converters: Converters
  transforms: () => TransformationChain
}

interface RunningConnector {
  settings: ConnectorSettings
  kind: ConnectorKind
  connector: Connector
  tasks: WorkerTask[]
  runs: Promise<void>[]
  status: ConnectorStatus
}

export class StandaloneWorker {
  private readonly connectors: RunningConnector[] = []
  private stopping: Promise<void> | null = null
  readonly workerId = `logpipe-standalone-${process.pid}`

  private constructor(
    private readonly o: StandaloneOptions,
    private readonly worker: WorkerSettings,
    private readonly offsets: OffsetFile,
    private readonly statuses: StatusStore,
  ) {}

  static async start(o: StandaloneOptions): Promise<StandaloneWorker> {
    const base = o.baseDir ?? process.cwd()
    const worker = parseWorkerSettings(o.workerProps, o.notice)
    const plugins = await Plugins.load(worker.pluginPath, o.notice, base)
    const offsets = new OffsetFile(resolve(base, worker.offsetFile))
    const w = new StandaloneWorker(o, worker, offsets, new StatusStore(o.store.dataDir))
    const planned = o.connectorProps.map((props) => w.plan(plugins, props))
    const names = new Set<string>()
    for (const p of planned) {
      if (names.has(p.settings.name)) throw new ConnectConfigError(`connector ${p.settings.name} is given twice`)
      names.add(p.settings.name)
    }
    for (const p of planned) await w.launch(p)
    return w
  }

  /** Class, kind and settings of one connector file, checked; nothing started. */
  private plan(plugins: Plugins, props: Record<string, string>): Planned {
    const name = props.name?.trim()
    if (!name) throw new ConnectConfigError('connector configuration: missing required configuration "name" which has no default value')
    validateConnectorName(name)
    if (!props['connector.class']?.trim()) throw new ConnectConfigError(`connector ${name}: missing required configuration "connector.class" which has no default value`)
    const info = plugins.find(props['connector.class'])
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
    const transforms = () => {
      try {
        return TransformationChain.fromProps(props, plugins)
      } catch (error) {
        if (error instanceof ConnectConfigError) throw new ConnectConfigError(`connector ${name}: ${error.message}`, {hint: error.hint})
        throw error
      }
    }
    const first = transforms()
    let used = false
    return {settings, kind, connector, props, converters: this.converters(name, props), transforms: () => (used ? transforms() : ((used = true), first))}
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

  private async launch(p: Planned): Promise<void> {
    const {settings, kind, connector, props} = p
    const name = settings.name
    this.statuses.saveConfig(name, props)
    const status: ConnectorStatus = {name, connector: {state: 'UNASSIGNED', worker_id: this.workerId}, tasks: [], type: kind}
    const rc: RunningConnector = {settings, kind, connector, tasks: [], runs: [], status}
    this.connectors.push(rc)
    connector.initialize({
      requestTaskReconfiguration: () => this.o.notice(`connector ${name} asked for new task configs; restart the worker to apply them`),
      raiseError: (error) => this.setConnectorState(rc, 'FAILED', error.stack ?? String(error)),
    })
    try {
      await connector.start(props)
    } catch (error) {
      this.setConnectorState(rc, 'FAILED', (error as Error).stack ?? String(error))
      throw new ConnectConfigError(`connector ${name} failed to start: ${(error as Error).message}`)
    }
    this.setConnectorState(rc, 'RUNNING')
    const taskConfigs = (await connector.taskConfigs(settings.tasksMax)).slice(0, settings.tasksMax)
    const TaskCtor = connector.taskClass()
    taskConfigs.forEach((tc, id) => {
      const taskProps: Props = {...props, ...tc, 'task.class': TaskCtor.name}
      status.tasks.push({id, state: 'UNASSIGNED', worker_id: this.workerId})
      const clock = this.o.clock ?? systemClock
      const options: WorkerTaskOptions = {
        connector: name,
        taskId: id,
        taskProps,
        converters: id === 0 ? p.converters : this.converters(name, props),
        transforms: p.transforms(),
        errors: new ErrorHandler({settings: settings.errors, connector: name, taskId: id, store: this.o.store, notice: this.o.notice, clock}),
        store: this.o.store,
        notice: this.o.notice,
        clock,
        onState: (state, trace) => {
          status.tasks[id] = {id, state, worker_id: this.workerId, ...(trace ? {trace} : {})}
          this.saveStatus(rc)
        },
      }
      const task = new TaskCtor()
      const wt =
        kind === 'source'
          ? new WorkerSourceTask(options, task as SourceTask, this.offsets, this.worker.offsetFlushIntervalMs)
          : new WorkerSinkTask(options, task as SinkTask, {topics: settings.topics, topicsRegex: settings.topicsRegex, commitIntervalMs: this.worker.offsetFlushIntervalMs, sessionTimeoutMs: this.worker.sessionTimeoutMs})
      rc.tasks.push(wt)
    })
    this.saveStatus(rc)
    for (const t of rc.tasks) rc.runs.push(t.run())
  }

  private setConnectorState(rc: RunningConnector, state: ConnectState, trace?: string): void {
    rc.status.connector = {state, worker_id: this.workerId, ...(trace ? {trace} : {})}
    if (state === 'FAILED') this.o.notice(`connector ${rc.settings.name} FAILED: ${trace?.split('\n')[0] ?? ''}`)
    this.saveStatus(rc)
  }

  private saveStatus(rc: RunningConnector): void {
    try {
      this.statuses.save(rc.status)
    } catch (error) {
      this.o.notice(`cannot write the status of connector ${rc.settings.name}: ${(error as Error).message}`)
    }
  }

  /** Each connector's current status. */
  status(): ConnectorStatus[] {
    return this.connectors.map((c) => c.status)
  }

  /** Resolves once every task has ended (after stop(), or all failed). */
  async tasksEnded(): Promise<void> {
    await Promise.all(this.connectors.flatMap((c) => c.runs))
  }

  /** Clean stop: tasks stop and commit, source offsets are flushed, connectors stop. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const c of this.connectors) for (const t of c.tasks) t.stop()
      await this.tasksEnded()
      this.offsets.flush()
      for (const c of this.connectors) {
        try {
          await c.connector.stop()
        } catch (error) {
          this.o.notice(`connector ${c.settings.name}: stop failed: ${(error as Error).message}`)
        }
        if (c.status.connector.state === 'RUNNING') c.status.connector = {state: 'UNASSIGNED', worker_id: this.workerId}
        c.status.tasks = c.status.tasks.map((t) => (t.state === 'RUNNING' ? {...t, state: 'UNASSIGNED'} : t))
        this.saveStatus(c)
      }
    })()
    return this.stopping
  }
}
