import {stopOnSignals} from '../../cli/connect-worker.js'
import * as Args from '@oclif/core/args'
import {readPropertiesFile} from '../../core/connect/runtime/java-properties.js'
import {DistributedWorker} from '../../core/connect/runtime/distributed-worker.js'
import {serveWorker} from '../../core/connect/rest/serve-worker.js'
import {LogpipeCommand} from '../../cli/base-command.js'

export default class ConnectDistributed extends LogpipeCommand<typeof ConnectDistributed> {
  static override usage = 'connect distributed WORKER.properties'
  static override summary = 'Run a Kafka Connect worker of a group: the workers of one group.id share its connectors.'
  static override description =
    "Reads Kafka's distributed worker file (group.id, config.storage.topic, offset.storage.topic, status.storage.topic, key.converter, value.converter, plugin.path, listeners or rest.port, session.timeout.ms, heartbeat.interval.ms). The three topics are created compacted when missing (1, offset.storage.partitions=25 and status.storage.partitions=5 partitions). Connectors are made through the REST API (POST /connectors, or curl as with Kafka) on any worker of the group (requests Kafka's leader takes are forwarded to it). The group's leader assigns connectors and tasks over the live workers (connect.protocol: sessioned, the default, is incremental cooperative, with scheduled.rebalance.max.delay.ms=300000 before a departed worker's work moves; eager recomputes everything); a connector or task moves only once its last worker stopped it and flushed its offsets, and when a worker is killed the others take its tasks over from the offsets it flushed. Runs until Ctrl-C or SIGTERM. See docs/CONNECT.md."
  static override examples = ['<%= config.bin %> connect distributed config/connect-distributed.properties']
  static override enableJsonFlag = false
  static override args = {worker: Args.string({description: 'The worker .properties file.', required: true})}

  protected override createsStore(): boolean {
    return true
  }

  async run(): Promise<void> {
    const workerProps = readPropertiesFile(this.args.worker)
    const worker = await DistributedWorker.open({store: this.store, workerProps, notice: this.notice, version: this.config.version})
    const served = await serveWorker(worker, workerProps, this.store.dataDir, 'distributed', this.notice, worker.groupId)
    const signals = stopOnSignals(() => worker.stop())
    try {
      worker.workerId = served.workerId
      worker.url = served.url
      if (served.movedFrom !== null) this.notice(`port ${served.movedFrom} is in use; the REST API listens on ${served.url} instead`)
      await worker.join()
      this.notice(`connect distributed: worker ${served.workerId} of group ${worker.groupId}; REST API on ${served.url}; Ctrl-C stops`)
      await worker.tasksEnded()
    } finally {
      await worker.stop()
      await served.close()
      signals.dispose()
    }
  }
}
