/**
 * Kafka's RetryWithToleranceOperator with its log and dead-letter reporters.
 * An operation of a stage (converting a key or value, a header) that throws
 * a retriable error is tried again with exponential backoff (300 ms,
 * doubling, at most errors.retry.delay.max.ms) until errors.retry.timeout
 * has passed (0: no retry, -1: forever). An error that remains fails the
 * task under errors.tolerance=none; under all the record is skipped, told
 * to the log (errors.log.enable) and, for sinks, written unchanged to
 * errors.deadletterqueue.topic.name, with __connect.errors.* headers when
 * errors.deadletterqueue.context.headers.enable is set. The dead letter is
 * written before the record counts as handled, so an offset is never
 * committed past a record that went nowhere.
 */
import {ConnectTaskError, type LogpipeError} from '../../errors.js'
import type {Clock} from '../../clock.js'
import type {RecordHeader} from '../../record/header.js'
import type {Producer} from '../../client/producer.js'
import type {TopicWriters} from '../../client/topic-writers.js'
import {Admin} from '../../client/admin.js'
import type {Store} from '../../store/store.js'
import type {ErrorSettings} from './connector-config.js'

export type Stage = 'KEY_CONVERTER' | 'VALUE_CONVERTER' | 'HEADER_CONVERTER' | 'TRANSFORMATION' | 'TASK_PUT' | 'TASK_POLL'

export const ERROR_HEADER_PREFIX = '__connect.errors.'

/** The record being worked on when the error came (a sink's consumed record). */
export interface FailedRecord {
  topic: string
  partition: number
  offset: number
  key: Buffer | null
  value: Buffer | null
  timestamp: number
  headers: RecordHeader[]
}

export interface ErrorHandlerOptions {
  settings: ErrorSettings
  connector: string
  taskId: number
  store: Store
  /** Where the dead letter queue is written: the files, or the data dir's broker. */
  writers: TopicWriters
  notice: (m: string) => void
  clock: Clock
  /** Waits between retries; a test gives one that returns at once. */
  sleep?: (ms: number) => Promise<void>
}

const INITIAL_BACKOFF_MS = 300

export class ErrorHandler {
  private dlq: Producer | null = null
  /** Records skipped under errors.tolerance=all. */
  skipped = 0

  constructor(private readonly o: ErrorHandlerOptions) {}

  /**
   * `fn`'s result at once when it succeeds, with no promise per record (the
   * common case, a few million times a second); a failure goes through
   * execute(), which calls fn again under the retry and tolerance rules.
   */
  attempt<T>(stage: Stage, executingClass: string, fn: () => T, record?: FailedRecord): T | Promise<T | undefined> {
    try {
      return fn()
    } catch {
      return this.execute(stage, executingClass, fn, record)
    }
  }

  /**
   * attempt() of `fn.call(self, a, b, c)`: the same, with no closure made for
   * the call (a converter runs per record and stage, and two closures and
   * their context per record were much of a worker's garbage).
   */
  attemptCall<A, B, C, T>(stage: Stage, executingClass: string, fn: (a: A, b: B, c: C) => T, self: unknown, a: A, b: B, c: C, record?: FailedRecord): T | Promise<T | undefined> {
    try {
      return fn.call(self, a, b, c)
    } catch {
      return this.execute(stage, executingClass, () => fn.call(self, a, b, c), record)
    }
  }

  /** `fn`'s result, or `undefined` when it failed and the failure is tolerated. */
  async execute<T>(stage: Stage, executingClass: string, fn: () => T, record?: FailedRecord): Promise<T | undefined> {
    const start = this.o.clock.now()
    let backoff = INITIAL_BACKOFF_MS
    for (let attempt = 1; ; attempt++) {
      try {
        return fn()
      } catch (error) {
        const retriable = (error as LogpipeError).retriable === true
        const timeout = this.o.settings.retryTimeoutMs
        const elapsed = this.o.clock.now() - start
        if (retriable && (timeout < 0 || elapsed < timeout)) {
          const wait = Math.min(backoff, this.o.settings.retryDelayMaxMs, timeout < 0 ? Infinity : timeout - elapsed)
          backoff *= 2
          await (this.o.sleep ?? defaultSleep)(wait)
          continue
        }
        await this.fail(stage, executingClass, error as Error, record, attempt)
        return undefined
      }
    }
  }

  /**
   * A record the task itself could not write (ErrantRecordReporter.report):
   * no retry here, the task did its own; rejects under errors.tolerance=none.
   */
  async report(stage: Stage, executingClass: string, error: Error, record: FailedRecord): Promise<void> {
    await this.fail(stage, executingClass, error, record, 1)
  }

  private async fail(stage: Stage, executingClass: string, error: Error, record: FailedRecord | undefined, attempts: number): Promise<void> {
    const s = this.o.settings
    const where = record && s.logIncludeMessages ? `, where consumed record is {topic='${record.topic}', partition=${record.partition}, offset=${record.offset}, timestamp=${record.timestamp}}` : ''
    if (s.logEnable) this.o.notice(`Error encountered in task ${this.o.connector}-${this.o.taskId}. Executing stage '${stage}' with class '${executingClass}'${where}: ${error.message}`)
    if (s.tolerance === 'none') {
      throw new ConnectTaskError(`Tolerance exceeded in error handler: stage ${stage} with class ${executingClass} failed${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${error.message}`, {cause: error})
    }
    this.skipped++
    if (record && s.deadLetterTopic !== '') await this.deadLetter(stage, executingClass, error, record)
  }

  private async deadLetter(stage: Stage, executingClass: string, error: Error, r: FailedRecord): Promise<void> {
    const topic = this.o.settings.deadLetterTopic
    if (!this.dlq) {
      if (new Admin(this.o.store).createTopic(topic, {partitions: 1}).created) this.o.notice(`created dead letter queue topic ${topic}`)
      this.dlq = await this.o.writers.producer(topic)
    }
    const headers = [...r.headers]
    if (this.o.settings.deadLetterContextHeaders) {
      const h = (k: string, v: string) => headers.push({key: ERROR_HEADER_PREFIX + k, value: Buffer.from(v, 'utf8')})
      h('topic', r.topic)
      h('partition', String(r.partition))
      h('offset', String(r.offset))
      h('connector.name', this.o.connector)
      h('task.id', String(this.o.taskId))
      h('stage', stage)
      h('class.name', executingClass)
      h('exception.class.name', javaLikeClass(error))
      h('exception.message', error.message)
      h('exception.stacktrace', error.stack ?? `${error.name}: ${error.message}`)
    }
    await this.dlq.send([{key: r.key, value: r.value, timestamp: r.timestamp, headers}])
  }

  async close(): Promise<void> {
    await this.dlq?.close()
  }
}

/** The error's class as Kafka names its DataException, ours otherwise. */
function javaLikeClass(error: Error): string {
  if (error.name === 'ConnectDataError') return 'org.apache.kafka.connect.errors.DataException'
  if (error.name === 'ConnectTaskError') return 'org.apache.kafka.connect.errors.ConnectException'
  return error.name || 'Error'
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
