/**
 * A connector config as JSON, in the REST API's body shape
 * {"name": ..., "config": {...}} (what `connect run` and, as Kafka 3.8's
 * ConnectStandalone does, `connect standalone` take), or a flat map of
 * settings with "name" among them. Values may be strings, numbers or
 * booleans (Kafka's REST API takes them so); null drops the key.
 */
import {readFileSync} from 'node:fs'
import {ConnectConfigError, NotFoundError} from '../../errors.js'
import {isPlainObject} from '../api/schema.js'

export function parseConnectorJson(text: string, source: string): Record<string, string> {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    throw new ConnectConfigError(`${source}: not JSON: ${(error as Error).message}`, {hint: 'expected {"name": "NAME", "config": {"connector.class": ..., ...}}'})
  }
  if (!isPlainObject(doc)) throw new ConnectConfigError(`${source}: expected a JSON object {"name", "config"}`)
  const nested = isPlainObject(doc.config)
  const settings = nested ? (doc.config as Record<string, unknown>) : doc
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(settings)) {
    if (v === null) continue
    if (typeof v === 'object') throw new ConnectConfigError(`${source}: setting ${k} must be a string, not ${Array.isArray(v) ? 'an array' : 'an object'}`)
    out[k] = String(v)
  }
  if (nested) {
    if (typeof doc.name !== 'string' || doc.name.trim() === '') throw new ConnectConfigError(`${source}: "name" must be a non-empty string`)
    const name = doc.name.trim()
    if (out.name !== undefined && out.name !== name) throw new ConnectConfigError(`${source}: Connector name configuration (${out.name}) doesn't match connector name (${name})`)
    out.name = name
  }
  return out
}

export function readConnectorJsonFile(path: string): Record<string, string> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`no such file: ${path}`)
    throw new ConnectConfigError(`cannot read ${path}: ${(error as Error).message}`)
  }
  return parseConnectorJson(text, path)
}
