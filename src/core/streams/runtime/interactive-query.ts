/**
 * Interactive queries from outside the app (`logpipe stream query`): a
 * persistent store read where its tasks keep it,
 * `<state.dir>/<application.id>/<task>/<store>/` (a persistent global
 * store's task is `global`), across every task of this instance's state
 * directory, read-only. lmdb lets readers in while
 * the app writes, so this works while the app runs; it sees each task's
 * store as of that task's last commit (writes wait in memory until then).
 *
 * The store's kind says how its keys are laid out: a key-value store's
 * keys are the key bytes; a window store's the key bytes, the window
 * start (8 bytes) and a sequence number (4); a session store's the key
 * bytes, the session end and start (8 bytes each).
 */
import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {NotFoundError, UsageError} from '../../errors.js'
import {PersistentBytesStore} from '../state/persistent-bytes-store.js'
import type {Serde} from '../serdes.js'
import {GLOBAL_DIR} from './global-state-manager.js'

export type StoreKind = 'key-value' | 'window' | 'session'

export interface StoreQuery {
  stateDir: string
  applicationId: string
  store: string
  kind: StoreKind
  keySerde: Serde<unknown>
  valueSerde: Serde<unknown>
  /** One key, or keys from..to (inclusive, by serialized bytes; null: open), or everything when neither. */
  key?: unknown
  range?: {from: unknown; to: unknown}
}

export interface QueriedEntry {
  task: string
  key: unknown
  value: unknown
  timestamp: number
  /** Window stores: the window start; session stores: the session start. */
  start?: number
  /** Session stores: the session end. */
  end?: number
}

const SUFFIX: Record<StoreKind, number> = {'key-value': 0, window: 12, session: 16}

/** The task directories holding the store. */
function taskDirs(q: StoreQuery): Array<{task: string; dir: string}> {
  const appDir = join(q.stateDir, q.applicationId)
  if (!existsSync(appDir)) throw new NotFoundError(`no local state for application ${q.applicationId} in ${q.stateDir}`, {hint: 'the app has not run here yet, or keeps its state elsewhere: give --state-dir (its state.dir)'})
  const out: Array<{task: string; dir: string}> = []
  for (const task of readdirSync(appDir).sort()) {
    // Task directories, and the global stores' (a globalTable's store, read whole by every instance).
    if (!/^\d+_\d+$/.test(task) && task !== GLOBAL_DIR) continue
    const dir = join(appDir, task, q.store)
    if (existsSync(join(dir, 'data.mdb'))) out.push({task, dir})
  }
  if (out.length === 0) throw new NotFoundError(`application ${q.applicationId} has no persistent store ${q.store} in ${q.stateDir}`, {hint: `its stores there: ${storesOf(appDir).join(', ') || 'none'}`})
  return out
}

function storesOf(appDir: string): string[] {
  const names = new Set<string>()
  for (const task of readdirSync(appDir)) {
    // Task directories, and the global stores' (a globalTable's store, read whole by every instance).
    if (!/^\d+_\d+$/.test(task) && task !== GLOBAL_DIR) continue
    for (const s of readdirSync(join(appDir, task))) if (existsSync(join(appDir, task, s, 'data.mdb'))) names.add(s)
  }
  return [...names].sort()
}

function serialize(serde: Serde<unknown>, topic: string, v: unknown, what: string): Buffer {
  let b: Buffer | null
  try {
    b = serde.serialize(topic, v)
  } catch (error) {
    throw new UsageError(`${what} ${JSON.stringify(v)} cannot be written with the key serde (${(error as Error).message})`, {hint: 'give --key-serde the serde the store was written with'})
  }
  if (b === null) throw new UsageError(`${what} may not be null`)
  return b
}

export function queryStore(q: StoreQuery): QueriedEntry[] {
  const topic = `${q.applicationId}-${q.store}-changelog`
  const suffix = SUFFIX[q.kind]
  const one = q.key === undefined ? null : serialize(q.keySerde, topic, q.key, 'the key')
  const from = q.range?.from === undefined || q.range.from === null ? null : serialize(q.keySerde, topic, q.range.from, 'the range start')
  const to = q.range?.to === undefined || q.range.to === null ? null : serialize(q.keySerde, topic, q.range.to, 'the range end')
  const out: QueriedEntry[] = []
  for (const {task, dir} of taskDirs(q)) {
    const bytes = new PersistentBytesStore(dir, {readOnly: true})
    try {
      // A windowed key is longer than its key: range over the key bytes padded to the lowest and highest suffix.
      const lo = one ?? from
      const hi = one ?? to
      const walk = suffix === 0 && one !== null ? (bytes.get(one) ? ([[one, bytes.get(one)!]] as const) : []) : bytes.range(lo, hi === null ? null : Buffer.concat([hi, Buffer.alloc(suffix, 0xff)]))
      for (const [k, e] of walk) {
        if (k.length < suffix) continue
        const kb = k.subarray(0, k.length - suffix)
        if (one !== null && !kb.equals(one)) continue
        if (lo !== null && Buffer.compare(kb, lo) < 0) continue
        if (hi !== null && Buffer.compare(kb, hi) > 0) continue
        const entry: QueriedEntry = {task, key: q.keySerde.deserialize(topic, kb), value: q.valueSerde.deserialize(topic, e.value), timestamp: e.timestamp}
        if (q.kind === 'window') entry.start = Number(k.readBigInt64BE(kb.length))
        if (q.kind === 'session') {
          entry.end = Number(k.readBigInt64BE(kb.length))
          entry.start = Number(k.readBigInt64BE(kb.length + 8))
        }
        out.push(entry)
      }
    } finally {
      bytes.close()
    }
  }
  return out
}
