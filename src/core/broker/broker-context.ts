/**
 * What a request handler may use of its broker: its identity and address,
 * the store, the partitions it leads, its configs and log, the live
 * brokers, and the signal that says it is stopping (a long poll ends early).
 * Handlers see this interface, never the Broker class, so the handler files
 * sit below broker.ts, which loads them.
 */
import type {Store} from '../store/store.js'
import type {BrokerConfig} from './broker-config.js'
import type {BrokerLog} from './broker-log.js'
import type {BrokerRegistration} from './registry.js'
import type {ReplicaManager} from './replica-manager.js'
import type {BrokerSecurity} from './sasl/broker-security.js'

export interface SupportedApi {
  apiKey: number
  minVersion: number
  maxVersion: number
}

export interface BrokerContext {
  readonly brokerId: number
  /** The address clients reach this broker at (Metadata's host and port for it). */
  readonly host: string
  readonly port: number
  /** Kafka's cluster id: the store's id, so every broker of one store names one cluster. */
  readonly clusterId: string
  readonly store: Store
  /** @internal The partitions the broker leads (what handlers append to and read from). */
  readonly replicas: ReplicaManager
  readonly config: BrokerConfig
  readonly log: BrokerLog
  /** The listener's SASL logins, or null when it wants none (PLAINTEXT, SSL). @internal */
  readonly security: BrokerSecurity | null
  /** Aborted when the broker begins to stop. */
  readonly stopping: AbortSignal
  /** The live brokers of the store, this one included. */
  liveBrokers(): BrokerRegistration[]
  /** The API keys and versions this broker answers: what ApiVersions lists. */
  supportedApis(): SupportedApi[]
}
