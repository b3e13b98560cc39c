import * as Flags from '@oclif/core/flags'
import {Admin} from '../../core/client/admin.js'
import {topicJson, type TopicJson} from '../../cli/json-shapes.js'
import {isInternalTopic} from '../../core/store/names.js'
import {LogpipeCommand} from '../../cli/base-command.js'

export default class TopicList extends LogpipeCommand<typeof TopicList> {
  static override summary = 'List topics, one per line.'
  static override description = 'Internal topics are those whose names start with __ (Kafka\'s own, Connect\'s and Streams\'); --exclude-internal leaves them out, as kafka-topics --list --exclude-internal does.'
  static override usage = 'topic list [FLAGS]'
  static override examples = ['<%= config.bin %> topic list', '<%= config.bin %> topic list --exclude-internal', '<%= config.bin %> topic list --json']
  static override flags = {
    'exclude-internal': Flags.boolean({summary: 'Leave out internal topics (names starting with __).'}),
  }

  async run(): Promise<TopicJson[]> {
    const topics = new Admin(this.store).listTopics().filter((t) => !(this.flags['exclude-internal'] && isInternalTopic(t.name)))
    if (topics.length > 0) this.say(topics.map((t) => t.name).join('\n'))
    return topics.map(topicJson)
  }
}
