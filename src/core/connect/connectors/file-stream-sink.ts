/**
 * org.apache.kafka.connect.file.FileStreamSinkConnector: each record's
 * value is appended to `file` as a line (its text; null as "null", as
 * Java's println prints it). Lines are written as records come and the
 * file is fsynced on each flush, which comes before every offset commit:
 * a committed record is on disk.
 */
import {closeSync, fsyncSync, openSync, writeSync} from 'node:fs'
import {ConnectTaskError} from '../../errors.js'
import {ConfigDef} from '../api/config-def.js'
import {type Props, SinkConnector, SinkTask, type TaskClass} from '../api/connector.js'
import type {SinkRecord} from '../api/connect-record.js'
import {Struct} from '../api/struct.js'

export class FileStreamSinkConnector extends SinkConnector {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.file.FileStreamSinkConnector'
  private props: Props = {}

  override version(): string {
    return '1.0.0'
  }

  config(): ConfigDef {
    return new ConfigDef().define({name: 'file', type: 'STRING', defaultValue: null, importance: 'HIGH', documentation: 'Destination filename. If not specified, the standard output will be used'})
  }

  start(props: Props): void {
    if (this.config().parse(props).file === null) throw new ConnectTaskError('FileStreamSinkConnector: writing to standard output is not supported by logpipe; set file=PATH')
    this.props = props
  }

  taskClass(): TaskClass<SinkTask> {
    return FileStreamSinkTask
  }

  taskConfigs(maxTasks: number): Props[] {
    return Array.from({length: maxTasks}, () => ({...this.props}))
  }

  stop(): void {}
}

export class FileStreamSinkTask extends SinkTask {
  private fd: number | null = null
  private filename = ''

  override version(): string {
    return '1.0.0'
  }

  start(props: Props): void {
    this.filename = props.file
    try {
      this.fd = openSync(this.filename, 'a')
    } catch (error) {
      throw new ConnectTaskError(`couldn't find or create file '${this.filename}' for FileStreamSinkTask: ${(error as Error).message}`)
    }
  }

  put(records: SinkRecord[]): void {
    if (this.fd === null || records.length === 0) return
    // One string for the put, each line ended by the join (a line + '\n' string per record was garbage).
    const text = records.map((r) => lineOf(r.value)).join('\n') + '\n'
    const bytes = Buffer.from(text, 'utf8')
    let done = 0
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done)
  }

  override flush(): void {
    if (this.fd !== null) fsyncSync(this.fd)
  }

  stop(): void {
    if (this.fd === null) return
    fsyncSync(this.fd)
    closeSync(this.fd)
    this.fd = null
  }
}

/** A value as one line of text: strings as they are, bytes as UTF-8, structs as Kafka prints them, maps as JSON. */
export function lineOf(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return value
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8')
  if (value instanceof Struct || value instanceof Date) return value.toString()
  if (typeof value === 'object') return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
  return String(value)
}
