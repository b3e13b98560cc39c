/**
 * `groups/<g>/coordinator.json`: what a broker's group coordinator
 * publishes about a group it coordinates (Kafka keeps the same facts in
 * __consumer_offsets as GroupMetadata), so that `group list|describe`,
 * `reset-offsets` and `delete` see wire members, and file-based members
 * know to stay out.
 *
 *   {coordinator: {brokerId, pid, host, startTime, bootId}, updatedAt,
 *    state, generation, protocolType, protocol, leader,
 *    members: [{memberId, groupInstanceId, clientId, clientHost,
 *               sessionTimeoutMs, rebalanceTimeoutMs, topics, assignment,
 *               protocols?: [{name, metadata}], assignmentData?}]}
 *
 * `topics` and `assignment` are decoded for the commands that read the
 * file; `protocols` (each metadata base64) and `assignmentData` (base64)
 * are the bytes the member sent and the leader assigned, as Kafka's
 * GroupMetadata keeps them, so a coordinator taking the group over answers
 * a repeated SyncGroup with the user data in it and sees a rejoin with
 * unchanged protocols as unchanged. They are left out when they would make
 * the file too large (MAX_PROTOCOL_DATA_CHARS); the decoded fields remain.
 *
 * It is a separate file from `members/*.json` on purpose: file-based
 * members divide partitions among the member files they read, and a wire
 * member takes what its leader assigns, not what they compute.
 *
 * The members are live only while the broker that wrote the file runs
 * (its pid and start time on this host; a heartbeat age on another). A
 * broker that died leaves the file behind with its last generation, which
 * the next coordinator of the group continues from.
 */
import {hostname} from 'node:os'
import {join} from 'node:path'
import {type HostProcess, isRunning, parseHostProcess} from '../lock/process-identity.js'
import {validateMemberId, validateTopicName} from '../store/names.js'
import type {TopicPartition} from './assignors.js'
import {isOffset, isPartition, isRecord, readGroupJson, writeGroupJson} from './group-files.js'

export const COORDINATOR_FILE = 'coordinator.json'

/** Kafka's classic group states. */
export type ClassicGroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'
export const CLASSIC_GROUP_STATES: ClassicGroupState[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead']

/** What a classic-protocol member says of itself when it joins (Kafka's MemberMetadata, less its protocols). */
export interface MemberIdentity {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
}

export interface CoordinatedMember extends MemberIdentity {
  /** Decoded from a "consumer" subscription; empty for other protocol types. */
  topics: string[]
  /** Decoded from the leader's assignment; empty before the first SyncGroup. */
  assignment: TopicPartition[]
  /** The protocols the member joined with, metadata in base64; absent in files of older brokers, or when too large to keep. */
  protocols?: Array<{name: string; metadata: string}>
  /** The leader's assignment for the member as sent, base64; absent as `protocols` is. */
  assignmentData?: string
}

/** Base64 characters of protocol metadata and assignments a file keeps at most, so it stays well within what is read back (1 MiB). */
export const MAX_PROTOCOL_DATA_CHARS = 512 * 1024
/** Protocols a member may name in the file (Kafka's clients send one to three). */
export const MAX_PROTOCOLS = 64
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

function isBase64(v: unknown): v is string {
  return typeof v === 'string' && v.length <= MAX_PROTOCOL_DATA_CHARS && v.length % 4 === 0 && BASE64.test(v)
}

export interface CoordinatorFile {
  coordinator: HostProcess & {brokerId: number}
  /** Epoch ms of the last write; how another host judges a broker it cannot check. */
  updatedAt: number
  state: ClassicGroupState
  generation: number
  protocolType: string | null
  protocol: string | null
  leader: string | null
  members: CoordinatedMember[]
}

/** A broker on another host whose file has not been rewritten for this long is taken for gone. */
export const REMOTE_COORDINATOR_STALE_MS = 60_000

export function coordinatorPath(groupDir: string): string {
  return join(groupDir, COORDINATOR_FILE)
}

export function writeCoordinatorFile(groupDir: string, file: CoordinatorFile): void {
  // No fsync: like a heartbeat, it describes live processes, which a machine crash ends anyway.
  writeGroupJson(coordinatorPath(groupDir), file, {sync: false})
}

export type CoordinatorRead = {kind: 'missing'} | {kind: 'damaged'; why: string} | {kind: 'ok'; file: CoordinatorFile}

export function readCoordinatorFile(groupDir: string): CoordinatorRead {
  const r = readGroupJson(coordinatorPath(groupDir), checkCoordinatorFile)
  if (r.kind === 'ok') return {kind: 'ok', file: r.value}
  return r
}

/** Whether the broker that wrote the file still runs (so its members are the group's). */
export function isCoordinatorLive(file: CoordinatorFile, now = Date.now()): boolean {
  if (file.coordinator.host !== hostname()) return now - file.updatedAt <= REMOTE_COORDINATOR_STALE_MS
  return isRunning(file.coordinator)
}

/** The members of a live coordinator; none when the file is missing, damaged or its broker is gone. */
export function liveCoordinatedMembers(groupDir: string, now = Date.now()): {file: CoordinatorFile; members: CoordinatedMember[]} | null {
  const r = readCoordinatorFile(groupDir)
  if (r.kind !== 'ok' || !isCoordinatorLive(r.file, now)) return null
  return {file: r.file, members: r.file.members}
}

const MAX_TEXT = 255

function validName(check: (s: string) => string, v: unknown): v is string {
  if (typeof v !== 'string') return false
  try {
    check(v)
    return true
  } catch {
    return false
  }
}

function checkMember(v: unknown, i: number): CoordinatedMember | string {
  if (!isRecord(v)) return `member ${i} is not an object`
  if (!validName(validateMemberId, v.memberId)) return `member ${i}: memberId is not a member id`
  if (v.groupInstanceId !== null && (typeof v.groupInstanceId !== 'string' || v.groupInstanceId.length > 249)) return `member ${i}: groupInstanceId is not a string or null`
  if (typeof v.clientId !== 'string' || v.clientId.length > MAX_TEXT) return `member ${i}: clientId is not a string`
  if (typeof v.clientHost !== 'string' || v.clientHost.length > MAX_TEXT) return `member ${i}: clientHost is not a string`
  if (!isOffset(v.sessionTimeoutMs) || !isOffset(v.rebalanceTimeoutMs)) return `member ${i}: a timeout is not a non-negative integer`
  if (!Array.isArray(v.topics) || !v.topics.every((t) => validName(validateTopicName, t))) return `member ${i}: topics is not a list of topic names`
  if (!Array.isArray(v.assignment) || !v.assignment.every((tp) => isRecord(tp) && validName(validateTopicName, tp.topic) && isPartition(tp.partition))) {
    return `member ${i}: assignment is not a list of partitions`
  }
  if (v.protocols !== undefined) {
    if (!Array.isArray(v.protocols) || v.protocols.length > MAX_PROTOCOLS) return `member ${i}: protocols is not a list`
    if (!v.protocols.every((p) => isRecord(p) && typeof p.name === 'string' && p.name.length <= MAX_TEXT && isBase64(p.metadata))) return `member ${i}: protocols is not a list of names and base64 metadata`
  }
  if (v.assignmentData !== undefined && !isBase64(v.assignmentData)) return `member ${i}: assignmentData is not base64`
  return {
    ...(v.protocols === undefined ? {} : {protocols: (v.protocols as Array<Record<string, string>>).map((p) => ({name: p.name, metadata: p.metadata}))}),
    ...(v.assignmentData === undefined ? {} : {assignmentData: v.assignmentData as string}),
    memberId: v.memberId,
    groupInstanceId: v.groupInstanceId as string | null,
    clientId: v.clientId,
    clientHost: v.clientHost,
    sessionTimeoutMs: v.sessionTimeoutMs,
    rebalanceTimeoutMs: v.rebalanceTimeoutMs,
    topics: v.topics as string[],
    assignment: (v.assignment as Array<Record<string, unknown>>).map((tp) => ({topic: tp.topic as string, partition: tp.partition as number})),
  }
}

function nullableText(v: unknown): v is string | null {
  return v === null || (typeof v === 'string' && v.length <= MAX_TEXT)
}

export function checkCoordinatorFile(v: unknown): CoordinatorFile | string {
  if (!isRecord(v)) return 'it is not a JSON object'
  const who = parseHostProcess(v.coordinator)
  if (!who || !isRecord(v.coordinator) || !Number.isSafeInteger(v.coordinator.brokerId)) return 'coordinator does not name a broker process'
  if (typeof v.updatedAt !== 'number' || !Number.isFinite(v.updatedAt)) return 'updatedAt is not a time'
  if (!CLASSIC_GROUP_STATES.includes(v.state as ClassicGroupState)) return 'state is not a group state'
  if (!isOffset(v.generation)) return 'generation is not a non-negative integer'
  if (!nullableText(v.protocolType) || !nullableText(v.protocol)) return 'protocolType or protocol is not a string or null'
  if (v.leader !== null && !validName(validateMemberId, v.leader)) return 'leader is not a member id or null'
  if (!Array.isArray(v.members) || v.members.length > 100_000) return 'members is not a list'
  const members: CoordinatedMember[] = []
  for (const [i, m] of v.members.entries()) {
    const checked = checkMember(m, i)
    if (typeof checked === 'string') return checked
    members.push(checked)
  }
  return {
    coordinator: {...who, brokerId: v.coordinator.brokerId as number},
    updatedAt: v.updatedAt,
    state: v.state as ClassicGroupState,
    generation: v.generation,
    protocolType: v.protocolType as string | null,
    protocol: v.protocol as string | null,
    leader: v.leader as string | null,
    members,
  }
}
