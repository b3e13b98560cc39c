/**
 * A group member's view of a remote broker (`consume -g --bootstrap-server`):
 * the coordinator by FindCoordinator, partition counts and pattern matches
 * by Metadata, and start offsets as Kafka's consumer picks them: the
 * committed offset (OffsetFetch) while it is within the log (ListOffsets),
 * else the explicit -o, else auto.offset.reset. A partition added after
 * the member first saw its topic starts at its start, as on the files
 * (group-member.ts startOffsetFor): every record in it came after.
 */
import type {TopicPartition} from '../group/assignors.js'
import type {AutoOffsetReset, GroupMemberOptions} from '../group/group-member.js'
import {ErrorCode, kafkaError} from '../wire/error-codes.js'
import {findCoordinator} from '../wire/messages/10-find-coordinator.js'
import type {FetchSession} from './fetch-session.js'
import type {KafkaClient} from './kafka-client.js'
import {type CommittedOffsets, DEFAULT_METADATA_MAX_AGE_MS, type GroupSource} from './wire-group-member.js'

export class RemoteGroupSource implements GroupSource {
  readonly dir = null
  readonly metadataMaxAgeMs = DEFAULT_METADATA_MAX_AGE_MS
  private readonly group: string
  private readonly client: KafkaClient
  private readonly session: FetchSession
  private readonly options: Pick<GroupMemberOptions, 'autoOffsetReset' | 'startWithoutCommit' | 'onNotice'>
  /** Partitions of each topic when this member first saw it. */
  private readonly firstSeen = new Map<string, number>()

  constructor(group: string, client: KafkaClient, session: FetchSession, options: Pick<GroupMemberOptions, 'autoOffsetReset' | 'startWithoutCommit' | 'onNotice'>) {
    this.group = group
    this.client = client
    this.session = session
    this.options = options
  }

  async coordinator(group: string): Promise<{host: string; port: number; options: KafkaClient['connectionOptions']}> {
    return this.client.retrying(async () => {
      const {response: r, version} = await this.client.request('any', findCoordinator, () => ({key: group, keyType: 0, coordinatorKeys: [group]}))
      const c = version >= 4 ? r.coordinators.find((x) => x.key === group) : {errorCode: r.errorCode, host: r.host, port: r.port}
      if (!c) throw kafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `FindCoordinator did not answer for group '${group}'`)
      if (c.errorCode !== ErrorCode.NONE) throw kafkaError(c.errorCode, `FindCoordinator, group '${group}'`)
      if (!(c.port > 0 && c.port < 65536) || c.host === '') throw kafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `FindCoordinator named ${c.host}:${c.port}`)
      return {host: c.host, port: c.port, options: this.client.connectionOptions}
    })
  }

  async partitionCounts(topics: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    if (topics.length === 0) return out
    const meta = await this.client.retrying(() => this.client.metadata(topics))
    for (const [name, t] of meta.topics) {
      if (t.errorCode !== ErrorCode.NONE) continue
      out.set(name, t.partitions.length)
      if (!this.firstSeen.has(name)) this.firstSeen.set(name, t.partitions.length)
    }
    return out
  }

  async matching(pattern: RegExp): Promise<string[]> {
    const meta = await this.client.retrying(() => this.client.metadata(null))
    return [...meta.topics.values()].filter((t) => t.errorCode === ErrorCode.NONE && !t.isInternal && pattern.test(t.name)).map((t) => t.name).sort()
  }

  async startOffsets(tps: TopicPartition[], committed: () => Promise<CommittedOffsets>): Promise<number[]> {
    if (tps.length === 0) return []
    const have = await committed()
    const unseen = [...new Set(tps.map((tp) => tp.topic))].filter((t) => !this.firstSeen.has(t))
    if (unseen.length > 0) await this.partitionCounts(unseen)
    const out = new Map<string, number>()
    const byTopic = new Map<string, number[]>()
    for (const tp of tps) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition])
    for (const [topic, ps] of byTopic) {
      const bounds = await this.session.logBounds(topic, ps)
      for (const [i, p] of ps.entries()) {
        const {start, end} = bounds[i]
        const key = `${topic}/${p}`
        const c = have.get(key) ?? -1
        if (c >= start && c <= end) {
          out.set(key, c)
          continue
        }
        if (c < 0 && p >= (this.firstSeen.get(topic) ?? Infinity)) {
          out.set(key, start)
          continue
        }
        if (c < 0 && this.options.startWithoutCommit) {
          out.set(key, (await this.session.resolve(topic, [p], this.options.startWithoutCommit))[0])
          continue
        }
        const reset = resetOf(this.options.autoOffsetReset, topic)
        if (c >= 0) this.options.onNotice?.(`group ${this.group}: committed offset ${c} of ${key} is outside the log (${start}..${end}); resetting to ${reset}`)
        out.set(key, reset === 'earliest' ? start : end)
      }
    }
    return tps.map((tp) => out.get(`${tp.topic}/${tp.partition}`)!)
  }
}

function resetOf(r: GroupMemberOptions['autoOffsetReset'], topic: string): AutoOffsetReset {
  const v = r ?? 'earliest'
  return typeof v === 'function' ? v(topic) : v
}
