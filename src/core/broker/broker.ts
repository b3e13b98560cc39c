/**
 * A broker: the store's partitions led (replica-manager.ts), the Kafka
 * protocol served on a loopback address (server.ts, dispatcher.ts and the
 * handlers of src/core/wire/api/), and its registration in
 * brokers/<id>.json with a heartbeat (registry.ts).
 *
 * Start order: refuse a live broker of the same id, lead the partitions,
 * listen, register (so what `broker list` shows can be reached). Stop
 * order, the reverse: stop accepting and end long polls, answer what is in
 * flight, let go of every lock (recovery points move to the log ends),
 * deregister.
 */
import {BrokerAlreadyRunningError, BrokerError} from '../errors.js'
import {Store} from '../store/store.js'
import {FrameSplitter} from '../wire/frame.js'
import type {BrokerConfig} from './broker-config.js'
import type {BrokerContext, SupportedApi} from './broker-context.js'
import type {BrokerLog} from './broker-log.js'
import {Dispatcher, indexHandlers} from './dispatcher.js'
import {HANDLERS} from '../wire/api/handlers.js'
import {BrokerRegistry, type BrokerRegistration, brokersDir, isBrokerAlive, listRegistrations, readRegistration} from './registry.js'
import {recordLogDir} from '../store/log-dirs.js'
import {mkdirSync} from 'node:fs'
import {resolve} from 'node:path'
import {ReplicaManager} from './replica-manager.js'
import {BrokerSecurity, securityProtocol} from './sasl/broker-security.js'
import {type SaslMechanism} from './sasl/users-file.js'
import {saslMechanismList} from './broker-config.js'
import {hostname} from 'node:os'
import {checkListenerAllowed, formatAddress, isLoopback, isWildcard} from './listen-address.js'
import {BrokerServer} from './server.js'

export interface BrokerOptions {
  /** The data directory (resolved as every command resolves it). */
  dataDir?: string
  id: number
  host: string
  port: number
  /** Move on to the next port when `port` is taken (the default listener). */
  nextFreePort: boolean
  config: BrokerConfig
  log: BrokerLog
  /** PEM certificate chain and private key: the listener speaks TLS (SSL, SASL_SSL). */
  tls?: {cert: Buffer; key: Buffer} | null
  /**
   * The host clients are told to connect to (Metadata, FindCoordinator,
   * brokers/<id>.json; Kafka's advertised.listeners). Default the listen
   * host, or this machine's name when that is 0.0.0.0 or ::.
   */
  advertisedHost?: string
  /**
   * Where this broker keeps its replicas of replicated topics (another
   * disk, in practice); the data directory when absent. Recorded in
   * brokers/<id>.log-dir for the file-path CLI.
   */
  logDir?: string
}

export class Broker implements BrokerContext {
  readonly brokerId: number
  readonly store: Store
  /** @internal The partitions this broker leads; handlers reach them through BrokerContext. */
  readonly replicas: ReplicaManager
  readonly config: BrokerConfig
  readonly log: BrokerLog
  readonly clusterId: string
  /** The listener's logins (null: none). @internal */
  readonly security: BrokerSecurity | null
  /** Where this broker's replicas live. */
  readonly logDir: string
  private readonly abort = new AbortController()
  private readonly options: BrokerOptions
  private server: BrokerServer | null = null
  private registry: BrokerRegistry | null = null
  private dispatcher: Dispatcher | null = null
  private stopping_: Promise<void> | null = null
  private resolveStopped!: () => void
  /** Resolves once the broker has stopped, by stop() or because its registration was taken over. */
  readonly stopped: Promise<void>
  host = ''
  port = 0

  private constructor(options: BrokerOptions, store: Store) {
    this.options = options
    this.brokerId = options.id
    this.config = options.config
    this.log = options.log
    this.store = store
    this.clusterId = store.info.storeId
    const c = options.config
    this.logDir = options.logDir === undefined ? store.dataDir : resolve(options.logDir)
    this.replicas = new ReplicaManager(store, {
      brokerId: options.id,
      log: options.log,
      replication: {
        logDir: this.logDir,
        sessionTimeoutMs: c['broker.session.timeout.ms'],
        heartbeatIntervalMs: c['broker.heartbeat.interval.ms'],
        lagMs: c['replica.lag.time.max.ms'],
        fetchWaitMs: c['replica.fetch.wait.max.ms'],
        fetchMaxBytes: c['replica.fetch.max.bytes'],
        autoRebalance: c['auto.leader.rebalance.enable'],
        checkpointIntervalMs: c['replica.high.watermark.checkpoint.interval.ms'],
        leaderThrottledRate: c['leader.replication.throttled.rate'],
        followerThrottledRate: c['follower.replication.throttled.rate'],
      },
    })
    const mechanisms = saslMechanismList(options.config['sasl.enabled.mechanisms']) as SaslMechanism[]
    this.security =
      mechanisms.length > 0
        ? new BrokerSecurity({dataDir: store.dataDir, mechanisms, log: options.log, maxFrameBytes: options.config['socket.request.max.bytes']})
        : null
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve))
  }

  static async start(options: BrokerOptions): Promise<Broker> {
    const store = Store.open(options.dataDir, {create: true, onNotice: (m) => options.log.warn(m)})
    const existing = readRegistration(store.dataDir, options.id)
    if (existing && isBrokerAlive(existing)) {
      throw new BrokerAlreadyRunningError(`broker ${options.id} is already running (pid ${existing.pid}, listening on ${existing.host}:${existing.port})`, {
        hint: `stop it (\`logpipe broker stop --id ${options.id}\`) or start this one with another --id`,
      })
    }
    const broker = new Broker(options, store)
    checkListenerAllowed({host: options.host, port: options.port}, broker.security !== null)
    if (broker.security && broker.security.users.read().size === 0) {
      throw new BrokerError(`SASL is on but ${broker.security.users.path} has no users: nobody could log in`, {hint: 'add one first: `logpipe broker user add NAME`'})
    }
    try {
      await broker.startParts()
    } catch (error) {
      await broker.stop()
      throw error
    }
    return broker
  }

  private async startParts(): Promise<void> {
    const o = this.options
    const c = this.config
    mkdirSync(this.logDir, {recursive: true, mode: 0o700})
    mkdirSync(brokersDir(this.store.dataDir), {recursive: true, mode: 0o700})
    recordLogDir(this.store.dataDir, this.brokerId, this.logDir)
    const handlers = indexHandlers(HANDLERS)
    this.dispatcher = new Dispatcher(handlers, this)
    await this.replicas.start(c['leadership.scan.interval.ms'])
    this.server = new BrokerServer({
      host: o.host,
      port: o.port,
      nextFreePort: o.nextFreePort,
      log: this.log,
      handle: (frame, connection) => this.security?.gate(frame, connection) ?? this.dispatcher!.handle(frame, connection),
      tls: o.tls ?? null,
      frames: () =>
        this.security
          ? new FrameSplitter(c['sasl.server.max.receive.size'], 'sasl.server.max.receive.size, until the client logs in')
          : new FrameSplitter(c['socket.request.max.bytes']),
      idleMs: c['connections.max.idle.ms'],
      requestTimeoutMs: c['request.timeout.ms'],
      maxQueued: c['queued.max.requests'],
    })
    const address = await this.server.listen()
    this.host = o.advertisedHost ?? (isWildcard(address.host) ? hostname() : address.host)
    this.port = address.port
    this.registry = new BrokerRegistry(this.store.dataDir, {
      id: this.brokerId,
      host: this.host,
      port: this.port,
      logDir: this.logDir,
      heartbeatIntervalMs: c['broker.heartbeat.interval.ms'],
      sessionTimeoutMs: c['broker.session.timeout.ms'],
      partitions: () => this.replicas.led(),
      onError: (error) => this.log.error(`heartbeat: ${error.message}`),
      onLost: (by) => {
        this.log.error(`broker ${this.brokerId}'s registration was taken over${by ? ` by pid ${by.pid} on ${by.processHost}` : ''}; stopping`)
        void this.stop()
      },
    })
    this.registry.register()
    this.registry.startHeartbeat()
    const protocol = securityProtocol(Boolean(o.tls), this.security !== null)
    const sasl = this.security ? ` with ${this.security.mechanisms.join(', ')}` : ''
    const advertised = this.host === address.host ? '' : `, advertised as ${formatAddress(this)}`
    this.log.info(
      `broker ${this.brokerId} serving ${this.store.dataDir} on ${protocol}://${formatAddress(address)}${advertised}${sasl} (${this.replicas.led().length} partitions led)`,
    )
    if (this.security?.mechanisms.includes('PLAIN') && !o.tls && !isLoopback(address.host)) {
      this.log.warn('PLAIN logins on a SASL_PLAINTEXT listener off loopback send passwords in the clear: add --tls-cert/--tls-key')
    }
  }

  get stopping(): AbortSignal {
    return this.abort.signal
  }

  liveBrokers(): BrokerRegistration[] {
    const live = listRegistrations(this.store.dataDir).brokers.filter((b) => isBrokerAlive(b))
    if (!live.some((b) => b.id === this.brokerId) && this.registry) {
      // Between start and the first write of the file, or a heartbeat being written: we are alive all the same.
      const self = readRegistration(this.store.dataDir, this.brokerId)
      if (self) live.push(self)
    }
    return live.sort((a, b) => a.id - b.id)
  }

  supportedApis(): SupportedApi[] {
    return this.dispatcher?.supported ?? []
  }

  /** Graceful stop; concurrent callers share it. */
  stop(): Promise<void> {
    this.stopping_ ??= this.stopNow().finally(() => this.resolveStopped())
    return this.stopping_
  }

  private async stopNow(): Promise<void> {
    // A start that failed half way says why once, in its error; no stop lines after it.
    const started = this.registry !== null
    if (started) this.log.info(`broker ${this.brokerId} stopping`)
    this.abort.abort()
    this.registry?.stopHeartbeat()
    try {
      await this.server?.close()
    } finally {
      await this.replicas.stop()
      this.registry?.deregister()
    }
    if (started) this.log.info(`broker ${this.brokerId} stopped`)
  }
}
