import * as Args from '@oclif/core/args'
import {ConnectTaskError, UsageError} from '../../core/errors.js'
import {readPropertiesFile} from '../../core/connect/runtime/java-properties.js'
import {StandaloneWorker} from '../../core/connect/runtime/standalone-worker.js'
import {LogpipeCommand} from '../../cli/base-command.js'

export default class ConnectStandalone extends LogpipeCommand<typeof ConnectStandalone> {
  static override usage = 'connect standalone WORKER.properties CONNECTOR.properties...'
  static override summary = "Run Kafka Connect connectors in this process, from Kafka's own .properties files."
  static override description = `Reads the worker file (key.converter, value.converter, *.converter.schemas.enable, offset.storage.file.filename, offset.flush.interval.ms, plugin.path) and one file per connector (name, connector.class, tasks.max, the connector's own keys, errors.*), checks them all, then runs every connector's tasks until Ctrl-C or SIGTERM, which stops them cleanly: sink tasks flush and commit as group connect-<name>, source offsets are written to the offsets file. Kafka's quickstart files work unchanged; bootstrap.servers and the other cluster keys are accepted and not used. Built in: FileStreamSource and FileStreamSink (org.apache.kafka.connect.file.*); a connector of your own is a JavaScript module on plugin.path. See docs/CONNECT.md.`
  static override examples = [
    '<%= config.bin %> connect standalone config/connect-standalone.properties config/connect-file-source.properties config/connect-file-sink.properties',
  ]
  static override enableJsonFlag = false
  static override strict = false
  static override args = {
    worker: Args.string({description: 'The worker .properties file.', required: true}),
    connector: Args.string({description: 'A connector .properties file (one or more).'}),
  }

  protected override createsStore(): boolean {
    return true
  }

  async run(): Promise<void> {
    const [workerFile, ...connectorFiles] = this.positional
    if (connectorFiles.length === 0) throw new UsageError('name at least one connector .properties file after the worker file', {hint: 'logpipe connect standalone WORKER.properties CONNECTOR.properties...'})
    const workerProps = readPropertiesFile(workerFile)
    const connectorProps = connectorFiles.map((f) => readPropertiesFile(f))
    const worker = await StandaloneWorker.start({store: this.store, workerProps, connectorProps, notice: this.notice})
    const names = worker.status().map((s) => `${s.name} (${s.type}, ${s.tasks.length} task${s.tasks.length === 1 ? '' : 's'})`)
    this.notice(`connect standalone: running ${names.join(', ')}; Ctrl-C stops`)
    let signals = 0
    const stop = (signal: NodeJS.Signals) => {
      signals++
      if (signals === 1) {
        void worker.stop()
        return
      }
      // A second signal while stopping: give up on the clean stop, as the signal would.
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      process.kill(process.pid, signal)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    try {
      await worker.tasksEnded()
      await worker.stop()
      // Every task ended without being asked: they all failed (each told above, the reasons in connect status).
      if (signals === 0) {
        const failed = worker.status().flatMap((s) => s.tasks.filter((t) => t.state === 'FAILED').map((t) => `${s.name}-${t.id}`))
        throw new ConnectTaskError(`every task has stopped: ${failed.length > 0 ? `${failed.join(', ')} FAILED` : 'none is left to run'}`, {hint: 'logpipe connect status NAME shows each reason'})
      }
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
  }
}
