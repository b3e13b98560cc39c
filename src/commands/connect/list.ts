import {LogpipeCommand} from '../../cli/base-command.js'
import {connectorStatuses} from '../../cli/connect-statuses.js'
import {workerFlags} from '../../cli/connect-worker.js'
import {table} from '../../cli/style.js'
import type {ConnectorStatus} from '../../core/connect/runtime/status-store.js'

export default class ConnectList extends LogpipeCommand<typeof ConnectList> {
  static override summary = 'List the connectors, with their state.'
  static override usage = 'connect list [--url URL] [--json] [FLAGS]'
  static override description =
    "Every connector a worker runs or has run on this data directory, with the state of the connector and its tasks as Kafka names them: RUNNING, PAUSED, STOPPED, FAILED, UNASSIGNED (no worker runs it now). Running workers are asked through their REST API; --url (or --worker-config) asks that worker alone, as curl would. --json prints Kafka's GET /connectors?expand=status document."
  static override examples = ['<%= config.bin %> connect list', '<%= config.bin %> connect list --url http://127.0.0.1:8083 --json']
  static override flags = {...workerFlags}

  async run(): Promise<Record<string, {status: ConnectorStatus}>> {
    let dataDir: string | null = null
    try {
      dataDir = this.store.dataDir
    } catch (error) {
      if (!this.flags.url && !this.flags['worker-config']) throw error
    }
    const statuses = await connectorStatuses(this.flags, dataDir)
    const rows = [...statuses.values()].map((s) => [s.name, s.type, s.connector.state, s.tasks.map((t) => `${t.id}:${t.state}`).join(' ') || '-'])
    if (rows.length > 0) this.say(table(['CONNECTOR', 'TYPE', 'STATE', 'TASKS'], rows))
    return Object.fromEntries([...statuses].map(([n, status]) => [n, {status}]))
  }
}
