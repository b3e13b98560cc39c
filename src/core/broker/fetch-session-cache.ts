/**
 * Incremental fetch sessions (KIP-227), as Kafka's FetchSession.scala
 * keeps them: a consumer or follower fetching many partitions names them
 * once, and later Fetches carry only what changed.
 *
 * A Fetch (v7+) says what it wants by (sessionId, sessionEpoch):
 * - (0, -1): no session, a full fetch (kafkajs, librdkafka 2.0, our client);
 * - (0 or an old id, 0): a full fetch that opens a session of its
 *   partitions (the old one is dropped); the answer carries the new id,
 *   or 0 when the cache is full;
 * - (id, -1): closes that session, and is a full fetch without one;
 * - (id, n > 0): incremental: the request's partitions are added to the
 *   session or update its fetch offsets and limits, `forgottenTopicsData`
 *   leaves it, and the Fetch covers every partition of the session. The
 *   answer lists only partitions with records, an error, or a changed high
 *   watermark or log start; the others are left out. An unknown id is
 *   FETCH_SESSION_ID_NOT_FOUND, an epoch other than the next one
 *   INVALID_FETCH_SESSION_EPOCH (the client then starts over with a full
 *   fetch). The epoch moves on when a request is taken, so a request sent
 *   twice is refused the second time.
 *
 * A partition that gave records moves to the end of its session, so a
 * response limit that cuts the answer short serves the others first next
 * time (Kafka does the same). The cache holds `max.incremental.fetch.session.cache.slots`
 * sessions (Kafka's default 1,000); when full, the session used longest ago
 * makes room if it has been idle 2 minutes, else the new one is not made.
 */
import type {BrokerContext} from './broker-context.js'

/** Kafka's defaults: max.incremental.fetch.session.cache.slots, and how long a session is kept before another may take its slot. */
export const DEFAULT_SESSION_SLOTS = 1000
export const SESSION_EVICTION_MS = 120_000

export const NO_SESSION = 0
/** sessionEpoch of a full fetch without a session, or of one closing its session. */
export const FINAL_EPOCH = -1
/** sessionEpoch of a full fetch that opens a session. */
export const INITIAL_EPOCH = 0

export interface SessionPartition {
  topic: string
  partition: number
  fetchOffset: number
  maxBytes: number
  currentLeaderEpoch: number
}

/** What a partition's answer told the client last: an unchanged partition is left out of an incremental answer. */
interface Cached extends SessionPartition {
  highWatermark: number
  logStartOffset: number
}

export interface FetchRequestParts {
  sessionId: number
  sessionEpoch: number
  topics: ReadonlyArray<{topic: string; partitions: ReadonlyArray<{partition: number; fetchOffset: bigint; partitionMaxBytes: number; currentLeaderEpoch: number}>}>
  forgottenTopicsData: ReadonlyArray<{topic: string; partitions: readonly number[]}>
}

export interface PartitionOutcome {
  topic: string
  partition: number
  errorCode: number
  highWatermark: number
  logStartOffset: number
  recordBytes: number
}

export class FetchSession {
  /** The epoch the next incremental request must carry. */
  epoch = 1
  lastUsedMs: number
  /** In fetch order; a Map keeps insertion order, and re-inserting moves a partition to the end. */
  readonly partitions = new Map<string, Cached>()

  constructor(
    readonly id: number,
    now: number,
  ) {
    this.lastUsedMs = now
  }

  /** The partitions, in the order they are fetched. */
  wanted(): SessionPartition[] {
    return [...this.partitions.values()]
  }

  /** Takes a full fetch's answers as the last the client saw (all were sent). */
  tookFull(outcomes: readonly PartitionOutcome[]): void {
    for (const o of outcomes) this.remember(o)
  }

  /**
   * Which answers of an incremental fetch go out (by index): those with
   * records, an error, or a high watermark or log start the client has not
   * been told. Partitions that gave records move to the end.
   */
  selectIncremental(outcomes: readonly PartitionOutcome[]): number[] {
    const chosen: number[] = []
    outcomes.forEach((o, i) => {
      if (this.remember(o)) chosen.push(i)
      if (o.recordBytes > 0) {
        const k = key(o.topic, o.partition)
        const c = this.partitions.get(k)
        if (c) {
          this.partitions.delete(k)
          this.partitions.set(k, c)
        }
      }
    })
    return chosen
  }

  /** Whether the client must hear of this partition; remembers what it is told. */
  private remember(o: PartitionOutcome): boolean {
    const c = this.partitions.get(key(o.topic, o.partition))
    if (!c) return true
    let must = o.recordBytes > 0
    if (c.highWatermark !== o.highWatermark) must = true
    if (c.logStartOffset !== o.logStartOffset) must = true
    c.highWatermark = o.highWatermark
    c.logStartOffset = o.logStartOffset
    if (o.errorCode !== 0) {
      // An error always goes out; and once it clears, the partition is sent again (Kafka sets its cached HW to -1).
      c.highWatermark = -1
      must = true
    }
    return must
  }
}

export type FetchContext =
  | {kind: 'sessionless'; wanted: SessionPartition[]}
  | {kind: 'full'; session: FetchSession | null; wanted: SessionPartition[]}
  | {kind: 'incremental'; session: FetchSession; wanted: SessionPartition[]}
  | {kind: 'error'; errorCode: 'FETCH_SESSION_ID_NOT_FOUND' | 'INVALID_FETCH_SESSION_EPOCH'}

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>()

  constructor(
    private readonly slots = DEFAULT_SESSION_SLOTS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.sessions.size
  }

  /** What a Fetch's (sessionId, sessionEpoch) and partitions make of it (see the file's comment). */
  newContext(req: FetchRequestParts): FetchContext {
    const requested = requestedPartitions(req)
    const now = this.now()
    if (req.sessionEpoch === FINAL_EPOCH) {
      if (req.sessionId !== NO_SESSION) this.sessions.delete(req.sessionId)
      return {kind: 'sessionless', wanted: requested}
    }
    if (req.sessionEpoch === INITIAL_EPOCH) {
      if (req.sessionId !== NO_SESSION) this.sessions.delete(req.sessionId)
      const session = this.create(now)
      if (session) for (const p of requested) session.partitions.set(key(p.topic, p.partition), {...p, highWatermark: -1, logStartOffset: -1})
      return {kind: 'full', session, wanted: requested}
    }
    const session = this.sessions.get(req.sessionId)
    if (!session || req.sessionEpoch < 0) return {kind: 'error', errorCode: 'FETCH_SESSION_ID_NOT_FOUND'}
    if (session.epoch !== req.sessionEpoch) return {kind: 'error', errorCode: 'INVALID_FETCH_SESSION_EPOCH'}
    for (const p of requested) {
      const k = key(p.topic, p.partition)
      const c = session.partitions.get(k)
      if (c) {
        c.fetchOffset = p.fetchOffset
        c.maxBytes = p.maxBytes
        c.currentLeaderEpoch = p.currentLeaderEpoch
      } else session.partitions.set(k, {...p, highWatermark: -1, logStartOffset: -1})
    }
    for (const t of req.forgottenTopicsData) for (const partition of t.partitions) session.partitions.delete(key(t.topic, partition))
    session.epoch = session.epoch === 0x7fffffff ? 1 : session.epoch + 1
    session.lastUsedMs = now
    // Most recently used last: eviction looks at the front.
    this.sessions.delete(session.id)
    this.sessions.set(session.id, session)
    return {kind: 'incremental', session, wanted: session.wanted()}
  }

  /** A new session, or null when every slot holds one used within SESSION_EVICTION_MS. */
  private create(now: number): FetchSession | null {
    if (this.slots <= 0) return null
    if (this.sessions.size >= this.slots) {
      const oldest = this.sessions.values().next().value as FetchSession
      if (now - oldest.lastUsedMs < SESSION_EVICTION_MS) return null
      this.sessions.delete(oldest.id)
    }
    let id: number
    do id = 1 + Math.floor(Math.random() * 0x7ffffffe)
    while (this.sessions.has(id))
    const session = new FetchSession(id, now)
    this.sessions.set(id, session)
    return session
  }
}

function key(topic: string, partition: number): string {
  return `${partition}\0${topic}`
}

function requestedPartitions(req: FetchRequestParts): SessionPartition[] {
  const out: SessionPartition[] = []
  for (const t of req.topics) {
    for (const p of t.partitions) {
      out.push({topic: t.topic, partition: p.partition, fetchOffset: Number(p.fetchOffset), maxBytes: p.partitionMaxBytes, currentLeaderEpoch: p.currentLeaderEpoch})
    }
  }
  return out
}

const caches = new WeakMap<BrokerContext, FetchSessionCache>()

/** The broker's session cache, made at its first Fetch (`-X max.incremental.fetch.session.cache.slots`, else Kafka's 1,000). */
export function fetchSessionsOf(broker: BrokerContext): FetchSessionCache {
  let cache = caches.get(broker)
  if (!cache) {
    cache = new FetchSessionCache(broker.config['max.incremental.fetch.session.cache.slots'] ?? DEFAULT_SESSION_SLOTS)
    caches.set(broker, cache)
  }
  return cache
}
