/**
 * One connector on a worker (the part of Kafka's Worker and herder that
 * keeps a connector and its tasks): the Connector instance, its task
 * configs, a WorkerTask per task, and the target state Kafka's REST API
 * moves it between — STARTED, PAUSED (tasks hold still, a sink keeps its
 * partitions), STOPPED (KIP-875: connector and tasks shut down, no task
 * configs). Every change of state is written to the status store.
 */
import type {Clock} from '../../clock.js'
import type {Store} from '../../store/store.js'
import type {TopicWriters} from '../../client/topic-writers.js'
import type {Connector, Props, SinkTask, SourceTask} from '../api/connector.js'
import type {ConnectorSettings} from './connector-config.js'
import {ErrorHandler} from './error-handler.js'
import type {SourceOffsetStore} from './source-offset-store.js'
import type {ConnectorKind} from './plugins.js'
import type {ConnectorStatus, ConnectState, StatusStore, TaskStatus} from './status-store.js'
import {WorkerSinkTask} from './worker-sink-task.js'
import {WorkerSourceTask} from './worker-source-task.js'
import type {TransformationChain} from './transformation-chain.js'
import type {Converters, WorkerTask, WorkerTaskOptions} from './worker-task.js'

export type TargetState = 'STARTED' | 'PAUSED' | 'STOPPED'

/** A connector's checked config: what plan() found, ready to run. */
export interface ConnectorPlan {
  settings: ConnectorSettings
  kind: ConnectorKind
  className: string
  newConnector: () => Connector
  props: Props
  converters: () => Converters
  /** A fresh transformation chain (the connector's transforms= and predicates=) for each task. */
  transforms: () => TransformationChain
}

export interface RunnerContext {
  store: Store
  writers: TopicWriters
  statuses: StatusStore
  offsets: SourceOffsetStore
  workerId: string
  offsetFlushIntervalMs: number
  sessionTimeoutMs: number
  notice: (m: string) => void
  clock: Clock
  /** Told when a task ends (stopped or failed), so the worker can tell whether anything still runs. */
  onTaskEnded: () => void
  /**
   * Distributed: this worker runs only the parts of the connector it was
   * assigned (the connector instance, some tasks), the status goes to the
   * status topic, and the status file (one per connector) is not written.
   */
  parts?: boolean
  /** Told after every change of the connector's or a task's state (a distributed worker publishes it to the status topic). */
  onStatusChange?: () => void
  /** A distributed worker asks the connector for its task configs again when it asks for that (Kafka's requestTaskReconfiguration). */
  onTaskReconfiguration?: () => void
}

interface RunningTask {
  wt: WorkerTask
  run: Promise<void>
}

export class ConnectorRunner {
  private connector: Connector | null = null
  private tasks: (RunningTask | null)[] = []
  taskProps: Props[] = []
  readonly status: ConnectorStatus
  readonly topics: Set<string>
  target: TargetState = 'STARTED'
  /** Lifecycle changes run one at a time, in the order asked (Kafka's herder has one request thread too). */
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    readonly plan: ConnectorPlan,
    private readonly c: RunnerContext,
  ) {
    this.status = {name: plan.settings.name, connector: {state: 'UNASSIGNED', worker_id: c.workerId}, tasks: [], type: plan.kind}
    this.topics = new Set(c.statuses.topics(plan.settings.name))
  }

  get name(): string {
    return this.plan.settings.name
  }

  /** Starts the connector and (unless STOPPED) its tasks, in the target state. A connector whose start() throws is FAILED. */
  async start(target: TargetState): Promise<void> {
    this.target = target
    if (target === 'STOPPED') {
      this.taskProps = []
      this.status.tasks = []
      this.setConnectorState('STOPPED')
      return
    }
    if (!(await this.startConnector())) return
    await this.startTasks()
  }

  private async startConnector(): Promise<boolean> {
    const connector = this.plan.newConnector()
    this.connector = connector
    connector.initialize({
      requestTaskReconfiguration: () =>
        this.c.onTaskReconfiguration ? this.c.onTaskReconfiguration() : this.c.notice(`connector ${this.name} asked for new task configs; restart it (logpipe connect restart ${this.name} --include-tasks) to apply them`),
      raiseError: (error) => this.setConnectorState('FAILED', error.stack ?? String(error)),
    })
    try {
      await connector.start(this.plan.props)
    } catch (error) {
      this.connector = null
      this.setConnectorState('FAILED', (error as Error).stack ?? String(error))
      return false
    }
    this.setConnectorState(this.target === 'PAUSED' ? 'PAUSED' : 'RUNNING')
    return true
  }

  private async startTasks(): Promise<void> {
    const connector = this.connector
    if (!connector) return
    const TaskCtor = connector.taskClass()
    const configs = (await connector.taskConfigs(this.plan.settings.tasksMax)).slice(0, this.plan.settings.tasksMax)
    this.taskProps = configs.map((tc) => ({...this.plan.props, ...tc, 'task.class': TaskCtor.name}))
    this.status.tasks = this.taskProps.map((_, id) => ({id, state: 'UNASSIGNED', worker_id: this.c.workerId}))
    this.tasks = this.taskProps.map(() => null)
    this.save()
    for (let id = 0; id < this.taskProps.length; id++) this.startTask(id)
  }

  /** The task class: the connector instance's, or, on a worker that runs only tasks, a fresh instance's (Kafka's task.class). */
  private taskClass(): ReturnType<Connector['taskClass']> {
    return (this.connector ?? (this.spare ??= this.plan.newConnector())).taskClass()
  }

  private spare: Connector | null = null

  private startTask(id: number): void {
    const s = this.plan.settings
    const clock = this.c.clock
    const options: WorkerTaskOptions = {
      connector: this.name,
      taskId: id,
      taskProps: this.taskProps[id],
      converters: this.plan.converters(),
      transforms: this.plan.transforms(),
      errors: new ErrorHandler({settings: s.errors, connector: this.name, taskId: id, store: this.c.store, writers: this.c.writers, notice: this.c.notice, clock}),
      store: this.c.store,
      writers: this.c.writers,
      notice: this.c.notice,
      clock,
      onState: (state, trace) => {
        this.status.tasks[id] = {id, state, worker_id: this.c.workerId, ...(trace ? {trace} : {})}
        this.save()
      },
      onTopic: (topic) => {
        if (this.topics.has(topic)) return
        this.topics.add(topic)
        this.c.statuses.saveTopics(this.name, [...this.topics])
      },
    }
    const TaskCtor = this.taskClass()
    const task = new TaskCtor()
    const wt =
      this.plan.kind === 'source'
        ? new WorkerSourceTask(options, task as SourceTask, this.c.offsets, this.c.offsetFlushIntervalMs)
        : new WorkerSinkTask(options, task as SinkTask, {topics: s.topics, topicsRegex: s.topicsRegex, commitIntervalMs: this.c.offsetFlushIntervalMs, sessionTimeoutMs: this.c.sessionTimeoutMs})
    if (this.target === 'PAUSED') wt.pause()
    const run = wt.run().finally(() => this.c.onTaskEnded())
    this.tasks[id] = {wt, run}
  }

  private async stopTask(id: number): Promise<void> {
    const t = this.tasks[id]
    if (!t) return
    t.wt.stop()
    await t.run
    this.tasks[id] = null
  }

  private async stopConnectorInstance(): Promise<void> {
    const connector = this.connector
    this.connector = null
    if (!connector) return
    try {
      await connector.stop()
    } catch (error) {
      this.c.notice(`connector ${this.name}: stop failed: ${(error as Error).message}`)
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn)
    this.queue = next.catch(() => undefined)
    return next
  }

  /** Once another worker runs this connector, what this one does to it is not news: its status is no longer written. */
  private detached = false

  /**
   * Stops tasks and connector; their last states (UNASSIGNED, or FAILED
   * with the reason) are saved, unless `handedOver` (a distributed worker
   * gives the connector up to another, whose status must not be overwritten).
   */
  shutdown(handedOver = false): Promise<void> {
    if (handedOver) this.detached = true
    return this.serial(() => this.shutdownNow())
  }

  private async shutdownNow(): Promise<void> {
    for (let id = 0; id < this.tasks.length; id++) this.tasks[id]?.wt.stop()
    await Promise.all(this.tasks.map((t) => t?.run))
    this.tasks = this.tasks.map(() => null)
    await this.c.offsets.flush()
    await this.stopConnectorInstance()
    if (this.status.connector.state !== 'FAILED') this.status.connector = {state: 'UNASSIGNED', worker_id: this.c.workerId}
    this.status.tasks = this.status.tasks.map((t) => (t.state === 'FAILED' ? t : {...t, state: 'UNASSIGNED'}))
    this.save()
  }

  /** Whether any task is still running or paused (not ended, not failed). */
  get live(): boolean {
    return this.tasks.some((t) => t !== null && t.wt.state !== 'FAILED')
  }

  get failedTasks(): string[] {
    return this.status.tasks.filter((t) => t.state === 'FAILED').map((t) => `${this.name}-${t.id}`)
  }

  get taskCount(): number {
    return this.tasks.filter((t) => t !== null).length
  }

  pause(): void {
    this.target = 'PAUSED'
    if (this.status.connector.state === 'RUNNING') this.setConnectorState('PAUSED')
    for (const t of this.tasks) t?.wt.pause()
  }

  resume(): Promise<void> {
    return this.serial(() => this.resumeNow())
  }

  private async resumeNow(): Promise<void> {
    if (this.target === 'STOPPED') {
      await this.start('STARTED')
      return
    }
    this.target = 'STARTED'
    if (this.status.connector.state === 'PAUSED') this.setConnectorState('RUNNING')
    for (const t of this.tasks) t?.wt.resume()
  }

  /** KIP-875's stop: tasks and connector shut down, offsets flushed, no task configs left. */
  stop(): Promise<void> {
    return this.serial(() => this.stopNow())
  }

  private async stopNow(): Promise<void> {
    await this.shutdownNow()
    this.target = 'STOPPED'
    this.taskProps = []
    this.tasks = []
    this.status.tasks = []
    this.setConnectorState('STOPPED')
  }

  /**
   * Kafka's restart: the connector instance, and with includeTasks the
   * tasks too (onlyFailed: only what is FAILED). Returns what restarts,
   * marked RESTARTING, before it happens; the restart runs on.
   */
  restart(includeTasks: boolean, onlyFailed: boolean): {status: ConnectorStatus; done: Promise<void>} {
    const connectorToo = !onlyFailed || this.status.connector.state === 'FAILED'
    const tasks = includeTasks ? this.status.tasks.filter((t) => !onlyFailed || t.state === 'FAILED').map((t) => t.id) : []
    const status: ConnectorStatus = {
      ...this.status,
      connector: connectorToo ? {state: 'RESTARTING', worker_id: this.c.workerId} : this.status.connector,
      tasks: this.status.tasks.map((t) => (tasks.includes(t.id) ? {id: t.id, state: 'RESTARTING', worker_id: this.c.workerId} : t)),
    }
    const done = this.serial(async () => {
      if (this.target === 'STOPPED') return
      if (connectorToo && (!this.c.parts || this.ownsConnector)) {
        await this.stopConnectorInstance()
        // A distributed worker's tasks run whether or not the connector instance is here.
        if (!(await this.startConnector()) && !this.c.parts) return
      }
      for (const id of tasks) await this.restartTaskNow(id)
    })
    return {status, done}
  }

  restartTask(id: number): Promise<void> {
    return this.serial(() => this.restartTaskNow(id))
  }

  private async restartTaskNow(id: number): Promise<void> {
    if (this.target === 'STOPPED') return
    await this.stopTask(id)
    if (!this.connector && !this.c.parts) return
    this.startTask(id)
  }

  // Distributed (parts): the connector instance and each task start and stop on their own, as the group's leader assigns them.

  /** Whether this worker runs the connector instance (it may have FAILED). */
  ownsConnector = false

  /** Starts the connector instance alone; its task configs, or null when it failed or is STOPPED (it has none). */
  startConnectorPart(target: TargetState): Promise<Props[] | null> {
    return this.serial(async () => {
      this.ownsConnector = true
      this.target = target
      if (target === 'STOPPED') {
        this.setConnectorState('STOPPED')
        return null
      }
      if (!(await this.startConnector())) return null
      return this.taskConfigsOf(this.connector!)
    })
  }

  /** The running connector instance's task configs, asked for anew; null when it does not run. */
  taskConfigsPart(): Promise<Props[] | null> {
    return this.serial(async () => {
      const connector = this.connector
      if (!connector || !this.ownsConnector || this.target === 'STOPPED') return null
      return this.taskConfigsOf(connector)
    })
  }

  private async taskConfigsOf(connector: Connector): Promise<Props[]> {
    const TaskCtor = connector.taskClass()
    const configs = (await connector.taskConfigs(this.plan.settings.tasksMax)).slice(0, this.plan.settings.tasksMax)
    return configs.map((tc) => ({...this.plan.props, ...tc, 'task.class': TaskCtor.name}))
  }

  /** Stops the connector instance alone (it moved, or its config changed). */
  stopConnectorPart(): Promise<void> {
    return this.serial(async () => {
      await this.stopConnectorInstance()
      this.ownsConnector = false
      if (this.status.connector.state !== 'FAILED') this.status.connector = {state: 'UNASSIGNED', worker_id: this.c.workerId}
    })
  }

  /** The task ids this worker runs (or holds FAILED). */
  get localTasks(): number[] {
    return this.tasks.flatMap((t, id) => (t ? [id] : []))
  }

  /** Starts task `id` with the config the connector's owner wrote to the config topic. */
  startTaskPart(id: number, props: Props): Promise<void> {
    return this.serial(async () => {
      await this.stopTask(id)
      this.taskProps[id] = props
      this.startTask(id)
    })
  }

  /** Stops task `id` and flushes the source offsets it staged, so the next owner goes on from them. */
  stopTaskPart(id: number): Promise<void> {
    return this.serial(async () => {
      await this.stopTask(id)
      await this.c.offsets.flush()
      delete this.status.tasks[id]
    })
  }

  /** The state of task `id` here, if this worker runs it. */
  taskState(id: number): TaskStatus | null {
    return this.tasks[id] ? (this.status.tasks[id] ?? {id, state: 'UNASSIGNED', worker_id: this.c.workerId}) : null
  }

  private setConnectorState(state: ConnectState, trace?: string): void {
    this.status.connector = {state, worker_id: this.c.workerId, ...(trace ? {trace} : {})}
    if (state === 'FAILED') this.c.notice(`connector ${this.name} FAILED: ${trace?.split('\n')[0] ?? ''}`)
    this.save()
  }

  save(): void {
    if (!this.detached) this.c.onStatusChange?.()
    if (this.detached || this.c.parts) return
    try {
      this.c.statuses.save(this.status)
    } catch (error) {
      this.c.notice(`cannot write the status of connector ${this.name}: ${(error as Error).message}`)
    }
  }
}
