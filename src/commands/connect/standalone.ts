import * as Args from '@oclif/core/args'
import {UsageError} from '../../core/errors.js'
import {readPropertiesFile} from '../../core/connect/runtime/java-properties.js'
import {readConnectorJsonFile} from '../../core/connect/runtime/connector-json.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {runStandalone} from '../../cli/connect-standalone-run.js'

export default class ConnectStandalone extends LogpipeCommand<typeof ConnectStandalone> {
  static override usage = 'connect standalone WORKER.properties CONNECTOR.properties|.json...'
  static override summary = "Run Kafka Connect connectors in this process, from Kafka's own .properties files."
  static override description = `Reads the worker file (key.converter, value.converter, *.converter.schemas.enable, offset.storage.file.filename, offset.flush.interval.ms, plugin.path, listeners or rest.port) and one file per connector (.properties: name, connector.class, tasks.max, the connector's own keys, errors.*; or .json in the REST API's {"name", "config"} shape), checks them all, then runs every connector's tasks until Ctrl-C or SIGTERM, which stops them cleanly: sink tasks flush and commit as group connect-<name>, source offsets are written to the offsets file. Serves Kafka Connect's REST API on listeners (default http://127.0.0.1:8083, or the next free port if that is taken), so curl, connect pause|resume|restart|stop|delete and tools that expect Connect work with it. Kafka's quickstart files work unchanged; bootstrap.servers and the other cluster keys are accepted and not used. Built in: FileStreamSource and FileStreamSink (org.apache.kafka.connect.file.*); a connector of your own is a JavaScript module on plugin.path. See docs/CONNECT.md.`
  static override examples = [
    '<%= config.bin %> connect standalone config/connect-standalone.properties config/connect-file-source.properties config/connect-file-sink.properties',
  ]
  static override enableJsonFlag = false
  static override strict = false
  static override args = {
    worker: Args.string({description: 'The worker .properties file.', required: true}),
    connector: Args.string({description: 'A connector .properties or .json file (one or more).'}),
  }

  protected override createsStore(): boolean {
    return true
  }

  async run(): Promise<void> {
    const [workerFile, ...connectorFiles] = this.positional
    if (connectorFiles.length === 0) throw new UsageError('name at least one connector .properties file after the worker file', {hint: 'logpipe connect standalone WORKER.properties CONNECTOR.properties...'})
    const workerProps = readPropertiesFile(workerFile)
    const connectorProps = connectorFiles.map((f) => (f.endsWith('.json') ? readConnectorJsonFile(f) : readPropertiesFile(f)))
    await runStandalone({store: this.store, workerProps, connectorProps, notice: this.notice, version: this.config.version, what: 'connect standalone'})
  }
}
