import {Admin} from '../../core/client/admin.js'
import type {TopicMeta} from '../../core/store/store.js'
import {LogpipeCommand} from '../../cli/base-command.js'

export default class TopicList extends LogpipeCommand<typeof TopicList> {
  static override summary = 'List topics, one per line.'
  static override examples = ['<%= config.bin %> topic list', '<%= config.bin %> topic list --json']

  async run(): Promise<TopicMeta[]> {
    const topics = new Admin(this.store).listTopics()
    if (topics.length > 0) this.say(topics.map((t) => t.name).join('\n'))
    return topics
  }
}
