/**
 * Global stores over the store (Kafka's GlobalStateManagerImpl and
 * GlobalStreamThread): one task, not split by partition, reads every
 * partition of the global stores' topics into stores every task of the
 * instance reads. Before processing starts it reads them to their end
 * (the bootstrap), then keeps reading between polls.
 *
 * Persistent global stores (the DSL's globalTable, as Kafka's default)
 * keep their files in `<state.dir>/<application.id>/global/<store>/`, with
 * Kafka's `.checkpoint` beside them (the format task directories use,
 * `<topic> <partition> <offset>`: the next source offset the files have not
 * applied). The checkpoint is written after the stores are flushed, every
 * `commit.interval.ms` and at close, so it never claims more than the
 * files hold. On start a store whose files are there restores only from
 * its checkpointed offsets (a partition without one from its start); a
 * store without its files, or whose checkpoint is outside its topic's log
 * (the topic deleted and made again, or retention past it), is wiped and
 * read from the start. In-memory global stores are read from the start at
 * every start, as Kafka's. The files may hold writes past the checkpoint
 * (a crash between the flush and the checkpoint): reading those records
 * again puts the same values, as the topic is the store's changelog.
 *
 * Instances on one state.dir (the default, on one data directory) would
 * write the same files: the first to start holds the directory (its
 * `.lock`, as task directories), and the others keep their global stores
 * in memory and read them from the start.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {Consumer} from '../../client/consumer.js'
import type {Store} from '../../store/store.js'
import {Headers} from '../record.js'
import {type Checkpoint, checkpointKey, readCheckpoint, writeCheckpoint} from '../state/offset-checkpoint.js'
import {PersistentBytesStore} from '../state/persistent-bytes-store.js'
import type {StateStore} from '../state/state-store.js'
import type {StreamsSettings} from '../streams-config.js'
import {StreamsError} from '../streams-error.js'
import {StreamTask} from '../task.js'
import type {Topology} from '../topology.js'
import {lockedByOther, lockTaskDir, type StateRestoreListener, unlockTaskDir} from './state-manager.js'

/** The global task's directory name under `<state.dir>/<application.id>/`, as Kafka's StateDirectory.globalStateDir. */
export const GLOBAL_DIR = 'global'

/** A global store's sub-topology: its source topics and the stores its processor fills. */
interface GlobalGroup {
  topics: string[]
  stores: string[]
  /** Every store of it is persistent and this instance holds the directory: it is checkpointed. */
  checkpointed: boolean
}

export interface GlobalStateOptions {
  onNotice?: (message: string) => void
  listener?: StateRestoreListener
}

export class GlobalStateManager {
  readonly task: StreamTask
  private readonly reader: Consumer
  private readonly dir: string
  private readonly owned: boolean
  private readonly groups: GlobalGroup[]
  private lastCheckpoint = Date.now()
  /** The offsets of the last checkpoint written. */
  private written = ''

  /** Null when the topology has no global store. */
  static start(store: Store, topology: Topology, settings: StreamsSettings, stateDir: string, options: GlobalStateOptions = {}): GlobalStateManager | null {
    const members = topology.subtopologies().filter((g) => topology.isGlobal(g))
    if (members.length === 0) return null
    return new GlobalStateManager(store, topology, settings, join(stateDir, settings.applicationId, GLOBAL_DIR), members, options)
  }

  private constructor(store: Store, topology: Topology, private readonly settings: StreamsSettings, dir: string, members: string[][], private readonly options: GlobalStateOptions) {
    this.dir = dir
    const topicName = (t: string) => (topology.internalTopics.has(t) ? `${settings.applicationId}-${t}` : t)
    this.owned = !lockedByOther(dir)
    if (!this.owned) options.onNotice?.(`global stores: another instance on this state.dir holds ${dir}; this one keeps them in memory and reads their topics from the start`)
    this.groups = members.map((g) => {
      const topics: string[] = []
      const stores: string[] = []
      for (const m of g) {
        const n = topology.nodes.get(m)!
        if (n.kind === 'source') topics.push(...n.topics.map(topicName))
        if (n.kind === 'processor') stores.push(...n.stores.filter((s) => topology.globalStores.has(s)))
      }
      const persistent = stores.every((s) => (topology.stores.get(s)!.build() as {persistent?: boolean}).persistent === true)
      return {topics, stores, checkpointed: this.owned && persistent && stores.length > 0}
    })
    // Where each partition starts: its checkpoint where the files are there and it lies within the log, else the start (the files wiped).
    const checkpoint = this.owned ? readCheckpoint(dir) : null
    const starts = new Map<string, number>()
    for (const g of this.groups) {
      if (!g.checkpointed) continue
      const from = new Map<string, number>()
      let trusted = checkpoint !== null && g.stores.every((s) => existsSync(join(dir, s, 'data.mdb')))
      for (const topic of trusted ? g.topics : []) {
        for (let p = 0; p < store.readTopic(topic).partitions; p++) {
          const at = checkpoint!.get(checkpointKey(topic, p))
          if (at === undefined) continue
          const reader = store.openReader(topic, p)
          const [start, end] = [reader.logStartOffset(), reader.logEndOffset()]
          reader.close()
          if (at < start || at > end) {
            options.onNotice?.(`global store ${g.stores.join(', ')}: its checkpoint of ${topic}/${p} (${at}) is outside the log (${start}..${end}); reading the topic again from the start`)
            trusted = false
            break
          }
          from.set(checkpointKey(topic, p), at)
        }
      }
      if (!trusted) for (const s of g.stores) PersistentBytesStore.wipe(join(dir, s))
      else for (const [k, at] of from) starts.set(k, at)
    }
    if (this.owned) lockTaskDir(dir)
    this.task = new StreamTask(GLOBAL_DIR, topology, members.flat(), {
      applicationId: settings.applicationId,
      defaultKeySerde: settings.defaultKeySerde,
      defaultValueSerde: settings.defaultValueSerde,
      topicName,
      wallClock: () => Date.now(),
      stateDir: this.owned ? dir : undefined,
    }, {send: () => {
      throw new StreamsError('a global store\'s processor may not forward records to a topic', {hint: 'a global store is filled from its topic only'})
    }})
    this.task.init()
    this.reader = new Consumer(store, this.task.sourceTopics(), {onNotice: options.onNotice})
    for (const a of this.reader.assignments) {
      const at = starts.get(checkpointKey(a.topic, a.partition))
      if (at !== undefined && at > a.position) this.reader.seek(a, {kind: 'absolute', offset: at})
    }
    this.bootstrap(store)
  }

  /** Reads every partition to the end it has now, telling the restore listener each store's start and end as Kafka's does. */
  private bootstrap(store: Store): void {
    const listener = this.options.listener
    const ends = new Map<string, number>()
    const counts = new Map<string, number>()
    for (const a of this.reader.assignments) {
      const reader = store.openReader(a.topic, a.partition)
      ends.set(checkpointKey(a.topic, a.partition), reader.logEndOffset())
      reader.close()
      for (const s of this.storesOf(a.topic)) listener?.onRestoreStart?.({topic: a.topic, partition: a.partition}, s, a.position, ends.get(checkpointKey(a.topic, a.partition))!)
    }
    for (;;) {
      const records = this.poll((topic, partition) => {
        const k = checkpointKey(topic, partition)
        counts.set(k, (counts.get(k) ?? 0) + 1)
      })
      if (records === 0 && this.reader.allAtEnd) break
    }
    for (const a of this.reader.assignments) {
      for (const s of this.storesOf(a.topic)) listener?.onRestoreEnd?.({topic: a.topic, partition: a.partition}, s, counts.get(checkpointKey(a.topic, a.partition)) ?? 0)
    }
    // What was read is on disk now: a crash before the first interval does not read it again.
    this.checkpoint()
  }

  get stores(): Map<string, StateStore> {
    return this.task.stores
  }

  /** Hands what the topics have now to the global processors. */
  poll(seen?: (topic: string, partition: number) => void): number {
    const task = this.task
    return this.reader.poll((a, r) => {
      task.process({topic: a.topic, partition: a.partition, offset: r.offset, key: r.key(), value: r.value(), timestamp: r.timestamp, headers: new Headers(r.headers().map((h) => ({key: h.key, value: h.value === null ? null : Buffer.from(h.value)})))})
      seen?.(a.topic, a.partition)
    }).records
  }

  /** Every commit.interval.ms, as Kafka's global thread flushes: the files, then the checkpoint. */
  maybeCheckpoint(now: number): void {
    if (now - this.lastCheckpoint < this.settings.commitIntervalMs) return
    this.checkpoint()
  }

  private checkpoint(): void {
    this.lastCheckpoint = Date.now()
    if (!this.groups.some((g) => g.checkpointed)) return
    const cp: Checkpoint = new Map()
    for (const g of this.groups) {
      if (!g.checkpointed) continue
      for (const a of this.reader.assignments) if (g.topics.includes(a.topic)) cp.set(checkpointKey(a.topic, a.partition), a.position)
    }
    // Nothing read since the last one: no flush, no file (a synced write every interval of an idle app).
    const written = JSON.stringify([...cp])
    if (written === this.written) return
    for (const g of this.groups) if (g.checkpointed) for (const s of g.stores) this.task.stores.get(s)!.flush()
    writeCheckpoint(this.dir, cp)
    this.written = written
  }

  close(): void {
    try {
      this.checkpoint()
    } finally {
      this.reader.close()
      this.task.close()
      if (this.owned) unlockTaskDir(this.dir)
    }
  }

  sourceTopics(): string[] {
    return this.task.sourceTopics()
  }

  private storesOf(topic: string): string[] {
    return this.groups.filter((g) => g.topics.includes(topic)).flatMap((g) => g.stores)
  }
}
