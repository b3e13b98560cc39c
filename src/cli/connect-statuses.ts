/**
 * The connectors' statuses for connect list and connect status: from the
 * worker named by --url / --worker-config alone (as curl would see them),
 * else from every worker running on this data directory, with the status
 * files for the connectors none of them runs (UNASSIGNED when their worker
 * is gone, a FAILED task still FAILED).
 */
import {ConnectWorkerUnreachableError, NotFoundError} from '../core/errors.js'
import {ConnectRestClient} from '../core/connect/rest/rest-client.js'
import {WorkerRegistry} from '../core/connect/rest/worker-registry.js'
import {type ConnectorStatus, StatusStore} from '../core/connect/runtime/status-store.js'
import {workerClient, type WorkerFlagValues} from './connect-worker.js'

export async function connectorStatuses(flags: WorkerFlagValues, dataDir: string | null): Promise<Map<string, ConnectorStatus>> {
  const out = new Map<string, ConnectorStatus>()
  if (flags.url || flags['worker-config']) {
    const {client} = workerClient(flags, dataDir)
    for (const [name, s] of Object.entries(await expanded(client))) out.set(name, s)
    return out
  }
  if (dataDir === null) return out
  for (const w of new WorkerRegistry(dataDir).live()) {
    try {
      for (const [name, s] of Object.entries(await expanded(new ConnectRestClient(w.url)))) if (!out.has(name)) out.set(name, s)
    } catch (error) {
      // A worker that is starting or going away: its status files answer for it.
      if (!(error instanceof ConnectWorkerUnreachableError)) throw error
    }
  }
  const files = new StatusStore(dataDir)
  for (const name of files.names()) {
    if (out.has(name)) continue
    try {
      out.set(name, files.status(name))
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error
    }
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

async function expanded(client: ConnectRestClient): Promise<Record<string, ConnectorStatus>> {
  const r = await client.request('GET', '/connectors?expand=status')
  const body = r.body as Record<string, {status?: ConnectorStatus}> | null
  const out: Record<string, ConnectorStatus> = {}
  for (const [name, v] of Object.entries(body ?? {})) if (v?.status) out[name] = v.status
  return out
}
