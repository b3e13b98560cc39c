/**
 * Kafka's `Stores` factory, for the stores this version has: persistent
 * ones keep their files under the task's state directory (lmdb, see
 * persistent-bytes-store.ts), in-memory ones are restored from their
 * changelog on every start. The TopologyTestDriver keeps every store in
 * memory.
 */
import {validateTopicName} from '../../store/names.js'
import type {Serde} from '../serdes.js'
import {TopologyError} from '../streams-error.js'
import {InMemoryBytesStore, type KeyValueBytesStoreSupplier, KeyValueStoreBuilder} from './key-value-store.js'
import {SessionStoreBuilder} from './session-store.js'
import {WindowStoreBuilder} from './window-store.js'

export interface WindowBytesStoreSupplier {
  readonly name: string
  readonly retentionMs: number
  readonly windowSizeMs: number
  readonly persistent?: boolean
}

export interface SessionBytesStoreSupplier {
  readonly name: string
  readonly retentionMs: number
  readonly persistent?: boolean
}

function windowSupplier(name: string, retentionMs: number, windowSizeMs: number, persistent: boolean): WindowBytesStoreSupplier {
  const n = checkedName(name)
  if (!Number.isInteger(windowSizeMs) || windowSizeMs < 1) throw new TopologyError(`window store ${n}: window size must be a positive integer of ms`)
  if (!Number.isInteger(retentionMs) || retentionMs < windowSizeMs) throw new TopologyError(`window store ${n}: retention (${retentionMs} ms) must be at least the window size (${windowSizeMs} ms)`)
  return {name: n, retentionMs, windowSizeMs, persistent}
}

function sessionSupplier(name: string, retentionMs: number, persistent: boolean): SessionBytesStoreSupplier {
  const n = checkedName(name)
  if (!Number.isInteger(retentionMs) || retentionMs < 0) throw new TopologyError(`session store ${n}: retention must be a non-negative integer of ms`)
  return {name: n, retentionMs, persistent}
}

function checkedName(name: string): string {
  // The name becomes part of the changelog topic's name.
  if (typeof name !== 'string' || name.length === 0) throw new TopologyError('a store needs a name')
  try {
    validateTopicName(`x-${name}-changelog`)
  } catch {
    throw new TopologyError(`store name ${JSON.stringify(name)} cannot be part of a topic name`, {hint: 'use only letters, digits, ".", "_" and "-"'})
  }
  return name
}

export const Stores = {
  inMemoryKeyValueStore(name: string): KeyValueBytesStoreSupplier {
    const n = checkedName(name)
    return {name: n, get: () => new InMemoryBytesStore()}
  },
  /** On disk under `<state.dir>/<application.id>/<task>/<name>/`: a restart restores only the changelog's tail. */
  persistentKeyValueStore(name: string): KeyValueBytesStoreSupplier {
    const n = checkedName(name)
    // The files open at init, when the task's directory is known; until then (and in the TopologyTestDriver) memory.
    return {name: n, persistent: true, get: () => new InMemoryBytesStore()}
  },
  /** Kafka's timestamped variant: every store here keeps each entry's timestamp, so it is persistentKeyValueStore. */
  persistentTimestampedKeyValueStore(name: string): KeyValueBytesStoreSupplier {
    return Stores.persistentKeyValueStore(name)
  },
  inMemoryWindowStore(name: string, retentionMs: number, windowSizeMs: number): WindowBytesStoreSupplier {
    return windowSupplier(name, retentionMs, windowSizeMs, false)
  },
  /** Kafka's (name, retention, windowSize, retainDuplicates): duplicates are not kept by this version's window stores. */
  persistentWindowStore(name: string, retentionMs: number, windowSizeMs: number, retainDuplicates = false): WindowBytesStoreSupplier {
    if (retainDuplicates) throw new TopologyError(`window store ${name}: retainDuplicates is not supported`, {hint: 'stream-stream joins keep their own join stores'})
    return windowSupplier(name, retentionMs, windowSizeMs, true)
  },
  windowStoreBuilder<K, V>(supplier: WindowBytesStoreSupplier, keySerde: Serde<K> | null, valueSerde: Serde<V> | null): WindowStoreBuilder<K, V> {
    return new WindowStoreBuilder(supplier, keySerde, valueSerde)
  },
  inMemorySessionStore(name: string, retentionMs: number): SessionBytesStoreSupplier {
    return sessionSupplier(name, retentionMs, false)
  },
  persistentSessionStore(name: string, retentionMs: number): SessionBytesStoreSupplier {
    return sessionSupplier(name, retentionMs, true)
  },
  sessionStoreBuilder<K, V>(supplier: SessionBytesStoreSupplier, keySerde: Serde<K> | null, valueSerde: Serde<V> | null): SessionStoreBuilder<K, V> {
    return new SessionStoreBuilder(supplier.name, supplier.retentionMs, keySerde, valueSerde, supplier.persistent === true)
  },
  keyValueStoreBuilder<K, V>(supplier: KeyValueBytesStoreSupplier, keySerde: Serde<K> | null, valueSerde: Serde<V> | null): KeyValueStoreBuilder<K, V> {
    return new KeyValueStoreBuilder(supplier, keySerde, valueSerde)
  },
}
