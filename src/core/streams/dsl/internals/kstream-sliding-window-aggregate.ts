/**
 * count, reduce and aggregate over sliding windows (KIP-450, Kafka's
 * KStreamSlidingWindowAggregate). A window [start, start + d] (both ends
 * in it) exists for each distinct set of records d or less apart: each
 * record makes its left window [t - d, t] and, when a later record is
 * within d, its right window [t + 1, t + 1 + d]; a record updates every
 * existing window containing it. Records before d go in [0, d]. As in
 * Kafka, the key's windows are walked newest first; a window that ended
 * before stream time minus the grace is closed and not updated, and a
 * record whose own right window would be closed is dropped. Updates carry
 * the window's newest record timestamp. With the store's record cache on,
 * the store forwards each changed window's latest aggregate at the commit
 * or an eviction instead (Kafka's CachingWindowStore).
 */
import type {ProcessorContext, ProcessorSupplier} from '../../processor.js'
import {Record} from '../../record.js'
import type {WindowStore} from '../../state/window-store.js'
import {TimeWindow, Windowed, type SlidingWindows} from '../windows.js'
import type {Change} from './change.js'

interface VT {
  value: unknown
  timestamp: number
}

export function slidingWindowAggregateProcessor(storeName: string, windows: SlidingWindows, initializer: () => unknown, aggregator: (key: unknown, value: unknown, aggregate: unknown) => unknown, dropped: {count: number}): ProcessorSupplier {
  const d = windows.timeDifferenceMs()
  return () => {
    let ctx: ProcessorContext<Windowed<unknown>, Change<unknown>>
    let store: WindowStore<unknown, unknown>
    let observed = -1
    let cached = false

    const windowsOf = (key: unknown, from: number, to: number): Array<{start: number; agg: VT}> =>
      store.fetchRange(key, from, to).map((w) => ({start: w.windowStart, agg: store.fetchWithTimestamp(key, w.windowStart)!}))

    function updateAndForward(r: Record<unknown, unknown>, start: number, agg: VT | null, closeTime: number): void {
      if (start + d < closeTime) {
        dropped.count++
        return
      }
      const oldAgg = agg?.value ?? null
      const newAgg = aggregator(r.key(), r.value(), oldAgg)
      const ts = oldAgg === null ? r.timestamp() : Math.max(r.timestamp(), agg!.timestamp)
      store.put(r.key(), newAgg, start, ts)
      forward(r.key(), start, newAgg, oldAgg, ts)
    }

    function forward(key: unknown, start: number, newValue: unknown, oldValue: unknown, timestamp: number): void {
      if (cached) return // the store forwards at its flush
      ctx.forward(new Record(new Windowed(key, new TimeWindow(start, start + d)), {newValue, oldValue}, timestamp))
    }

    function createCurrentRecordRightWindow(r: Record<unknown, unknown>, rightWinAgg: VT): void {
      const start = r.timestamp() + 1
      store.put(r.key(), rightWinAgg.value, start, rightWinAgg.timestamp)
      forward(r.key(), start, rightWinAgg.value, null, rightWinAgg.timestamp)
    }

    function createWindows(r: Record<unknown, unknown>, closeTime: number, starts: Set<number>, rightWinAgg: VT | null, leftWinAgg: VT | null, leftCreated: boolean, rightCreated: boolean, previous: number | null): void {
      const t = r.timestamp()
      if (previous !== null) {
        const prevRightStart = previous + 1
        if (!starts.has(prevRightStart) && prevRightStart + d >= t) updateAndForward(r, prevRightStart, {value: initializer(), timestamp: t}, closeTime)
      }
      if (!leftCreated) {
        const leftNotEmpty = previous !== null && t - d <= previous
        updateAndForward(r, t - d, {value: leftNotEmpty ? leftWinAgg!.value : initializer(), timestamp: t}, closeTime)
      }
      if (!rightCreated && rightWinAgg !== null && rightWinAgg.timestamp > t) createCurrentRecordRightWindow(r, rightWinAgg)
    }

    function processReverse(r: Record<unknown, unknown>, closeTime: number): void {
      const t = r.timestamp()
      const starts = new Set<number>()
      let leftWinAgg: VT | null = null
      let rightWinAgg: VT | null = null
      let leftCreated = false
      let rightCreated = false
      let previous: number | null = null
      for (const w of windowsOf(r.key(), Math.max(0, t - 2 * d), t + 1).reverse()) {
        starts.add(w.start)
        const end = w.start + d
        if (w.start === t + 1) rightCreated = true
        else if (end > t) {
          rightWinAgg ??= w.agg
          updateAndForward(r, w.start, w.agg, closeTime)
        } else if (end === t) {
          leftCreated = true
          updateAndForward(r, w.start, w.agg, closeTime)
          if (w.agg.timestamp < t) previous = w.agg.timestamp
          else return // a record at this very timestamp came before: every window this one needs exists
        } else {
          leftWinAgg = w.agg
          previous = w.agg.timestamp
          break
        }
      }
      createWindows(r, closeTime, starts, rightWinAgg, leftWinAgg, leftCreated, rightCreated, previous)
    }

    /** A record before d: its left window would start before 0, so it goes in [0, d] (Kafka's processEarly). */
    function processEarly(r: Record<unknown, unknown>, closeTime: number): void {
      const t = r.timestamp()
      let combined: {start: number; agg: VT} | null = null
      let rightWinAgg: VT | null = null
      let rightCreated = false
      const starts = new Set<number>()
      let previous: number | null = null
      for (const w of windowsOf(r.key(), 0, t + 1)) {
        starts.add(w.start)
        if (w.start === 0) {
          combined = w
          if (w.agg.timestamp < t) previous = w.agg.timestamp
        } else if (w.start <= t) {
          rightWinAgg = w.agg
          updateAndForward(r, w.start, w.agg, closeTime)
        } else if (w.start === t + 1) rightCreated = true
      }
      if (rightWinAgg === null && combined !== null && combined.agg.timestamp > t) rightWinAgg = combined.agg
      if (!rightCreated && rightWinAgg !== null && rightWinAgg.timestamp > t) createCurrentRecordRightWindow(r, rightWinAgg)
      if (previous !== null && !starts.has(previous + 1)) updateAndForward(r, previous + 1, {value: initializer(), timestamp: t}, closeTime)
      if (combined === null) updateAndForward(r, 0, {value: initializer(), timestamp: t}, closeTime)
      else updateAndForward(r, 0, combined.agg, closeTime)
    }

    return {
      init(c) {
        ctx = c as ProcessorContext<Windowed<unknown>, Change<unknown>>
        store = ctx.getStateStore(storeName)
        cached = store.setFlushListener?.((key, start, newValue, oldValue, timestamp, headers) => ctx.forward(new Record(new Windowed(key, new TimeWindow(start, start + d)), {newValue, oldValue}, timestamp, headers ?? undefined))) ?? false
      },
      process(r) {
        if (r.key() === null || r.key() === undefined || r.value() === null || r.value() === undefined) return
        observed = Math.max(observed, r.timestamp())
        const closeTime = observed - windows.gracePeriodMs()
        if (r.timestamp() + d < closeTime) {
          dropped.count++
          return
        }
        if (r.timestamp() < d) processEarly(r, closeTime)
        else processReverse(r, closeTime)
      },
    }
  }
}
