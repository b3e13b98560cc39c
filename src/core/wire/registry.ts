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
import {offsetCommit} from './messages/08-offset-commit.js'
import {offsetFetch} from './messages/09-offset-fetch.js'
import {findCoordinator} from './messages/10-find-coordinator.js'
import {joinGroup} from './messages/11-join-group.js'
import {heartbeat} from './messages/12-heartbeat.js'
import {leaveGroup} from './messages/13-leave-group.js'
import {syncGroup} from './messages/14-sync-group.js'
import {describeGroups} from './messages/15-describe-groups.js'
import {listGroups} from './messages/16-list-groups.js'
import {saslHandshake} from './messages/17-sasl-handshake.js'
import {type ApiVersionsResponseInput, apiVersions} from './messages/18-api-versions.js'
import {createTopics} from './messages/19-create-topics.js'
import {deleteTopics} from './messages/20-delete-topics.js'
import {initProducerId} from './messages/22-init-producer-id.js'
import {offsetForLeaderEpoch} from './messages/23-offset-for-leader-epoch.js'
import {describeConfigs} from './messages/32-describe-configs.js'
import {saslAuthenticate} from './messages/36-sasl-authenticate.js'
import {createPartitions} from './messages/37-create-partitions.js'
import {deleteGroups} from './messages/42-delete-groups.js'
import {electLeaders} from './messages/43-elect-leaders.js'
import {incrementalAlterConfigs} from './messages/44-incremental-alter-configs.js'
import {type ApiSchema, parseVersions} from './schema.js'

/** In API key order. */
export const SCHEMAS: readonly ApiSchema[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  offsetCommit,
  offsetFetch,
  findCoordinator,
  joinGroup,
  heartbeat,
  leaveGroup,
  syncGroup,
  describeGroups,
  listGroups,
  saslHandshake,
  apiVersions,
  createTopics,
  deleteTopics,
  initProducerId,
  offsetForLeaderEpoch,
  describeConfigs,
  saslAuthenticate,
  createPartitions,
  deleteGroups,
  electLeaders,
  incrementalAlterConfigs,
]

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

const UNSUPPORTED_VERSION = 35

/**
 * The ApiVersions answer to a request of `version`. A version we lack is
 * answered as KIP-511 says: in v0 (whose response header and body every
 * client can read), with UNSUPPORTED_VERSION and our ranges, so the client
 * retries with the highest version both sides have.
 */
export function apiVersionsAnswer(version: number): {version: number; body: ApiVersionsResponseInput} {
  const apiKeys = supportedApis()
  if (isSupported(apiVersions.apiKey, version)) return {version, body: {errorCode: 0, apiKeys, throttleTimeMs: 0}}
  return {version: 0, body: {errorCode: UNSUPPORTED_VERSION, apiKeys}}
}
