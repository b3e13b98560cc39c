/**
 * `--listen HOST:PORT`, parsed; and the rule that keeps a broker off the
 * network until it asks who is talking: a listener on anything but
 * loopback needs SASL (TLS alone encrypts but lets anyone in), since
 * whoever reaches it could read and write every topic.
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
  return {host: m[1], port}
}

/** Refuses a listener off loopback without SASL. */
export function checkListenerAllowed(address: ListenAddress, sasl: boolean): void {
  if (sasl || isLoopback(address.host)) return
  throw new UsageError(`--listen ${formatAddress(address)}: a broker listens off loopback only with authentication, and none is configured`, {
    hint: 'add users (`logpipe broker user add NAME`) and start with --sasl (and --tls-cert/--tls-key), or listen on 127.0.0.1',
  })
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

/** 0.0.0.0 or ::, every address of the machine: no name a client could be told to connect to. */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || (isIP(host) === 6 && /^[0:]+$/.test(host))
}

/** `--advertise HOST`: a DNS name or an IP address, as a client would dial it. */
export function parseAdvertisedHost(text: string): string {
  if (isIP(text) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/.test(text)) return text
  throw new UsageError(`--advertise expects a host name or IP address, not '${text}'`)
}
