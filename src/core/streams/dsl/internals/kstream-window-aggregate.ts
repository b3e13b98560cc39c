/**
 * count, reduce and aggregate over time windows (Kafka's
 * KStreamWindowAggregate): a record with a null key or value is skipped; it
 * updates every window that contains it and is still open, that is whose
 * end is after stream time minus the grace period; a record for a window
 * that closed is dropped (and counted in `droppedRecords`, Kafka's
 * dropped-records metric). Each update is forwarded with the Windowed key,
 * stamped with the larger of the record's and the old aggregate's
 * timestamps. With the store's record cache on, the store forwards
 * instead, per windowed key: its latest aggregate at the commit or an
 * eviction, once (Kafka's CachingWindowStore).
 */
import type {ProcessorContext, ProcessorSupplier} from '../../processor.js'
import {Record} from '../../record.js'
import type {WindowStore} from '../../state/window-store.js'
import {TimeWindow, type TimeWindows, Windowed} from '../windows.js'
import type {Change} from './change.js'

export function windowAggregateProcessor(storeName: string, windows: TimeWindows, initializer: (() => unknown) | null, aggregator: (key: unknown, value: unknown, aggregate: unknown) => unknown, dropped: {count: number}): ProcessorSupplier {
  return () => {
    let ctx: ProcessorContext<Windowed<unknown>, Change<unknown>>
    let store: WindowStore<unknown, unknown>
    let cached = false
    return {
      init(c) {
        ctx = c as ProcessorContext<Windowed<unknown>, Change<unknown>>
        store = ctx.getStateStore(storeName)
        cached =
          store.setFlushListener?.((key, start, newValue, oldValue, timestamp, headers) => ctx.forward(new Record(new Windowed(key, new TimeWindow(start, start + windows.sizeMs)), {newValue, oldValue}, timestamp, headers ?? undefined))) ?? false
      },
      process(r) {
        const key = r.key()
        const value = r.value()
        if (key === null || key === undefined || value === null || value === undefined) return
        const closeTime = ctx.currentStreamTimeMs() - windows.gracePeriodMs()
        for (const start of windows.windowsFor(r.timestamp())) {
          const end = start + windows.sizeMs
          if (end <= closeTime) {
            dropped.count++
            continue
          }
          const old = store.fetchWithTimestamp(key, start)
          const base = old === null ? (initializer === null ? undefined : initializer()) : old.value
          const next = old === null && initializer === null ? value : aggregator(key, value, base)
          const timestamp = old === null ? r.timestamp() : Math.max(r.timestamp(), old.timestamp)
          store.put(key, next, start, timestamp)
          if (cached) continue
          const windowed = new Windowed<unknown>(key, new TimeWindow(start, end))
          ctx.forward(r.withKey(windowed).withValue({newValue: next, oldValue: old?.value ?? null}).withTimestamp(timestamp))
        }
      },
    }
  }
}
