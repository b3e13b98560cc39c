/**
 * count, reduce and aggregate over session windows (Kafka's
 * KStreamSessionWindowAggregate). A record with a null key is skipped.
 * Otherwise every session of its key that ends within the inactivity gap
 * before it or starts within the gap after it is merged with it into one
 * session: the old sessions are removed and forwarded as deletes (their
 * old aggregate, a null new one), their aggregates merged with the merger,
 * the record added, and the merged session forwarded. A record whose
 * merged session ended before stream time minus the grace and the gap is
 * late and dropped. Updates are stamped with the session's end.
 */
import type {ProcessorContext, ProcessorSupplier} from '../../processor.js'
import {Record} from '../../record.js'
import type {SessionStore} from '../../state/session-store.js'
import {SessionWindow, type SessionWindows, Windowed} from '../windows.js'
import type {Change} from './change.js'
import type {ValueGetterSupplier} from './ktable-value-getter.js'

export function sessionWindowAggregateProcessor(storeName: string, windows: SessionWindows, initializer: () => unknown, aggregator: (key: unknown, value: unknown, aggregate: unknown) => unknown, merger: (key: unknown, a: unknown, b: unknown) => unknown, dropped: {count: number}): ProcessorSupplier {
  const gap = windows.inactivityGap()
  return () => {
    let ctx: ProcessorContext<Windowed<unknown>, Change<unknown>>
    let store: SessionStore<unknown, unknown>
    let observed = -1
    const forward = (key: unknown, start: number, end: number, newValue: unknown, oldValue: unknown) => ctx.forward(new Record(new Windowed(key, new SessionWindow(start, end)), {newValue, oldValue}, end))
    return {
      init(c) {
        ctx = c as ProcessorContext<Windowed<unknown>, Change<unknown>>
        store = ctx.getStateStore(storeName)
      },
      process(r) {
        const key = r.key()
        if (key === null || key === undefined) return
        const ts = r.timestamp()
        observed = Math.max(observed, ts)
        const closeTime = observed - windows.gracePeriodMs() - gap
        let start = ts
        let end = ts
        let agg = initializer()
        const merged = store.findSessions(key, ts - gap, ts + gap)
        for (const s of merged) {
          agg = merger(key, agg, s.value)
          start = Math.min(start, s.start)
          end = Math.max(end, s.end)
        }
        if (end < closeTime) {
          dropped.count++
          return
        }
        if (start !== ts || end !== ts) {
          for (const s of merged) {
            store.remove(key, s.start, s.end)
            forward(key, s.start, s.end, null, s.value)
          }
        }
        agg = aggregator(key, r.value(), agg)
        store.put(key, start, end, agg)
        forward(key, start, end, agg, null)
      },
    }
  }
}

/** A session table's value for a Windowed key: that session's aggregate. */
export function sessionGetter(storeName: string): ValueGetterSupplier {
  return {
    storeNames: [storeName],
    get(ctx) {
      const store = ctx.getStateStore<SessionStore<unknown, unknown>>(storeName)
      return (key) => {
        const w = key as Windowed<unknown>
        const v = store.fetchSession(w.key, w.window.start(), w.window.end())
        return v === null ? null : {value: v, timestamp: w.window.end()}
      }
    },
  }
}
