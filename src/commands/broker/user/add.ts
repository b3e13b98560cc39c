import * as Flags from '@oclif/core/flags'
import * as Args from '@oclif/core/args'
import {SASL_MECHANISMS, type SaslMechanism, UsersFile} from '../../../core/broker/sasl/users-file.js'
import {MIN_ITERATIONS} from '../../../core/wire/sasl/scram.js'
import {LogpipeCommand} from '../../../cli/base-command.js'
import {intFlag} from '../../../cli/flags.js'
import {readPassword} from '../../../cli/password-input.js'

export interface BrokerUserAddResult {
  user: string
  mechanisms: string[]
  file: string
}

export default class BrokerUserAdd extends LogpipeCommand<typeof BrokerUserAdd> {
  static override usage = 'broker user add NAME [FLAGS]'
  static override summary = 'Add (or replace) a user that may log in to brokers with SASL.'
  static override description =
    'Reads the password from a prompt, or from the first line of stdin when it is not a terminal (never from the command line). Stores salted SCRAM credentials (salt, iterations, StoredKey, ServerKey) in security/users.json (mode 0600), never the password; a PLAIN login is checked against them. Brokers read the file at each login, so running ones see the change at once.'
  static override examples = [
    '<%= config.bin %> broker user add alice',
    'printf %s "$PASSWORD" | <%= config.bin %> broker user add alice --mechanism SCRAM-SHA-512',
  ]
  static override args = {name: Args.string({ignoreStdin: true, description: 'User name.', required: true})}
  static override flags = {
    mechanism: Flags.string({summary: 'A mechanism the user may log in with (repeatable; default all).', options: [...SASL_MECHANISMS], multiple: true}),
    iterations: intFlag({name: '--iterations', summary: 'SCRAM iterations (PBKDF2 rounds).', min: MIN_ITERATIONS, max: 1_000_000, default: MIN_ITERATIONS}),
  }

  protected override createsStore(): boolean {
    return true
  }

  async run(): Promise<BrokerUserAddResult> {
    const users = new UsersFile(this.store.dataDir)
    const mechanisms = (this.flags.mechanism ?? [...SASL_MECHANISMS]) as SaslMechanism[]
    const password = await readPassword(`Password for ${this.args.name}: `)
    const user = users.add(this.args.name, password, mechanisms, this.flags.iterations)
    this.say(`user ${user.name} may log in with ${user.mechanisms.join(', ')}`)
    return {user: user.name, mechanisms: user.mechanisms, file: users.path}
  }
}
