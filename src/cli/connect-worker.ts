/**
 * How the connect commands find the worker to talk to, as a Kafka user
 * points curl at one: --url, else the listener of --worker-config's file
 * (listeners / rest.port), else a worker running on this data directory
 * (the one that runs the connector asked about, else the oldest), else
 * Kafka's default http://127.0.0.1:8083.
 */
import * as Flags from '@oclif/core/flags'
import {UsageError} from '../core/errors.js'
import {readPropertiesFile} from '../core/connect/runtime/java-properties.js'
import {parseRestListener} from '../core/connect/rest/rest-config.js'
import {ConnectRestClient} from '../core/connect/rest/rest-client.js'
import {WorkerRegistry} from '../core/connect/rest/worker-registry.js'
import {StatusStore} from '../core/connect/runtime/status-store.js'

export const workerFlags = {
  url: Flags.string({summary: "The worker's REST API (default: a worker running on this data directory, else http://127.0.0.1:8083).", helpValue: 'http://HOST:PORT'}),
  'worker-config': Flags.string({summary: "The worker's .properties file: its listeners / rest.port tell where its REST API is.", helpValue: 'FILE'}),
}

export interface WorkerFlagValues {
  url?: string
  'worker-config'?: string
}

/** The REST client for the worker, and whether it was named (--url, --worker-config) rather than guessed. */
export function workerClient(flags: WorkerFlagValues, dataDir: string | null, connector?: string): {client: ConnectRestClient; named: boolean} {
  if (flags.url) {
    if (!/^http:\/\/[^/\s]+\/?$/.test(flags.url)) throw new UsageError(`--url must be http://HOST:PORT, not '${flags.url}'`)
    return {client: new ConnectRestClient(flags.url), named: true}
  }
  if (flags['worker-config']) {
    const l = parseRestListener(readPropertiesFile(flags['worker-config']))
    const host = l.host === '0.0.0.0' || l.host === '::' ? '127.0.0.1' : l.host.includes(':') ? `[${l.host}]` : l.host
    return {client: new ConnectRestClient(`http://${host}:${l.port}`), named: true}
  }
  const live = dataDir ? new WorkerRegistry(dataDir).live() : []
  if (connector && dataDir && live.length > 1) {
    let runsIt: string | null = null
    try {
      runsIt = new StatusStore(dataDir).status(connector).connector.worker_id
    } catch {
      // Not known here: any worker may answer (a distributed one forwards).
    }
    const w = live.find((x) => x.worker_id === runsIt)
    if (w) return {client: new ConnectRestClient(w.url), named: true}
  }
  if (live.length > 0) return {client: new ConnectRestClient(live[0].url), named: true}
  return {client: new ConnectRestClient('http://127.0.0.1:8083'), named: false}
}

/**
 * A running worker's Ctrl-C and SIGTERM: the first stops it cleanly (tasks
 * commit, offsets flush), a second ends the process by that signal.
 * `signals()` says how many came; `dispose()` stops listening.
 */
export function stopOnSignals(stop: () => Promise<void>): {signals: () => number; dispose: () => void} {
  let count = 0
  const onSignal = (signal: NodeJS.Signals) => {
    count++
    if (count === 1) {
      void stop()
      return
    }
    dispose()
    process.kill(process.pid, signal)
  }
  const dispose = () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {signals: () => count, dispose}
}
