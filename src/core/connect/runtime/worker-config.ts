/**
 * A standalone worker's settings (Kafka's StandaloneConfig), from the
 * worker .properties file. Converters and offsets are used; plugin.path
 * finds JavaScript connectors; the keys of a Kafka cluster (bootstrap.servers,
 * security, REST extensions, producer./consumer. client settings) are accepted and
 * said once to be unused; any other key is warned about once.
 */
import {ConnectConfigError} from '../../errors.js'
import {ConfigDef, Range} from '../api/config-def.js'
import {REST_KEYS} from '../rest/rest-config.js'

export interface WorkerSettings {
  keyConverter: string
  valueConverter: string
  headerConverter: string
  /** Each converter's own settings, prefix removed. */
  converterConfigs: {key: Record<string, string>; value: Record<string, string>; header: Record<string, string>}
  offsetFile: string
  offsetFlushIntervalMs: number
  pluginPath: string | undefined
  sessionTimeoutMs: number
}

const DEF = new ConfigDef()
  .define({name: 'key.converter', type: 'CLASS', importance: 'HIGH', documentation: 'Converter class for keys.'})
  .define({name: 'value.converter', type: 'CLASS', importance: 'HIGH', documentation: 'Converter class for values.'})
  .define({name: 'header.converter', type: 'CLASS', defaultValue: 'org.apache.kafka.connect.storage.SimpleHeaderConverter', importance: 'LOW', documentation: 'HeaderConverter class.'})
  .define({name: 'offset.storage.file.filename', type: 'STRING', importance: 'HIGH', documentation: 'File to store source connector offsets in.'})
  .define({name: 'offset.flush.interval.ms', type: 'LONG', defaultValue: 60000, validator: Range.atLeast(0), importance: 'LOW', documentation: 'Interval at which to try committing offsets for tasks.'})
  .define({name: 'plugin.path', type: 'LIST', defaultValue: null, importance: 'LOW', documentation: 'Paths of JavaScript modules and directories holding connectors.'})
  .define({name: 'consumer.session.timeout.ms', type: 'INT', defaultValue: 10000, validator: Range.atLeast(1000), importance: 'LOW', documentation: "Session timeout of sink tasks' group members (logpipe's default is 10 s)."})

/** Keys of a real cluster or of Kafka's JVM worker: fine to have, nothing to do here. */
const UNUSED = /^(bootstrap\.servers|client\.id|security\.protocol|ssl\.|sasl\.|rest\.|listeners|admin\.listeners|access\.control\.|internal\.(key|value)\.converter|producer\.|consumer\.|admin\.|metric|config\.providers|connector\.client\.config\.override\.policy|plugin\.discovery|task\.shutdown\.graceful\.timeout\.ms|offset\.flush\.timeout\.ms|response\.http\.headers\.config|topic\.creation\.enable|exactly\.once\.source\.support|auto\.include\.jmx\.reporter|header\.converter\.|key\.converter\.|value\.converter\.)/

export function parseWorkerSettings(props: Record<string, string>, notice: (m: string) => void): WorkerSettings {
  for (const required of ['key.converter', 'value.converter', 'offset.storage.file.filename']) {
    if (!props[required]?.trim()) throw new ConnectConfigError(`worker configuration: missing required configuration "${required}" which has no default value`)
  }
  const c = DEF.parse(props)
  const unused: string[] = []
  for (const k of Object.keys(props)) {
    if (DEF.configKeys().has(k) || REST_KEYS.has(k)) continue
    if (UNUSED.test(k)) {
      if (!/^(header|key|value)\.converter\./.test(k) && !k.startsWith('internal.')) unused.push(k)
    } else notice(`worker setting ${k} is not known to logpipe; passed over`)
  }
  if (unused.length > 0) notice(`worker settings not used by logpipe, which runs on the data directory: ${unused.join(', ')}`)
  const prefixed = (p: string) => Object.fromEntries(Object.entries(props).filter(([k]) => k.startsWith(p)).map(([k, v]) => [k.slice(p.length), v]))
  const list = c['plugin.path'] as string[] | null
  return {
    keyConverter: c['key.converter'] as string,
    valueConverter: c['value.converter'] as string,
    headerConverter: c['header.converter'] as string,
    converterConfigs: {key: prefixed('key.converter.'), value: prefixed('value.converter.'), header: prefixed('header.converter.')},
    offsetFile: c['offset.storage.file.filename'] as string,
    offsetFlushIntervalMs: c['offset.flush.interval.ms'] as number,
    pluginPath: list && list.length > 0 ? list.join(',') : undefined,
    sessionTimeoutMs: c['consumer.session.timeout.ms'] as number,
  }
}
