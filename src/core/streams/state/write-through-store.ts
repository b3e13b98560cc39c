/**
 * A store that works in memory and writes every record through to its
 * files (a PersistentBytesStore under the task directory) when it is
 * persistent: at init the files are read back whole through `restore`, as
 * a changelog would be, and they are flushed and closed with the store.
 * Session stores and the join stores are of this kind.
 */
import {join} from 'node:path'
import type {Serde} from '../serdes.js'
import {PersistentBytesStore} from './persistent-bytes-store.js'
import {SerializedStore} from './serialized-store.js'
import type {StoreInit} from './state-store.js'

export abstract class WriteThroughStore<K, V> extends SerializedStore<K, V> {
  /** The files, once a persistent store is open; null for an in-memory one. */
  protected disk: PersistentBytesStore | null = null

  constructor(name: string, keySerde: Serde<K> | null, valueSerde: Serde<V> | null, readonly persistent: boolean) {
    super(name, keySerde, valueSerde)
  }

  override init(init: StoreInit, changelogTopic: string): void {
    super.init(init, changelogTopic)
    if (!this.persistent || init.stateDir === undefined) return
    const disk = new PersistentBytesStore(join(init.stateDir, this.name))
    for (const [k, e] of disk.range(null, null)) this.restore(k, e.value, e.timestamp)
    this.disk = disk
  }

  override flush(): void {
    this.disk?.flush()
  }

  override close(): void {
    this.disk?.close()
    this.disk = null
    super.close()
  }
}
