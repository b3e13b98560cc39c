/**
 * count, reduce and aggregate of a grouped stream (Kafka's
 * KStreamAggregate and KStreamReduce): a record with a null key or a null
 * value is skipped, as in Kafka; otherwise the key's aggregate is updated
 * in the store and the change forwarded, stamped with the larger of the
 * record's and the old aggregate's timestamps. With the store's record
 * cache on, the store forwards instead: each key's latest aggregate at
 * commit (Kafka's TimestampedTupleForwarder with a caching store).
 */
import type {ProcessorContext, ProcessorSupplier} from '../../processor.js'
import {Record} from '../../record.js'
import type {KeyValueStore} from '../../state/key-value-store.js'
import type {Change} from './change.js'

export function aggregateProcessor(storeName: string, initializer: (() => unknown) | null, aggregator: (key: unknown, value: unknown, aggregate: unknown) => unknown): ProcessorSupplier {
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
        if (r.key() === null || r.key() === undefined || r.value() === null || r.value() === undefined) return
        const old = store.getWithTimestamp(r.key())
        // reduce has no initializer: the first value is the aggregate.
        const base = old === null ? (initializer === null ? undefined : initializer()) : old.value
        const next = old === null && initializer === null ? r.value() : aggregator(r.key(), r.value(), base)
        const timestamp = old === null ? r.timestamp() : Math.max(r.timestamp(), old.timestamp)
        store.put(r.key(), next, timestamp)
        if (!cached) ctx.forward(r.withValue({newValue: next, oldValue: old?.value ?? null}).withTimestamp(timestamp))
      },
    }
  }
}
