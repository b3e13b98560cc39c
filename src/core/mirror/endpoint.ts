/**
 * One end of a mirror, as --from and --to name it: a data directory, or a
 * Kafka-protocol server list (HOST:PORT[,HOST:PORT...]). A value naming an
 * existing path is a directory whatever it looks like; otherwise a list of
 * HOST:PORT without a slash is a server list, anything else a directory.
 */
import {existsSync} from 'node:fs'
import {resolve} from 'node:path'

export type Endpoint = {kind: 'dir'; dir: string} | {kind: 'bootstrap'; servers: string[]}

const SERVER = /^(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/

export function parseEndpoint(text: string): Endpoint {
  if (text !== '' && !existsSync(text)) {
    const servers = text.split(',').map((s) => s.trim())
    if (servers.every((s) => SERVER.test(s))) return {kind: 'bootstrap', servers}
  }
  return {kind: 'dir', dir: resolve(text)}
}

export function describeEndpoint(e: Endpoint): string {
  return e.kind === 'dir' ? e.dir : e.servers.join(',')
}
