import * as Flags from '@oclif/core/flags'
import {Admin} from '../../core/client/admin.js'
import {topicJson, type TopicJson} from '../../cli/json-shapes.js'
import {isInternalTopic} from '../../core/store/names.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {adminBrokerFlags, openAdminClient, withClient} from '../../cli/broker-client.js'
import type {WireAdmin} from '../../core/client/wire-admin.js'
import {remoteTopicJson} from '../../cli/json-shapes.js'

export default class TopicList extends LogpipeCommand<typeof TopicList> {
  /** Reads the store and sets no signal handler (src/cli/main.ts). */
  static readsOnly = true
  static override summary = 'List topics, one per line.'
  static override description = 'Internal topics are those whose names start with __ (Kafka\'s own, Connect\'s and Streams\'); --exclude-internal leaves them out, as kafka-topics --list --exclude-internal does.'
  static override usage = 'topic list [FLAGS]'
  static override examples = ['<%= config.bin %> topic list', '<%= config.bin %> topic list --exclude-internal', '<%= config.bin %> topic list --json']
  static override flags = {
    'exclude-internal': Flags.boolean({summary: 'Leave out internal topics (names starting with __).'}),
    ...adminBrokerFlags,
  }

  async run(): Promise<TopicJson[] | ReturnType<typeof remoteTopicJson>[]> {
    const client = await openAdminClient(this.flags)
    if (client) {
      return withClient(client, async () => {
        const admin = new (await import('../../core/client/wire-admin.js')).WireAdmin(client)
        const names = (await admin.listTopics()).filter((t) => !(this.flags['exclude-internal'] && isInternalTopic(t)))
        if (names.length > 0) this.say(names.join('\n'))
        if (!this.jsonEnabled()) return []
        const out = []
        for (const name of names) out.push(remoteTopicJson(await admin.describe(name)))
        return out
      })
    }
    const topics = new Admin(this.store).listTopics().filter((t) => !(this.flags['exclude-internal'] && isInternalTopic(t.name)))
    if (topics.length > 0) this.say(topics.map((t) => t.name).join('\n'))
    return topics.map(topicJson)
  }
}
