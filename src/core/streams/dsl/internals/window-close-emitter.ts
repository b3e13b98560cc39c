/**
 * EmitStrategy.onWindowClose for the time and sliding window
 * aggregations (Kafka's AbstractKStreamTimeWindowAggregateProcessor with
 * ON_WINDOW_CLOSE): the aggregation updates its store and forwards
 * nothing; each record first emits every window that stream time (the
 * largest timestamp of a record with a key and a value) has closed since
 * the last emit, by window start then key, as a change with no old value,
 * stamped with the window's latest record timestamp.
 *
 * Closed windows are emitted before the record updates the store: the
 * record cannot change a closed window, and the put that moves the store's
 * retention may drop a window that just closed.
 *
 * The emit position is not stored: after a restart, closed windows still
 * inside the store's retention are emitted again (at-least-once, as the
 * rest of the app's output).
 */
import type {ProcessorContext, ProcessorSupplier} from '../../processor.js'
import {supplied} from '../../processor.js'
import {Record} from '../../record.js'
import type {WindowStore} from '../../state/window-store.js'
import {TimeWindow, Windowed} from '../windows.js'
import type {Change} from './change.js'

export interface ClosingWindows {
  /** A window's end, from its start. */
  sizeMs: number
  graceMs: number
  /** The largest window start that is closed at `closeTime` (stream time minus the grace). */
  lastClosedStart(closeTime: number): number
}

export function emitOnWindowClose(inner: ProcessorSupplier, storeName: string, windows: ClosingWindows): ProcessorSupplier {
  return () => {
    const processor = supplied(inner)
    let ctx: ProcessorContext<Windowed<unknown>, Change<unknown>>
    let store: WindowStore<unknown, unknown>
    let observed = -1
    let emittedUpTo = -1
    return {
      init(c) {
        ctx = c as ProcessorContext<Windowed<unknown>, Change<unknown>>
        store = ctx.getStateStore(storeName)
        processor.init?.({...c, forward: () => {}})
      },
      process(r) {
        const key = r.key()
        const value = r.value()
        if (key !== null && key !== undefined && value !== null && value !== undefined && r.timestamp() > observed) {
          observed = r.timestamp()
          const upTo = windows.lastClosedStart(observed - windows.graceMs)
          if (upTo > emittedUpTo) {
            for (const w of store.fetchAll(emittedUpTo + 1, upTo)) {
              const timestamp = store.fetchWithTimestamp(w.key, w.windowStart)?.timestamp ?? w.windowStart
              ctx.forward(new Record(new Windowed(w.key, new TimeWindow(w.windowStart, w.windowStart + windows.sizeMs)), {newValue: w.value, oldValue: null}, timestamp))
            }
            emittedUpTo = upTo
          }
        }
        processor.process(r)
      },
      close() {
        processor.close?.()
      },
    }
  }
}
