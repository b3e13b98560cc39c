import {UsersFile} from '../../../core/broker/sasl/users-file.js'
import {LogpipeCommand} from '../../../cli/base-command.js'
import {table} from '../../../cli/style.js'

export interface BrokerUserListEntry {
  user: string
  mechanisms: string[]
  iterations: number
}

export default class BrokerUserList extends LogpipeCommand<typeof BrokerUserList> {
  static override usage = 'broker user list [FLAGS]'
  static override summary = 'List the users that may log in to brokers with SASL.'
  static override description = 'From security/users.json: each user with the mechanisms it may use and its SCRAM iterations.'
  static override examples = ['<%= config.bin %> broker user list', '<%= config.bin %> broker user list --json']

  async run(): Promise<BrokerUserListEntry[]> {
    const entries = [...new UsersFile(this.store.dataDir).read().values()].map((u) => ({
      user: u.name,
      mechanisms: u.mechanisms,
      iterations: Math.max(...Object.values(u.credentials).map((c) => c.iterations)),
    }))
    if (entries.length > 0) this.say(table(['USER', 'MECHANISMS', 'ITERATIONS'], entries.map((e) => [e.user, e.mechanisms.join(','), e.iterations])))
    return entries
  }
}
