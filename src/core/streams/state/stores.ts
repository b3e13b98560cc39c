/** Kafka's `Stores` factory, for the stores this version has. */
import {validateTopicName} from '../../store/names.js'
import type {Serde} from '../serdes.js'
import {TopologyError} from '../streams-error.js'
import {InMemoryBytesStore, type KeyValueBytesStoreSupplier, KeyValueStoreBuilder} from './key-value-store.js'
import {WindowStoreBuilder} from './window-store.js'

export interface WindowBytesStoreSupplier {
  readonly name: string
  readonly retentionMs: number
  readonly windowSizeMs: number
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
  inMemoryWindowStore(name: string, retentionMs: number, windowSizeMs: number): WindowBytesStoreSupplier {
    const n = checkedName(name)
    if (!Number.isInteger(windowSizeMs) || windowSizeMs < 1) throw new TopologyError(`window store ${n}: window size must be a positive integer of ms`)
    if (!Number.isInteger(retentionMs) || retentionMs < windowSizeMs) throw new TopologyError(`window store ${n}: retention (${retentionMs} ms) must be at least the window size (${windowSizeMs} ms)`)
    return {name: n, retentionMs, windowSizeMs}
  },
  windowStoreBuilder<K, V>(supplier: WindowBytesStoreSupplier, keySerde: Serde<K> | null, valueSerde: Serde<V> | null): WindowStoreBuilder<K, V> {
    return new WindowStoreBuilder(supplier.name, supplier.retentionMs, supplier.windowSizeMs, keySerde, valueSerde)
  },
  keyValueStoreBuilder<K, V>(supplier: KeyValueBytesStoreSupplier, keySerde: Serde<K> | null, valueSerde: Serde<V> | null): KeyValueStoreBuilder<K, V> {
    return new KeyValueStoreBuilder(supplier, keySerde, valueSerde)
  },
}
