import * as Flags from '@oclif/core/flags'
import {Admin} from '../../core/client/admin.js'
import {describeJson, type TopicDescriptionJson} from '../../cli/json-shapes.js'
import {UsageError} from '../../core/errors.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {adminBrokerFlags, openAdminClient, withClient} from '../../cli/broker-client.js'
import {WireAdmin} from '../../core/client/wire-admin.js'
import {remoteDescribeJson} from '../../cli/json-shapes.js'
import type {KafkaClient} from '../../core/client/kafka-client.js'
import {optionalTopicArg} from '../../cli/flags.js'
import {isInternalTopic, validateTopicName} from '../../core/store/names.js'

export default class TopicDescribe extends LogpipeCommand<typeof TopicDescribe> {
  static override summary = 'Show partitions, leaders and configs of topics, as kafka-topics --describe prints them.'
  static override description = `Without a topic every topic is described. Each topic is one line, then one line per partition, in kafka-topics' form so scripts that grep them port unchanged:

  Topic: T<TAB>TopicId: ID<TAB>PartitionCount: N<TAB>ReplicationFactor: R<TAB>Configs: k=v,...
  <TAB>Topic: T<TAB>Partition: P<TAB>Leader: L<TAB>Replicas: local<TAB>Isr: local

A file store has no brokers: the leader of a partition is the process holding its write lock, printed as pid:PID@HOST, or none (kafka-topics' word for no leader) when nobody is writing; its one copy is the store itself, printed as local in Replicas and Isr. --verbose adds logpipe's storage columns to each partition line: LogStartOffset (the first offset kept), LogEndOffset (the offset the next record gets), Records (records held, fewer than end minus start once compaction removed some), Segments and Bytes. --json gives all of it (one object for one topic, a list for several).`
  static override usage = 'topic describe [TOPIC...] [FLAGS]'
  static override examples = ['<%= config.bin %> topic describe orders', '<%= config.bin %> topic describe', '<%= config.bin %> topic describe --topic orders --verbose', '<%= config.bin %> topic describe orders --json']
  static override strict = false
  static override args = {topic: optionalTopicArg}
  static override flags = {
    topic: Flags.string({helpValue: 'TOPIC', summary: 'Topic to describe, as kafka-topics --topic (repeatable).', multiple: true, multipleNonGreedy: true}),
    verbose: Flags.boolean({char: 'v', summary: "Add logpipe's storage columns (log start and end, records, segments, bytes)."}),
    'exclude-internal': Flags.boolean({summary: 'Leave out internal topics (names starting with __) when describing all.'}),
    ...adminBrokerFlags,
  }

  async run(): Promise<unknown> {
    const named = [...new Set([...this.positional, ...(this.flags.topic ?? [])])].map(validateTopicName)
    if (named.length > 0 && this.flags['exclude-internal']) throw new UsageError('--exclude-internal goes with describing all topics, not named ones')
    const client = await openAdminClient(this.flags)
    if (client) return withClient(client, () => this.throughBroker(client, named))
    const admin = new Admin(this.store)
    const topics = named.length > 0 ? named : admin.listTopics().map((t) => t.name).filter((t) => !(this.flags['exclude-internal'] && isInternalTopic(t)))
    const descriptions = topics.map((t) => admin.describeTopic(t))
    const lines: string[] = []
    for (const d of descriptions) {
      const overrides = Object.entries(d.configOverrides).map(([k, v]) => `${k}=${v}`).join(',')
      lines.push(`Topic: ${d.topic}\tTopicId: ${d.id}\tPartitionCount: ${d.partitions.length}\tReplicationFactor: ${d.replicationFactor}\tConfigs: ${overrides}`)
      for (const p of d.partitions) {
        const leader = p.leader ? `pid:${p.leader.pid}@${p.leader.host}` : 'none'
        let line = `\tTopic: ${d.topic}\tPartition: ${p.partition}\tLeader: ${leader}\tReplicas: local\tIsr: local`
        if (this.flags.verbose) line += `\tLogStartOffset: ${p.logStartOffset}\tLogEndOffset: ${p.logEndOffset}\tRecords: ${p.records}\tSegments: ${p.segments}\tBytes: ${p.bytes}`
        lines.push(line)
      }
    }
    if (lines.length > 0) this.say(lines.join('\n'))
    return named.length === 1 ? describeJson(descriptions[0]) : descriptions.map(describeJson)
  }

  /** kafka-topics' own lines: leader, replicas and ISR as broker ids; --verbose adds the log bounds ListOffsets gives. */
  private async throughBroker(client: KafkaClient, named: string[]): Promise<unknown> {
    const admin = new WireAdmin(client)
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
