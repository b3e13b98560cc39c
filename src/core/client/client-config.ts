/**
 * Client settings as kcat's `-X key=value` names them (librdkafka's and
 * the Java client's names), for the ones a client of the data directory
 * can honour. Each has the flag it stands for; an explicit flag wins over
 * -X. A key not in the table is a usage error naming it, so a typo never
 * passes for a setting.
 */
import {UsageError} from '../errors.js'
import {nearest} from './nearest.js'

export type ClientRole = 'consumer' | 'producer'

/** The parsed settings, by the option they set. */
export interface ClientSettings {
  group?: string
  clientId?: string
  autoOffsetReset?: 'earliest' | 'latest'
  sessionTimeoutMs?: number
  strategy?: 'range' | 'roundrobin' | 'sticky'
  pollIntervalMs?: number
  lingerMs?: number
  batchBytes?: number
  compression?: string
}

interface Setting {
  roles: ClientRole[]
  /** What it is, for the error that lists the table. */
  flag: string
  apply(value: string, into: ClientSettings, key: string): void
}

function int(key: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`-X ${key}: must be an integer between ${min} and ${max}, not '${value}'`)
  }
  return Number(value)
}

function oneOf<T extends string>(key: string, value: string, map: Record<string, T>): T {
  const v = map[value.toLowerCase()]
  if (v === undefined) throw new UsageError(`-X ${key}: '${value}' is not one of ${Object.keys(map).join(', ')}`)
  return v
}

const RESET = {earliest: 'earliest', smallest: 'earliest', beginning: 'earliest', latest: 'latest', largest: 'latest', end: 'latest'} as const
const STRATEGY = {range: 'range', roundrobin: 'roundrobin', sticky: 'sticky', 'cooperative-sticky': 'sticky'} as const
const COMPRESSION = {none: 'none', gzip: 'gzip', snappy: 'snappy', lz4: 'lz4', zstd: 'zstd'} as const
const linger: Setting = {roles: ['producer'], flag: '--linger-ms', apply: (v, s, k) => void (s.lingerMs = int(k, v, 0, 3_600_000))}
const compression: Setting = {roles: ['producer'], flag: '--compression', apply: (v, s, k) => void (s.compression = oneOf(k, v, COMPRESSION))}

const SETTINGS: Record<string, Setting> = {
  'group.id': {roles: ['consumer'], flag: '-g/--group', apply: (v, s) => void (s.group = v)},
  'client.id': {roles: ['consumer', 'producer'], flag: 'the member\'s CLIENT-ID in group describe', apply: (v, s) => void (s.clientId = v)},
  'auto.offset.reset': {roles: ['consumer'], flag: '--auto-offset-reset', apply: (v, s, k) => void (s.autoOffsetReset = oneOf(k, v, RESET))},
  'session.timeout.ms': {roles: ['consumer'], flag: '--session-timeout', apply: (v, s, k) => void (s.sessionTimeoutMs = int(k, v, 100, 3_600_000))},
  'partition.assignment.strategy': {roles: ['consumer'], flag: '--assignment', apply: (v, s, k) => void (s.strategy = oneOf(k, v, STRATEGY))},
  'fetch.wait.max.ms': {roles: ['consumer'], flag: 'the polling interval when file events are not delivered', apply: (v, s, k) => void (s.pollIntervalMs = int(k, v, 1, 60_000))},
  'linger.ms': linger,
  'queue.buffering.max.ms': linger,
  'batch.size': {roles: ['producer'], flag: '--batch-bytes', apply: (v, s, k) => void (s.batchBytes = int(k, v, 64, 2 ** 31 - 1))},
  'compression.type': compression,
  'compression.codec': compression,
}

/** The -X keys a role takes, sorted. */
export function clientSettingKeys(role: ClientRole): string[] {
  return Object.keys(SETTINGS).filter((k) => SETTINGS[k].roles.includes(role)).sort()
}

/** Parses -X key=value pairs; an unknown key, or one of the other role, is a usage error naming it. */
export function parseClientSettings(pairs: readonly string[], role: ClientRole): ClientSettings {
  const out: ClientSettings = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError(`-X expects key=value, not '${pair}'`)
    const key = pair.slice(0, eq).trim()
    const setting = SETTINGS[key]
    if (!setting || !setting.roles.includes(role)) {
      const keys = clientSettingKeys(role)
      const guess = nearest(key, keys)
      const what = setting ? `-X ${key} is a ${setting.roles.join(' and ')} setting; ${role === 'consumer' ? 'consume' : 'produce'} does not take it` : `-X: unknown client setting '${key}'`
      throw new UsageError(what, {hint: guess ? `did you mean ${guess}?` : `settings here: ${keys.join(', ')}`})
    }
    setting.apply(pair.slice(eq + 1).trim(), out, key)
  }
  return out
}
