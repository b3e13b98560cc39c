/**
 * Topic configs: Kafka's names, defaults and ranges. `topic.json` stores only
 * the overrides; `resolveConfig` fills in the rest.
 */
import {UsageError} from '../errors.js'

export interface LogConfig {
  'segment.bytes': number
  'segment.ms': number
  'retention.ms': number
  'retention.bytes': number
  'cleanup.policy': string
  'max.message.bytes': number
  'index.interval.bytes': number
  'flush.messages': number
  'delete.retention.ms': number
  'min.compaction.lag.ms': number
  'message.timestamp.type': string
  /** Replicated topics only: the ISR an acks=all write needs. */
  'min.insync.replicas': number
  /** Replicated topics only: whether a replica out of the ISR may be elected when no ISR member is left. */
  'unclean.leader.election.enable': string
  /** Replicated topics only: replicas ("P:B,..." or "*") whose sending to followers out of the ISR is held to the leader broker's throttled rate. */
  'leader.replication.throttled.replicas': string
  /** Replicated topics only: replicas whose fetching while out of the ISR is held to the follower broker's throttled rate. */
  'follower.replication.throttled.replicas': string
}

interface ConfigSpec {
  default: number | string
  doc: string
  /** Inclusive bounds for numbers. */
  min?: number
  max?: number
  values?: string[]
  /** A string checked by this: what is wrong with it, or null. */
  check?: (raw: string) => string | null
}

const LONG_MAX = Number.MAX_SAFE_INTEGER
const INT_MAX = 0x7fffffff

export const CONFIG_SPECS: Record<keyof LogConfig, ConfigSpec> = {
  'segment.bytes': {default: 128 * 1024 * 1024, min: 14, max: INT_MAX, doc: 'roll a new segment at this size'},
  'segment.ms': {default: 7 * 24 * 3600 * 1000, min: 1, max: LONG_MAX, doc: 'roll a new segment after this age'},
  'retention.ms': {default: 7 * 24 * 3600 * 1000, min: -1, max: LONG_MAX, doc: 'delete segments older than this (-1: keep)'},
  'retention.bytes': {default: -1, min: -1, max: LONG_MAX, doc: 'delete old segments beyond this size (-1: keep)'},
  'cleanup.policy': {default: 'delete', values: ['delete', 'compact', 'compact,delete', 'delete,compact'], doc: 'delete or compact old segments'},
  'max.message.bytes': {default: 1024 * 1024 + 12, min: 0, max: INT_MAX, doc: 'largest batch accepted'},
  'index.interval.bytes': {default: 4096, min: 0, max: INT_MAX, doc: 'log bytes between index entries'},
  'flush.messages': {default: LONG_MAX, min: 1, max: LONG_MAX, doc: 'fsync after this many records (1: every batch)'},
  'delete.retention.ms': {default: 24 * 3600 * 1000, min: 0, max: LONG_MAX, doc: 'how long compaction keeps tombstones'},
  'min.compaction.lag.ms': {default: 0, min: 0, max: LONG_MAX, doc: 'records younger than this are not compacted'},
  'message.timestamp.type': {default: 'CreateTime', values: ['CreateTime', 'LogAppendTime'], doc: 'timestamp kind'},
  'min.insync.replicas': {default: 1, min: 1, max: INT_MAX, doc: 'in-sync replicas an acks=all write needs (replicated topics)'},
  'unclean.leader.election.enable': {default: 'false', values: ['true', 'false'], doc: 'elect a replica out of the ISR when none in it is left (may lose records)'},
  'leader.replication.throttled.replicas': {default: '', check: throttledReplicasProblem, doc: 'replicas (partition:broker,... or *) whose leader sends to lagging followers at most leader.replication.throttled.rate'},
  'follower.replication.throttled.replicas': {default: '', check: throttledReplicasProblem, doc: 'replicas (partition:broker,... or *) that fetch while out of the ISR at most follower.replication.throttled.rate'},
}

/** Kafka's throttled-replicas list: empty, "*", or "partition:broker" pairs separated by commas. */
function throttledReplicasProblem(raw: string): string | null {
  const v = raw.trim()
  if (v === '' || v === '*') return null
  return v.split(',').every((pair) => /^\s*\d{1,10}\s*:\s*\d{1,10}\s*$/.test(pair)) ? null : `'${raw}' is not a list of partition:broker pairs (or *)`
}

/** Whether a throttled-replicas list names `broker`'s replica of `partition`. */
export function isThrottledReplica(list: string, partition: number, broker: number): boolean {
  const v = list.trim()
  if (v === '') return false
  if (v === '*') return true
  return v.split(',').some((pair) => {
    const [p, b] = pair.split(':').map((s) => Number(s.trim()))
    return p === partition && b === broker
  })
}

export type ConfigOverrides = Partial<Record<keyof LogConfig, number | string>>

export function isConfigKey(key: string): key is keyof LogConfig {
  return Object.hasOwn(CONFIG_SPECS, key)
}

/**
 * Checks one config value against its key's type and range: the parsed
 * value, or what is wrong with it. The caller decides whose error it is
 * (a flag's, or a file's).
 */
export function checkConfigValue(key: string, raw: string): {value: number | string} | {problem: string} {
  if (!isConfigKey(key)) return {problem: `unknown topic config '${key}'`}
  const spec = CONFIG_SPECS[key]
  if (spec.check) {
    const problem = spec.check(raw)
    return problem === null ? {value: raw.trim()} : {problem: `config ${key}: ${problem}`}
  }
  if (spec.values) {
    if (!spec.values.includes(raw)) return {problem: `config ${key} must be one of ${spec.values.join(', ')}, not '${raw}'`}
    return {value: raw}
  }
  if (!/^-?\d+$/.test(raw.trim())) return {problem: `config ${key} must be an integer, not '${raw}'`}
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < (spec.min ?? -Infinity) || n > (spec.max ?? Infinity)) {
    return {problem: `config ${key} must be between ${spec.min} and ${spec.max}, not ${raw}`}
  }
  return {value: n}
}

/** Parses and range-checks one `k=v`; a bad key or value is a usage error. */
export function parseConfigValue(key: string, raw: string): number | string {
  if (!isConfigKey(key)) {
    throw new UsageError(`unknown topic config '${key}'`, {hint: `known configs: ${Object.keys(CONFIG_SPECS).join(', ')}`})
  }
  const r = checkConfigValue(key, raw)
  if ('problem' in r) throw new UsageError(r.problem)
  return r.value
}

/** Parses `--config k=v` pairs into overrides. */
export function parseConfigPairs(pairs: readonly string[]): ConfigOverrides {
  const out: ConfigOverrides = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError(`--config expects key=value, not '${pair}'`)
    const key = pair.slice(0, eq)
    out[key as keyof LogConfig] = parseConfigValue(key, pair.slice(eq + 1))
  }
  return out
}

export function resolveConfig(overrides: ConfigOverrides = {}): LogConfig {
  const config = {} as Record<string, number | string>
  for (const [key, spec] of Object.entries(CONFIG_SPECS)) config[key] = spec.default
  for (const [key, value] of Object.entries(overrides)) if (isConfigKey(key) && value !== undefined) config[key] = value
  return config as unknown as LogConfig
}

export function isCompacted(config: LogConfig): boolean {
  return config['cleanup.policy'].includes('compact')
}

export function deletesOldSegments(config: LogConfig): boolean {
  return config['cleanup.policy'].includes('delete')
}
