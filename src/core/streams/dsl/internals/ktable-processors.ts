/**
 * KTable operations (Kafka's KTableSource, KTableFilter, KTableMapValues,
 * KStreamFilter for null keys before a repartition, KTableToStream).
 * A table source keeps the latest value per key in its store: a null value
 * deletes the key, and a record with a null key is dropped. With the
 * store's record cache on, the store forwards instead (Kafka's
 * TimestampedTupleForwarder over a caching store): at a commit or an
 * eviction, each changed key's latest value with its value as of the last
 * flush, once, stamped with its last write's timestamp.
 */
import type {ProcessorContext, ProcessorSupplier} from '../../processor.js'
import {supplied} from '../../processor.js'
import {Record} from '../../record.js'
import type {KeyValueStore} from '../../state/key-value-store.js'
import type {Change} from './change.js'
import {stateless} from './kstream-stateless.js'

export function tableSourceProcessor(storeName: string): ProcessorSupplier {
  return () => {
    let ctx: ProcessorContext<unknown, Change<unknown>>
    let store: KeyValueStore<unknown, unknown>
    let cached = false
    return {
      init(c) {
        ctx = c as ProcessorContext<unknown, Change<unknown>>
        store = ctx.getStateStore(storeName)
        cached = store.setFlushListener?.((key, newValue, oldValue, timestamp, headers) => ctx.forward(new Record(key, {newValue, oldValue}, timestamp, headers ?? undefined))) ?? false
      },
      process(r) {
        if (r.key() === null || r.key() === undefined) return
        const old = store.get(r.key())
        const value = r.value() ?? null
        // Deleting a key that is not there changes nothing: nothing to forward.
        if (old === null && value === null) return
        store.put(r.key(), value, r.timestamp())
        if (!cached) ctx.forward(r.withValue({newValue: value, oldValue: old}))
      },
    }
  }
}

function changeProcessor(map: (key: unknown, change: Change<unknown>) => Change<unknown> | null): ProcessorSupplier {
  return stateless((ctx, r) => {
    const out = map(r.key(), r.value() as Change<unknown>)
    if (out !== null) ctx.forward(r.withValue(out))
  })
}

export function tableFilterProcessor(predicate: (key: unknown, value: unknown) => boolean, negate: boolean): ProcessorSupplier {
  const keep = (k: unknown, v: unknown | null) => (v === null ? null : Boolean(predicate(k, v)) !== negate ? v : null)
  return changeProcessor((k, c) => {
    const next = {newValue: keep(k, c.newValue), oldValue: keep(k, c.oldValue)}
    // Filtered out before and after: the table downstream does not change.
    return next.newValue === null && next.oldValue === null ? null : next
  })
}

export function tableMapValuesProcessor(mapper: (key: unknown, value: unknown) => unknown): ProcessorSupplier {
  const map = (k: unknown, v: unknown | null) => (v === null ? null : mapper(k, v))
  return changeProcessor((k, c) => ({newValue: map(k, c.newValue), oldValue: map(k, c.oldValue)}))
}

export function tableToStreamProcessor(mapper: ((key: unknown, value: unknown) => unknown) | null): ProcessorSupplier {
  return stateless((ctx, r) => {
    const v = (r.value() as Change<unknown>).newValue
    ctx.forward(r.withKey(mapper === null ? r.key() : mapper(r.key(), v)).withValue(v))
  })
}

/** Before a repartition topic: a record without a key has no partition to go to, and is dropped. */
export function nullKeyFilterProcessor(): ProcessorSupplier {
  return stateless((ctx, r) => {
    if (r.key() !== null && r.key() !== undefined) ctx.forward(r)
  })
}

/**
 * A table operation with its own store (filter or mapValues given
 * Materialized.as(name), as Kafka's KTableFilter/KTableMapValues with a
 * queryable name): each change it forwards is also written to the store.
 */
export function materializingProcessor(inner: ProcessorSupplier, storeName: string): ProcessorSupplier {
  return () => {
    const p = supplied(inner)
    return {
      init(c) {
        const store = c.getStateStore<KeyValueStore<unknown, unknown>>(storeName)
        const ctx: ProcessorContext = {
          ...c,
          forward(r, child) {
            store.put(r.key(), (r.value() as Change<unknown>).newValue, r.timestamp())
            c.forward(r, child)
          },
        }
        p.init?.(ctx as never)
      },
      process: (r) => p.process(r),
      close: () => p.close?.(),
    }
  }
}
