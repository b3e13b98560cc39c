import * as Flags from '@oclif/core/flags'
import {Admin} from '../../core/client/admin.js'
import {NotFoundError} from '../../core/errors.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {adminBrokerFlags, openAdminClient, withClient} from '../../cli/broker-client.js'
import type {WireAdmin} from '../../core/client/wire-admin.js'
import {chosenName, optionalTopicArg, topicFlag} from '../../cli/flags.js'

export default class TopicDelete extends LogpipeCommand<typeof TopicDelete> {
  static override summary = 'Delete a topic and all its records.'
  static override examples = ['<%= config.bin %> topic delete orders', '<%= config.bin %> topic delete maybe --if-exists']
  static override usage = 'topic delete TOPIC [FLAGS]'
  static override args = {topic: optionalTopicArg}
  static override flags = {
    topic: topicFlag,
    'if-exists': Flags.boolean({summary: 'Succeed quietly when the topic does not exist.'}),
    ...adminBrokerFlags,
  }

  private get topic(): string {
    return chosenName('topic', this.args.topic, this.flags.topic)
  }

  async run(): Promise<{topic: string; deleted: boolean}> {
    const client = await openAdminClient(this.flags)
    if (client) {
      return withClient(client, async () => {
        try {
          await new (await import('../../core/client/wire-admin.js')).WireAdmin(client).deleteTopic(this.topic)
        } catch (error) {
          if (this.flags['if-exists'] && error instanceof NotFoundError) return {topic: this.topic, deleted: false}
          throw error
        }
        if (!this.flags.quiet) this.say(`Deleted topic ${this.topic}.`)
        return {topic: this.topic, deleted: true}
      })
    }
    let store
    try {
      store = this.store
    } catch (error) {
      // No store at all: no such topic either, which --if-exists accepts (cleanup scripts run it first thing).
      if (this.flags['if-exists'] && error instanceof NotFoundError) return {topic: this.topic, deleted: false}
      throw error
    }
    const deleted = new Admin(store).deleteTopic(this.topic, {ifExists: this.flags['if-exists']})
    if (deleted && !this.flags.quiet) this.say(`Deleted topic ${this.topic}.`)
    return {topic: this.topic, deleted}
  }
}
