import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import type {ConnectorStatus} from '../../core/connect/runtime/status-store.js'
import {ConnectLifecycleCommand} from '../../cli/connect-lifecycle.js'
import {workerFlags} from '../../cli/connect-worker.js'
import {intFlag} from '../../cli/flags.js'

export default class ConnectRestart extends ConnectLifecycleCommand {
  static override usage = 'connect restart NAME [--include-tasks] [--only-failed] [FLAGS]'
  static override summary = "Restart a connector, and with --include-tasks its tasks (Kafka's POST /connectors/NAME/restart)."
  static override description =
    "Without flags only the connector instance restarts, as Kafka's plain POST does. --include-tasks restarts its tasks too, --only-failed only what is FAILED; then the worker answers with the status, what restarts marked RESTARTING (printed as JSON). --task N restarts one task (POST /connectors/NAME/tasks/N/restart)."
  static override examples = ['<%= config.bin %> connect restart local-file-sink', '<%= config.bin %> connect restart local-file-sink --include-tasks --only-failed', '<%= config.bin %> connect restart local-file-sink --task 0']
  static override args = {name: Args.string({description: 'The connector name.', required: true})}
  static override flags = {
    ...workerFlags,
    'include-tasks': Flags.boolean({summary: "Restart the connector's tasks too."}),
    'only-failed': Flags.boolean({summary: 'Restart only the connector and tasks that are FAILED.'}),
    task: intFlag({name: '--task', summary: 'Restart this one task instead.', min: 0}),
  }

  override async run(): Promise<Record<string, unknown>> {
    const name = this.args.name
    const f = this.flags as {'include-tasks'?: boolean; 'only-failed'?: boolean; task?: number}
    const base = `/connectors/${encodeURIComponent(name)}`
    if (f.task !== undefined) {
      await this.client(name).request('POST', `${base}/tasks/${f.task}/restart`)
      this.say(`task ${name}-${f.task}: restarted`)
      return {name, action: 'restart', task: f.task}
    }
    const q = new URLSearchParams()
    if (f['include-tasks']) q.set('includeTasks', 'true')
    if (f['only-failed']) q.set('onlyFailed', 'true')
    const r = await this.client(name).request('POST', `${base}/restart${q.size > 0 ? `?${q}` : ''}`)
    if (r.status === 202) this.say(JSON.stringify(r.body, null, 2))
    else this.say(`connector ${name}: restarted`)
    return {name, action: 'restart', ...(r.status === 202 ? {status: r.body as ConnectorStatus} : {})}
  }
}
