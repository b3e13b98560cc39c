/**
 * kafkajs's Consumer over a logpipe consumer group. The group's work
 * (members, assignment, ownership locks, fenced commits) is the CLI's
 * GroupConsumer and GroupMember; this adds kafkajs's run loop: fetch what
 * the owned partitions have, hand it to eachMessage or eachBatch one
 * partition batch at a time, and commit what the handlers resolved (never
 * what was only read), also when a partition is taken away or the
 * consumer stops.
 */
import {AsyncLocalStorage} from 'node:async_hooks'
import type {Assignment, Consumer as LogConsumer} from '../core/client/consumer.js'
import {GroupConsumer} from '../core/client/group-consumer.js'
import {liveMembers} from '../core/group/membership.js'
import {NotFoundError, RebalanceError, UsageError} from '../core/errors.js'
import type {Store} from '../core/store/store.js'
import {validateGroupName} from '../core/store/names.js'
import {type ClientContext, Connection} from './context.js'
import {InstrumentationEmitter, type InstrumentationEvent, type RemoveInstrumentationEventListener} from './events.js'
import {retrying} from './retry.js'
import type {KafkaMessage, MemberAssignment, TopicPartitionOffset, TopicPartitions} from './types.js'
import {
  CONSUMER_EVENTS,
  type CommitOffsetsPayload,
  type ConsumerConfig,
  type ConsumerEvents,
  type ConsumerRunConfig,
  type ConsumerSubscribeTopic,
  type ConsumerSubscribeTopics,
  type CrashPayload,
  type GroupJoinPayload,
  type OffsetsByTopicPartition,
} from './consumer-types.js'
import {batchOf, flatten, lag, offsetOf, splitKey, toMessage} from './consumer-messages.js'

/**
 * Shortest time between the commits that follow each fetch's batches: a
 * commit is a synced file write per partition, and committing after every
 * small fetch took a third of a consumer's time. A member that is stopped
 * or loses a partition commits at once; only a crash re-reads up to this much.
 */
const AFTER_FETCH_COMMIT_MS = 100

/** Most messages handed out per fetch, over all partitions. */
const FETCH_MAX_MESSAGES = 10_000

/** What the run loop knows of one owned partition. */
interface PartitionProgress {
  /** The next offset not yet handled: what a commit writes. */
  resolved: number
  /** A record was handled or the partition sought since it was assigned: only then is there something to commit. */
  touched: boolean
  committed: number | null
  /** Handled since the last commit (autoCommitThreshold). */
  uncommitted: number
  /** Taken away, sought or paused: the batch in progress stops. */
  stale: boolean
  inFlight: Promise<void> | null
}

interface FetchedBatch {
  assignment: Assignment
  messages: KafkaMessage[]
  highWatermark: number
}

const tpKey = (topic: string, partition: number) => `${topic}/${partition}`

export class Consumer {
  readonly events = CONSUMER_EVENTS
  private readonly connection: Connection
  private readonly emitter: InstrumentationEmitter
  private readonly groupId: string
  private readonly subscriptions: Array<{topic: string | RegExp; fromBeginning: boolean}> = []
  private group: GroupConsumer | null = null
  private runConfig: ConsumerRunConfig | null = null
  private running = false
  private loop: Promise<void> | null = null
  private readonly progress = new Map<string, PartitionProgress>()
  private readonly pausedSet = new Set<string>()
  private readonly seeks = new Map<string, number>()
  private lastCommitAt = 0
  private restartTimer: NodeJS.Timeout | null = null
  private joinedAt = 0
  /** Between run() and stop(): a crash may restart the run. */
  private active = false
  /**
   * Set while a handler runs, so a stop() or disconnect() from inside one
   * does not wait for the handler to return (which hangs kafkajs, its
   * issues #601 and #767). Disabled when the run ends: on Node 20 it costs
   * every promise of the process a hook.
   */
  private readonly inHandler = new AsyncLocalStorage<true>()
  private stopping: Promise<void> | null = null
  private readonly toldBackwards = new Set<string>()

  /** @internal Made by Logpipe.consumer(). */
  constructor(
    private readonly context: ClientContext,
    private readonly config: ConsumerConfig,
  ) {
    if (!config || typeof config.groupId !== 'string') throw new UsageError('consumer: groupId is required', {hint: "logpipe.consumer({groupId: 'my-group'})"})
    validateGroupName(config.groupId)
    this.groupId = config.groupId
    this.connection = new Connection(context, 'consumer')
    this.emitter = new InstrumentationEmitter(Object.values(CONSUMER_EVENTS), (e) => context.logger.error(`event listener failed: ${(e as Error).message}`))
  }

  on(event: ConsumerEvents['GROUP_JOIN'], listener: (event: InstrumentationEvent<GroupJoinPayload>) => void): RemoveInstrumentationEventListener
  on(event: ConsumerEvents['COMMIT_OFFSETS'], listener: (event: InstrumentationEvent<CommitOffsetsPayload>) => void): RemoveInstrumentationEventListener
  on(event: ConsumerEvents['CRASH'], listener: (event: InstrumentationEvent<CrashPayload>) => void): RemoveInstrumentationEventListener
  on(event: ConsumerEvents[keyof ConsumerEvents], listener: (event: InstrumentationEvent<unknown>) => void): RemoveInstrumentationEventListener
  on(event: string, listener: (event: InstrumentationEvent<never>) => void): RemoveInstrumentationEventListener {
    return this.emitter.on(event, listener)
  }

  async connect(): Promise<void> {
    this.connection.connect()
    this.emitter.emit(CONSUMER_EVENTS.CONNECT, null)
  }

  /** Adds topics (names, or patterns matched against the topics there now) to the subscription; before run(). */
  async subscribe(subscription: ConsumerSubscribeTopics | ConsumerSubscribeTopic): Promise<void> {
    this.connection.require('subscribe')
    if (this.running) throw new UsageError('consumer.subscribe(): cannot subscribe while the consumer is running', {hint: 'call stop(), subscribe, then run() again'})
    const topics = 'topics' in subscription ? subscription.topics : [subscription.topic]
    if (!Array.isArray(topics) || topics.length === 0) throw new UsageError('consumer.subscribe(): name at least one topic')
    for (const t of topics) {
      if (typeof t !== 'string' && !(t instanceof RegExp)) throw new UsageError(`consumer.subscribe(): ${JSON.stringify(t)} is neither a topic name nor a RegExp`)
      this.subscriptions.push({topic: t, fromBeginning: subscription.fromBeginning === true})
    }
  }

  /** Joins the group and starts handing out records; resolves once the member has joined. */
  async run(config: ConsumerRunConfig = {}): Promise<void> {
    const store = this.connection.require('run')
    if (this.stopping && !this.inHandler.getStore()) await this.stopping
    if (this.running) throw new UsageError('consumer.run(): the consumer is already running')
    if (!config.eachMessage && !config.eachBatch) throw new UsageError('consumer.run(): give it eachMessage or eachBatch')
    const concurrency = config.partitionsConsumedConcurrently ?? 1
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`consumer.run(): partitionsConsumedConcurrently must be a positive integer, not ${concurrency}`)
    const topics = this.resolveTopics(store)
    this.runConfig = config
    this.active = true
    try {
      await this.start(store, topics)
    } catch (error) {
      this.active = false
      throw error
    }
  }

  private resolveTopics(store: Store): Map<string, boolean> {
    if (this.subscriptions.length === 0) throw new UsageError('consumer.run(): subscribe to a topic first')
    const out = new Map<string, boolean>()
    const existing = store.listTopics()
    for (const s of this.subscriptions) {
      if (s.topic instanceof RegExp) {
        const pattern = s.topic
        for (const t of existing) if (pattern.test(t) && !out.has(t)) out.set(t, s.fromBeginning)
        continue
      }
      if (!store.topicExists(s.topic)) {
        if (this.config.allowAutoTopicCreation === false) {
          throw new NotFoundError(`topic '${s.topic}' does not exist`, {hint: 'create it with admin.createTopics(), or allow allowAutoTopicCreation'})
        }
        store.createTopic(s.topic, 1, 1, {})
      }
      if (!out.has(s.topic)) out.set(s.topic, s.fromBeginning)
    }
    return out
  }

  private async start(store: Store, topics: Map<string, boolean>): Promise<void> {
    const autoCommit = this.runConfig?.autoCommit !== false
    const started = Date.now()
    const group = new GroupConsumer(store, this.groupId, [...topics.keys()], {
      sessionTimeoutMs: this.config.sessionTimeout ?? 30_000,
      strategy: this.config.partitionAssigners?.[0] ?? 'range',
      autoOffsetReset: (topic) => (topics.get(topic) ? 'earliest' : 'latest'),
      clientId: this.context.clientId,
      onNotice: this.context.notice,
      handOn: async () => {},
      exec: {
        // A partition nothing was handed out of is not committed (kafkajs commits only resolved offsets).
        safePosition: (topic, partition) => {
          const p = this.progress.get(tpKey(topic, partition))
          return p?.touched ? p.resolved : null
        },
        release: async (topic, partition) => {
          const p = this.progress.get(tpKey(topic, partition))
          if (!p) return
          p.stale = true
          await p.inFlight
        },
        forget: (topic, partition) => {
          this.progress.delete(tpKey(topic, partition))
        },
      },
      commitOnRevoke: autoCommit,
      onAssignmentChange: (owned) => {
        const memberAssignment: MemberAssignment = {}
        for (const tp of owned) (memberAssignment[tp.topic] ??= []).push(tp.partition)
        for (const list of Object.values(memberAssignment)) list.sort((a, b) => a - b)
        const members = liveMembers(group.member.dir)
        const leaderId = members[0]?.memberId ?? group.member.memberId
        this.emitter.emit(CONSUMER_EVENTS.GROUP_JOIN, {
          duration: Date.now() - (this.joinedAt || started),
          groupId: this.groupId,
          isLeader: leaderId === group.member.memberId,
          leaderId,
          groupProtocol: this.config.partitionAssigners?.[0] ?? 'range',
          memberId: group.member.memberId,
          memberAssignment,
        } satisfies GroupJoinPayload)
        this.joinedAt = Date.now()
        group.consumer.interrupt()
      },
    })
    this.group = group
    this.running = true
    try {
      await group.start()
    } catch (error) {
      this.running = false
      this.group = null
      await group.close().catch(() => {})
      throw error
    }
    this.loop = this.runLoop(group).catch((error) => this.crash(store, topics, error))
  }

  private async runLoop(group: GroupConsumer): Promise<void> {
    const consumer = group.consumer
    while (this.running) {
      this.applySeeksAndPauses(consumer)
      const batches = this.fetch(consumer)
      if (batches.length === 0) {
        await consumer.waitForData()
        continue
      }
      await this.handle(group, batches)
      if (this.running) await this.commitIfNecessary(group, true)
    }
  }

  private applySeeksAndPauses(consumer: LogConsumer): void {
    for (const a of consumer.assignments) {
      const key = tpKey(a.topic, a.partition)
      a.paused = this.pausedSet.has(key)
      const to = this.seeks.get(key)
      if (to === undefined) continue
      this.seeks.delete(key)
      consumer.seek(a, {kind: 'absolute', offset: to})
      const p = this.progressOf(key, a.position)
      p.resolved = a.position
      p.touched = true
    }
  }

  private fetch(consumer: LogConsumer): FetchedBatch[] {
    const byAssignment = new Map<Assignment, FetchedBatch>()
    let count = 0
    consumer.poll(
      (a, r) => {
        let b = byAssignment.get(a)
        if (!b) {
          b = {assignment: a, messages: [], highWatermark: 0}
          byAssignment.set(a, b)
        }
        b.messages.push(toMessage(r))
        count++
      },
      () => count >= FETCH_MAX_MESSAGES,
    )
    const batches = [...byAssignment.values()]
    for (const b of batches) {
      b.highWatermark = b.assignment.reader.logEndOffset()
      const key = tpKey(b.assignment.topic, b.assignment.partition)
      const p = this.progressOf(key, Number(b.messages[0].offset))
      p.stale = false
    }
    return batches
  }

  private progressOf(key: string, start: number): PartitionProgress {
    let p = this.progress.get(key)
    if (!p) {
      p = {resolved: start, touched: false, committed: null, uncommitted: 0, stale: false, inFlight: null}
      this.progress.set(key, p)
    }
    return p
  }

  /** Hands the batches to the handler, partitionsConsumedConcurrently at a time. */
  private async handle(group: GroupConsumer, batches: FetchedBatch[]): Promise<void> {
    const config = this.runConfig!
    const queue = batches.map((b) => {
      const p = this.progress.get(tpKey(b.assignment.topic, b.assignment.partition))!
      let release!: () => void
      p.inFlight = new Promise<void>((resolve) => (release = resolve))
      return {b, p, release}
    })
    let failure: unknown = null
    const worker = async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        try {
          if (failure === null) await this.handleBatch(group, item.b, item.p, config)
        } catch (error) {
          failure ??= error
        } finally {
          this.reposition(group.consumer, item.b, item.p)
          item.p.inFlight = null
          item.release()
        }
      }
    }
    await Promise.all(Array.from({length: Math.min(config.partitionsConsumedConcurrently ?? 1, queue.length)}, worker))
    if (failure !== null) throw failure
  }

  /** What was fetched and not handled is read again from the first record not handled. */
  private reposition(consumer: LogConsumer, b: FetchedBatch, p: PartitionProgress): void {
    const last = Number(b.messages[b.messages.length - 1].offset)
    if (p.resolved > last || !consumer.assignments.includes(b.assignment)) return
    if (this.seeks.has(tpKey(b.assignment.topic, b.assignment.partition))) return
    consumer.seek(b.assignment, {kind: 'absolute', offset: p.resolved})
  }

  private async handleBatch(group: GroupConsumer, b: FetchedBatch, p: PartitionProgress, config: ConsumerRunConfig): Promise<void> {
    const {topic, partition} = b.assignment
    const key = tpKey(topic, partition)
    const stale = () => p.stale || !this.running || this.pausedSet.has(key) || this.seeks.has(key)
    const heartbeat = async () => group.member.heartbeat()
    const pause = () => {
      this.pause([{topic, partitions: [partition]}])
      return () => this.resume([{topic, partitions: [partition]}])
    }
    const retry = this.config.retry
    this.emitter.emit(CONSUMER_EVENTS.START_BATCH_PROCESS, {topic, partition, highWatermark: String(b.highWatermark), offsetLag: lag(b.highWatermark, b.messages.at(-1)!), batchSize: b.messages.length})
    if (config.eachMessage) {
      const each = config.eachMessage
      for (const message of b.messages) {
        if (stale()) break
        if (Number(message.offset) < p.resolved) continue
        // Handled is handled, even when the partition was taken away meanwhile: its last commit counts it.
        if (!(await retrying(retry, () => this.inHandler.run(true, () => each({topic, partition, message, heartbeat, pause})), stale))) break
        p.resolved = Number(message.offset) + 1
        p.touched = true
        p.uncommitted++
        await this.commitIfNecessary(group)
      }
    } else {
      const each = config.eachBatch!
      await retrying(retry, async () => {
        const messages = b.messages.filter((m) => Number(m.offset) >= p.resolved)
        if (messages.length === 0) return
        await this.inHandler.run(true, () => each({
          batch: batchOf(topic, partition, b.highWatermark, messages),
          resolveOffset: (offset) => {
            const next = Number(offset) + 1
            if (!p.stale && next > p.resolved) {
              p.uncommitted += next - p.resolved
              p.resolved = next
              p.touched = true
            }
          },
          heartbeat,
          pause,
          commitOffsetsIfNecessary: async (offsets) => {
            if (offsets) await this.commitOffsets(flatten(offsets))
            else await this.commitIfNecessary(group)
          },
          uncommittedOffsets: () => this.uncommitted(),
          isRunning: () => this.running,
          isStale: stale,
        }))
        if (config.eachBatchAutoResolve !== false && !stale()) {
          const next = Number(messages[messages.length - 1].offset) + 1
          if (next > p.resolved) {
            p.uncommitted += next - p.resolved
            p.resolved = next
            p.touched = true
          }
        }
      }, stale)
    }
    this.emitter.emit(CONSUMER_EVENTS.END_BATCH_PROCESS, {topic, partition, highWatermark: String(b.highWatermark), batchSize: b.messages.length})
  }

  private uncommitted(): OffsetsByTopicPartition {
    const byTopic = new Map<string, Array<{partition: number; offset: string}>>()
    for (const [key, p] of this.progress) {
      if (!p.touched || p.resolved === p.committed) continue
      const [topic, partition] = splitKey(key)
      const list = byTopic.get(topic) ?? []
      list.push({partition, offset: String(p.resolved)})
      byTopic.set(topic, list)
    }
    return {topics: [...byTopic].map(([topic, partitions]) => ({topic, partitions}))}
  }

  /**
   * kafkajs's autoCommit: between messages, a commit when autoCommitInterval
   * has passed or autoCommitThreshold records were handled; after each
   * fetch's batches (`afterFetch`), at most every AFTER_FETCH_COMMIT_MS;
   * at a stop (`'force'`), always.
   */
  private async commitIfNecessary(group: GroupConsumer, afterFetch: boolean | 'force' = false): Promise<void> {
    const config = this.runConfig
    if (!config || config.autoCommit === false) return
    const interval = config.autoCommitInterval ?? null
    const threshold = config.autoCommitThreshold ?? null
    const since = Date.now() - this.lastCommitAt
    const due = (interval !== null && since >= interval) || (threshold !== null && [...this.progress.values()].reduce((n, p) => n + p.uncommitted, 0) >= threshold)
    if (!due && !(afterFetch === 'force' || (afterFetch && since >= AFTER_FETCH_COMMIT_MS))) return
    this.lastCommitAt = Date.now()
    const entries: TopicPartitionOffset[] = []
    for (const [key, p] of this.progress) {
      if (!p.touched || p.resolved === p.committed) continue
      const [topic, partition] = splitKey(key)
      entries.push({topic, partition, offset: String(p.resolved)})
    }
    if (entries.length > 0) await this.commitWith(group, entries, false)
  }

  /** Commits the offsets given (each the next offset to read) for partitions this member owns. */
  async commitOffsets(offsets: TopicPartitionOffset[]): Promise<void> {
    this.connection.require('commitOffsets')
    const group = this.group
    if (!group) throw new UsageError('consumer.commitOffsets(): the consumer is not running', {hint: 'commit while run() is consuming, or use admin.setOffsets()'})
    for (const o of offsets) offsetOf(o.offset, 'commitOffsets')
    await this.commitWith(group, offsets, true)
  }

  private async commitWith(group: GroupConsumer, offsets: TopicPartitionOffset[], strict: boolean): Promise<void> {
    const done: TopicPartitionOffset[] = []
    for (const o of offsets) {
      const offset = Number(o.offset)
      const outcome = await group.member.commit({topic: o.topic, partition: o.partition}, offset)
      const p = this.progress.get(tpKey(o.topic, o.partition))
      if (outcome === 'fenced') {
        if (strict) {
          throw new RebalanceError(`cannot commit ${o.topic}/${o.partition}: this member of group '${this.groupId}' does not own it (now)`, {
            hint: 'commit only partitions handed to this member; after a rebalance its new owner commits them',
          })
        }
        continue
      }
      const key = tpKey(o.topic, o.partition)
      if (outcome === 'backwards' && !this.toldBackwards.has(key)) {
        // Said once per partition: after a seek back, every commit until the handler passes the committed offset is one.
        this.toldBackwards.add(key)
        this.context.logger.warn(`group ${this.groupId}: not committing ${o.topic}/${o.partition} back to ${offset}: a later offset is committed (only an admin reset moves it back)`)
      }
      if (p) {
        p.committed = offset
        p.uncommitted = 0
      }
      if (outcome === 'committed') done.push({topic: o.topic, partition: o.partition, offset: String(offset)})
    }
    if (done.length === 0) return
    const byTopic = new Map<string, Array<{partition: number; offset: string}>>()
    for (const d of done) byTopic.set(d.topic, [...(byTopic.get(d.topic) ?? []), {partition: d.partition, offset: d.offset}])
    this.emitter.emit(CONSUMER_EVENTS.COMMIT_OFFSETS, {
      groupId: this.groupId,
      memberId: group.member.memberId,
      groupGenerationId: 0,
      topics: [...byTopic].map(([topic, partitions]) => ({topic, partitions})),
    } satisfies CommitOffsetsPayload)
  }

  /** The next record handed out of the partition is the one at `offset` (clamped to the log); after run(). */
  seek({topic, partition, offset}: TopicPartitionOffset): void {
    this.connection.require('seek')
    if (!this.group) throw new UsageError('consumer.seek(): the consumer is not running', {hint: 'call seek after consumer.run()'})
    const to = offsetOf(offset, 'seek')
    this.seeks.set(tpKey(topic, partition), to)
    this.group.consumer.interrupt()
  }

  /** Stops handing out records of these partitions (all of a topic's without `partitions`) until resume(). */
  pause(topics: TopicPartitions[]): void {
    for (const tp of this.expand(topics, 'pause')) this.pausedSet.add(tp)
  }

  resume(topics: TopicPartitions[]): void {
    for (const tp of this.expand(topics, 'resume')) this.pausedSet.delete(tp)
    this.group?.consumer.interrupt()
  }

  paused(): Array<{topic: string; partitions: number[]}> {
    const byTopic = new Map<string, number[]>()
    for (const key of this.pausedSet) {
      const [topic, partition] = splitKey(key)
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition])
    }
    return [...byTopic].map(([topic, partitions]) => ({topic, partitions: partitions.sort((a, b) => a - b)}))
  }

  private expand(topics: TopicPartitions[], call: string): string[] {
    const store = this.connection.require(call)
    if (!Array.isArray(topics)) throw new UsageError(`consumer.${call}(): expects a list of {topic, partitions?}`)
    const out: string[] = []
    for (const {topic, partitions} of topics) {
      const list = partitions ?? Array.from({length: store.readTopic(topic).partitions}, (_, p) => p)
      for (const p of list) out.push(tpKey(topic, p))
    }
    return out
  }

  /** Stops the run: the batches in progress finish, resolved offsets are committed (autoCommit), and the member leaves the group. */
  async stop(): Promise<void> {
    this.active = false
    if (this.restartTimer) clearTimeout(this.restartTimer)
    this.restartTimer = null
    if (this.stopping) return this.inHandler.getStore() ? undefined : this.stopping
    const group = this.group
    if (!group) return
    this.running = false
    group.consumer.interrupt()
    const loop = this.loop
    this.stopping = (async () => {
      await loop
      // Committed here rather than only by the leave, so COMMIT_OFFSETS tells of it.
      if (this.group === group) await this.commitIfNecessary(group, 'force').catch((e) => this.context.logger.error(`group ${this.groupId}: commit at stop failed: ${(e as Error).message}`))
      await this.leave(group)
      this.emitter.emit(CONSUMER_EVENTS.STOP, null)
    })().finally(() => {
      this.stopping = null
    })
    // From inside a handler the loop ends only after the handler returns: the leave follows then, without holding the handler up.
    if (this.inHandler.getStore()) return
    await this.stopping
  }

  private async leave(group: GroupConsumer): Promise<void> {
    if (this.group !== group) return
    try {
      await group.close()
    } finally {
      this.group = null
      this.loop = null
      this.progress.clear()
      this.seeks.clear()
      this.toldBackwards.clear()
      this.inHandler.disable()
    }
  }

  async disconnect(): Promise<void> {
    await this.stop()
    this.connection.disconnect()
    this.emitter.emit(CONSUMER_EVENTS.DISCONNECT, null)
  }

  /** A handler that failed through its retries, or a read that failed: leave, say CRASH, and rejoin if the error is retriable (as kafkajs). */
  private async crash(store: Store, topics: Map<string, boolean>, error: unknown): Promise<void> {
    const group = this.group
    this.running = false
    if (group) await this.leave(group).catch((e) => this.context.logger.error(`group ${this.groupId}: leaving after a crash failed: ${(e as Error).message}`))
    const err = error instanceof Error ? error : new Error(String(error))
    this.context.logger.error(`group ${this.groupId}: consumer crashed: ${err.message}`)
    let restart = (err as {retriable?: boolean}).retriable === true
    if (restart && this.config.retry?.restartOnFailure) restart = await this.config.retry.restartOnFailure(err).catch(() => false)
    this.emitter.emit(CONSUMER_EVENTS.CRASH, {error: err, groupId: this.groupId, restart} satisfies CrashPayload)
    if (!restart) this.active = false
    if (!restart || !this.active) return
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null
      if (this.active && !this.running) {
        this.start(store, topics).catch((e) => this.crash(store, topics, e))
      }
    }, this.config.retry?.initialRetryTime ?? 300)
  }
}
