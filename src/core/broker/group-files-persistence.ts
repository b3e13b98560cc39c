/**
 * The coordinator's groups in the store's own group files, so the CLI and
 * the broker share one truth: committed offsets in
 * `groups/<g>/offsets/<topic>/<p>.json` (OffsetStore, with the topic's id
 * and the client's metadata string), the membership in
 * `groups/<g>/coordinator.json` (coordinator-file.ts), and a group's
 * deletion through GroupAdmin, which refuses while anyone holds it.
 *
 * Membership is published in the background, one write after another per
 * group in the order of the coordinator's changes; the snapshot is taken
 * when the change is made, so a write never shows a later state under an
 * earlier one. A deletion waits for the group's writes first.
 */
import {join} from 'node:path'
import {GroupNotEmptyError, NotFoundError} from '../errors.js'
import {decodeAssignment, decodeSubscription} from '../group/consumer-protocol.js'
import {type CoordinatedMember, type CoordinatorFile, MAX_PROTOCOLS, MAX_PROTOCOL_DATA_CHARS, isCoordinatorLive, readCoordinatorFile, writeCoordinatorFile} from '../group/coordinator-file.js'
import {GroupAdmin} from '../group/group-admin.js'
import {listNames, realDirs, withGroupLock} from '../group/group-files.js'
import {ensureGroup, groupDir} from '../group/group-member.js'
import {liveMembers} from '../group/membership.js'
import {OffsetStore, type CoordinatorCommit} from '../group/offset-store.js'
import {type HostProcess, thisHostProcess} from '../lock/process-identity.js'
import {validateGroupName, validateTopicName} from '../store/names.js'
import type {Store} from '../store/store.js'
import type {ClassicGroup} from './classic-group.js'
import type {CoordinatorAddress, FetchedOffset, GroupError, GroupPersistence, ListedGroup, OffsetToCommit} from './group-coordinator.js'
import {isBrokerAlive, readRegistration} from './registry.js'

export interface GroupFilesPersistenceOptions {
  brokerId: number
  onNotice?: (message: string) => void
}

function validTopic(name: string): boolean {
  try {
    validateTopicName(name)
    return true
  } catch {
    return false
  }
}

export class GroupFilesPersistence implements GroupPersistence {
  private readonly store: Store
  private readonly brokerId: number
  private readonly onNotice?: (message: string) => void
  private readonly writes = new Map<string, Promise<void>>()
  /** The generation last saved per group: the file may not hold it yet (writes are queued). */
  private readonly generations = new Map<string, number>()
  private readonly self = thisHostProcess()

  constructor(store: Store, options: GroupFilesPersistenceOptions) {
    this.store = store
    this.brokerId = options.brokerId
    this.onNotice = options.onNotice
  }

  private dir(groupId: string): string {
    return groupDir(this.store, groupId)
  }

  lastGeneration(groupId: string): number {
    const r = readCoordinatorFile(this.dir(groupId))
    return Math.max(r.kind === 'ok' ? r.file.generation : 0, this.generations.get(groupId) ?? 0)
  }

  save(group: ClassicGroup): void {
    const file = this.snapshot(group)
    this.generations.set(group.groupId, Math.max(group.generationId, this.generations.get(group.groupId) ?? 0))
    const dir = this.dir(group.groupId)
    this.queue(group.groupId, async () => {
      await ensureGroup(this.store.dataDir, group.groupId, this.onNotice)
      // Under the group's lock, so a `group delete` or reset that checks for members sees this write or none of it.
      await withGroupLock(dir, () => writeCoordinatorFile(dir, file))
    })
  }

  /** Waits for every membership write queued so far (a test's or a shutdown's last look at the files). */
  async flush(): Promise<void> {
    await Promise.all([...this.writes.values()])
  }

  private queue(groupId: string, write: () => Promise<void>): void {
    const previous = this.writes.get(groupId) ?? Promise.resolve()
    const next = previous.then(write).catch((error: unknown) => this.onNotice?.(`group ${groupId}: cannot publish its membership: ${(error as Error).message}`))
    this.writes.set(groupId, next)
    void next.then(() => {
      if (this.writes.get(groupId) === next) this.writes.delete(groupId)
    })
  }

  private snapshot(group: ClassicGroup): CoordinatorFile {
    const consumer = group.protocolType === 'consumer'
    // The bytes as sent, while they are few enough; past that the decoded fields alone (a takeover then rebalances once).
    let chars = 0
    for (const m of group.members.values()) chars += base64Length(m.assignment.length) + m.protocols.reduce((n, p) => n + base64Length(p.metadata.length), 0)
    const keepBytes = chars <= MAX_PROTOCOL_DATA_CHARS && [...group.members.values()].every((m) => m.protocols.length <= MAX_PROTOCOLS)
    const members = [...group.members.values()].map((m): CoordinatedMember => {
      const subscription = consumer ? decodeSubscription(m.metadataFor(group.protocolName ?? m.protocols[0]?.name ?? '')) : null
      const assignment = consumer ? decodeAssignment(m.assignment) : null
      return {
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId === null ? null : m.groupInstanceId.slice(0, 249),
        clientId: m.clientId.slice(0, 255),
        clientHost: m.clientHost.slice(0, 255),
        sessionTimeoutMs: m.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        // Names a client sent: only those that are topic names here are kept (the file is read back as strictly as any).
        topics: (subscription?.topics ?? []).filter(validTopic),
        assignment: (assignment?.partitions ?? []).filter((tp) => validTopic(tp.topic) && tp.partition >= 0),
        ...(keepBytes ? {protocols: m.protocols.map((p) => ({name: p.name.slice(0, 255), metadata: p.metadata.toString('base64')})), assignmentData: m.assignment.toString('base64')} : {}),
      }
    })
    return {
      coordinator: {...this.self, brokerId: this.brokerId},
      updatedAt: Date.now(),
      state: group.state,
      generation: group.generationId,
      protocolType: group.protocolType === null ? null : group.protocolType.slice(0, 255),
      protocol: group.protocolName === null ? null : group.protocolName.slice(0, 255),
      leader: group.leaderId,
      members,
    }
  }

  /** Another live broker coordinates the group (liveGroupCoordinator), not this broker's process. */
  coordinatorElsewhere(groupId: string): CoordinatorAddress | null {
    const c = liveGroupCoordinator(this.store, groupId)
    if (!c || (c.brokerId === this.brokerId && sameProcess(c.process, this.self))) return null
    return {brokerId: c.brokerId, host: c.host, port: c.port}
  }

  published(groupId: string): CoordinatorFile | null {
    const r = readCoordinatorFile(this.dir(groupId))
    return r.kind === 'ok' ? r.file : null
  }

  heldElsewhere(groupId: string): boolean {
    const dir = this.dir(groupId)
    return realDirs(dir) && liveMembers(dir).length > 0
  }

  async commitOffsets(groupId: string, memberId: string | null, offsets: OffsetToCommit[]): Promise<GroupError[]> {
    const errors: GroupError[] = []
    const accepted: CoordinatorCommit[] = []
    // topic.json read once per topic of the request, not once per partition.
    const metas = new Map<string, {id: string; partitions: number} | null>()
    for (const o of offsets) {
      if (!metas.has(o.topic)) metas.set(o.topic, this.topicMeta(o.topic))
      const meta = metas.get(o.topic)
      const topicId = meta && Number.isSafeInteger(o.partition) && o.partition >= 0 && o.partition < meta.partitions ? meta.id : null
      if (topicId === null) errors.push('UNKNOWN_TOPIC_OR_PARTITION')
      else {
        errors.push('NONE')
        accepted.push({topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata, topicId})
      }
    }
    if (accepted.length === 0) return errors
    await ensureGroup(this.store.dataDir, groupId, this.onNotice)
    await new OffsetStore(this.dir(groupId), {onNotice: this.onNotice}).commitAll(accepted, memberId)
    return errors
  }

  private topicMeta(topic: string): {id: string; partitions: number} | null {
    if (!validTopic(topic)) return null
    try {
      const meta = this.store.readTopic(topic)
      return {id: meta.id, partitions: meta.partitions}
    } catch {
      return null
    }
  }

  fetchOffsets(groupId: string, partitions: Array<{topic: string; partition: number}> | null): FetchedOffset[] {
    const dir = this.dir(groupId)
    const exists = realDirs(dir)
    const offsets = new OffsetStore(dir, {onNotice: this.onNotice})
    const wanted = partitions ?? (exists ? offsets.partitions() : [])
    const out: FetchedOffset[] = []
    const ids = new Map<string, string | null>()
    for (const {topic, partition} of wanted) {
      const none: FetchedOffset = {topic, partition, offset: -1, metadata: '', error: 'NONE'}
      if (!exists || !validTopic(topic) || !Number.isSafeInteger(partition) || partition < 0) {
        out.push(none)
        continue
      }
      const state = offsets.inspect(topic, partition)
      if (state.kind !== 'committed') {
        // A damaged file is said once on the broker's log; the client sees no offset and resets by its own policy.
        if (state.kind === 'damaged') this.onNotice?.(`group ${groupId}: ${state.path} is damaged: ${state.why}`)
        out.push(none)
        continue
      }
      if (!ids.has(topic)) ids.set(topic, this.topicMeta(topic)?.id ?? null)
      const id = ids.get(topic)
      // An offset of an earlier topic of that name is none of this one's.
      if (state.committed.topicId !== undefined && state.committed.topicId !== id) {
        out.push(none)
        continue
      }
      out.push({topic, partition, offset: state.committed.offset, metadata: state.committed.metadata ?? '', error: 'NONE'})
    }
    return out
  }

  storedGroups(): ListedGroup[] {
    const root = join(this.store.dataDir, 'groups')
    const out: ListedGroup[] = []
    for (const name of listNames(root)) {
      if (name.startsWith('.')) continue
      try {
        validateGroupName(name)
      } catch {
        continue
      }
      const dir = join(root, name)
      if (!realDirs(dir)) continue
      if (liveMembers(dir).length > 0) {
        out.push({groupId: name, protocolType: 'consumer', state: 'Stable'})
        continue
      }
      const r = readCoordinatorFile(dir)
      out.push({groupId: name, protocolType: r.kind === 'ok' ? (r.file.protocolType ?? '') : '', state: 'Empty'})
    }
    return out
  }

  async deleteGroup(groupId: string): Promise<GroupError> {
    await this.writes.get(groupId)
    try {
      await new GroupAdmin(this.store, {onNotice: this.onNotice}).deleteGroup(groupId)
      return 'NONE'
    } catch (error) {
      if (error instanceof NotFoundError) return 'GROUP_ID_NOT_FOUND'
      if (error instanceof GroupNotEmptyError) return 'NON_EMPTY_GROUP'
      throw error
    }
  }
}

/**
 * The broker that coordinates the group now: the one whose process wrote
 * its coordinator.json, while it lives (its registration heartbeats within
 * its session timeout and names that process, which runs on this host). A
 * broker killed, restarted (another process) or paused past its session
 * coordinates nothing any more: null, and the broker asked takes the
 * group over.
 */
export function liveGroupCoordinator(store: Store, groupId: string): (CoordinatorAddress & {process: HostProcess}) | null {
  const r = readCoordinatorFile(groupDir(store, groupId))
  if (r.kind !== 'ok' || !isCoordinatorLive(r.file)) return null
  const who = r.file.coordinator
  let registration
  try {
    registration = readRegistration(store.dataDir, who.brokerId)
  } catch {
    return null // a damaged registration names no live broker
  }
  if (!registration || !isBrokerAlive(registration)) return null
  if (registration.processHost === who.host && registration.pid !== who.pid) return null
  return {brokerId: registration.id, host: registration.host, port: registration.port, process: who}
}

function sameProcess(a: HostProcess, b: HostProcess): boolean {
  return a.host === b.host && a.pid === b.pid && (a.startTime ?? null) === (b.startTime ?? null)
}

/** Characters of `bytes` bytes in base64. */
function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3)
}
