/**
 * The StreamsConfig keys this version reads, with Kafka's names and
 * defaults. Unknown keys are kept (a Java app's properties carry many) but
 * a known key with a bad value is refused.
 */
import {type Serde, Serdes, resolveSerde} from './serdes.js'
import {StreamsError} from './streams-error.js'

export interface StreamsSettings {
  applicationId: string
  defaultKeySerde: Serde<unknown>
  defaultValueSerde: Serde<unknown>
  commitIntervalMs: number
  /** max.task.idle.ms (KIP-695): how long a task reading several partitions waits for an empty one read to its end; -1: never. */
  maxTaskIdleMs: number
  /** state.dir: where tasks keep persistent stores (`<state.dir>/<application.id>/<task>/<store>`); null: `<data dir>/streams`. */
  stateDir: string | null
  /** num.standby.replicas: warm copies of each task's stores kept by instances that do not run it. */
  numStandbyReplicas: number
  /** statestore.cache.max.bytes (or the older cache.max.bytes.buffering): the record cache of caching stores, across the instance's tasks. */
  cacheMaxBytes: number
  /** max.poll.records: records processed between two looks at commits, punctuation and rebalances (Kafka Streams' default 1000). */
  maxPollRecords: number
  /** windowstore.changelog.additional.retention.ms: what a windowed store's changelog keeps beyond the store's retention (Kafka's default: a day, for clock drift). */
  windowStoreChangelogAdditionalRetentionMs: number
}

function nonNegativeInt(props: StreamsProperties, key: string, fallback: number): number {
  const raw = props[key] ?? fallback
  const n = typeof raw === 'number' || typeof raw === 'string' ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(n) || n < 0) throw new StreamsError(`${key} must be a non-negative integer, not ${String(raw)}`)
  return n
}

/** The first of `keys` that is set, as an integer of 1 or more. */
function positiveInt(props: StreamsProperties, keys: string[], fallback: number): number {
  const key = keys.find((k) => props[k] !== undefined)
  if (key === undefined) return fallback
  const n = nonNegativeInt(props, key, fallback)
  if (n < 1) throw new StreamsError(`${key} must be at least 1, not ${n}`)
  return n
}

export type StreamsProperties = Record<string, unknown>

export function streamsSettings(props: StreamsProperties, defaults: {applicationId?: string} = {}): StreamsSettings {
  const appId = props['application.id'] ?? defaults.applicationId
  if (typeof appId !== 'string' || appId.length === 0) throw new StreamsError('application.id is not set', {hint: "give it in the properties: {'application.id': 'my-app'}"})
  if (!/^[a-zA-Z0-9._-]+$/.test(appId) || appId === '.' || appId === '..') throw new StreamsError(`application.id ${JSON.stringify(appId)} cannot be part of a topic name`, {hint: 'use only letters, digits, ".", "_" and "-"'})
  const commit = props['commit.interval.ms'] ?? 30_000
  if (typeof commit !== 'number' && typeof commit !== 'string') throw new StreamsError('commit.interval.ms must be a number of milliseconds')
  const commitIntervalMs = Number(commit)
  if (!Number.isInteger(commitIntervalMs) || commitIntervalMs < 0) throw new StreamsError(`commit.interval.ms must be a non-negative integer, not ${String(commit)}`)
  const idle = Number(props['max.task.idle.ms'] ?? 0)
  if (!Number.isInteger(idle) || idle < -1) throw new StreamsError(`max.task.idle.ms must be -1 or a non-negative integer, not ${String(props['max.task.idle.ms'])}`)
  return {
    applicationId: appId,
    // Kafka's defaults are ByteArray serdes; so are ours.
    defaultKeySerde: props['default.key.serde'] === undefined ? (Serdes.ByteArray() as Serde<unknown>) : resolveSerde(props['default.key.serde'], 'default.key.serde'),
    defaultValueSerde: props['default.value.serde'] === undefined ? (Serdes.ByteArray() as Serde<unknown>) : resolveSerde(props['default.value.serde'], 'default.value.serde'),
    commitIntervalMs,
    stateDir: typeof props['state.dir'] === 'string' && props['state.dir'] !== '' ? props['state.dir'] : null,
    numStandbyReplicas: nonNegativeInt(props, 'num.standby.replicas', 0),
    // Kafka's default: 10 MiB; the older key counts where the newer is not set, as in Kafka.
    cacheMaxBytes: nonNegativeInt(props, props['statestore.cache.max.bytes'] === undefined && props['cache.max.bytes.buffering'] !== undefined ? 'cache.max.bytes.buffering' : 'statestore.cache.max.bytes', 10 * 1024 * 1024),
    maxTaskIdleMs: idle,
    // The consumer's max.poll.records, as Kafka Streams passes it on (also with the `consumer.`/`main.consumer.` prefix); its default there is 1000.
    maxPollRecords: positiveInt(props, ['main.consumer.max.poll.records', 'consumer.max.poll.records', 'max.poll.records'], 1000),
    windowStoreChangelogAdditionalRetentionMs: nonNegativeInt(props, 'windowstore.changelog.additional.retention.ms', 24 * 3600 * 1000),
  }
}
