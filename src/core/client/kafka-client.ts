/**
 * Our client of any Kafka-protocol server (a logpipe broker or a Kafka
 * cluster), under the CLI's produce, consume, topic and group commands when
 * they go through a broker, and under `logpipe mirror`:
 *
 * - bootstrap: the first server of the list that answers; every broker the
 *   metadata names gets a connection of its own, opened on first use;
 * - each connection negotiates versions with ApiVersions: a request goes
 *   out at the highest version both sides have (`versionFor`);
 * - metadata (brokers, leader per partition) is cached and refreshed when
 *   an answer says it is stale;
 * - `retrying` runs an operation again, after a backoff that doubles, when
 *   it failed with a retriable error (NOT_LEADER_OR_FOLLOWER,
 *   UNKNOWN_TOPIC_OR_PARTITION, a lost connection, a timeout), refreshing
 *   the metadata first; at most `retries` times.
 *
 * Errors are LogpipeErrors: KafkaProtocolError (Kafka's name, code and
 * retriable flag from wire/error-codes.ts) for an error code a server
 * answered, BrokerUnreachableError when no server could be reached.
 */
import {BrokerUnreachableError, LogpipeError, UnsupportedVersionError, UsageError} from '../errors.js'
import {ErrorCode, kafkaError} from '../wire/error-codes.js'
import {apiVersions} from '../wire/messages/18-api-versions.js'
import {metadata as metadataApi} from '../wire/messages/03-metadata.js'
import {versionRange} from '../wire/registry.js'
import type {ApiSchema, RequestInput, ResponseOf} from '../wire/schema.js'
import {type ConnectionOptions, KafkaConnection} from './kafka-connection.js'

export interface BrokerAddress {
  host: string
  port: number
}

export interface KafkaClientOptions {
  bootstrap: BrokerAddress[]
  /** The client.id every request carries (default logpipe). */
  clientId?: string
  /** request.timeout.ms: an answer later than this fails the request and closes its connection (default 30 s). */
  requestTimeoutMs?: number
  /** How often a retriable failure is tried again (default 5). */
  retries?: number
  /** retry.backoff.ms: the first wait before a retry; each later one doubles, up to 1 s (default 100). */
  retryBackoffMs?: number
  /** Passed to every connection (security settings, connect timeout). */
  connection?: ConnectionOptions
}

export interface PartitionMetadata {
  partition: number
  errorCode: number
  /** -1 while the partition has no leader. */
  leader: number
  leaderEpoch: number
  replicas: number[]
  isr: number[]
}

export interface TopicMetadata {
  name: string
  errorCode: number
  topicId: string
  isInternal: boolean
  /** By partition index. */
  partitions: PartitionMetadata[]
}

export interface ClusterMetadata {
  clusterId: string | null
  controllerId: number
  brokers: Map<number, BrokerAddress>
  topics: Map<string, TopicMetadata>
}

/** One connection and the versions its server speaks, by API key. */
interface Link {
  connection: KafkaConnection
  versions: Map<number, {min: number; max: number}>
}

const BOOTSTRAP = -1
const MAX_BACKOFF_MS = 1000

/** Parses `HOST:PORT[,HOST:PORT...]` (IPv6 in brackets: `[::1]:9092`); a bad entry is a usage error naming it. */
export function parseBootstrapServers(list: string, what = '--bootstrap-server'): BrokerAddress[] {
  const out: BrokerAddress[] = []
  for (const raw of list.split(',')) {
    const entry = raw.trim()
    if (entry === '') continue
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(entry)
    const port = m ? Number(m[3]) : 0
    if (!m || port < 1 || port > 65535) {
      throw new UsageError(`${what}: '${entry}' is not HOST:PORT`, {hint: 'for example 127.0.0.1:9092, or several separated by commas'})
    }
    out.push({host: m[1] ?? m[2], port})
  }
  if (out.length === 0) throw new UsageError(`${what} names no server`, {hint: 'give HOST:PORT, for example 127.0.0.1:9092'})
  return out
}

export function formatAddress(a: BrokerAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`
}

export class KafkaClient {
  private readonly options: KafkaClientOptions
  private readonly links = new Map<number, Promise<Link>>()
  private cache: ClusterMetadata | null = null
  /** Set when the cache was forgotten: an unknown broker id is looked up again. */
  private cacheIsStale = false
  private closed = false

  private constructor(options: KafkaClientOptions) {
    this.options = options
  }

  /** Connects to the first bootstrap server that answers ApiVersions. */
  static async connect(options: KafkaClientOptions): Promise<KafkaClient> {
    if (options.bootstrap.length === 0) throw new UsageError('no bootstrap server given')
    const client = new KafkaClient(options)
    let first: unknown = null
    for (const address of options.bootstrap) {
      const link = client.openLink(address)
      try {
        await link
        client.links.set(BOOTSTRAP, link)
        return client
      } catch (error) {
        first ??= error
      }
    }
    if (first instanceof BrokerUnreachableError && options.bootstrap.length > 1) {
      throw new BrokerUnreachableError(options.bootstrap.map(formatAddress).join(', '), first.code, {hint: first.hint})
    }
    throw first
  }

  get clientId(): string {
    return this.options.clientId ?? 'logpipe'
  }

  /** What every connection is opened with (security): a group's coordinator connection, opened apart, uses the same. */
  get connectionOptions(): ConnectionOptions {
    return this.options.connection ?? {}
  }

  private get requestTimeoutMs(): number {
    return this.options.requestTimeoutMs ?? 30_000
  }

  private async openLink(address: BrokerAddress): Promise<Link> {
    const connection = await KafkaConnection.open(address.host, address.port, this.clientId, this.options.connection)
    try {
      // v0 first would always work, but v3+ carries our name; a server older than v3 answers UNSUPPORTED_VERSION with its range (KIP-511).
      let r = await this.timed(connection, connection.request(apiVersions, 3, {clientSoftwareName: 'logpipe', clientSoftwareVersion: '1'}), this.requestTimeoutMs)
      if (r.errorCode === ErrorCode.UNSUPPORTED_VERSION) r = await this.timed(connection, connection.request(apiVersions, 0, {}), this.requestTimeoutMs)
      if (r.errorCode !== ErrorCode.NONE) throw kafkaError(r.errorCode, `ApiVersions from ${formatAddress(address)}`)
      const versions = new Map<number, {min: number; max: number}>()
      for (const k of r.apiKeys) versions.set(k.apiKey, {min: k.minVersion, max: k.maxVersion})
      return {connection, versions}
    } catch (error) {
      connection.close()
      throw error
    }
  }

  /** The link to a broker (BOOTSTRAP: the bootstrap server), opened again when its connection was lost. */
  private link(brokerId: number): Promise<Link> {
    const known = this.links.get(brokerId)
    if (known) {
      return known.then((l) => {
        if (!l.connection.isClosed) return l
        this.links.delete(brokerId)
        return this.link(brokerId)
      })
    }
    if (this.closed) return Promise.reject(new LogpipeError('the client is closed'))
    const address = brokerId === BOOTSTRAP ? null : this.cache?.brokers.get(brokerId)
    if (brokerId !== BOOTSTRAP && !address) {
      // A broker id from an answer (FindCoordinator, a leader) before any metadata: ask for the brokers once.
      if (this.cache && !this.cacheIsStale) return Promise.reject(kafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `broker ${brokerId} is not in the metadata`))
      return this.metadata([]).then(() => {
        this.cacheIsStale = false
        if (!this.cache?.brokers.has(brokerId)) throw kafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `broker ${brokerId} is not in the metadata`)
        return this.link(brokerId)
      })
    }
    const opening = address ? this.openLink(address) : KafkaClient.firstReachable(this)
    this.links.set(brokerId, opening)
    opening.catch(() => {
      if (this.links.get(brokerId) === opening) this.links.delete(brokerId)
    })
    return opening
  }

  /** A bootstrap link again (the first was lost): any bootstrap server that answers. */
  private static async firstReachable(client: KafkaClient): Promise<Link> {
    let first: unknown = null
    for (const address of client.options.bootstrap) {
      try {
        return await client.openLink(address)
      } catch (error) {
        first ??= error
      }
    }
    throw first
  }

  /** Any open link, else the bootstrap server's: for requests any broker answers (Metadata, ApiVersions). */
  private anyLink(): Promise<Link> {
    for (const [id, link] of this.links) if (id !== BOOTSTRAP) return this.link(id)
    return this.link(BOOTSTRAP)
  }

  /** The highest version of `schema` both this client and the link's server speak. */
  private static versionOn(link: Link, schema: ApiSchema): number {
    const ours = versionRange(schema)
    const theirs = link.versions.get(schema.apiKey)
    const max = Math.min(ours.maxVersion, theirs?.max ?? -1)
    if (!theirs || max < Math.max(ours.minVersion, theirs.min)) {
      throw new UnsupportedVersionError(
        theirs
          ? `the server speaks ${schema.name} v${theirs.min}-${theirs.max}, this client v${ours.minVersion}-${ours.maxVersion}`
          : `the server does not speak ${schema.name}`,
        schema.apiKey,
        max,
      )
    }
    return max
  }

  /**
   * Sends one request to a broker (by id; 'any' for one any broker answers)
   * at the highest common version; `build` makes the request for that
   * version. `extraTimeoutMs` is added to request.timeout.ms (a Fetch's
   * max wait). `alloc` makes the buffer the answer is read into (a
   * FramePool's, for the caller to reuse).
   */
  async request<A extends ApiSchema>(
    target: number | 'any',
    schema: A,
    build: (version: number) => RequestInput<A>,
    extraTimeoutMs = 0,
    alloc?: (size: number) => Buffer,
  ): Promise<{response: ResponseOf<A>; version: number}> {
    const link = await (target === 'any' ? this.anyLink() : this.link(target))
    const version = KafkaClient.versionOn(link, schema)
    const response = await this.timed(link.connection, link.connection.request(schema, version, build(version), alloc), this.requestTimeoutMs + extraTimeoutMs)
    return {response, version}
  }

  /** A request without an answer (Produce with acks=0). */
  async send<A extends ApiSchema>(target: number, schema: A, build: (version: number) => RequestInput<A>): Promise<void> {
    const link = await this.link(target)
    link.connection.send(schema, KafkaClient.versionOn(link, schema), build(KafkaClient.versionOn(link, schema)))
  }

  /** The version a request to `target` goes out at. */
  async versionFor(target: number | 'any', schema: ApiSchema): Promise<number> {
    return KafkaClient.versionOn(await (target === 'any' ? this.anyLink() : this.link(target)), schema)
  }

  /** Fails a request that is not answered in time; its connection is closed, since later answers would be matched to the wrong requests. */
  private timed<T>(connection: KafkaConnection, pending: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        connection.close()
        reject(kafkaError(ErrorCode.REQUEST_TIMED_OUT, `no answer in ${ms} ms`))
      }, ms)
    })
    return Promise.race([pending, timeout]).finally(() => clearTimeout(timer))
  }

  /**
   * Metadata for these topics (null: all topics), fetched now; the cache
   * keeps the brokers and the topics asked for. Topics are not created by
   * asking unless `autoCreate`.
   */
  async metadata(topics: string[] | null = null, autoCreate = false): Promise<ClusterMetadata> {
    // "All topics" is a null list from v1 on (v0 would read an empty list so); every server we meet speaks v1+.
    const {response} = await this.request('any', metadataApi, () => ({
      topics: topics === null ? null : topics.map((name) => ({name})),
      allowAutoTopicCreation: autoCreate,
    }))
    const brokers = new Map<number, BrokerAddress>()
    for (const b of response.brokers) brokers.set(b.nodeId, {host: b.host, port: b.port})
    const found = new Map<string, TopicMetadata>()
    for (const t of response.topics) {
      if (t.name === null) continue
      const partitions: PartitionMetadata[] = []
      for (const p of t.partitions) {
        // A server's count is not trusted to be dense or sane: index by what it says, within bounds.
        if (p.partitionIndex < 0 || p.partitionIndex >= 1 << 20) continue
        partitions[p.partitionIndex] = {
          partition: p.partitionIndex,
          errorCode: p.errorCode,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: [...p.replicaNodes],
          isr: [...p.isrNodes],
        }
      }
      found.set(t.name, {name: t.name, errorCode: t.errorCode, topicId: t.topicId, isInternal: t.isInternal, partitions: Array.from(partitions, (p, i) => p ?? missingPartition(i))})
    }
    const previous = this.cache
    // Connections to brokers that moved or left are closed; the next request opens one where the broker is now.
    for (const [id, link] of this.links) {
      if (id === BOOTSTRAP) continue
      const before = previous?.brokers.get(id)
      const now = brokers.get(id)
      if (!now || (before && (before.host !== now.host || before.port !== now.port))) {
        this.links.delete(id)
        void link.then((l) => l.connection.close(), () => {})
      }
    }
    const topicsKept = new Map(topics === null ? [] : previous?.topics ?? [])
    for (const [name, t] of found) topicsKept.set(name, t)
    this.cache = {clusterId: response.clusterId, controllerId: response.controllerId, brokers, topics: topicsKept}
    return {clusterId: response.clusterId, controllerId: response.controllerId, brokers, topics: found}
  }

  /** Forgets the cached metadata: the next lookup asks a broker. */
  invalidate(): void {
    if (this.cache) this.cache = {...this.cache, topics: new Map()}
    this.cacheIsStale = true
  }

  /**
   * A topic's metadata from the cache, else asked for. An unknown topic is
   * a KafkaProtocolError UNKNOWN_TOPIC_OR_PARTITION (retriable: it may be
   * being created), which callers that want "not found" turn into one.
   */
  async topic(name: string): Promise<TopicMetadata> {
    let t = this.cache?.topics.get(name)
    if (!t || t.errorCode !== ErrorCode.NONE) t = (await this.metadata([name])).topics.get(name)
    if (!t) throw kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${name}'`)
    if (t.errorCode !== ErrorCode.NONE) throw kafkaError(t.errorCode, `topic '${name}'`)
    return t
  }

  /** The broker id leading a partition, from the cached metadata (asked for when missing). */
  async leaderOf(topic: string, partition: number): Promise<number> {
    const t = await this.topic(topic)
    const p = t.partitions[partition]
    if (!p) throw kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${topic}' partition ${partition}`)
    if (p.errorCode !== ErrorCode.NONE && p.leader < 0) throw kafkaError(p.errorCode, `topic '${topic}' partition ${partition}`)
    if (p.leader < 0) throw kafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `topic '${topic}' partition ${partition}`)
    return p.leader
  }

  /**
   * Runs `operation` until it succeeds, a non-retriable error, or the
   * retries are spent. Before each retry the metadata is forgotten (a
   * leader moved, a topic appeared, a broker came back) and the client
   * waits retry.backoff.ms, doubled each time.
   */
  async retrying<T>(operation: (attempt: number) => Promise<T>): Promise<T> {
    const retries = this.options.retries ?? 5
    let backoff = this.options.retryBackoffMs ?? 100
    for (let attempt = 0; ; attempt++) {
      try {
        return await operation(attempt)
      } catch (error) {
        if (this.closed || attempt >= retries || !isRetriable(error)) throw error
        this.invalidate()
        await new Promise((resolve) => setTimeout(resolve, backoff))
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
      }
    }
  }

  close(): void {
    this.closed = true
    for (const link of this.links.values()) void link.then((l) => l.connection.close(), () => {})
    this.links.clear()
  }
}

function missingPartition(partition: number): PartitionMetadata {
  return {partition, errorCode: ErrorCode.LEADER_NOT_AVAILABLE, leader: -1, leaderEpoch: -1, replicas: [], isr: []}
}

/** Retriable as Kafka's clients judge it: the error's own flag (protocol errors from the table, lost connections, unreachable servers). */
export function isRetriable(error: unknown): boolean {
  return error instanceof LogpipeError && error.retriable
}

/** A non-zero code in an answer, as the error for it; `detail` says what it was about. */
export function check(code: number, detail: string): void {
  if (code !== ErrorCode.NONE) throw kafkaError(code, detail)
}
