/**
 * What `connect standalone` and `connect run` share: check everything,
 * put the REST API up (so the worker has its worker_id), start the
 * connectors, then run until Ctrl-C or SIGTERM (a clean stop; a second
 * signal gives up on it) or until every task has failed (exit 1, the
 * reasons in connect status).
 */
import {stopOnSignals} from './connect-worker.js'
import {ConnectTaskError} from '../core/errors.js'
import {StandaloneWorker} from '../core/connect/runtime/standalone-worker.js'
import {serveWorker} from '../core/connect/rest/serve-worker.js'
import type {Store} from '../core/store/store.js'

export async function runStandalone(o: {store: Store; workerProps: Record<string, string>; connectorProps: Record<string, string>[]; notice: (m: string) => void; what: string; version: string}): Promise<void> {
  const {worker, launch} = await StandaloneWorker.create({store: o.store, workerProps: o.workerProps, connectorProps: o.connectorProps, notice: o.notice, version: o.version})
  const served = await serveWorker(worker, o.workerProps, o.store.dataDir, 'standalone', o.notice)
  const signals = stopOnSignals(() => worker.stop())
  try {
    worker.workerId = served.workerId
    if (served.movedFrom !== null) o.notice(`port ${served.movedFrom} is in use; the REST API listens on ${served.url} instead`)
    await launch()
    const names = worker.status().map((s) => `${s.name} (${s.type}, ${s.tasks.length} task${s.tasks.length === 1 ? '' : 's'})`)
    o.notice(`${o.what}: running ${names.join(', ') || 'no connector yet'}; REST API on ${served.url}; Ctrl-C stops`)
    await worker.tasksEnded()
    await worker.stop()
    // Every task ended without being asked: they all failed (each told above, the reasons in connect status).
    if (signals.signals() === 0) {
      const failed = worker.failedTasks()
      throw new ConnectTaskError(`every task has stopped: ${failed.length > 0 ? `${failed.join(', ')} FAILED` : 'none is left to run'}`, {hint: 'logpipe connect status NAME shows each reason'})
    }
  } finally {
    await worker.stop()
    await served.close()
    signals.dispose()
  }
}
