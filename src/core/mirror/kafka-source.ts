/**
 * A Kafka-protocol server as the mirror's source (a logpipe broker or a
 * Kafka cluster), through our client: the topics are the ones Metadata
 * lists whose whole name matches --include (looked at again every few
 * seconds, so topics created later are copied too), their configs come from
 * DescribeConfigs, their records from Fetch (the FetchSession the consumer
 * reads through, as `consume --bootstrap-server` does), and the progress
 * is a consumer group on the source: OffsetFetch at the start, OffsetCommit
 * (with the mirror-progress.ts metadata string) after the target
 * acknowledged, at the group's coordinator.
 *
 * The commits are those of a consumer that manages its own partitions
 * (generation -1, no member id: Kafka's assign() rather than subscribe()),
 * so one run copies every partition; two runs in one group would both copy
 * everything. A coordinator with live members in the group refuses such
 * commits, which ends the run with that error rather than copying twice.
 */
import {LogpipeError} from '../errors.js'
import type {TopicPartition} from '../group/assignors.js'
import type {CommitOutcome} from '../group/offset-store.js'
import {checkConfigValue, type ConfigOverrides} from '../log/log-config.js'
import {batchLastOffset, batchSize, checkBatch, CORRUPT, PARTIAL} from '../record/batch-header.js'
import {RecordReader} from '../record/record.js'
import {ErrorCode, kafkaError} from '../wire/error-codes.js'
import {fetch} from '../wire/messages/01-fetch.js'
import {offsetCommit} from '../wire/messages/08-offset-commit.js'
import {offsetFetch} from '../wire/messages/09-offset-fetch.js'
import {Consumer} from '../client/consumer.js'
import {FetchSession} from '../client/fetch-session.js'
import {KafkaClient, parseBootstrapServers} from '../client/kafka-client.js'
import {WireAdmin} from '../client/wire-admin.js'
import {WireGroupAdmin} from '../client/wire-group-admin.js'
import type {CommittedProgress, MirrorSource, MirrorSourceOptions} from './mirror-source.js'
import {tooFew} from './mirror-source.js'
import {MIRRORED_CONFIGS, type TopicShape} from './mirror-target.js'

/** How often the topic list is asked for again (Kafka's consumers look at a pattern's matches on each metadata refresh). */
const TOPIC_REFRESH_MS = 3000
/** Nothing a server says about a batch is believed past this. */
const MAX_BATCH_BYTES = 0x7fff_ffff
const SKIP_FETCH_BYTES = 8 << 20

export class KafkaSource implements MirrorSource {
  readonly consumer: Consumer
  readonly holdsItsAssignment = true
  private readonly session: FetchSession
  private readonly admin: WireAdmin
  private readonly groups: WireGroupAdmin
  /** Partitions assigned so far, by topic. */
  private readonly known = new Map<string, number>()
  private lastRefresh = 0

  /**
   * `client` for everything but the records, which come through
   * `fetching`'s own connections: a server answers a connection's requests
   * in order, so a Fetch held for max.wait.ms held every commit and lookup
   * behind it for as long (each partition's preparation took 0.5 s).
   */
  private constructor(
    private readonly client: KafkaClient,
    private readonly fetching: KafkaClient,
    private readonly options: MirrorSourceOptions,
  ) {
    this.session = new FetchSession(fetching, {onNotice: options.onNotice})
    this.consumer = new Consumer(null, [], {manual: true, partitionFactory: this.session, onNotice: options.onNotice})
    this.admin = new WireAdmin(client)
    this.groups = new WireGroupAdmin(client)
  }

  /** Connects to the servers; the mirror makes the source from its settings (see Mirror's constructor). */
  static async connect(servers: string, what = '--from'): Promise<(options: MirrorSourceOptions) => KafkaSource> {
    const bootstrap = parseBootstrapServers(servers, what)
    const client = await KafkaClient.connect({bootstrap, clientId: 'logpipe-mirror'})
    let fetching: KafkaClient
    try {
      fetching = await KafkaClient.connect({bootstrap, clientId: 'logpipe-mirror'})
    } catch (error) {
      client.close()
      throw error
    }
    return (options) => new KafkaSource(client, fetching, options)
  }

  async start(): Promise<void> {
    await this.assignNew()
  }

  async refresh(): Promise<void> {
    if (Date.now() - this.lastRefresh < TOPIC_REFRESH_MS) return
    await this.assignNew()
  }

  /** Every matching partition not assigned yet, from its committed offset or else the log start. */
  private async assignNew(): Promise<void> {
    this.lastRefresh = Date.now()
    const meta = await this.client.metadata(null)
    const topics = [...meta.topics.values()].filter((t) => !t.isInternal && t.errorCode === ErrorCode.NONE && this.options.include.test(t.name))
    for (const t of topics.sort((a, b) => a.name.localeCompare(b.name))) {
      const from = this.known.get(t.name) ?? 0
      const count = t.partitions.length
      if (count <= from) continue
      const partitions = Array.from({length: count - from}, (_, i) => from + i)
      const committed = await this.committedOffsets(t.name, partitions)
      const starts: number[] = []
      // Resolved (and the log bounds learnt) per partition: each starts at its own commit or at the log start.
      for (const p of partitions) {
        const c = committed.get(p)
        const [offset] = await this.session.resolve(t.name, [p], c === undefined ? {kind: 'beginning'} : {kind: 'absolute', offset: c.offset})
        starts.push(offset)
      }
      partitions.forEach((p, i) => this.consumer.assign(t.name, p, starts[i]))
      this.known.set(t.name, count)
    }
  }

  async close(): Promise<void> {
    this.session.close()
    this.consumer.close()
    this.fetching.close()
    this.client.close()
  }

  async shape(topic: string): Promise<TopicShape> {
    const meta = await this.admin.describeTopic(topic)
    const {overrides} = await this.admin.topicConfigs(topic)
    const config: ConfigOverrides = {}
    for (const key of MIRRORED_CONFIGS) {
      const raw = overrides[key]
      if (raw === undefined) continue
      // A server's value is not trusted to be one we take: what does not check is left to the target's default, and said.
      const checked = checkConfigValue(key, raw)
      if ('value' in checked) config[key] = checked.value as never
      else this.options.onNotice(`topic ${topic}: the source's ${key}=${raw} is not copied (${checked.problem})`)
    }
    return {partitions: meta.partitions.length, config}
  }

  async committed(tp: TopicPartition): Promise<CommittedProgress | null> {
    return (await this.committedOffsets(tp.topic, [tp.partition])).get(tp.partition) ?? null
  }

  /** OffsetFetch at the group's coordinator: the committed offset and metadata of each partition that has one. */
  private async committedOffsets(topic: string, partitions: number[]): Promise<Map<number, CommittedProgress>> {
    const group = this.options.group
    return this.client.retrying(async () => {
      const coordinator = await this.groups.coordinator(group)
      const {response, version} = await this.client.request(coordinator, offsetFetch, (v) =>
        v >= 8
          ? {groups: [{groupId: group, topics: [{name: topic, partitionIndexes: partitions}]}], requireStable: false}
          : {groupId: group, topics: [{name: topic, partitionIndexes: partitions}], requireStable: false},
      )
      const code = version >= 8 ? (response.groups[0]?.errorCode ?? ErrorCode.NONE) : response.errorCode
      if (code !== ErrorCode.NONE && code !== ErrorCode.GROUP_ID_NOT_FOUND) throw kafkaError(code, `OffsetFetch, group '${group}'`)
      const out = new Map<number, CommittedProgress>()
      for (const t of version >= 8 ? (response.groups[0]?.topics ?? []) : response.topics) {
        if (t.name !== topic) continue
        for (const p of t.partitions) {
          if (p.errorCode !== ErrorCode.NONE) throw kafkaError(p.errorCode, `OffsetFetch, group '${group}' topic '${topic}' partition ${p.partitionIndex}`)
          if (p.committedOffset >= 0n && p.committedOffset <= BigInt(Number.MAX_SAFE_INTEGER)) out.set(p.partitionIndex, {offset: Number(p.committedOffset), metadata: p.metadata})
        }
      }
      return out
    })
  }

  async commit(tp: TopicPartition, offset: number, metadata: string): Promise<CommitOutcome> {
    const group = this.options.group
    await this.client.retrying(async () => {
      const coordinator = await this.groups.coordinator(group)
      const {response} = await this.client.request(coordinator, offsetCommit, () => ({
        groupId: group,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [{name: tp.topic, partitions: [{partitionIndex: tp.partition, committedOffset: BigInt(offset), committedMetadata: metadata}]}],
      }))
      const p = response.topics[0]?.partitions[0]
      if (!p) throw new LogpipeError(`the broker did not answer OffsetCommit for group '${group}'`, {retriable: true})
      if (p.errorCode !== ErrorCode.NONE) throw kafkaError(p.errorCode, `OffsetCommit, group '${group}' topic '${tp.topic}' partition ${tp.partition}`)
    })
    return 'committed'
  }

  async skipRecords(tp: TopicPartition, from: number, count: number): Promise<number> {
    const records = new RecordReader()
    let left = count
    let position = from
    let offset = from
    while (left > 0) {
      const leader = await this.client.leaderOf(tp.topic, tp.partition)
      const {response} = await this.client.request(leader, fetch, () => ({
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: SKIP_FETCH_BYTES,
        isolationLevel: 0,
        topics: [{topic: tp.topic, partitions: [{partition: tp.partition, fetchOffset: BigInt(offset), currentLeaderEpoch: -1, logStartOffset: -1n, partitionMaxBytes: SKIP_FETCH_BYTES}]}],
      }))
      const p = response.responses[0]?.partitions[0]
      if (!p) throw new LogpipeError(`the broker did not answer a Fetch of topic '${tp.topic}' partition ${tp.partition}`)
      if (p.errorCode !== ErrorCode.NONE) throw kafkaError(p.errorCode, `topic '${tp.topic}' partition ${tp.partition}`)
      const b = p.records
      let moved = false
      for (let pos = 0; b && pos < b.length && left > 0; pos += batchSize(b, pos)) {
        const size = checkBatch(b, pos, b.length, MAX_BATCH_BYTES)
        if (size === PARTIAL) break
        if (size === CORRUPT) throw new LogpipeError(`topic ${tp.topic} partition ${tp.partition}: the broker sent a batch that is not valid (bad length, magic or CRC) at offset ${offset}`)
        offset = Math.max(offset, batchLastOffset(b, pos) + 1)
        moved = true
        records.open(b, pos)
        if (records.isControlBatch) continue
        while (left > 0 && records.next()) {
          if (records.offset < from) continue
          position = records.offset + 1
          left--
        }
      }
      if (!moved) break
    }
    if (left > 0) throw tooFew(tp, from, count, count - left)
    return position
  }
}
