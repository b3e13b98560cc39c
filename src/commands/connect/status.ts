import * as Args from '@oclif/core/args'
import {NotFoundError} from '../../core/errors.js'
import type {ConnectorStatus} from '../../core/connect/runtime/status-store.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {connectorStatuses} from '../../cli/connect-statuses.js'
import {workerFlags} from '../../cli/connect-worker.js'

export default class ConnectStatus extends LogpipeCommand<typeof ConnectStatus> {
  static override summary = "A connector's status, as Kafka Connect's GET /connectors/NAME/status answers it."
  static override usage = 'connect status NAME [--url URL] [FLAGS]'
  static override description =
    'Prints the JSON document Kafka Connect\'s REST API gives for the connector: {"name", "connector": {"state", "worker_id"}, "tasks": [{"id", "state", "worker_id", "trace"}], "type"}. A FAILED task carries its reason and stack in "trace". A running worker is asked through its REST API (--url names one); a connector whose worker is no longer running shows UNASSIGNED (a FAILED task stays FAILED). Exit 3 when the connector is not known.'
  static override examples = ['<%= config.bin %> connect status local-file-source']
  static override args = {
    name: Args.string({description: 'The connector name.', required: true}),
  }

  static override flags = {...workerFlags}

  async run(): Promise<ConnectorStatus> {
    let dataDir: string | null = null
    try {
      dataDir = this.store.dataDir
    } catch (error) {
      if (!this.flags.url && !this.flags['worker-config']) throw error
    }
    const status = (await connectorStatuses(this.flags, dataDir)).get(this.args.name)
    if (!status) throw new NotFoundError(`connector ${this.args.name} not found`, {hint: 'logpipe connect list shows the connectors'})
    if (!this.jsonEnabled()) process.stdout.write(JSON.stringify(status, null, 2) + '\n')
    return status
  }
}
