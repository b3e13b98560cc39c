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
 * The emit position is kept as Kafka keeps it: the window close time of
 * the last emit goes into the task's processor metadata under the store's
 * name (Kafka's addProcessorMetadataKeyValue), which the runtime commits
 * with the input offsets, and a task restarted from that commit emits only
 * windows closing after it: a closed window still inside the store's
 * retention is not emitted again, and one that closed after the commit is
 * emitted by the records processed again (so, as any output, at least
 * once: twice only when its first emit came after the last commit).
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
        // The close time of the last emit before the commit this task starts from: windows closed by then went out already.
        const emittedClose = c.processorMetadataForKey?.(storeName) ?? null
        if (emittedClose !== null) emittedUpTo = windows.lastClosedStart(emittedClose)
        processor.init?.({...c, forward: () => {}})
      },
      process(r) {
        const key = r.key()
        const value = r.value()
        if (key !== null && key !== undefined && value !== null && value !== undefined && r.timestamp() > observed) {
          observed = r.timestamp()
          const closeTime = observed - windows.graceMs
          const upTo = windows.lastClosedStart(closeTime)
          if (upTo > emittedUpTo) {
            for (const w of store.fetchAll(emittedUpTo + 1, upTo)) {
              const timestamp = store.fetchWithTimestamp(w.key, w.windowStart)?.timestamp ?? w.windowStart
              ctx.forward(new Record(new Windowed(w.key, new TimeWindow(w.windowStart, w.windowStart + windows.sizeMs)), {newValue: w.value, oldValue: null}, timestamp))
            }
            emittedUpTo = upTo
            ctx.addProcessorMetadataKeyValue?.(storeName, closeTime)
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
