/**
 * A request for one leader election of a replicated partition, as
 * `topic elect-leaders` (and ElectLeaders, key 43) make it: with no
 * controller to ask, the request is a file beside partition.json,
 * `topics/<t>/<p>/election.json` = {"type": "preferred"|"unclean",
 * "expiresAt": ms}, which the partition's brokers read at each scan
 * (replicated-partition.ts):
 *
 * - preferred: the leader steps down once the preferred replica is alive,
 *   in the ISR and at its log end, as with auto.leader.rebalance.enable;
 *   the preferred one is then the only replica mayStand lets stand.
 * - unclean: while no live leader is left, a replica out of the ISR may
 *   stand, as unclean.leader.election.enable lets it, for this once.
 *
 * The requester removes the file when it has its answer; the expiry makes
 * a request left by a killed requester harmless, so an unclean election
 * asked for once can never happen by surprise much later.
 */
import {rmSync} from 'node:fs'
import {join} from 'node:path'
import {writeJsonAtomic} from '../store/atomic-write.js'
import {readFileNoFollow} from '../store/fs.js'

export const ELECTION_REQUEST_FILE = 'election.json'

export type ElectionType = 'preferred' | 'unclean'

export interface ElectionRequest {
  type: ElectionType
  expiresAt: number
}

/** Kafka's ElectionType values on the wire (ElectLeaders v1+). */
export const ELECTION_TYPE_CODE: Record<ElectionType, number> = {preferred: 0, unclean: 1}

export function writeElectionRequest(partitionDir: string, request: ElectionRequest): void {
  writeJsonAtomic(join(partitionDir, ELECTION_REQUEST_FILE), request)
}

export function removeElectionRequest(partitionDir: string): void {
  rmSync(join(partitionDir, ELECTION_REQUEST_FILE), {force: true})
}

/** The request in force now, or null (none, expired, or not one we wrote: a damaged file asks for nothing). */
export function readElectionRequest(partitionDir: string, now: number): ElectionRequest | null {
  let text: string
  try {
    text = readFileNoFollow(join(partitionDir, ELECTION_REQUEST_FILE), 'utf8')
  } catch {
    return null
  }
  if (text.length > 256) return null
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof v !== 'object' || v === null) return null
  const {type, expiresAt} = v as Record<string, unknown>
  if (type !== 'preferred' && type !== 'unclean') return null
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt) || expiresAt <= now) return null
  return {type, expiresAt}
}
