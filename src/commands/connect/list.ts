import {StatusStore} from '../../core/connect/runtime/status-store.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {table} from '../../cli/style.js'

export default class ConnectList extends LogpipeCommand<typeof ConnectList> {
  static override summary = 'List the connectors run on this store, with their state.'
  static override usage = 'connect list [FLAGS]'
  static override description = 'Every connector a worker has run on this data directory (its config is kept under connect/connectors/), with the state of the connector and its tasks as Kafka names them: RUNNING, FAILED, UNASSIGNED (no worker runs it now).'
  static override examples = ['<%= config.bin %> connect list']
  static override enableJsonFlag = false

  async run(): Promise<void> {
    const statuses = new StatusStore(this.store.dataDir)
    const rows = statuses.names().map((name) => {
      const s = statuses.status(name)
      const tasks = s.tasks.map((t) => `${t.id}:${t.state}`).join(' ')
      return [name, s.type, s.connector.state, tasks || '-']
    })
    if (rows.length > 0) this.say(table(['CONNECTOR', 'TYPE', 'STATE', 'TASKS'], rows))
  }
}
