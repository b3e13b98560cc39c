/**
 * The records a connector sees: SourceRecord (from a source task, with the
 * source partition and offset it came from) and SinkRecord (to a sink
 * task, with the topic partition and offset it was read at), as Kafka's.
 */
import {ConnectHeaders} from './headers.js'
import type {Schema} from './schema.js'

export type SourcePartition = Record<string, unknown>
export type SourceOffset = Record<string, unknown>

export interface ConnectRecordFields {
  topic: string
  kafkaPartition?: number | null
  keySchema?: Schema | null
  key?: unknown
  valueSchema?: Schema | null
  value: unknown
  timestamp?: number | null
  headers?: ConnectHeaders
}

export abstract class ConnectRecord {
  readonly topic: string
  readonly kafkaPartition: number | null
  readonly keySchema: Schema | null
  readonly key: unknown
  readonly valueSchema: Schema | null
  readonly value: unknown
  readonly timestamp: number | null
  /** Made when first asked for: most records have none, and an empty list per record was garbage a worker made by the million. */
  private headerList: ConnectHeaders | null

  protected constructor(f: ConnectRecordFields) {
    this.topic = f.topic
    this.kafkaPartition = f.kafkaPartition ?? null
    this.keySchema = f.keySchema ?? null
    this.key = f.key ?? null
    this.valueSchema = f.valueSchema ?? null
    this.value = f.value ?? null
    this.timestamp = f.timestamp ?? null
    this.headerList = f.headers ?? null
  }

  get headers(): ConnectHeaders {
    return (this.headerList ??= new ConnectHeaders())
  }

  /** Whether there are headers, without making an empty list. @internal */
  get hasHeaders(): boolean {
    return this.headerList !== null && this.headerList.size > 0
  }

  /** A copy of the headers for a new record, or none when there are none. @internal */
  protected copyHeaders(): ConnectHeaders | undefined {
    return this.headerList === null || this.headerList.size === 0 ? undefined : this.headerList.duplicate()
  }

  /** A copy with some fields changed (what transforms return). */
  abstract newRecord(changes: Partial<ConnectRecordFields>): this
}

export interface SourceRecordFields extends ConnectRecordFields {
  sourcePartition: SourcePartition | null
  sourceOffset: SourceOffset | null
}

export class SourceRecord extends ConnectRecord {
  readonly sourcePartition: SourcePartition | null
  readonly sourceOffset: SourceOffset | null

  constructor(f: SourceRecordFields) {
    super(f)
    this.sourcePartition = f.sourcePartition
    this.sourceOffset = f.sourceOffset
  }

  newRecord(changes: Partial<ConnectRecordFields>): this {
    return new SourceRecord({...this.fields(), ...changes}) as this
  }

  private fields(): SourceRecordFields {
    const {topic, kafkaPartition, keySchema, key, valueSchema, value, timestamp, sourcePartition, sourceOffset} = this
    return {topic, kafkaPartition, keySchema, key, valueSchema, value, timestamp, sourcePartition, sourceOffset, headers: this.copyHeaders()}
  }
}

export type TimestampType = 'NoTimestampType' | 'CreateTime' | 'LogAppendTime'

export interface SinkRecordFields extends ConnectRecordFields {
  kafkaPartition: number
  kafkaOffset: number
  timestampType?: TimestampType
}

export class SinkRecord extends ConnectRecord {
  declare readonly kafkaPartition: number
  readonly kafkaOffset: number
  readonly timestampType: TimestampType
  /** Where the record was read, before any transform changed topic or partition. */
  readonly originalTopic: string
  readonly originalKafkaPartition: number
  readonly originalKafkaOffset: number

  constructor(f: SinkRecordFields, original?: {topic: string; partition: number; offset: number}) {
    super(f)
    this.kafkaOffset = f.kafkaOffset
    this.timestampType = f.timestampType ?? 'CreateTime'
    this.originalTopic = original?.topic ?? f.topic
    this.originalKafkaPartition = original?.partition ?? f.kafkaPartition
    this.originalKafkaOffset = original?.offset ?? f.kafkaOffset
  }

  newRecord(changes: Partial<SinkRecordFields>): this {
    const {topic, kafkaPartition, keySchema, key, valueSchema, value, timestamp, kafkaOffset, timestampType} = this
    return new SinkRecord(
      {topic, kafkaPartition, keySchema, key, valueSchema, value, timestamp, kafkaOffset, timestampType, headers: this.copyHeaders(), ...changes},
      {topic: this.originalTopic, partition: this.originalKafkaPartition, offset: this.originalKafkaOffset},
    ) as this
  }
}
