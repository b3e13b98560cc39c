import * as Flags from '@oclif/core/flags'
import {Admin, type PartitionDescription} from '../../core/client/admin.js'
import {describeJson, type TopicDescriptionJson} from '../../cli/json-shapes.js'
import {UsageError} from '../../core/errors.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {adminBrokerFlags, openAdminClient, withClient} from '../../cli/broker-client.js'
import type {WireAdmin} from '../../core/client/wire-admin.js'
import {remoteDescribeJson} from '../../cli/json-shapes.js'
import type {KafkaClient} from '../../core/client/kafka-client.js'
import {optionalTopicArg} from '../../cli/flags.js'
import {isInternalTopic, validateTopicName} from '../../core/store/names.js'

export default class TopicDescribe extends LogpipeCommand<typeof TopicDescribe> {
  /** Reads the store and sets no signal handler (src/cli/main.ts). */
  static readsOnly = true
  static override summary = 'Show partitions, leaders and configs of topics, as kafka-topics --describe prints them.'
  static override description = `Without a topic every topic is described. Each topic is one line, then one line per partition, in kafka-topics' form so scripts that grep them port unchanged:

  Topic: T<TAB>TopicId: ID<TAB>PartitionCount: N<TAB>ReplicationFactor: R<TAB>Configs: k=v,...
  <TAB>Topic: T<TAB>Partition: P<TAB>Leader: L<TAB>Replicas: local<TAB>Isr: local

A replicated topic (--replication-factor above 1, over brokers) prints kafka-topics' own columns: the leader broker's id (none while no live broker leads), the replica assignment, and the in-sync replicas, e.g. Leader: 2<TAB>Replicas: 2,3,1<TAB>Isr: 1,2,3; --under-replicated-partitions and --unavailable-partitions print only the partition lines whose ISR is short, or that have no leader (as kafka-topics; --json keeps only those partitions too). For the rest, a file store has no brokers: the leader of a partition is the process holding its write lock, printed as pid:PID@HOST, or none (kafka-topics' word for no leader) when nobody is writing; its one copy is the store itself, printed as local in Replicas and Isr. --verbose adds logpipe's storage columns to each partition line: LogStartOffset (the first offset kept), LogEndOffset (the offset the next record gets), Records (records held, fewer than end minus start once compaction removed some), Segments and Bytes. --json gives all of it (one object for one topic, a list for several).`
  static override usage = 'topic describe [TOPIC...] [FLAGS]'
  static override examples = ['<%= config.bin %> topic describe orders', '<%= config.bin %> topic describe', '<%= config.bin %> topic describe --topic orders --verbose', '<%= config.bin %> topic describe orders --json']
  static override strict = false
  static override args = {topic: optionalTopicArg}
  static override flags = {
    topic: Flags.string({helpValue: 'TOPIC', summary: 'Topic to describe, as kafka-topics --topic (repeatable).', multiple: true, multipleNonGreedy: true}),
    verbose: Flags.boolean({char: 'v', summary: "Add logpipe's storage columns (log start and end, records, segments, bytes)."}),
    'under-replicated-partitions': Flags.boolean({summary: 'Only partitions whose ISR is smaller than their replicas (replicated topics), as kafka-topics.'}),
    'unavailable-partitions': Flags.boolean({summary: 'Only partitions without a leader, as kafka-topics.'}),
    'exclude-internal': Flags.boolean({summary: 'Leave out internal topics (names starting with __) when describing all.'}),
    ...adminBrokerFlags,
  }

  /** kafka-topics' partition filters; a store topic's one copy is always there and in sync, so neither shows it. */
  private shown(p: PartitionDescription): boolean {
    const under = this.flags['under-replicated-partitions']
    const unavailable = this.flags['unavailable-partitions']
    if (!under && !unavailable) return true
    const r = p.replication
    if (!r) return false
    return (under && r.isr.length < r.replicas.length) || (unavailable && r.leaderId === null)
  }

  async run(): Promise<unknown> {
    const named = [...new Set([...this.positional, ...(this.flags.topic ?? [])])].map(validateTopicName)
    if (named.length > 0 && this.flags['exclude-internal']) throw new UsageError('--exclude-internal goes with describing all topics, not named ones')
    const client = await openAdminClient(this.flags)
    if (client) return withClient(client, () => this.throughBroker(client, named))
    const admin = new Admin(this.store)
    const topics = named.length > 0 ? named : admin.listTopics().map((t) => t.name).filter((t) => !(this.flags['exclude-internal'] && isInternalTopic(t)))
    const descriptions = topics.map((t) => admin.describeTopic(t)).map((d) => ({...d, partitions: d.partitions.filter((p) => this.shown(p))}))
    const lines: string[] = []
    for (const d of descriptions) {
      const overrides = Object.entries(d.configOverrides).map(([k, v]) => `${k}=${v}`).join(',')
      // With a partition filter kafka-topics prints the matching partition lines alone.
      if (!this.flags['under-replicated-partitions'] && !this.flags['unavailable-partitions']) lines.push(`Topic: ${d.topic}\tTopicId: ${d.id}\tPartitionCount: ${d.partitions.length}\tReplicationFactor: ${d.replicationFactor}\tConfigs: ${overrides}`)
      for (const p of d.partitions) {
        const r = p.replication
        const leader = r ? (r.leaderId === null ? 'none' : String(r.leaderId)) : p.leader ? `pid:${p.leader.pid}@${p.leader.host}` : 'none'
        const replicas = r ? r.replicas.join(',') : 'local'
        const isr = r ? r.isr.join(',') : 'local'
        let line = `\tTopic: ${d.topic}\tPartition: ${p.partition}\tLeader: ${leader}\tReplicas: ${replicas}\tIsr: ${isr}`
        // kafka-topics' columns while a partition moves (topic reassign).
        if (r?.adding || r?.removing) line += `\tAdding Replicas: ${r.adding?.join(',') ?? ''}\tRemoving Replicas: ${r.removing?.join(',') ?? ''}`
        if (this.flags.verbose) line += `\tLogStartOffset: ${p.logStartOffset}\tLogEndOffset: ${p.logEndOffset}\tRecords: ${p.records}\tSegments: ${p.segments}\tBytes: ${p.bytes}`
        lines.push(line)
      }
    }
    if (lines.length > 0) this.say(lines.join('\n'))
    return named.length === 1 ? describeJson(descriptions[0]) : descriptions.map(describeJson)
  }

  /** kafka-topics' own lines: leader, replicas and ISR as broker ids; --verbose adds the log bounds ListOffsets gives. */
  private async throughBroker(client: KafkaClient, named: string[]): Promise<unknown> {
    const admin = new (await import('../../core/client/wire-admin.js')).WireAdmin(client)
    const topics = named.length > 0 ? named : (await admin.listTopics()).filter((t) => !(this.flags['exclude-internal'] && isInternalTopic(t)))
    const descriptions = []
    for (const t of topics) descriptions.push(await admin.describe(t))
    const lines: string[] = []
    for (const d of descriptions) {
      const overrides = Object.entries(d.config).map(([k, v]) => `${k}=${v}`).join(',')
      lines.push(`Topic: ${d.topic}\tTopicId: ${d.id}\tPartitionCount: ${d.partitions.length}\tReplicationFactor: ${d.replicationFactor}\tConfigs: ${overrides}`)
      for (const p of d.partitions) {
        let line = `\tTopic: ${d.topic}\tPartition: ${p.partition}\tLeader: ${p.leader >= 0 ? p.leader : 'none'}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}`
        if (this.flags.verbose) line += `\tLogStartOffset: ${p.logStartOffset}\tLogEndOffset: ${p.logEndOffset}`
        lines.push(line)
      }
    }
    if (lines.length > 0) this.say(lines.join('\n'))
    return named.length === 1 ? remoteDescribeJson(descriptions[0]) : descriptions.map(remoteDescribeJson)
  }
}
