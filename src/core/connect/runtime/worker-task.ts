/**
 * What the source and sink worker tasks share: the converters of the
 * connector, the state (RUNNING, FAILED with its reason) told to the
 * worker, and the loop's stop switch.
 */
import type {Clock} from '../../clock.js'
import type {TopicWriters} from '../../client/topic-writers.js'
import type {Store} from '../../store/store.js'
import type {Converter, HeaderConverter} from '../api/converter.js'
import type {Props} from '../api/connector.js'
import type {ConnectState} from './status-store.js'
import type {ErrorHandler, FailedRecord} from './error-handler.js'
import type {ConnectRecord} from '../api/connect-record.js'
import {applyStage, type TransformationChain} from './transformation-chain.js'

export interface Converters {
  key: Converter
  value: Converter
  header: HeaderConverter
  keyClass: string
  valueClass: string
  headerClass: string
}

export interface WorkerTaskOptions {
  connector: string
  taskId: number
  taskProps: Props
  converters: Converters
  errors: ErrorHandler
  /** The connector's single message transforms, this task's own instances. */
  transforms: TransformationChain
  store: Store
  /** Producers of the task's topics: on the files, or through the data dir's broker while one runs. */
  writers: TopicWriters
  notice: (m: string) => void
  clock: Clock
  /** Told every change of the task's state. */
  onState: (state: ConnectState, trace?: string) => void
  /** Told each topic the task writes to or reads from (Kafka's KIP-558 active topics). */
  onTopic?: (topic: string) => void
}

export abstract class WorkerTask {
  protected stopping = false
  /** Kafka's TargetState.PAUSED: the loop holds still (a sink keeps its partitions) until resume() or stop(). */
  protected paused = false
  private wakePaused: (() => void) | null = null
  state: ConnectState = 'UNASSIGNED'
  trace: string | undefined

  constructor(protected readonly o: WorkerTaskOptions) {}

  get id(): string {
    return `${this.o.connector}-${this.o.taskId}`
  }

  protected setState(state: ConnectState, trace?: string): void {
    this.state = state
    this.trace = trace
    this.o.onState(state, trace)
  }

  /** Runs the task until stop() or a failure; a failure leaves it FAILED (never rejects). */
  async run(): Promise<void> {
    try {
      await this.execute()
    } catch (error) {
      const e = error as Error
      this.setState('FAILED', e.stack ?? String(e))
      this.o.notice(`task ${this.id} FAILED: ${e.message}`)
      try {
        await this.cleanUp(false)
      } catch (cleanupError) {
        this.o.notice(`task ${this.id}: stopping after the failure failed too: ${(cleanupError as Error).message}`)
      }
      return
    }
    await this.cleanUp(true)
  }

  /**
   * The record through the transforms, each stage under the error rules
   * (stage TRANSFORMATION): null when a transform dropped it, undefined
   * when one failed and errors.tolerance=all skipped it.
   */
  protected async transform<R extends ConnectRecord>(record: R, failed?: FailedRecord): Promise<R | null | undefined> {
    let r = record
    for (const s of this.o.transforms.stages) {
      const out = this.o.errors.attempt('TRANSFORMATION', s.className, () => applyStage(s, r), failed)
      const next = out instanceof Promise ? await out : out
      if (next === undefined || next === null) return next
      r = next
    }
    return r
  }

  protected abstract execute(): Promise<void>
  /** Releases what the task holds; `clean` when it stopped as asked (then offsets are committed). */
  protected abstract cleanUp(clean: boolean): Promise<void>

  /** The state to show once the task has started: it may have been paused while starting. */
  protected get runningState(): ConnectState {
    return this.paused ? 'PAUSED' : 'RUNNING'
  }

  /** Waits while paused, at most `ms` (so the loop still commits and heartbeats), or until resume() or stop(). */
  protected whilePaused(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms)
      const self = this
      function done() {
        clearTimeout(t)
        if (self.wakePaused === done) self.wakePaused = null
        resolve()
      }
      this.wakePaused = done
    })
  }

  pause(): void {
    this.paused = true
    if (this.state === 'RUNNING') this.setState('PAUSED')
  }

  resume(): void {
    this.paused = false
    if (this.state === 'PAUSED') this.setState('RUNNING')
    this.wakePaused?.()
  }

  stop(): void {
    this.stopping = true
    this.wakePaused?.()
  }
}
