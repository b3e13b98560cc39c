import * as Flags from '@oclif/core/flags'
import {Admin} from '../../core/client/admin.js'
import {LogpipeError} from '../../core/errors.js'
import {topicJson, type TopicJson} from '../../cli/json-shapes.js'
import {parseConfigPairs} from '../../core/log/log-config.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {adminBrokerFlags, openAdminClient, withClient} from '../../cli/broker-client.js'
import type {WireAdmin} from '../../core/client/wire-admin.js'
import {remoteTopicJson} from '../../cli/json-shapes.js'
import {chosenName, intFlag, optionalTopicArg, topicFlag} from '../../cli/flags.js'

export default class TopicCreate extends LogpipeCommand<typeof TopicCreate> {
  static override summary = 'Create a topic.'
  static override description = 'Creates the topic directory with one sub-directory per partition, each holding an empty first segment. The topic appears whole or not at all.'
  static override examples = [
    '<%= config.bin %> topic create orders --partitions 3',
    '<%= config.bin %> topic create users --config cleanup.policy=compact --if-not-exists',
  ]
  static override usage = 'topic create TOPIC [FLAGS]'
  static override args = {topic: optionalTopicArg}
  static override flags = {
    topic: topicFlag,
    partitions: intFlag({name: '--partitions', summary: 'Number of partitions.', min: 1, max: 10000, default: 1}),
    'replication-factor': intFlag({name: '--replication-factor', summary: 'Replicas per partition, spread over the live brokers as Kafka spreads them (above 1 needs that many brokers running).', min: 1, max: 100, default: 1}),
    config: Flags.string({summary: 'Topic config override key=value (repeatable).', multiple: true, multipleNonGreedy: true}),
    'if-not-exists': Flags.boolean({summary: 'Succeed quietly when the topic exists.'}),
    ...adminBrokerFlags,
  }

  protected override createsStore(): boolean {
    // Through a broker nothing local is made.
    return this.flags['bootstrap-server'] === undefined
  }

  private get topic(): string {
    return chosenName('topic', this.args.topic, this.flags.topic)
  }

  async run(): Promise<unknown> {
    const config = parseConfigPairs(this.flags.config ?? [])
    const client = await openAdminClient(this.flags)
    if (client) {
      return withClient(client, async () => {
        const admin = new (await import('../../core/client/wire-admin.js')).WireAdmin(client)
        const wanted = {name: this.topic, partitions: this.flags.partitions, replicationFactor: this.flags['replication-factor'], config: Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)]))}
        const created = await admin.createTopic(wanted, true)
        if (!created && !this.flags['if-not-exists']) throw new LogpipeError(`topic '${this.topic}' already exists`, {hint: 'use --if-not-exists to ignore this'})
        const d = await client.retrying(() => admin.describe(this.topic))
        if (created && !this.flags.quiet) this.say(`Created topic ${d.topic} with ${d.partitions.length} partition${d.partitions.length === 1 ? '' : 's'}.`)
        return {...remoteTopicJson(d), created}
      })
    }
    const admin = new Admin(this.store)
    const {created, topic} = admin.createTopic(this.topic, {
      partitions: this.flags.partitions,
      replicationFactor: this.flags['replication-factor'],
      config,
    })
    if (!created && !this.flags['if-not-exists']) {
      throw new LogpipeError(`topic '${this.topic}' already exists`, {hint: 'use --if-not-exists to ignore this'})
    }
    if (created && !this.flags.quiet) this.say(`Created topic ${topic.name} with ${topic.partitions} partition${topic.partitions === 1 ? '' : 's'}.`)
    return {...topicJson(topic), created}
  }
}
