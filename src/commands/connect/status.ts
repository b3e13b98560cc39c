import * as Args from '@oclif/core/args'
import {StatusStore} from '../../core/connect/runtime/status-store.js'
import {LogpipeCommand} from '../../cli/base-command.js'

export default class ConnectStatus extends LogpipeCommand<typeof ConnectStatus> {
  static override summary = "A connector's status, as Kafka Connect's GET /connectors/NAME/status answers it."
  static override usage = 'connect status NAME [FLAGS]'
  static override description =
    'Prints the JSON document Kafka Connect\'s REST API gives for the connector: {"name", "connector": {"state", "worker_id"}, "tasks": [{"id", "state", "worker_id", "trace"}], "type"}. A FAILED task carries its reason and stack in "trace". A connector whose worker is no longer running shows UNASSIGNED (a FAILED task stays FAILED). Exit 3 when no worker ever ran NAME here.'
  static override examples = ['<%= config.bin %> connect status local-file-source']
  static override enableJsonFlag = false
  static override args = {
    name: Args.string({description: 'The connector name.', required: true}),
  }

  async run(): Promise<void> {
    const status = new StatusStore(this.store.dataDir).status(this.args.name)
    process.stdout.write(JSON.stringify(status, null, 2) + '\n')
  }
}
