/**
 * Puts a worker's REST API up: listens where the worker file says (see
 * rest-config.ts), names the worker as Kafka does (its advertised
 * host:port is its worker_id), and registers it under connect/workers/ so
 * the CLI finds it. close() takes it down and unregisters.
 */
import type {Herder} from '../runtime/herder.js'
import {connectResources} from './connect-resources.js'
import {parseRestListener} from './rest-config.js'
import {RestServer} from './rest-server.js'
import {WorkerRegistry} from './worker-registry.js'

export interface ServedWorker {
  url: string
  workerId: string
  /** Set when the default port was taken and the next free one used. */
  movedFrom: number | null
  close(): Promise<void>
}

export async function serveWorker(herder: Herder, workerProps: Record<string, string>, dataDir: string, kind: 'standalone' | 'distributed', notice: (m: string) => void, group?: string): Promise<ServedWorker> {
  const listener = parseRestListener(workerProps)
  const server = new RestServer(connectResources(herder), notice)
  const {host, port} = await server.listen(listener)
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  const url = `http://${reachable}:${port}`
  const workerId = `${listener.advertisedHost ?? reachable}:${listener.advertisedPort ?? port}`
  const unregister = new WorkerRegistry(dataDir).register({worker_id: workerId, url, kind, ...(group ? {group} : {})})
  return {
    url,
    workerId,
    movedFrom: port !== listener.port && listener.port !== 0 ? listener.port : null,
    close: async () => {
      unregister()
      await server.close()
    },
  }
}
