/** Kafka's GlobalKTableImpl: what builder.globalTable returns, its store the whole of its topic. */
import type {Serde} from '../../serdes.js'
import type {GlobalKTable} from '../interfaces.js'

export class GlobalKTableImpl<K, V> implements GlobalKTable<K, V> {
  constructor(
    readonly keySerde: Serde<K> | null,
    readonly valueSerde: Serde<V> | null,
    private readonly storeName: string,
  ) {}

  queryableStoreName(): string {
    return this.storeName
  }
}
