/**
 * Broker configs: Kafka's names and defaults for what this broker does,
 * set with `broker start -X key=value`. Every value is range-checked when
 * given, so a typo is a usage error naming the key, not a surprise later.
 */
import {UsageError} from '../errors.js'
import {SASL_MECHANISMS, isSaslMechanism} from './sasl/users-file.js'

export interface BrokerConfig {
  'broker.heartbeat.interval.ms': number
  'broker.session.timeout.ms': number
  'socket.request.max.bytes': number
  'connections.max.idle.ms': number
  /** How long a request may take to arrive once its first byte has (a half frame that stalls is dropped). */
  'request.timeout.ms': number
  'auto.create.topics.enable': boolean
  'num.partitions': number
  'default.replication.factor': number
  'message.max.bytes': number
  'delete.topic.enable': boolean
  /** Requests of one connection read ahead while earlier ones are handled (Kafka's is per broker). */
  'queued.max.requests': number
  /** How often the broker looks for topics and partitions created since it started. */
  'leadership.scan.interval.ms': number
  /** The group coordinator's (Kafka's names and defaults). */
  'group.initial.rebalance.delay.ms': number
  'group.min.session.timeout.ms': number
  'group.max.session.timeout.ms': number
  'group.max.size': number
  /** Incremental fetch sessions kept (KIP-227); 0: none. */
  'max.incremental.fetch.session.cache.slots': number
  /** Comma-separated SASL mechanisms the listener accepts; empty: no SASL (`broker start --sasl` enables them all). */
  'sasl.enabled.mechanisms': string
  /** Largest frame a client may send before it has logged in (Kafka's, 512 KiB): no 100 MiB buffers for strangers. */
  'sasl.server.max.receive.size': number
  /** Replication (Kafka's names and defaults). */
  'replica.lag.time.max.ms': number
  'replica.fetch.wait.max.ms': number
  'replica.fetch.max.bytes': number
  'auto.leader.rebalance.enable': boolean
  'replica.high.watermark.checkpoint.interval.ms': number
  /** Bytes/s this broker sends, as leader, to lagging followers of the replicas a topic's leader.replication.throttled.replicas names. */
  'leader.replication.throttled.rate': number
  /** Bytes/s this broker fetches, as follower, for its lagging replicas a topic's follower.replication.throttled.replicas names. */
  'follower.replication.throttled.rate': number
}

interface Spec {
  default: number | boolean | string
  /** For a string: the value's problem, or null when it is fine. */
  check?: (value: string) => string | null
  min?: number
  max?: number
  doc: string
}

const INT_MAX = 0x7fffffff

export const BROKER_CONFIG_SPECS: Record<keyof BrokerConfig, Spec> = {
  'broker.heartbeat.interval.ms': {default: 2000, min: 10, max: INT_MAX, doc: 'how often the broker refreshes brokers/<id>.json'},
  'broker.session.timeout.ms': {default: 9000, min: 100, max: INT_MAX, doc: 'a broker without a heartbeat this long is not alive'},
  'socket.request.max.bytes': {default: 104857600, min: 1024, max: INT_MAX, doc: 'largest request frame accepted'},
  'connections.max.idle.ms': {default: 600000, min: 100, max: INT_MAX, doc: 'close connections idle this long'},
  'request.timeout.ms': {default: 30000, min: 100, max: INT_MAX, doc: 'close a connection whose request is not all there this long after it began'},
  'auto.create.topics.enable': {default: true, doc: 'Metadata for a missing topic creates it'},
  'num.partitions': {default: 1, min: 1, max: 10000, doc: 'partitions of an auto-created topic'},
  'default.replication.factor': {default: 1, min: 1, max: 100, doc: 'replication factor of an auto-created topic'},
  'message.max.bytes': {default: 1048588, min: 0, max: INT_MAX, doc: 'largest batch, unless the topic sets max.message.bytes'},
  'delete.topic.enable': {default: true, doc: 'DeleteTopics may delete topics'},
  'queued.max.requests': {default: 500, min: 1, max: 100000, doc: 'requests read ahead per connection'},
  'leadership.scan.interval.ms': {default: 1000, min: 10, max: INT_MAX, doc: 'how often new topics and partitions are looked for'},
  'group.initial.rebalance.delay.ms': {default: 3000, min: 0, max: INT_MAX, doc: 'how long a new group waits for more members before its first rebalance'},
  'group.min.session.timeout.ms': {default: 6000, min: 0, max: INT_MAX, doc: 'smallest session timeout a member may ask for'},
  'group.max.session.timeout.ms': {default: 1800000, min: 0, max: INT_MAX, doc: 'largest session timeout a member may ask for'},
  'group.max.size': {default: INT_MAX, min: 1, max: INT_MAX, doc: 'most members a group may have'},
  'max.incremental.fetch.session.cache.slots': {default: 1000, min: 0, max: INT_MAX, doc: 'incremental fetch sessions kept (KIP-227); 0: none'},
  'replica.lag.time.max.ms': {default: 30000, min: 10, max: INT_MAX, doc: 'a follower not caught up this long leaves the ISR'},
  'replica.fetch.wait.max.ms': {default: 500, min: 0, max: INT_MAX, doc: 'how long a follower\'s fetch waits at the leader for new batches'},
  'replica.fetch.max.bytes': {default: 1048576, min: 1024, max: INT_MAX, doc: 'bytes a follower asks for per partition and fetch'},
  'auto.leader.rebalance.enable': {default: true, doc: 'a leader hands leadership back to the preferred replica once it is in sync'},
  'replica.high.watermark.checkpoint.interval.ms': {default: 5000, min: 10, max: INT_MAX, doc: 'how often replicas\' high watermarks are saved to replication-offset-checkpoint'},
  'leader.replication.throttled.rate': {
    default: Number.MAX_SAFE_INTEGER,
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    doc: 'bytes/s sent to lagging followers of throttled replicas (topic reassign --throttle sets it for a move)',
  },
  'follower.replication.throttled.rate': {
    default: Number.MAX_SAFE_INTEGER,
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    doc: 'bytes/s fetched for lagging throttled replicas (topic reassign --throttle sets it for a move)',
  },
  'sasl.enabled.mechanisms': {
    default: '',
    doc: `SASL mechanisms logins may use (${SASL_MECHANISMS.join(', ')}); empty: none`,
    check: (v) => {
      const bad = saslMechanismList(v).filter((m) => !isSaslMechanism(m))
      return bad.length === 0 ? null : `unknown mechanism ${bad.map((m) => JSON.stringify(m)).join(', ')} (known: ${SASL_MECHANISMS.join(', ')})`
    },
  },
  'sasl.server.max.receive.size': {default: 524288, min: 1024, max: INT_MAX, doc: 'largest frame accepted before a SASL login'},
}

/** `A, B` as ['A', 'B']; the empty string as none. */
export function saslMechanismList(value: string): string[] {
  return value
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m.length > 0)
}

export type BrokerConfigKey = keyof BrokerConfig

export function isBrokerConfigKey(key: string): key is BrokerConfigKey {
  return Object.hasOwn(BROKER_CONFIG_SPECS, key)
}

export function defaultBrokerConfig(): BrokerConfig {
  const out: Record<string, number | boolean | string> = {}
  for (const [key, spec] of Object.entries(BROKER_CONFIG_SPECS)) out[key] = spec.default
  return out as unknown as BrokerConfig
}

/** `-X key=value` pairs over the defaults; an unknown key or a bad value is a UsageError naming it. */
export function parseBrokerConfig(pairs: readonly string[]): BrokerConfig {
  const config = defaultBrokerConfig() as unknown as Record<string, number | boolean | string>
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError(`-X expects key=value, not '${pair}'`)
    const key = pair.slice(0, eq)
    const raw = pair.slice(eq + 1).trim()
    if (!isBrokerConfigKey(key)) {
      throw new UsageError(`unknown broker config '${key}'`, {hint: `known: ${Object.keys(BROKER_CONFIG_SPECS).join(', ')}`})
    }
    const spec: Spec = BROKER_CONFIG_SPECS[key]
    if (typeof spec.default === 'string') {
      const problem = spec.check?.(raw) ?? null
      if (problem) throw new UsageError(`broker config ${key}: ${problem}`)
      config[key] = raw
      continue
    }
    if (typeof spec.default === 'boolean') {
      if (raw !== 'true' && raw !== 'false') throw new UsageError(`broker config ${key} must be true or false, not '${raw}'`)
      config[key] = raw === 'true'
      continue
    }
    const n = Number(raw)
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n) || n < (spec.min ?? -Infinity) || n > (spec.max ?? Infinity)) {
      throw new UsageError(`broker config ${key} must be an integer between ${spec.min} and ${spec.max}, not '${raw}'`)
    }
    config[key] = n
  }
  const c = config as unknown as BrokerConfig
  if (c['broker.heartbeat.interval.ms'] >= c['broker.session.timeout.ms']) {
    throw new UsageError(
      `broker.heartbeat.interval.ms (${c['broker.heartbeat.interval.ms']}) must be below broker.session.timeout.ms (${c['broker.session.timeout.ms']})`,
      {hint: 'a broker would be seen dead between two of its own heartbeats'},
    )
  }
  return c
}
