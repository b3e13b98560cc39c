/**
 * The settings every connector takes besides its own (Kafka's
 * ConnectorConfig, SinkConnectorConfig): name, connector.class, tasks.max,
 * per-connector converters, the errors.* keys, and for sinks topics or
 * topics.regex. Parsed with a ConfigDef, so `validate` reports them too.
 */
import {ConnectConfigError} from '../../errors.js'
import {ConfigDef, NonEmptyString, Range, ValidString} from '../api/config-def.js'

export interface ErrorSettings {
  tolerance: 'none' | 'all'
  retryTimeoutMs: number
  retryDelayMaxMs: number
  logEnable: boolean
  logIncludeMessages: boolean
  deadLetterTopic: string
  deadLetterContextHeaders: boolean
}

export interface ConnectorSettings {
  name: string
  connectorClass: string
  tasksMax: number
  errors: ErrorSettings
  topics: string[]
  topicsRegex: RegExp | null
}

const COMMON = new ConfigDef()
  .define({name: 'name', type: 'STRING', validator: NonEmptyString, importance: 'HIGH', documentation: 'Globally unique name to use for this connector.', group: 'Common'})
  .define({name: 'connector.class', type: 'STRING', importance: 'HIGH', documentation: 'Name or alias of the class for this connector.', group: 'Common'})
  .define({name: 'tasks.max', type: 'INT', defaultValue: 1, validator: Range.atLeast(1), importance: 'HIGH', documentation: 'Maximum number of tasks to use for this connector.', group: 'Common'})
  .define({name: 'key.converter', type: 'CLASS', defaultValue: null, importance: 'LOW', documentation: 'Converter class for keys; overrides the worker setting.', group: 'Common'})
  .define({name: 'value.converter', type: 'CLASS', defaultValue: null, importance: 'LOW', documentation: 'Converter class for values; overrides the worker setting.', group: 'Common'})
  .define({name: 'header.converter', type: 'CLASS', defaultValue: null, importance: 'LOW', documentation: 'HeaderConverter class; overrides the worker setting.', group: 'Common'})
  .define({name: 'errors.retry.timeout', type: 'LONG', defaultValue: 0, importance: 'MEDIUM', documentation: 'How long a failed operation is retried, in ms; -1 retries forever, 0 never.', group: 'Error Handling'})
  .define({name: 'errors.retry.delay.max.ms', type: 'LONG', defaultValue: 60000, validator: Range.atLeast(1), importance: 'MEDIUM', documentation: 'The longest wait between retries, in ms.', group: 'Error Handling'})
  .define({name: 'errors.tolerance', type: 'STRING', defaultValue: 'none', validator: ValidString.in('none', 'all'), importance: 'MEDIUM', documentation: "'none': any error fails the task; 'all': records that fail are skipped.", group: 'Error Handling'})
  .define({name: 'errors.log.enable', type: 'BOOLEAN', defaultValue: false, importance: 'MEDIUM', documentation: 'Log each error and the failed operation.', group: 'Error Handling'})
  .define({name: 'errors.log.include.messages', type: 'BOOLEAN', defaultValue: false, importance: 'MEDIUM', documentation: 'Include the record (topic, partition, offset) in the log.', group: 'Error Handling'})

const SINK = new ConfigDef()
  .define({name: 'topics', type: 'LIST', defaultValue: '', importance: 'HIGH', documentation: 'List of topics to consume, separated by commas', group: 'Common'})
  .define({name: 'topics.regex', type: 'STRING', defaultValue: '', importance: 'HIGH', documentation: 'Regular expression giving topics to consume.', group: 'Common'})
  .define({name: 'errors.deadletterqueue.topic.name', type: 'STRING', defaultValue: '', importance: 'MEDIUM', documentation: 'The topic records that failed are written to; empty for none.', group: 'Error Handling'})
  .define({name: 'errors.deadletterqueue.topic.replication.factor', type: 'SHORT', defaultValue: 3, importance: 'LOW', documentation: 'Replication factor of the dead letter queue topic when it is created (logpipe: 1).', group: 'Error Handling'})
  .define({name: 'errors.deadletterqueue.context.headers.enable', type: 'BOOLEAN', defaultValue: false, importance: 'MEDIUM', documentation: 'Add __connect.errors.* headers with the error context to dead letter records.', group: 'Error Handling'})

/** Keys Connect itself reads (besides the connector's own and the prefixed ones below). */
export function commonConfigDef(kind: 'source' | 'sink'): ConfigDef[] {
  return kind === 'sink' ? [COMMON, SINK] : [COMMON]
}

/** Prefixes of settings that belong to a converter, a transform or a client override. */
export const PREFIXED_KEYS = /^(key\.converter\.|value\.converter\.|header\.converter\.|transforms|predicates|topic\.creation\.|producer\.override\.|consumer\.override\.|admin\.override\.)/
export const OTHER_KNOWN = new Set(['config.action.reload', 'exactly.once.support', 'transaction.boundary', 'transaction.boundary.interval.ms', 'offsets.storage.topic', 'errors.deadletterqueue.topic.name', 'errors.deadletterqueue.context.headers.enable', 'errors.deadletterqueue.topic.replication.factor'])

export function parseConnectorSettings(props: Record<string, string>, kind: 'source' | 'sink'): ConnectorSettings {
  const c = COMMON.parse(props)
  const s = kind === 'sink' ? SINK.parse(props) : null
  const topics = ((s?.topics as string[] | undefined) ?? []).filter(Boolean)
  const regex = (s?.['topics.regex'] as string | undefined) ?? ''
  if (kind === 'sink') {
    if (topics.length > 0 && regex !== '') throw new ConnectConfigError(`connector ${String(c.name)}: topics and topics.regex are mutually exclusive`)
    if (topics.length === 0 && regex === '') throw new ConnectConfigError(`connector ${String(c.name)}: must configure one of topics or topics.regex`)
  }
  let topicsRegex: RegExp | null = null
  if (regex !== '') {
    try {
      topicsRegex = new RegExp(`^(?:${regex})$`)
    } catch (error) {
      throw new ConnectConfigError(`invalid value ${regex} for configuration topics.regex: ${(error as Error).message}`)
    }
  }
  const dlq = (s?.['errors.deadletterqueue.topic.name'] as string | undefined)?.trim() ?? ''
  if (dlq !== '' && topics.includes(dlq)) throw new ConnectConfigError(`the dead letter queue topic '${dlq}' may not be included in the list of topics ('topics=${topics.join(',')}') consumed by the connector`)
  return {
    name: c.name as string,
    connectorClass: c['connector.class'] as string,
    tasksMax: c['tasks.max'] as number,
    topics,
    topicsRegex,
    errors: {
      tolerance: c['errors.tolerance'] as 'none' | 'all',
      retryTimeoutMs: c['errors.retry.timeout'] as number,
      retryDelayMaxMs: c['errors.retry.delay.max.ms'] as number,
      logEnable: c['errors.log.enable'] as boolean,
      logIncludeMessages: c['errors.log.include.messages'] as boolean,
      deadLetterTopic: dlq,
      deadLetterContextHeaders: (s?.['errors.deadletterqueue.context.headers.enable'] as boolean | undefined) ?? false,
    },
  }
}
