/**
 * The exec sink (logpipe's own, class logpipe.connect.ExecSinkConnector):
 * records are piped to `command`, run by /bin/sh as written, the way
 * `consume --exec` does. With `exec.mode=record` (the default) the command
 * runs once per record, the value on its stdin and the record's place in
 * LOGPIPE_TOPIC, LOGPIPE_PARTITION, LOGPIPE_OFFSET, LOGPIPE_TIMESTAMP and
 * LOGPIPE_KEY; with `exec.mode=batch` once per put(), each value a line on
 * its stdin, LOGPIPE_RECORDS the count. A non-zero exit is retried and
 * then skipped or fatal by the errors.* settings (sink-retry.ts); record
 * data never becomes part of a command line.
 */
import {spawn} from 'node:child_process'
import {ConfigDef, NonEmptyString, ValidString} from '../api/config-def.js'
import {type Props, SinkConnector, SinkTask, type TaskClass} from '../api/connector.js'
import type {SinkRecord} from '../api/connect-record.js'
import {lineOf} from './file-stream-sink.js'
import {type Attempt, SinkRetrier, sinkErrorPolicy} from './sink-retry.js'

const STDERR_TAIL = 2048

const CONFIG = new ConfigDef()
  .define({name: 'command', type: 'STRING', validator: NonEmptyString, importance: 'HIGH', documentation: 'The command records are piped to, run by /bin/sh.'})
  .define({name: 'exec.mode', type: 'STRING', defaultValue: 'record', validator: ValidString.in('record', 'batch'), importance: 'MEDIUM', documentation: "'record': one run per record, its value on stdin; 'batch': one run per batch, a value per line."})

export class ExecSinkConnector extends SinkConnector {
  static readonly CLASS_NAME = 'logpipe.connect.ExecSinkConnector'
  private props: Props = {}

  override version(): string {
    return '1.0.0'
  }

  config(): ConfigDef {
    return CONFIG
  }

  start(props: Props): void {
    CONFIG.parse(props)
    this.props = props
  }

  taskClass(): TaskClass<SinkTask> {
    return ExecSinkTask
  }

  taskConfigs(maxTasks: number): Props[] {
    return Array.from({length: maxTasks}, () => ({...this.props}))
  }

  stop(): void {}
}

export class ExecSinkTask extends SinkTask {
  private command = ''
  private batch = false
  private retrier: SinkRetrier | null = null

  override version(): string {
    return '1.0.0'
  }

  start(props: Props): void {
    const c = CONFIG.parse(props)
    this.command = c.command as string
    this.batch = c['exec.mode'] === 'batch'
    this.retrier = new SinkRetrier(sinkErrorPolicy(props), (m) => this.context.log?.(m), () => this.context.errantRecordReporter?.() ?? null)
  }

  async put(records: SinkRecord[]): Promise<void> {
    if (records.length === 0) return
    if (this.batch) {
      const input = Buffer.from(records.map((r) => lineOf(r.value) + '\n').join(''), 'utf8')
      const first = records[0]
      await this.retrier!.write(`exec sink: '${this.command}' for ${records.length} records from ${first.topic}/${first.kafkaPartition} offset ${first.kafkaOffset}`, records, () => run(this.command, input, {LOGPIPE_RECORDS: String(records.length)}))
      return
    }
    for (const r of records) {
      const input = r.value instanceof Uint8Array ? Buffer.from(r.value) : Buffer.from(r.value === null ? '' : lineOf(r.value), 'utf8')
      const env: Record<string, string> = {LOGPIPE_TOPIC: r.topic, LOGPIPE_PARTITION: String(r.kafkaPartition), LOGPIPE_OFFSET: String(r.kafkaOffset), LOGPIPE_TIMESTAMP: String(r.timestamp ?? -1)}
      if (r.key !== null) env.LOGPIPE_KEY = lineOf(r.key)
      await this.retrier!.write(`exec sink: '${this.command}' for ${r.topic}/${r.kafkaPartition} offset ${r.kafkaOffset}`, [r], () => run(this.command, input, env))
    }
  }

  stop(): void {
    this.retrier?.stop()
  }
}

function run(command: string, input: Buffer, extra: Record<string, string>): Promise<Attempt> {
  return new Promise((resolve) => {
    const env = {...process.env}
    delete env.LOGPIPE_KEY
    const child = spawn('/bin/sh', ['-c', command], {stdio: ['pipe', 'inherit', 'pipe'], env: {...env, ...extra}})
    let tail = ''
    child.stderr.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL)
    })
    // A command that does not read its input closes the pipe early; its exit status still decides.
    child.stdin.on('error', () => {})
    child.stdin.end(input)
    child.on('error', (error) => resolve({ok: false, retriable: false, reason: error.message}))
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ok: true})
      else resolve({ok: false, retriable: true, reason: `${signal ? `killed by ${signal}` : `exit status ${code}`}${tail.trim() ? `: ${tail.trim().split('\n').at(-1)}` : ''}`})
    })
  })
}
