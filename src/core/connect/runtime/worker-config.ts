/**
 * A standalone worker's settings (Kafka's StandaloneConfig), from the
 * worker .properties file. Converters and offsets are used; plugin.path
 * finds JavaScript connectors; the keys of a Kafka cluster (bootstrap.servers,
 * security, REST extensions, producer./consumer. client settings) are accepted and
 * said once to be unused; any other key is warned about once.
 */
import {ConnectConfigError} from '../../errors.js'
import {ConfigDef, Range, ValidString} from '../api/config-def.js'
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
  /** connect distributed: the group and its three topics. */
  distributed: {
    groupId: string
    configTopic: string
    offsetTopic: string
    statusTopic: string
    offsetPartitions: number
    statusPartitions: number
    sessionTimeoutMs: number
    heartbeatIntervalMs: number
    /** connect.protocol: eager (Kafka's EagerAssignor) or incremental cooperative (compatible, sessioned: KIP-415). */
    protocol: 'eager' | 'compatible' | 'sessioned'
    scheduledRebalanceMaxDelayMs: number
  } | null
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

const DISTRIBUTED = new ConfigDef()
  .define({name: 'group.id', type: 'STRING', importance: 'HIGH', documentation: 'The Connect cluster this worker belongs to.'})
  .define({name: 'config.storage.topic', type: 'STRING', importance: 'HIGH', documentation: 'The topic connector configs are kept in.'})
  .define({name: 'offset.storage.topic', type: 'STRING', importance: 'HIGH', documentation: 'The topic source offsets are kept in.'})
  .define({name: 'status.storage.topic', type: 'STRING', importance: 'HIGH', documentation: 'The topic connector and task statuses are kept in.'})
  .define({name: 'offset.storage.partitions', type: 'INT', defaultValue: 25, validator: Range.atLeast(1), importance: 'LOW', documentation: 'Partitions of the offset topic when it is created.'})
  .define({name: 'status.storage.partitions', type: 'INT', defaultValue: 5, validator: Range.atLeast(1), importance: 'LOW', documentation: 'Partitions of the status topic when it is created.'})
  .define({name: 'session.timeout.ms', type: 'INT', defaultValue: 10000, validator: Range.atLeast(1000), importance: 'HIGH', documentation: 'How long a worker that stopped heartbeating keeps its connectors.'})
  .define({name: 'heartbeat.interval.ms', type: 'INT', defaultValue: 3000, validator: Range.atLeast(100), importance: 'HIGH', documentation: 'How often a worker heartbeats and looks at the group.'})
  .define({name: 'connect.protocol', type: 'STRING', defaultValue: 'sessioned', validator: ValidString.in('eager', 'compatible', 'sessioned'), importance: 'LOW', documentation: 'eager: every assignment computed anew; compatible or sessioned: incremental cooperative (KIP-415).'})
  .define({
    name: 'scheduled.rebalance.max.delay.ms',
    type: 'INT',
    defaultValue: 300000,
    validator: Range.between(0, 2147483647),
    importance: 'LOW',
    documentation: "How long the connectors and tasks of a worker that left wait for it to come back before they are given to the others (incremental cooperative protocol only).",
  })

/** Keys of Kafka's distributed worker that logpipe's has no use for. */
const DISTRIBUTED_UNUSED = /^(config\.storage\.replication\.factor|offset\.storage\.replication\.factor|status\.storage\.replication\.factor|rebalance\.timeout\.ms|worker\.sync\.timeout\.ms|worker\.unsync\.backoff\.ms|inter\.worker\.)/

export function parseWorkerSettings(props: Record<string, string>, notice: (m: string) => void, mode: 'standalone' | 'distributed' = 'standalone'): WorkerSettings {
  const dist = mode === 'distributed'
  if (dist) {
    for (const required of ['group.id', 'config.storage.topic', 'offset.storage.topic', 'status.storage.topic']) {
      if (!props[required]?.trim()) throw new ConnectConfigError(`worker configuration: missing required configuration "${required}" which has no default value`)
    }
  }
  for (const required of ['key.converter', 'value.converter', ...(dist ? [] : ['offset.storage.file.filename'])]) {
    if (!props[required]?.trim()) throw new ConnectConfigError(`worker configuration: missing required configuration "${required}" which has no default value`)
  }
  const c = DEF.parse(dist ? {'offset.storage.file.filename': '', ...props} : props)
  const d = dist ? DISTRIBUTED.parse(props) : null
  const unused: string[] = []
  for (const k of Object.keys(props)) {
    if (DEF.configKeys().has(k) || REST_KEYS.has(k)) continue
    if (dist && (DISTRIBUTED.configKeys().has(k) || DISTRIBUTED_UNUSED.test(k))) {
      if (DISTRIBUTED_UNUSED.test(k)) unused.push(k)
      continue
    }
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
    distributed: d
      ? {
          groupId: d['group.id'] as string,
          configTopic: d['config.storage.topic'] as string,
          offsetTopic: d['offset.storage.topic'] as string,
          statusTopic: d['status.storage.topic'] as string,
          offsetPartitions: d['offset.storage.partitions'] as number,
          statusPartitions: d['status.storage.partitions'] as number,
          sessionTimeoutMs: d['session.timeout.ms'] as number,
          heartbeatIntervalMs: d['heartbeat.interval.ms'] as number,
          protocol: d['connect.protocol'] as 'eager' | 'compatible' | 'sessioned',
          scheduledRebalanceMaxDelayMs: d['scheduled.rebalance.max.delay.ms'] as number,
        }
      : null,
  }
}
