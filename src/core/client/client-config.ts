/**
 * Client settings as kcat's `-X key=value` names them (librdkafka's and
 * the Java client's names), for the ones a client of the data directory
 * can honour. Each has the flag it stands for; an explicit flag wins over
 * -X. A key not in the table is a usage error naming it, so a typo never
 * passes for a setting.
 */
import {UsageError} from '../errors.js'
import {nearest} from './nearest.js'
import type {SecuritySettings} from './kafka-connection.js'

/** Kafka's limit for an idempotent producer: the broker keeps the last 5 batches' sequences of each partition. */
export const MAX_IN_FLIGHT_IDEMPOTENT = 5

export type ClientRole = 'consumer' | 'producer' | 'admin'

/** The parsed settings, by the option they set. */
export interface ClientSettings {
  group?: string
  groupInstanceId?: string
  clientId?: string
  autoOffsetReset?: 'earliest' | 'latest'
  sessionTimeoutMs?: number
  strategy?: 'range' | 'roundrobin' | 'sticky'
  pollIntervalMs?: number
  /** max.partition.fetch.bytes: a partition's share of one Fetch answer through a broker. */
  partitionFetchBytes?: number
  /** fetch.max.bytes: one Fetch answer through a broker. */
  fetchMaxBytes?: number
  lingerMs?: number
  batchBytes?: number
  compression?: string
  /** bootstrap.servers as given (kafka-client.ts parses it). */
  bootstrapServers?: string
  acks?: 0 | 1 | -1
  idempotent?: boolean
  requestTimeoutMs?: number
  retries?: number
  retryBackoffMs?: number
  /** max.in.flight.requests.per.connection: Produce rounds sent before the first is answered. */
  maxInFlight?: number
  /** metadata.max.age.ms: how often topics and partition counts are looked up again through a broker. */
  metadataMaxAgeMs?: number
  /** Only the keys given; the connection checks what it can speak. */
  security?: Partial<SecuritySettings>
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

const ALL: ClientRole[] = ['consumer', 'producer', 'admin']

/** Kafka's rule for group.instance.id: 1-249 characters of [a-zA-Z0-9._-]. */
function instanceId(key: string, value: string): string {
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(value)) throw new UsageError(`-X ${key}: '${value}' is not a valid instance id (1-249 of letters, digits, '.', '_', '-')`)
  return value
}
const ACKS = {'0': 0, '1': 1, '-1': -1, all: -1} as const
const PROTOCOL = {plaintext: 'PLAINTEXT', ssl: 'SSL', sasl_plaintext: 'SASL_PLAINTEXT', sasl_ssl: 'SASL_SSL'} as const
const MECHANISM = {plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512'} as const
const BOOL = {true: true, false: false} as const
const bootstrap: Setting = {roles: ALL, flag: '--bootstrap-server', apply: (v, s) => void (s.bootstrapServers = v)}
function security<K extends keyof SecuritySettings>(key: K, parse: (v: string, k: string) => SecuritySettings[K], flag = 'the connection'): Setting {
  return {roles: ALL, flag, apply: (v, s, k) => void ((s.security ??= {})[key] = parse(v, k))}
}
const text = (v: string) => v
const flagMap = <T>(key: string, value: string, map: Record<string, T>): T => {
  const v = map[value.toLowerCase()]
  if (v === undefined) throw new UsageError(`-X ${key}: '${value}' is not one of ${Object.keys(map).join(', ')}`)
  return v
}

const metadataMaxAge: Setting = {roles: ['consumer', 'producer'], flag: 'how often a broker\'s topics and partitions are looked up again', apply: (v, s, k) => void (s.metadataMaxAgeMs = int(k, v, 10, 86_400_000))}

const maxInFlight: Setting = {roles: ['producer'], flag: 'Produce requests sent before the first is answered (default 5 with idempotence, else 1)', apply: (v, s, k) => void (s.maxInFlight = int(k, v, 1, 1_000_000))}

const SETTINGS: Record<string, Setting> = {
  'bootstrap.servers': bootstrap,
  'metadata.broker.list': bootstrap,
  acks: {roles: ['producer'], flag: 'how many replicas acknowledge (0, 1, -1/all)', apply: (v, s, k) => void (s.acks = flagMap(k, v, ACKS))},
  'request.required.acks': {roles: ['producer'], flag: 'acks', apply: (v, s, k) => void (s.acks = flagMap(k, v, ACKS))},
  'enable.idempotence': {roles: ['producer'], flag: 'idempotent produce through a broker (default true with acks=all)', apply: (v, s, k) => void (s.idempotent = flagMap(k, v, BOOL))},
  'request.timeout.ms': {roles: ALL, flag: 'the longest wait for a broker\'s answer', apply: (v, s, k) => void (s.requestTimeoutMs = int(k, v, 1, 3_600_000))},
  retries: {roles: ALL, flag: 'retries of a retriable broker error', apply: (v, s, k) => void (s.retries = int(k, v, 0, 1000))},
  'max.in.flight.requests.per.connection': maxInFlight,
  'max.in.flight': maxInFlight,
  'metadata.max.age.ms': metadataMaxAge,
  'topic.metadata.refresh.interval.ms': metadataMaxAge,
  'retry.backoff.ms': {roles: ALL, flag: 'the first wait before a retry', apply: (v, s, k) => void (s.retryBackoffMs = int(k, v, 0, 60_000))},
  'security.protocol': security('protocol', (v, k) => flagMap(k, v, PROTOCOL)),
  'sasl.mechanism': security('saslMechanism', (v, k) => flagMap(k, v, MECHANISM)),
  'sasl.mechanisms': security('saslMechanism', (v, k) => flagMap(k, v, MECHANISM)),
  'sasl.username': security('saslUsername', text),
  'sasl.password': security('saslPassword', text),
  'ssl.ca.location': security('sslCaLocation', text),
  'ssl.certificate.location': security('sslCertificateLocation', text),
  'ssl.key.location': security('sslKeyLocation', text),
  'ssl.key.password': security('sslKeyPassword', text),
  'enable.ssl.certificate.verification': security('sslVerify', (v, k) => flagMap(k, v, BOOL)),

  'group.id': {roles: ['consumer'], flag: '-g/--group', apply: (v, s) => void (s.group = v)},
  'group.instance.id': {roles: ['consumer'], flag: 'a static group member through a broker (KIP-345)', apply: (v, s, k) => void (s.groupInstanceId = instanceId(k, v))},
  'client.id': {roles: ALL, flag: 'the member\'s CLIENT-ID in group describe', apply: (v, s) => void (s.clientId = v)},
  'auto.offset.reset': {roles: ['consumer'], flag: '--auto-offset-reset', apply: (v, s, k) => void (s.autoOffsetReset = oneOf(k, v, RESET))},
  'session.timeout.ms': {roles: ['consumer'], flag: '--session-timeout', apply: (v, s, k) => void (s.sessionTimeoutMs = int(k, v, 100, 3_600_000))},
  'partition.assignment.strategy': {roles: ['consumer'], flag: '--assignment', apply: (v, s, k) => void (s.strategy = oneOf(k, v, STRATEGY))},
  'fetch.wait.max.ms': {roles: ['consumer'], flag: 'the polling interval when file events are not delivered', apply: (v, s, k) => void (s.pollIntervalMs = int(k, v, 1, 60_000))},
  'max.partition.fetch.bytes': {roles: ['consumer'], flag: 'a partition\'s share of one Fetch answer through a broker', apply: (v, s, k) => void (s.partitionFetchBytes = int(k, v, 1, 2 ** 31 - 1))},
  'fetch.max.bytes': {roles: ['consumer'], flag: 'one Fetch answer through a broker', apply: (v, s, k) => void (s.fetchMaxBytes = int(k, v, 1, 2 ** 31 - 1))},
  'linger.ms': linger,
  'queue.buffering.max.ms': linger,
  'batch.size': {roles: ['producer'], flag: '--batch-bytes', apply: (v, s, k) => void (s.batchBytes = int(k, v, 64, 2 ** 31 - 1))},
  'compression.type': compression,
  'compression.codec': compression,
}

/** A key some other role takes and `role` does not (a shared --command-config file may hold it). */
export function isOtherRolesSetting(key: string, role: ClientRole): boolean {
  const setting = SETTINGS[key]
  return setting !== undefined && !setting.roles.includes(role)
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
      const command = role === 'consumer' ? 'consume' : role === 'producer' ? 'produce' : 'this command'
      const what = setting ? `-X ${key} is a ${setting.roles.join(' and ')} setting; ${command} does not take it` : `-X: unknown client setting '${key}'`
      throw new UsageError(what, {hint: guess ? `did you mean ${guess}?` : `settings here: ${keys.join(', ')}`})
    }
    setting.apply(pair.slice(eq + 1).trim(), out, key)
  }
  return out
}

/**
 * A Java properties file as `key=value` pairs (kafka-console-*'s
 * --command-config / --consumer.config): `#` and `!` comment lines, `=`,
 * `:` or blanks between key and value, a trailing backslash continuing
 * the line. A line with no key is a usage error naming it.
 */
export function parseProperties(text: string, file: string): string[] {
  const out: string[] = []
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trimStart()
    const at = i + 1
    while (line.endsWith('\\') && !line.endsWith('\\\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i].trimStart()
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line) ?? /^([^=:\s]+)$/.exec(line)
    if (!m) throw new UsageError(`${file}:${at}: not a KEY=VALUE line`)
    out.push(`${m[1]}=${(m[2] ?? '').trimEnd()}`)
  }
  return out
}

/**
 * Whether a producer through a broker is idempotent, as Kafka 3's producer
 * decides: on by default, so a batch retried after a failover is never
 * written twice; off when left unset and acks or retries rule it out
 * (acks 0/1, retries=0); asked for together with them, a usage error.
 */
export function producerIdempotence(s: ClientSettings): boolean {
  const acks = s.acks ?? -1
  const inFlight = s.maxInFlight ?? 0
  const conflict = acks !== -1 ? `acks=${acks}` : s.retries === 0 ? 'retries=0' : inFlight > MAX_IN_FLIGHT_IDEMPOTENT ? `max.in.flight.requests.per.connection=${inFlight}` : null
  if (s.idempotent === true && conflict) {
    throw new UsageError(`-X enable.idempotence=true needs acks=all, retries above 0 and at most ${MAX_IN_FLIGHT_IDEMPOTENT} requests in flight, not ${conflict}`, {hint: 'drop enable.idempotence, or the setting that rules it out'})
  }
  return s.idempotent ?? conflict === null
}
