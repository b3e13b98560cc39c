/**
 * The HTTP sink (logpipe's own, class logpipe.connect.HttpSinkConnector,
 * with the Confluent HTTP sink's main keys): records go to `http.api.url`
 * by `request.method` (POST), a request per `batch.max.size` records
 * (default 1), the body JSON (Content-Type application/json): the value as
 * JsonConverter writes it without a schema, or, with more than one record
 * per request or `batch.json.as.array=true`, an array of them. `headers`
 * adds request headers (`Name:Value` separated by `header.separator`,
 * default `|`). A 5xx, 408, 429 or an unreachable server is retried and a
 * 4xx is not, then errors.tolerance decides (sink-retry.ts): under all
 * the records of the refused request go to the dead letter queue.
 */
import {ConnectConfigError} from '../../errors.js'
import {ConfigDef, NonEmptyString, Range, ValidString} from '../api/config-def.js'
import {type Props, SinkConnector, SinkTask, type TaskClass} from '../api/connector.js'
import type {SinkRecord} from '../api/connect-record.js'
import {JsonConverter} from '../converters/json-converter.js'
import {type Attempt, SinkRetrier, sinkErrorPolicy} from './sink-retry.js'

const BODY_TAIL = 200

const CONFIG = new ConfigDef()
  .define({name: 'http.api.url', type: 'STRING', validator: NonEmptyString, importance: 'HIGH', documentation: 'The URL records are sent to.'})
  .define({name: 'request.method', type: 'STRING', defaultValue: 'POST', validator: ValidString.in('POST', 'PUT', 'PATCH'), importance: 'HIGH', documentation: 'The HTTP method.'})
  .define({name: 'headers', type: 'STRING', defaultValue: '', importance: 'MEDIUM', documentation: 'Request headers, Name:Value separated by header.separator.'})
  .define({name: 'header.separator', type: 'STRING', defaultValue: '|', importance: 'LOW', documentation: 'Separates the entries of headers.'})
  .define({name: 'batch.max.size', type: 'INT', defaultValue: 1, validator: Range.between(1, 1_000_000), importance: 'MEDIUM', documentation: 'The most records sent in one request.'})
  .define({name: 'batch.json.as.array', type: 'BOOLEAN', defaultValue: false, importance: 'LOW', documentation: 'Send a JSON array even for a single record.'})
  .define({name: 'http.request.timeout.ms', type: 'INT', defaultValue: 30_000, validator: Range.atLeast(1), importance: 'LOW', documentation: 'How long one request may take.'})

export class HttpSinkConnector extends SinkConnector {
  static readonly CLASS_NAME = 'logpipe.connect.HttpSinkConnector'
  private props: Props = {}

  override version(): string {
    return '1.0.0'
  }

  config(): ConfigDef {
    return CONFIG
  }

  start(props: Props): void {
    const c = CONFIG.parse(props)
    try {
      new URL(c['http.api.url'] as string)
    } catch {
      throw new ConnectConfigError(`invalid value ${String(c['http.api.url'])} for configuration http.api.url: not a URL`)
    }
    this.props = props
  }

  taskClass(): TaskClass<SinkTask> {
    return HttpSinkTask
  }

  taskConfigs(maxTasks: number): Props[] {
    return Array.from({length: maxTasks}, () => ({...this.props}))
  }

  stop(): void {}
}

export class HttpSinkTask extends SinkTask {
  private url = ''
  private method = 'POST'
  private headers: Record<string, string> = {}
  private batchSize = 1
  private asArray = false
  private timeoutMs = 30_000
  private retrier: SinkRetrier | null = null
  private readonly json = new JsonConverter()

  override version(): string {
    return '1.0.0'
  }

  start(props: Props): void {
    const c = CONFIG.parse(props)
    this.url = c['http.api.url'] as string
    this.method = c['request.method'] as string
    this.batchSize = c['batch.max.size'] as number
    this.asArray = (c['batch.json.as.array'] as boolean) || this.batchSize > 1
    this.timeoutMs = c['http.request.timeout.ms'] as number
    this.headers = {'content-type': 'application/json'}
    const sep = c['header.separator'] as string
    for (const entry of (c.headers as string).split(sep).filter((e) => e.trim() !== '')) {
      const i = entry.indexOf(':')
      if (i <= 0) throw new ConnectConfigError(`invalid value ${String(c.headers)} for configuration headers: expected Name:Value, not '${entry}'`)
      this.headers[entry.slice(0, i).trim().toLowerCase()] = entry.slice(i + 1).trim()
    }
    this.json.configure({'schemas.enable': 'false'})
    this.retrier = new SinkRetrier(sinkErrorPolicy(props), (m) => this.context.log?.(m), () => this.context.errantRecordReporter?.() ?? null)
  }

  async put(records: SinkRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += this.batchSize) {
      const batch = records.slice(i, i + this.batchSize)
      const values = batch.map((r) => this.json.fromConnectData(r.topic, r.valueSchema, r.value)?.toString('utf8') ?? 'null')
      const body = this.asArray ? `[${values.join(',')}]` : values[0]
      const first = batch[0]
      await this.retrier!.write(`http sink: ${this.method} ${this.url} with ${batch.length} record(s) from ${first.topic}/${first.kafkaPartition} offset ${first.kafkaOffset}`, batch, () => this.send(body))
    }
  }

  private async send(body: string): Promise<Attempt> {
    let res: Response
    try {
      res = await fetch(this.url, {method: this.method, headers: this.headers, body, signal: AbortSignal.timeout(this.timeoutMs)})
    } catch (error) {
      const cause = (error as {cause?: {code?: string; message?: string}}).cause
      return {ok: false, retriable: true, reason: cause?.code ?? cause?.message ?? (error as Error).message}
    }
    const text = await res.text().catch(() => '')
    if (res.ok) return {ok: true}
    const retriable = res.status >= 500 || res.status === 408 || res.status === 429
    return {ok: false, retriable, reason: `HTTP ${res.status}${text ? `: ${text.slice(0, BODY_TAIL)}` : ''}`}
  }

  stop(): void {
    this.retrier?.stop()
  }
}
