/**
 * Kafka's KTableValueGetter: how an operation reads a table's current
 * value for a key (a table-table join looks the other side up with it).
 * A materialized table reads its store; a filtered or mapped one that is
 * not reads its parent's and applies its own function, as Kafka's
 * KTableFilter and KTableMapValues value getters do; the stores it reads
 * must be connected to the processor that uses it.
 */
import type {ProcessorContext} from '../../processor.js'
import type {ValueAndTimestamp} from '../../state/key-value-store.js'
import type {StateStore} from '../../state/state-store.js'
import type {Windowed} from '../windows.js'

export type ValueGetter = (key: unknown) => ValueAndTimestamp<unknown> | null

export interface ValueGetterSupplier {
  readonly storeNames: string[]
  get(ctx: ProcessorContext): ValueGetter
}

interface Lookup {
  getWithTimestamp?: (key: unknown) => ValueAndTimestamp<unknown> | null
  fetchWithTimestamp?: (key: unknown, start: number) => ValueAndTimestamp<unknown> | null
}

export function storeGetter(storeName: string): ValueGetterSupplier {
  return {
    storeNames: [storeName],
    get(ctx) {
      const store = ctx.getStateStore<StateStore & Lookup>(storeName)
      if (typeof store.getWithTimestamp === 'function') return (key) => store.getWithTimestamp!(key)
      // A windowed aggregation's table: the key is a Windowed key, the store a window store.
      return (key) => store.fetchWithTimestamp!((key as Windowed<unknown>).key, (key as Windowed<unknown>).window.start())
    },
  }
}

export function derivedGetter(parent: ValueGetterSupplier, map: (key: unknown, value: unknown) => unknown | null): ValueGetterSupplier {
  return {
    storeNames: parent.storeNames,
    get(ctx) {
      const inner = parent.get(ctx)
      return (key) => {
        const v = inner(key)
        if (v === null) return null
        const out = map(key, v.value)
        return out === null || out === undefined ? null : {value: out, timestamp: v.timestamp}
      }
    },
  }
}
