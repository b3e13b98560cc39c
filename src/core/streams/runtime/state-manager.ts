/**
 * A task's state on disk and in its changelogs (Kafka's
 * ProcessorStateManager and StoreChangelogReader): where the task's
 * directory is, which stores to wipe before they open, how far to restore
 * each from its changelog, and what a commit records so that a kill -9
 * between commits never counts an input twice.
 *
 * What a commit records: the group's offset commit for each of the task's
 * input partitions carries, in Kafka's OffsetCommit metadata string, the
 * end offset of each of the task's changelog partitions at that commit
 * (and, for tasks reading a repartition topic, the last upstream record
 * they processed: see kafka-streams.ts). A store is restored up to exactly
 * those offsets: the state as of the committed input offsets. Changelog
 * records a crashed run wrote beyond them describe inputs that will be
 * processed again, so they are not restored; and because a later restore
 * from the start would read them, the restarted task writes, for every key
 * they touch, the key's restored value (or a tombstone) after them: from
 * then on every prefix of the changelog up to a committed offset is the
 * state as of that commit.
 *
 * The store on disk (persistent stores) is written only after the commit,
 * with the `.checkpoint` after it: it is never ahead of the committed
 * offsets, so restoring from its checkpoint up to them is enough. A
 * missing or unreadable checkpoint, or one past the committed offsets
 * (only a store written by hand, or an app reset without its state),
 * wipes the store and restores it whole.
 */
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {Consumer} from '../../client/consumer.js'
import {groupDir} from '../../group/group-member.js'
import {OffsetStore} from '../../group/offset-store.js'
import type {RecordHeader} from '../../record/header.js'
import type {RecordReader} from '../../record/record.js'
import type {Store} from '../../store/store.js'
import {type Checkpoint, checkpointKey, readCheckpoint, writeCheckpoint} from '../state/offset-checkpoint.js'
import {PersistentBytesStore} from '../state/persistent-bytes-store.js'
import type {StateStore} from '../state/state-store.js'
import type {Topology} from '../topology.js'

const METADATA_PREFIX = 'logpipe-streams/1 '

/** What a task's commit records with its input offsets. */
export interface TaskCommitMetadata {
  /** Changelog end offset per store at the commit. */
  changelogs: Record<string, number>
  /** Per upstream input partition (`topic/partition`), the last [offset, index] of a repartition record processed. */
  origins: Record<string, [number, number]>
  /** The task's stream time at the commit (Kafka commits its partition time in the metadata too), so a restarted task drops the same late records. */
  streamTime?: number
  /**
   * Kafka's ProcessorMetadata: what processors keep with the commit, by
   * key (an onWindowClose aggregation's last emitted window close time,
   * under its store's name), so a restarted task goes on from it.
   */
  processorMetadata?: Record<string, number>
}

export function encodeCommitMetadata(m: TaskCommitMetadata): string {
  const p = m.processorMetadata !== undefined && Object.keys(m.processorMetadata).length > 0 ? {p: m.processorMetadata} : {}
  return METADATA_PREFIX + JSON.stringify({c: m.changelogs, o: m.origins, ...(m.streamTime === undefined || m.streamTime < 0 ? {} : {s: m.streamTime}), ...p})
}

/** The metadata a Streams commit wrote, or null for any other string (none, another client's, a damaged one). */
export function decodeCommitMetadata(text: string | undefined): TaskCommitMetadata | null {
  if (text === undefined || !text.startsWith(METADATA_PREFIX)) return null
  try {
    const v = JSON.parse(text.slice(METADATA_PREFIX.length)) as {c?: unknown; o?: unknown; s?: unknown; p?: unknown}
    const changelogs: Record<string, number> = {}
    const origins: Record<string, [number, number]> = {}
    if (typeof v.c !== 'object' || v.c === null || typeof v.o !== 'object' || v.o === null) return null
    for (const [k, o] of Object.entries(v.c)) if (Number.isSafeInteger(o) && (o as number) >= 0) changelogs[k] = o as number
    for (const [k, o] of Object.entries(v.o)) if (Array.isArray(o) && o.length === 2 && o.every((x) => Number.isSafeInteger(x))) origins[k] = [o[0], o[1]]
    const out: TaskCommitMetadata = {changelogs, origins}
    if (Number.isSafeInteger(v.s) && (v.s as number) >= 0) out.streamTime = v.s as number
    if (typeof v.p === 'object' && v.p !== null && !Array.isArray(v.p)) {
      const p: Record<string, number> = {}
      for (const [k, x] of Object.entries(v.p)) if (Number.isSafeInteger(x)) p[k] = x as number
      out.processorMetadata = p
    }
    return out
  } catch {
    return null
  }
}

/**
 * What the group committed for a task: `none` (nothing: its inputs are
 * read from the start, so its state starts empty), `unknown` (offsets
 * without our metadata: a clean hand-over, or an older logpipe; restore to
 * the changelog's end) or the metadata.
 */
export type CommittedState = {kind: 'none'} | {kind: 'unknown'} | {kind: 'metadata'; metadata: TaskCommitMetadata}

export function committedState(store: Store, applicationId: string, inputs: Array<{topic: string; partition: number}>): CommittedState {
  const offsets = new OffsetStore(groupDir(store, applicationId))
  let any = false
  for (const tp of inputs) {
    const c = offsets.read(tp.topic, tp.partition)
    if (!c) continue
    any = true
    const m = decodeCommitMetadata(c.metadata)
    if (m) return {kind: 'metadata', metadata: m}
  }
  return any ? {kind: 'unknown'} : {kind: 'none'}
}

export function changelogTopic(applicationId: string, storeName: string): string {
  return `${applicationId}-${storeName}-changelog`
}

export function taskDirectory(stateDir: string, applicationId: string, taskId: string): string {
  return join(stateDir, applicationId, taskId)
}

function logEndOffset(store: Store, topic: string, partition: number): number {
  const reader = store.openReader(topic, partition)
  try {
    return reader.logEndOffset()
  } finally {
    reader.close()
  }
}

export interface StoreRestore {
  name: string
  changelog: string
  /** First changelog offset to apply. */
  from: number
  /** Restore stops before this offset: the state as of the committed input offsets. */
  upTo: number
  /** The changelog's end now: records in [upTo, end) were written by a run that did not commit them. */
  end: number
}

/**
 * Decides, before the task's stores open, where each logged store restores
 * from and to, and wipes persistent stores whose files cannot be trusted.
 */
export function planRestore(store: Store, topology: Topology, applicationId: string, storeNames: string[], partition: number, taskDir: string | null, committed: CommittedState): StoreRestore[] {
  const checkpoint: Checkpoint | null = taskDir === null ? null : readCheckpoint(taskDir)
  const plans: StoreRestore[] = []
  for (const name of storeNames) {
    const builder = topology.stores.get(name)!
    const persistent = (builder.build() as {persistent?: boolean}).persistent === true && taskDir !== null
    if (!builder.loggingEnabled) continue
    const changelog = changelogTopic(applicationId, name)
    const end = logEndOffset(store, changelog, partition)
    const recorded = committed.kind === 'metadata' ? committed.metadata.changelogs[name] : undefined
    const upTo = Math.min(end, committed.kind === 'none' ? 0 : (recorded ?? end))
    let from = 0
    if (persistent) {
      const at = checkpoint?.get(checkpointKey(changelog, partition))
      // A checkpoint without the store's files (removed by hand) says nothing: restore from the start.
      if (at !== undefined && at <= upTo && existsSync(join(taskDir!, name, 'data.mdb'))) from = at
      else PersistentBytesStore.wipe(join(taskDir!, name))
    }
    plans.push({name, changelog, from, upTo, end})
  }
  if (taskDir !== null) mkdirSync(taskDir, {recursive: true})
  return plans
}

export interface RestoreTarget extends StateStore {
  /** `headers`: the changelog record's (only a suppression buffer reads them). */
  restore(key: Buffer, value: Buffer | null, timestamp: number, headers?: RecordHeader[]): void
  changelogValue?(key: Buffer): {value: Buffer; timestamp: number; headers?: RecordHeader[]} | null | undefined
}

/** Kafka's StateRestoreListener: told when a store's restore starts and ends (KafkaStreams.setGlobalStateRestoreListener). */
export interface StateRestoreListener {
  onRestoreStart?(topicPartition: {topic: string; partition: number}, storeName: string, startingOffset: number, endingOffset: number): void
  onRestoreEnd?(topicPartition: {topic: string; partition: number}, storeName: string, totalRestored: number): void
}

/** Applies changelog records [from, upTo) of one partition; calls `beyond` with each key of [upTo, end). The next offset to apply, and how many were. */
export function applyChangelog(store: Store, topic: string, partition: number, from: number, upTo: number, end: number, target: RestoreTarget, beyond?: (key: Buffer, timestamp: number) => void): {position: number; restored: number} {
  let restored = 0
  if (from >= end) return {position: from, restored}
  const reader = new Consumer(store, [topic], {partitions: [partition], offset: {kind: 'absolute', offset: from}})
  let position = from
  try {
    for (;;) {
      let past = false
      const {records} = reader.poll((_a, r: RecordReader) => {
        if (r.offset >= end) {
          past = true
          return
        }
        position = r.offset + 1
        const key = r.key()
        // A changelog record without a key is not ours to restore (nothing we write has one).
        if (key === null) return
        if (r.offset < upTo) {
          target.restore(key, r.value(), r.timestamp, r.headerCount === 0 ? undefined : r.headers())
          restored++
        } else beyond?.(Buffer.from(key), r.timestamp)
      })
      if (past || position >= end || (records === 0 && reader.allAtEnd)) break
    }
  } finally {
    reader.close()
  }
  return {position: Math.min(position, upTo), restored}
}

/**
 * Restores a new task's stores as planned; for the keys a crashed run
 * logged beyond the committed offsets, sends the restored value back to
 * the changelog (see the top of this file).
 */
export function restoreTask(store: Store, stores: Map<string, StateStore>, partition: number, plans: StoreRestore[], send: (r: {topic: string; partition: number; key: Buffer; value: Buffer | null; timestamp: number; headers: RecordHeader[]}) => void, onNotice?: (m: string) => void, listener?: StateRestoreListener): void {
  for (const p of plans) {
    const target = stores.get(p.name) as RestoreTarget
    const stale = new Map<string, number>()
    const tp = {topic: p.changelog, partition}
    listener?.onRestoreStart?.(tp, p.name, p.from, p.upTo)
    const {restored} = applyChangelog(store, p.changelog, partition, p.from, p.upTo, p.end, target, (key, ts) => stale.set(key.toString('latin1'), ts))
    listener?.onRestoreEnd?.(tp, p.name, restored)
    for (const [k, ts] of stale) {
      const key = Buffer.from(k, 'latin1')
      const now = target.changelogValue?.(key)
      if (now === undefined) {
        onNotice?.(`store ${p.name}: its changelog has records past the last commit that this store cannot log back; a later restore may see them`)
        break
      }
      send({topic: p.changelog, partition, key, value: now?.value ?? null, timestamp: now?.timestamp ?? ts, headers: now?.headers ?? []})
    }
  }
}

/** After a commit: the stores' files, then the checkpoint saying which changelog offsets they hold. */
export function checkpointTask(taskDir: string, stores: Iterable<StateStore>, changelogs: Array<{topic: string; partition: number; offset: number}>): void {
  for (const s of stores) s.flush()
  const cp: Checkpoint = new Map()
  for (const c of changelogs) cp.set(checkpointKey(c.topic, c.partition), c.offset)
  writeCheckpoint(taskDir, cp)
}

export {logEndOffset}

const LOCK_FILE = '.lock'

/**
 * The task directory is in use by this process's active task: instances
 * sharing a state.dir (the default) must not keep a standby copy in the
 * files another instance's active task writes.
 */
export function lockTaskDir(taskDir: string): void {
  mkdirSync(taskDir, {recursive: true})
  writeFileSync(join(taskDir, LOCK_FILE), `${process.pid}\n`)
}

export function unlockTaskDir(taskDir: string): void {
  try {
    if (readFileSync(join(taskDir, LOCK_FILE), 'utf8').trim() === String(process.pid)) rmSync(join(taskDir, LOCK_FILE), {force: true})
  } catch {
    // No lock, or not ours.
  }
}

/** Whether another live process runs the task in this directory (a lock left by a dead one does not count). */
export function lockedByOther(taskDir: string): boolean {
  let pid: number
  try {
    pid = Number(readFileSync(join(taskDir, LOCK_FILE), 'utf8').trim())
  } catch {
    return false
  }
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
