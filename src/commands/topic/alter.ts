import * as Flags from '@oclif/core/flags'
import {Admin} from '../../core/client/admin.js'
import {UsageError} from '../../core/errors.js'
import {topicJson, type TopicJson} from '../../cli/json-shapes.js'
import {parseConfigPairs} from '../../core/log/log-config.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {adminBrokerFlags, openAdminClient, withClient} from '../../cli/broker-client.js'
import type {WireAdmin} from '../../core/client/wire-admin.js'
import {remoteTopicJson} from '../../cli/json-shapes.js'
import {chosenName, intFlag, optionalTopicArg, topicFlag} from '../../cli/flags.js'

export default class TopicAlter extends LogpipeCommand<typeof TopicAlter> {
  static override summary = 'Add partitions or change config overrides.'
  static override description = 'Partition counts only grow, as in Kafka: keyed records of existing keys may map to new partitions afterwards.'
  static override examples = [
    '<%= config.bin %> topic alter orders --partitions 6',
    '<%= config.bin %> topic alter orders --config retention.ms=3600000 --delete-config segment.bytes',
  ]
  static override usage = 'topic alter TOPIC [FLAGS]'
  static override args = {topic: optionalTopicArg}
  static override flags = {
    topic: topicFlag,
    partitions: intFlag({name: '--partitions', summary: 'New partition count (only grows).', min: 1, max: 10000}),
    config: Flags.string({summary: 'Set a config override key=value (repeatable).', multiple: true, multipleNonGreedy: true}),
    'delete-config': Flags.string({summary: 'Remove a config override (repeatable).', multiple: true, multipleNonGreedy: true}),
    ...adminBrokerFlags,
  }

  private get topic(): string {
    return chosenName('topic', this.args.topic, this.flags.topic)
  }

  async run(): Promise<unknown> {
    const {partitions, config = [], 'delete-config': remove = []} = this.flags
    if (partitions === undefined && config.length === 0 && remove.length === 0) {
      throw new UsageError('nothing to change', {hint: 'give --partitions, --config or --delete-config'})
    }
    const client = await openAdminClient(this.flags)
    if (client) {
      return withClient(client, async () => {
        const admin = new (await import('../../core/client/wire-admin.js')).WireAdmin(client)
        const set = Object.fromEntries(Object.entries(parseConfigPairs(config)).map(([k, v]) => [k, String(v)]))
        await admin.alterTopic(this.topic, {partitions, set, delete: remove})
        const d = await admin.describe(this.topic)
        if (!this.flags.quiet) this.say(`Altered topic ${d.topic}: ${d.partitions.length} partitions, configs ${JSON.stringify(d.config)}.`)
        return remoteTopicJson(d)
      })
    }
    const meta = new Admin(this.store).alterTopic(this.topic, {partitions, set: parseConfigPairs(config), delete: remove})
    if (!this.flags.quiet) this.say(`Altered topic ${meta.name}: ${meta.partitions} partitions, configs ${JSON.stringify(meta.config)}.`)
    return topicJson(meta)
  }
}
