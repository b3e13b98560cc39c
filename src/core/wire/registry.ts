/**
 * The APIs this codebase speaks, by key, with the versions each schema
 * implements: what an ApiVersions response lists, and how a request header
 * finds its schema. Why each range is what it is stands in the schema's own
 * file.
 */
import {produce} from './messages/00-produce.js'
import {fetch} from './messages/01-fetch.js'
import {listOffsets} from './messages/02-list-offsets.js'
import {metadata} from './messages/03-metadata.js'
import {apiVersions} from './messages/18-api-versions.js'
import {type ApiSchema, parseVersions} from './schema.js'

export const SCHEMAS: readonly ApiSchema[] = [produce, fetch, listOffsets, metadata, apiVersions]

const byKey = new Map<number, ApiSchema>(SCHEMAS.map((s) => [s.apiKey, s]))

export function schemaFor(apiKey: number): ApiSchema | undefined {
  return byKey.get(apiKey)
}

export interface SupportedVersions {
  apiKey: number
  minVersion: number
  maxVersion: number
}

export function versionRange(schema: ApiSchema): SupportedVersions {
  const r = parseVersions(schema.versions)
  if (r === null || r.max === Infinity) throw new Error(`schema ${schema.name} must name a closed version range`)
  return {apiKey: schema.apiKey, minVersion: r.min, maxVersion: r.max}
}

/** Every API with its range, by key: the `apiKeys` of an ApiVersions response. */
export function supportedApis(): SupportedVersions[] {
  return SCHEMAS.map(versionRange).sort((a, b) => a.apiKey - b.apiKey)
}

export function isSupported(apiKey: number, version: number): boolean {
  const schema = byKey.get(apiKey)
  if (schema === undefined) return false
  const r = versionRange(schema)
  return version >= r.minVersion && version <= r.maxVersion
}
