/**
 * What a connector author implements, with Kafka Connect's lifecycle:
 *
 *   Connector: initialize(ctx) -> start(props) -> taskConfigs(maxTasks) -> ... -> stop()
 *   SourceTask: initialize(ctx) -> start(props) -> poll()* (commitRecord per record written,
 *               commit() after offsets are flushed) -> stop()
 *   SinkTask:   initialize(ctx) -> start(props) -> open(partitions) -> put(records)*
 *               (preCommit/flush before each offset commit) -> close(partitions) -> stop()
 *
 * Methods may return promises; the worker awaits them. A task is one object
 * used by one worker loop at a time, so it needs no locking of its own;
 * only stop() may come while poll() is waiting.
 */
import type {ConfigDef} from './config-def.js'
import type {SinkRecord, SourceOffset, SourcePartition, SourceRecord} from './connect-record.js'

export type MaybePromise<T> = T | Promise<T>
export type Props = Record<string, string>

export interface TopicPartition {
  topic: string
  partition: number
}

/** Where a record landed: what Kafka's RecordMetadata tells commitRecord. */
export interface WrittenRecordMetadata {
  topic: string
  partition: number
  offset: number
}

export interface ConnectorContext {
  /** Ask the worker to call taskConfigs again (the inputs changed). */
  requestTaskReconfiguration(): void
  /** Fail the connector with this error. */
  raiseError(error: Error): void
}

/** The offsets the worker has stored for this connector's source partitions. */
export interface OffsetStorageReader {
  offset(partition: SourcePartition): SourceOffset | null
  offsets(partitions: SourcePartition[]): Map<SourcePartition, SourceOffset | null>
}

export interface SourceTaskContext {
  readonly configs: Props
  readonly offsetStorageReader: OffsetStorageReader
  /** Tell the user something (the worker's log; logpipe's stderr). */
  log?(message: string): void
}

/**
 * Kafka's ErrantRecordReporter (KIP-610): a sink hands over a record it
 * cannot write (the target refused it) and goes on. Under
 * errors.tolerance=all the record is told to the log (errors.log.enable)
 * and written to errors.deadletterqueue.topic.name as it was consumed;
 * under none report() rejects and the task fails. The promise settles once
 * the dead letter is written, so a task that awaits it before put()
 * returns never has its offset committed past a record that went nowhere.
 */
export interface ErrantRecordReporter {
  report(record: SinkRecord, error: Error): Promise<void>
}

export interface SinkTaskContext {
  readonly configs: Props
  /** The worker's reporter (Kafka's context.errantRecordReporter()); null where a worker has none. */
  errantRecordReporter?(): ErrantRecordReporter | null
  /** Rewind (or skip) the given partitions to these offsets before the next put. */
  offset(offsets: Map<TopicPartition, number> | TopicPartition, offset?: number): void
  /** Ask for an offset commit as soon as possible. */
  requestCommit(): void
  /** Tell the user something (the worker's log; logpipe's stderr). */
  log?(message: string): void
  assignment(): TopicPartition[]
  pause(...partitions: TopicPartition[]): void
  resume(...partitions: TopicPartition[]): void
}

export interface Task {
  version(): string
  start(props: Props): MaybePromise<void>
  stop(): MaybePromise<void>
}

export type TaskClass<T extends Task = Task> = new () => T

export abstract class Connector {
  protected context!: ConnectorContext

  initialize(context: ConnectorContext): void {
    this.context = context
  }

  version(): string {
    return '0.0.0'
  }

  abstract start(props: Props): MaybePromise<void>
  abstract taskClass(): TaskClass
  abstract taskConfigs(maxTasks: number): MaybePromise<Props[]>
  abstract stop(): MaybePromise<void>
  abstract config(): ConfigDef
}

export abstract class SourceConnector extends Connector {
  abstract override taskClass(): TaskClass<SourceTask>
}

export abstract class SinkConnector extends Connector {
  abstract override taskClass(): TaskClass<SinkTask>
}

export abstract class SourceTask implements Task {
  protected context!: SourceTaskContext

  initialize(context: SourceTaskContext): void {
    this.context = context
  }

  version(): string {
    return '0.0.0'
  }

  abstract start(props: Props): MaybePromise<void>
  /** The next records, or null / [] when there are none now (the worker calls again). */
  abstract poll(): MaybePromise<SourceRecord[] | null>
  /** The offsets of everything returned so far were stored. */
  commit(): MaybePromise<void> {}
  /** One record was written to its topic (metadata null when it was filtered out or dropped). */
  commitRecord(_record: SourceRecord, _metadata: WrittenRecordMetadata | null): MaybePromise<void> {}
  abstract stop(): MaybePromise<void>
}

export abstract class SinkTask implements Task {
  protected context!: SinkTaskContext

  initialize(context: SinkTaskContext): void {
    this.context = context
  }

  version(): string {
    return '0.0.0'
  }

  abstract start(props: Props): MaybePromise<void>
  abstract put(records: SinkRecord[]): MaybePromise<void>
  /** Make everything given to put() durable. */
  flush(_offsets: Map<string, {partition: TopicPartition; offset: number}>): MaybePromise<void> {}
  /** The offsets that may be committed; by default flush() everything and commit it all. */
  async preCommit(offsets: Map<string, {partition: TopicPartition; offset: number}>): Promise<Map<string, {partition: TopicPartition; offset: number}>> {
    await this.flush(offsets)
    return offsets
  }
  open(_partitions: TopicPartition[]): MaybePromise<void> {}
  close(_partitions: TopicPartition[]): MaybePromise<void> {}
  abstract stop(): MaybePromise<void>
}

