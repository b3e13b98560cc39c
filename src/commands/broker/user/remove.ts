import * as Args from '@oclif/core/args'
import {UsersFile} from '../../../core/broker/sasl/users-file.js'
import {LogpipeCommand} from '../../../cli/base-command.js'

export default class BrokerUserRemove extends LogpipeCommand<typeof BrokerUserRemove> {
  static override usage = 'broker user remove NAME [FLAGS]'
  static override summary = 'Remove a user; its next login fails (connections already logged in stay).'
  static override examples = ['<%= config.bin %> broker user remove alice']
  static override args = {name: Args.string({ignoreStdin: true, description: 'User name.', required: true})}

  async run(): Promise<{user: string}> {
    new UsersFile(this.store.dataDir).remove(this.args.name)
    this.say(`user ${this.args.name} removed`)
    return {user: this.args.name}
  }
}
