/**
 * `--listen HOST:PORT`: parsed, and refused off loopback. A broker has no
 * authentication yet (SASL and TLS are a later step), so anything that
 * could reach it from another machine could read and write every topic.
 */
import {isIP} from 'node:net'
import {UsageError} from '../errors.js'

export const DEFAULT_LISTEN = {host: '127.0.0.1', port: 9092}

export interface ListenAddress {
  host: string
  port: number
}

export function parseListenAddress(text: string): ListenAddress {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text)
  const port = m ? Number(m[2]) : NaN
  if (!m || port > 65535) throw new UsageError(`--listen expects HOST:PORT (e.g. 127.0.0.1:9092, [::1]:9092), not '${text}'`)
  const host = m[1]
  if (!isLoopback(host)) {
    throw new UsageError(`--listen ${text}: a broker listens on loopback only until authentication is configured, which this version cannot do yet (SASL and TLS come in a later release)`, {
      hint: 'listen on 127.0.0.1 or [::1]; reach it from elsewhere through an SSH tunnel',
    })
  }
  return {host, port}
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true
  if (isIP(host) === 4) return host.startsWith('127.')
  if (isIP(host) === 6) return host === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(host) || /^::ffff:127\./i.test(host)
  return false
}

/** How a client writes the address (IPv6 in brackets). */
export function formatAddress(a: ListenAddress): string {
  return isIP(a.host) === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`
}
