/**
 * The topic configs a store's changelog is created with, as Kafka's
 * InternalTopicConfig subclasses give them: a key-value store's
 * (UnwindowedChangelogTopicConfig) is `cleanup.policy=compact`; a window,
 * session or stream-stream join window store's (WindowedChangelogTopicConfig)
 * is `compact,delete` with `retention.ms` the store's retention plus
 * `windowstore.changelog.additional.retention.ms`, so the log cleaner
 * deletes a window's records once the store no longer keeps the window
 * (and a day more by default, for clock drift). The store's own
 * `withLoggingEnabled(config)` goes over these defaults, and a
 * `retention.ms` there is taken as it is.
 */
import {CONFIG_SPECS, type ConfigOverrides, checkConfigValue, type LogConfig} from '../../log/log-config.js'
import type {StoreBuilder} from '../state/state-store.js'
import {TopologyError} from '../streams-error.js'

export function changelogTopicConfig(builder: StoreBuilder, additionalRetentionMs: number): ConfigOverrides {
  const retention = builder.retentionPeriodMs
  const wanted: Record<string, string> = {'cleanup.policy': retention === undefined ? 'compact' : 'compact,delete', ...builder.logConfig}
  if (retention !== undefined && builder.logConfig['retention.ms'] === undefined) {
    // Kafka takes Long.MAX_VALUE when the sum overflows; the largest retention.ms logpipe keeps is its log config's bound.
    wanted['retention.ms'] = String(Math.min(retention + additionalRetentionMs, CONFIG_SPECS['retention.ms'].max!))
  }
  const out: ConfigOverrides = {}
  for (const [key, raw] of Object.entries(wanted)) {
    const checked = checkConfigValue(key, String(raw))
    if ('problem' in checked) throw new TopologyError(`store ${builder.name}: its changelog's ${checked.problem}`, {hint: 'fix withLoggingEnabled(config) (logpipe topic create --help lists the topic configs)'})
    out[key as keyof LogConfig] = checked.value
  }
  return out
}

/**
 * The keys Kafka's InternalTopicManager checks on an existing windowed
 * changelog (cleanup.policy, retention.ms) whose values differ from what it
 * would be created with, as `key=have (wanted)`: a changelog made by an
 * earlier logpipe (compact only) keeps its configs, as Kafka never alters an
 * existing topic, and the app says so.
 */
export function changelogConfigMismatch(wanted: ConfigOverrides, actual: ConfigOverrides): string[] {
  const out: string[] = []
  for (const key of ['cleanup.policy', 'retention.ms'] as const) {
    if (wanted[key] === undefined || String(actual[key] ?? CONFIG_SPECS[key].default) === String(wanted[key])) continue
    out.push(`${key}=${String(actual[key] ?? CONFIG_SPECS[key].default)} (created now it would be ${String(wanted[key])})`)
  }
  return out
}
