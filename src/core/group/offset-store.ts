/**
 * Committed offsets of a consumer group: one small JSON file per
 * topic-partition at `groups/<group>/offsets/<topic>/<partition>.json`,
 * replaced atomically (temp file, fsync, rename, fsync of the directory).
 * A committed offset is the next offset to read. A commit never moves an
 * offset backwards and never replaces one made under a newer ownership
 * generation; only `reset` (an explicit operator action) may do either.
 *
 * Every change is a read-modify-write under the group's metadata lock, so
 * two processes never lose one another's update.
 *
 * A reset of many partitions is all-or-nothing: the whole new set is first
 * written as one file, `groups/<group>/reset-journal.json`, then applied
 * file by file, then the journal is removed. While a journal exists its
 * offsets are the committed ones (readers overlay it on the files), and the
 * next writer finishes applying it before anything else, saying so. A kill
 * before the journal is in place leaves every old offset; after, every new.
 *
 * Nothing read here is trusted: topic directories and partition files are
 * taken from the listing only when they are valid names, and every file is
 * schema-checked; a damaged one is an error naming it, whose hint is a
 * reset that really replaces it.
 */
import {lstatSync} from 'node:fs'
import {basename, join} from 'node:path'
import {StoreError} from '../errors.js'
import {OFFSETS_DIR} from '../store/layout.js'
import {validateMemberId, validateTopicName} from '../store/names.js'
import {ensureDirs, inodeOf, listNames, realDirs, isOffset, isPartition, isRecord, readGroupJson, syncDirectory, unlinkIfSame, withGroupLock, writeGroupJson} from './group-files.js'
import {ownershipDir, readGeneration} from './ownership.js'

export interface CommittedOffset {
  offset: number
  /** Ownership generation of the partition when committed (0 for resets). */
  generation: number
  memberId: string | null
  committedAt: string
  /**
   * The id of the topic the offset was committed against (topic.json's
   * `id`). A topic deleted and created again under its name has a new id,
   * so an offset a member of the old one committed late is not the new
   * one's. Absent in files of earlier versions and in resets.
   */
  topicId?: string
  /** The client's metadata string of an OffsetCommit over the wire (absent when none, and in older files). */
  metadata?: string
}

/** One partition's offset as a group coordinator commits it: the client's word, checked by the coordinator. */
export interface CoordinatorCommit {
  topic: string
  partition: number
  offset: number
  metadata: string | null
  topicId?: string
}

/** offset.metadata.max.bytes as Kafka defaults it; a longer string is refused before it gets here. */
export const MAX_OFFSET_METADATA_BYTES = 4096

export type CommitOutcome = 'committed' | 'unchanged' | 'fenced' | 'backwards'

export interface OffsetEntry {
  topic: string
  partition: number
  offset: number
}

/** What a tolerant look at one partition found. */
export type OffsetState = {kind: 'committed'; committed: CommittedOffset} | {kind: 'none'} | {kind: 'damaged'; path: string; why: string}

export const JOURNAL_FILE = 'reset-journal.json'
const PARTITION_FILE = /^(0|[1-9]\d{0,9})\.json$/
/** A journal holds one entry per partition reset: room for a few hundred thousand. */
const MAX_JOURNAL_BYTES = 64 << 20
/** Files written between two turns of the event loop, so the lock's refresh timer keeps running. */
const YIELD_EVERY = 64

interface JournalEntry extends OffsetEntry {
  generation: number
}

interface Journal {
  startedAt: string
  entries: JournalEntry[]
}

export interface OffsetStoreOptions {
  /** One-line notices (an interrupted reset finished, a bad name ignored). */
  onNotice?: (message: string) => void
}

export class OffsetStore {
  readonly groupDir: string
  readonly group: string
  private readonly onNotice?: (message: string) => void
  private journalCache: {ino: bigint; entries: Map<string, CommittedOffset>} | null = null

  constructor(groupDir: string, options: OffsetStoreOptions = {}) {
    this.groupDir = groupDir
    this.group = basename(groupDir)
    this.onNotice = options.onNotice
  }

  private get root(): string {
    return join(this.groupDir, OFFSETS_DIR)
  }

  private dir(topic: string): string {
    return join(this.root, validateTopicName(topic))
  }

  private path(topic: string, partition: number): string {
    if (!isPartition(partition)) throw new StoreError(`partition ${partition} is not a partition number`)
    return join(this.dir(topic), `${partition}.json`)
  }

  private get journalPath(): string {
    return join(this.groupDir, JOURNAL_FILE)
  }

  /** The hint for a damaged offsets file: a reset that overwrites it. */
  private repairHint(topic: string, partition: number): string {
    return `replace it with \`logpipe group reset-offsets ${this.group} --topic ${topic}:${partition} --to-earliest --execute\` (or --to-latest)`
  }

  /** One partition, without throwing on a damaged file (reset-offsets replaces such a file). */
  inspect(topic: string, partition: number): OffsetState {
    const fromJournal = this.journal()?.get(`${topic}/${partition}`)
    if (fromJournal) return {kind: 'committed', committed: fromJournal}
    const path = this.path(topic, partition)
    // A link in place of a directory leads outside the group: nothing of ours is there.
    if (!realDirs(this.groupDir, OFFSETS_DIR, topic)) return {kind: 'none'}
    const r = readGroupJson(path, checkCommitted)
    if (r.kind === 'missing') return {kind: 'none'}
    if (r.kind === 'damaged') return {kind: 'damaged', path, why: r.why}
    return {kind: 'committed', committed: r.value}
  }

  read(topic: string, partition: number): CommittedOffset | null {
    const state = this.inspect(topic, partition)
    if (state.kind === 'damaged') {
      throw new StoreError(`${state.path} is damaged: ${state.why}`, {hint: this.repairHint(topic, partition)})
    }
    return state.kind === 'committed' ? state.committed : null
  }

  /**
   * Every partition that has an offsets file (or a journal entry), damaged
   * or not: what `reset-offsets --all-topics` covers. Names that are not a
   * topic or a partition file are ignored, said once.
   */
  partitions(): Array<{topic: string; partition: number}> {
    const seen = new Set<string>()
    const out: Array<{topic: string; partition: number}> = []
    const add = (topic: string, partition: number) => {
      const key = `${topic}/${partition}`
      if (seen.has(key)) return
      seen.add(key)
      out.push({topic, partition})
    }
    for (const topic of this.listing(this.root, 'directory')) {
      if (!validName(topic)) {
        this.notice(`ignoring ${join(this.root, topic)}: not a valid topic name`)
        continue
      }
      for (const name of this.listing(join(this.root, topic), 'file')) {
        const m = PARTITION_FILE.exec(name)
        if (m && isPartition(Number(m[1]))) add(topic, Number(m[1]))
      }
    }
    for (const key of this.journal()?.keys() ?? []) {
      const at = key.lastIndexOf('/')
      add(key.slice(0, at), Number(key.slice(at + 1)))
    }
    return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
  }

  /** Every committed offset: topic -> partition -> offset. A damaged file is an error naming it. */
  readAll(): Map<string, Map<number, CommittedOffset>> {
    const out = new Map<string, Map<number, CommittedOffset>>()
    for (const {topic, partition} of this.partitions()) {
      const c = this.read(topic, partition)
      if (!c) continue
      if (!out.has(topic)) out.set(topic, new Map())
      out.get(topic)!.set(partition, c)
    }
    return out
  }

  /**
   * A member's commit. Refused ('fenced') when a commit from a newer
   * generation is already there, or when `stillOwner` (asked under the
   * group's lock, so no new owner reads the offset between the answer and
   * the write) says the member lost the partition; and ('backwards') when
   * it would move the offset back.
   */
  async commit(
    topic: string,
    partition: number,
    offset: number,
    generation: number,
    memberId: string,
    topicId?: string,
    stillOwner?: () => boolean,
    metadata?: string,
  ): Promise<CommitOutcome> {
    if (!isOffset(offset)) throw new StoreError(`cannot commit offset ${offset} of ${topic}/${partition}: not an offset`)
    if (metadata !== undefined && Buffer.byteLength(metadata) > MAX_OFFSET_METADATA_BYTES) {
      throw new StoreError(`the metadata of ${topic}/${partition} is over ${MAX_OFFSET_METADATA_BYTES} bytes`)
    }
    return withGroupLock(this.groupDir, async () => {
      await this.finishJournal()
      if (stillOwner && !stillOwner()) return 'fenced'
      const current = this.read(topic, partition)
      // An offset of another incarnation of the topic is no offset of this one.
      if (current && (current.topicId === undefined || topicId === undefined || current.topicId === topicId)) {
        if (current.generation > generation) return 'fenced'
        if (current.offset > offset) return 'backwards'
        if (current.offset === offset && current.generation === generation && (metadata === undefined || current.metadata === metadata)) return 'unchanged'
      }
      this.write(topic, partition, {
        offset,
        generation,
        memberId,
        committedAt: new Date().toISOString(),
        ...(topicId === undefined ? {} : {topicId}),
        ...(metadata === undefined ? {} : {metadata}),
      })
      return 'committed'
    })
  }

  /**
   * Commits of a broker's group coordinator, all under one lock. Kafka
   * takes a member's commit as it comes (it may move an offset back: a
   * consumer that seeked), once the coordinator has checked the member and
   * its generation, so nothing is refused here. The partition's ownership
   * generation is kept as it was, as a reset keeps it, so a file-based
   * owner that comes later still builds above it.
   *
   * Clients commit every few seconds, every partition they own, mostly
   * unchanged: an unchanged offset is not written again, and a changed
   * one is in the page cache when this returns, not fsynced (a commit of
   * a hundred partitions fsynced file by file took 0.4 s of the broker's
   * one thread). That is DESIGN's default durability for records too: it
   * survives a crash of logpipe, not of the machine, where a file lost
   * reads as no offset and the client resets by its own policy.
   */
  async commitAll(entries: CoordinatorCommit[], memberId: string | null): Promise<void> {
    for (const e of entries) {
      validateTopicName(e.topic)
      if (!isPartition(e.partition) || !isOffset(e.offset)) throw new StoreError(`cannot commit ${e.topic}/${e.partition} at ${e.offset}: not a partition and offset`)
      if (e.metadata !== null && Buffer.byteLength(e.metadata) > MAX_OFFSET_METADATA_BYTES) throw new StoreError(`the metadata of ${e.topic}/${e.partition} is over ${MAX_OFFSET_METADATA_BYTES} bytes`)
    }
    if (memberId !== null) validateMemberId(memberId)
    await withGroupLock(this.groupDir, async () => {
      await this.finishJournal()
      const committedAt = new Date().toISOString()
      for (const [i, e] of entries.entries()) {
        const state = this.inspect(e.topic, e.partition)
        const was = state.kind === 'committed' ? state.committed : null
        const metadata = e.metadata === null || e.metadata === '' ? undefined : e.metadata
        if (was && was.offset === e.offset && was.memberId === memberId && was.topicId === e.topicId && was.metadata === metadata) continue
        const c: CommittedOffset = {offset: e.offset, generation: was?.generation ?? 0, memberId, committedAt}
        if (e.topicId !== undefined) c.topicId = e.topicId
        if (metadata !== undefined) c.metadata = metadata
        this.write(e.topic, e.partition, c, false, false)
        if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve))
      }
    })
  }

  /** An operator's reset of one partition (see `resetAll`). */
  async reset(topic: string, partition: number, offset: number): Promise<void> {
    await this.resetAll([{topic, partition, offset}])
  }

  /**
   * An operator's reset: moves offsets anywhere, all of them or none,
   * keeping each partition's generation so owners stay fenced correctly. A
   * damaged offsets file is replaced. `beforeApply` runs under the lock
   * before anything changes (the caller's last check that nobody consumes).
   */
  async resetAll(entries: OffsetEntry[], beforeApply?: () => void): Promise<void> {
    for (const e of entries) {
      validateTopicName(e.topic)
      if (!isPartition(e.partition) || !isOffset(e.offset)) throw new StoreError(`cannot reset ${e.topic}/${e.partition} to ${e.offset}: not a partition and offset`)
    }
    await withGroupLock(this.groupDir, async () => {
      await this.finishJournal({discardDamaged: true})
      beforeApply?.()
      const journal: Journal = {
        startedAt: new Date().toISOString(),
        entries: entries.map((e) => {
          const state = this.inspect(e.topic, e.partition)
          // A damaged file's generation is unknown; the ownership generation is what the next owner builds on.
          const generation = state.kind === 'committed' ? state.committed.generation : Math.max(0, readGeneration(ownershipDir(this.groupDir, e.topic, e.partition)))
          return {...e, generation}
        }),
      }
      writeGroupJson(this.journalPath, journal)
      this.journalCache = null
      await this.apply(journal)
    })
  }

  /** Finishes an interrupted reset, if there is one (the next command touching the group does). */
  async settle(): Promise<void> {
    if (inodeOf(this.journalPath) === null) return
    await withGroupLock(this.groupDir, () => this.finishJournal())
  }

  /**
   * Finishes a reset a killed process left half done (call holding the
   * lock). A damaged journal is an error, except for a new reset, which
   * replaces it.
   */
  private async finishJournal(options: {discardDamaged?: boolean} = {}): Promise<void> {
    const r = readGroupJson(this.journalPath, checkJournal, MAX_JOURNAL_BYTES)
    if (r.kind === 'missing') return
    if (r.kind === 'damaged') {
      if (!options.discardDamaged) throw this.damagedJournal(r.why)
      this.notice(`discarding ${this.journalPath} (an interrupted reset-offsets): it is damaged: ${r.why}`)
      unlinkIfSame(this.journalPath, null)
      this.journalCache = null
      return
    }
    await this.apply(r.value)
    this.notice(`finished an interrupted reset-offsets of ${r.value.entries.length} partition(s), started ${r.value.startedAt}`)
  }

  private async apply(journal: Journal): Promise<void> {
    const dirs = new Set<string>()
    for (let i = 0; i < journal.entries.length; i++) {
      const e = journal.entries[i]
      this.write(e.topic, e.partition, {offset: e.offset, generation: e.generation, memberId: null, committedAt: journal.startedAt}, false)
      dirs.add(this.dir(e.topic))
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve))
    }
    for (const d of dirs) syncDirectory(d)
    unlinkIfSame(this.journalPath, null)
    syncDirectory(this.groupDir)
    this.journalCache = null
  }

  /** The journal's offsets while one is in place (they are the committed ones), by "topic/partition". */
  private journal(): Map<string, CommittedOffset> | null {
    const ino = inodeOf(this.journalPath)
    if (ino === null) return null
    if (this.journalCache?.ino === ino) return this.journalCache.entries
    const r = readGroupJson(this.journalPath, checkJournal, MAX_JOURNAL_BYTES)
    if (r.kind === 'missing') return null
    if (r.kind === 'damaged') throw this.damagedJournal(r.why)
    const entries = new Map<string, CommittedOffset>()
    for (const e of r.value.entries) entries.set(`${e.topic}/${e.partition}`, {offset: e.offset, generation: e.generation, memberId: null, committedAt: r.value.startedAt})
    this.journalCache = {ino: r.ino, entries}
    return entries
  }

  private damagedJournal(why: string): StoreError {
    return new StoreError(`${this.journalPath} (an interrupted reset-offsets) is damaged: ${why}`, {
      hint: `run the reset again, e.g. \`logpipe group reset-offsets ${this.group} --all-topics --to-latest --execute\`; it replaces the interrupted one`,
    })
  }

  private write(topic: string, partition: number, c: CommittedOffset, syncDir = true, sync = true): void {
    for (const path of ensureDirs(this.groupDir, OFFSETS_DIR, validateTopicName(topic))) this.notice(`replaced ${path}, which was not a directory`)
    writeGroupJson(this.path(topic, partition), c, {syncDir, sync})
  }

  /** Names in `dir` that are a directory or a file, as asked; a link or anything else is not followed. */
  private listing(dir: string, want: 'directory' | 'file'): string[] {
    const names = listNames(dir)
    return names.filter((name) => {
      if (name.startsWith('.')) return false
      try {
        const st = lstatSync(join(dir, name))
        return want === 'directory' ? st.isDirectory() : st.isFile() || st.isSymbolicLink()
      } catch {
        return false
      }
    })
  }

  private notice(message: string): void {
    this.onNotice?.(`group ${this.group}: ${message}`)
  }
}

function validName(topic: string): boolean {
  try {
    validateTopicName(topic)
    return true
  } catch {
    return false
  }
}

function validMemberId(id: string): boolean {
  try {
    validateMemberId(id)
    return true
  } catch {
    return false
  }
}

function checkCommitted(v: unknown): CommittedOffset | string {
  if (!isRecord(v)) return 'it is not a JSON object'
  if (!isOffset(v.offset)) return 'offset is not a non-negative integer'
  if (!isOffset(v.generation)) return 'generation is not a non-negative integer'
  if (v.memberId !== null && (typeof v.memberId !== 'string' || !validMemberId(v.memberId))) return 'memberId is not a member id or null'
  if (typeof v.committedAt !== 'string') return 'committedAt is not a string'
  if (v.topicId !== undefined && (typeof v.topicId !== 'string' || !/^[0-9a-f-]{1,64}$/i.test(v.topicId))) return 'topicId is not a topic id'
  if (v.metadata !== undefined && (typeof v.metadata !== 'string' || Buffer.byteLength(v.metadata) > MAX_OFFSET_METADATA_BYTES)) return 'metadata is not a string of at most 4096 bytes'
  const c: CommittedOffset = {offset: v.offset, generation: v.generation, memberId: v.memberId as string | null, committedAt: v.committedAt}
  if (typeof v.topicId === 'string') c.topicId = v.topicId
  if (typeof v.metadata === 'string') c.metadata = v.metadata
  return c
}

function checkJournal(v: unknown): Journal | string {
  if (!isRecord(v)) return 'it is not a JSON object'
  if (typeof v.startedAt !== 'string') return 'startedAt is not a string'
  if (!Array.isArray(v.entries)) return 'entries is not a list'
  const entries: JournalEntry[] = []
  for (const [i, e] of v.entries.entries()) {
    if (!isRecord(e) || typeof e.topic !== 'string' || !validName(e.topic)) return `entry ${i}: topic is not a valid topic name`
    if (!isPartition(e.partition)) return `entry ${i}: partition is not a partition number`
    if (!isOffset(e.offset) || !isOffset(e.generation)) return `entry ${i}: offset or generation is not a non-negative integer`
    entries.push({topic: e.topic, partition: e.partition, offset: e.offset, generation: e.generation})
  }
  return {startedAt: v.startedAt, entries}
}
