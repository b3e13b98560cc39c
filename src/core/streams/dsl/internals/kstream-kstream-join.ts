/**
 * Stream-stream joins (Kafka's KStreamJoinWindow, KStreamKStreamJoin with
 * its left and right sides, and the merge after them). Each side's
 * records go into its window store; a record arriving on one side joins
 * every record of the other side with the same key whose timestamp is
 * within the join window, stamped with the larger timestamp.
 *
 * Left and outer joins (KIP-633's fix of spurious results): a record that
 * finds no partner waits in the shared outer-join store and is emitted
 * with a null partner once stream time (the largest timestamp either side
 * has seen, shared per task) is past its window's end plus the grace; a
 * partner arriving before that removes it. A record whose window has
 * closed already is emitted at once. Kafka throttles that emit to once a
 * second of wall-clock time; here it happens on every record that moves
 * stream time, so results come no later and are the same records.
 *
 * Records with a null value are dropped; one with a null key is dropped,
 * except on an outer side, which emits it at once with a null partner
 * (KIP-962).
 */
import type {ProcessorContext, ProcessorSupplier} from '../../processor.js'
import type {JoinWindowStore, OuterJoinStore} from '../../state/join-stores.js'
import type {JoinWindows} from '../join-windows.js'

interface TimeTracker {
  streamTime: number
  minTime: number
}

/** One tracker per task, shared by the join's two sides (Kafka's TimeTrackerSupplier). */
export function timeTrackers(): (taskId: string) => TimeTracker {
  const byTask = new Map<string, TimeTracker>()
  return (taskId) => {
    let t = byTask.get(taskId)
    if (!t) byTask.set(taskId, (t = {streamTime: -1, minTime: Number.MAX_SAFE_INTEGER}))
    return t
  }
}

/** KStreamJoinWindow: remembers each keyed record of its side, and passes it on. */
export function joinWindowProcessor(storeName: string): ProcessorSupplier {
  return () => {
    let ctx: ProcessorContext
    let store: JoinWindowStore<unknown, unknown>
    return {
      init(c) {
        ctx = c
        store = ctx.getStateStore(storeName)
      },
      process(r) {
        ctx.forward(r)
        if (r.key() !== null && r.key() !== undefined && r.value() !== null && r.value() !== undefined) store.put(r.key(), r.value(), r.timestamp())
      },
    }
  }
}

export interface JoinSide {
  /** This processor's side: the left stream's or the right's. */
  left: boolean
  otherStore: string
  outerStore: string | null
  /** Emits this side's unmatched records (leftJoin's left side, outerJoin's both). */
  outer: boolean
  windows: JoinWindows
  /** (leftValue, rightValue, key), whichever side this is. */
  joiner: (leftValue: unknown, rightValue: unknown, key: unknown) => unknown
  trackers: (taskId: string) => TimeTracker
}

export function streamStreamJoinProcessor(side: JoinSide): ProcessorSupplier {
  const beforeMs = side.left ? side.windows.beforeMs : side.windows.afterMs
  const afterMs = side.left ? side.windows.afterMs : side.windows.beforeMs
  const graceMs = side.windows.gracePeriodMs()
  const join = (thisValue: unknown, otherValue: unknown, key: unknown) => (side.left ? side.joiner(thisValue, otherValue, key) : side.joiner(otherValue, thisValue, key))
  return () => {
    let ctx: ProcessorContext
    let other: JoinWindowStore<unknown, unknown>
    let outerStore: OuterJoinStore<unknown> | null = null
    let time: TimeTracker
    const windowOpen = (e: {left: boolean}) => time.minTime + (e.left ? side.windows.afterMs : side.windows.beforeMs) + graceMs >= time.streamTime

    function emitNonJoined(store: OuterJoinStore<unknown>, headersFrom: Parameters<ProcessorContext['forward']>[0]): void {
      // No minimum known (a new task, or a restored store): look. Kafka's Long.MAX_VALUE + after + grace overflows to the same effect.
      if (time.minTime !== Number.MAX_SAFE_INTEGER && time.minTime + afterMs + graceMs >= time.streamTime) return
      time.minTime = Number.MAX_SAFE_INTEGER
      let leftOpen = false
      let rightOpen = false
      for (const e of store.scan()) {
        time.minTime = e.timestamp
        if (leftOpen && rightOpen) break
        if (windowOpen(e)) {
          if (e.left) leftOpen = true
          else rightOpen = true
          continue
        }
        for (const v of e.values) {
          const out = v.left ? side.joiner(v.value, null, e.key) : side.joiner(null, v.value, e.key)
          ctx.forward(headersFrom.withKey(e.key).withValue(out).withTimestamp(e.timestamp))
        }
        store.remove(e.timestamp, e.left, e.key)
      }
    }

    return {
      init(c) {
        ctx = c
        other = ctx.getStateStore(side.otherStore)
        if (side.outerStore !== null) outerStore = ctx.getStateStore<OuterJoinStore<unknown>>(side.outerStore)
        time = side.trackers(ctx.taskId())
      },
      process(r) {
        const ts = r.timestamp()
        if (ts > time.streamTime) time.streamTime = ts
        const key = r.key()
        const value = r.value()
        if (value === null || value === undefined) return
        if (key === null || key === undefined) {
          if (side.outer) ctx.forward(r.withValue(join(value, null, key)))
          return
        }
        if (ts === time.streamTime && outerStore !== null) emitNonJoined(outerStore, r)
        const timeFrom = Math.max(0, ts - beforeMs)
        const timeTo = Math.max(0, ts + afterMs)
        const matches = other.fetch(key, timeFrom, timeTo)
        for (const m of matches) {
          // The partner is no longer waiting for one.
          outerStore?.remove(m.timestamp, !side.left, key)
          ctx.forward(r.withValue(join(value, m.value, key)).withTimestamp(Math.max(ts, m.timestamp)))
        }
        if (side.outer && matches.length === 0) {
          if (outerStore === null || timeTo < time.streamTime) ctx.forward(r.withValue(join(value, null, key)))
          else {
            time.minTime = Math.min(time.minTime, ts)
            outerStore.add(ts, side.left, key, value)
          }
        }
      },
    }
  }
}
