/**
 * Where a worker's REST API listens (Kafka's RestServerConfig): `listeners`
 * (a comma-separated list of http://HOST:PORT; the first is served), else
 * the old `rest.host.name` / `rest.port`, else http://127.0.0.1:8083 — and
 * then, since the default was not asked for, the next free port when 8083
 * is taken (as `broker start` does with 9092). An empty host binds every
 * interface, as in Kafka. `rest.advertised.host.name` and
 * `rest.advertised.port` name the worker (its worker_id), as in Kafka.
 */
import {ConnectConfigError} from '../../errors.js'

export interface RestListener {
  host: string
  port: number
  /** The port was given: taken means an error, not the next free one. */
  explicit: boolean
  advertisedHost: string | null
  advertisedPort: number | null
}

export const DEFAULT_REST_PORT = 8083
export const REST_KEYS = new Set(['listeners', 'rest.host.name', 'rest.port', 'rest.advertised.host.name', 'rest.advertised.port', 'rest.advertised.listener'])

export function parseRestListener(props: Record<string, string>): RestListener {
  const advertisedHost = props['rest.advertised.host.name']?.trim() || null
  const advertisedPort = props['rest.advertised.port']?.trim() ? port(props['rest.advertised.port'], 'rest.advertised.port') : null
  const listeners = props.listeners?.trim()
  if (listeners) {
    const first = listeners.split(',')[0].trim()
    const m = /^([A-Za-z]+):\/\/(\[[^\]]*\]|[^:/]*):(\d+)\/?$/.exec(first)
    if (!m) throw new ConnectConfigError(`invalid value ${first} for configuration listeners: expected http://HOST:PORT`)
    if (m[1].toLowerCase() !== 'http') throw new ConnectConfigError(`listeners: ${first}: logpipe's worker serves http only`, {hint: 'put a TLS proxy in front of it, or use http://127.0.0.1:PORT'})
    const host = m[2].replace(/^\[|\]$/g, '')
    return {host: host === '' ? '0.0.0.0' : host, port: port(m[3], 'listeners'), explicit: true, advertisedHost, advertisedPort}
  }
  const hostName = props['rest.host.name']?.trim()
  if (props['rest.port']?.trim()) return {host: hostName || '0.0.0.0', port: port(props['rest.port'], 'rest.port'), explicit: true, advertisedHost, advertisedPort}
  return {host: hostName || '127.0.0.1', port: DEFAULT_REST_PORT, explicit: false, advertisedHost, advertisedPort}
}

function port(text: string, key: string): number {
  const n = Number(text.trim())
  if (!/^\d+$/.test(text.trim()) || n > 65535) throw new ConnectConfigError(`invalid value ${text} for configuration ${key}: expected a port number 0..65535`)
  return n
}
