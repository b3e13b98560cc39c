import {join} from 'node:path'
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {UsageError} from '../../core/errors.js'
import {readPropertiesFile} from '../../core/connect/runtime/java-properties.js'
import {readConnectorJsonFile} from '../../core/connect/runtime/connector-json.js'
import {validateConnectorName} from '../../core/connect/runtime/status-store.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {runStandalone} from '../../cli/connect-standalone-run.js'

export default class ConnectRun extends LogpipeCommand<typeof ConnectRun> {
  static override usage = 'connect run CONFIG.json [--worker-config FILE] [FLAGS]'
  static override summary = "Run one connector from a JSON config in the REST API's shape, {\"name\", \"config\"}."
  static override description =
    'A standalone worker with one connector: CONFIG.json is the body a Kafka user POSTs to /connectors ({"name": ..., "config": {"connector.class": ..., ...}}; a flat map of settings with "name" works too). The worker settings come from --worker-config, else Kafka\'s defaults for a quick start: JsonConverter for keys and values (schemas.enable true), source offsets in <data-dir>/connect/offsets/NAME.offsets, flushed every 10 s. The REST API listens on --rest (else the worker file\'s listeners, else http://127.0.0.1:8083 or the next free port). Ctrl-C stops cleanly.'
  static override examples = ['<%= config.bin %> connect run file-sink.json', '<%= config.bin %> connect run file-source.json --worker-config config/connect-standalone.properties --rest 127.0.0.1:18083']
  static override enableJsonFlag = false
  static override args = {config: Args.string({description: 'The connector config (JSON).', required: true})}
  static override flags = {
    'worker-config': Flags.string({summary: 'A worker .properties file (converters, offsets file, plugin.path, listeners).', helpValue: 'FILE'}),
    rest: Flags.string({summary: 'Where the REST API listens (port 0: any free port).', helpValue: 'HOST:PORT'}),
  }

  protected override createsStore(): boolean {
    return true
  }

  async run(): Promise<void> {
    const connector = readConnectorJsonFile(this.args.config)
    if (connector.name) validateConnectorName(connector.name)
    const workerProps: Record<string, string> = this.flags['worker-config']
      ? readPropertiesFile(this.flags['worker-config'])
      : {
          'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'offset.storage.file.filename': join(this.store.dataDir, 'connect', 'offsets', `${connector.name ?? 'connector'}.offsets`),
          'offset.flush.interval.ms': '10000',
        }
    if (this.flags.rest !== undefined) {
      if (!/^(\[[^\]]+\]|[^:\s]*):\d{1,5}$/.test(this.flags.rest)) throw new UsageError(`--rest must be HOST:PORT, not '${this.flags.rest}'`)
      workerProps.listeners = `http://${this.flags.rest}`
      delete workerProps['rest.port']
    }
    await runStandalone({store: this.store, workerProps, connectorProps: [connector], notice: this.notice, version: this.config.version, what: 'connect run'})
  }
}
