/**
 * Table-table joins (Kafka's KTableKTableInnerJoin, KTableKTableLeftJoin,
 * KTableKTableRightJoin, KTableKTableOuterJoin and KTableKTableJoinMerger).
 * An update on either side looks the other side's current value up and
 * forwards the join's new value and, from the update's old value, its old
 * one, stamped with the larger of the two timestamps; a null result is a
 * delete. Which updates emit follows from the variant:
 *
 * - inner: only while the other side has the key; a delete on this side
 *   then deletes the result;
 * - left: the left side always emits (the right null where it has none),
 *   the right side only while the left has the key;
 * - outer: either side emits unless both are now and were before null.
 *
 * Records without a key are dropped.
 */
import type {ProcessorContext, ProcessorSupplier} from '../../processor.js'
import type {KeyValueStore} from '../../state/key-value-store.js'
import type {Change} from './change.js'
import type {ValueGetter, ValueGetterSupplier} from './ktable-value-getter.js'

export type TableJoinKind = 'inner' | 'left' | 'outer'

/**
 * One side's processor. `thisIsLeft` says which argument of the joiner
 * this side's value is; `thisOuter` whether this side emits with the other
 * side missing, `otherOuter` whether the other side's value may be missing
 * from the result (so this side's missing value still emits).
 */
export function tableJoinProcessor(other: ValueGetterSupplier, joiner: (l: unknown, r: unknown, key: unknown) => unknown, thisIsLeft: boolean, kind: TableJoinKind): ProcessorSupplier {
  const join = (mine: unknown, theirs: unknown, key: unknown) => (thisIsLeft ? joiner(mine, theirs, key) : joiner(theirs, mine, key))
  // Does this side emit without the other side's value? left: only the left side; outer: both.
  const thisEmitsAlone = kind === 'outer' || (kind === 'left' && thisIsLeft)
  // Does the other side emit without this side's value (so a null here still makes a result)? outer: yes; left: for the right side, yes.
  const otherEmitsAlone = kind === 'outer' || (kind === 'left' && !thisIsLeft)
  return () => {
    let ctx: ProcessorContext<unknown, Change<unknown>>
    let getter: ValueGetter
    return {
      init(c) {
        ctx = c as ProcessorContext<unknown, Change<unknown>>
        getter = other.get(ctx as ProcessorContext)
      },
      process(r) {
        const key = r.key()
        if (key === null || key === undefined) return
        const change = r.value() as Change<unknown>
        const theirs = getter(key)
        if (theirs === null && !thisEmitsAlone) return
        if (theirs === null && change.newValue === null && change.oldValue === null) return
        const timestamp = theirs === null ? r.timestamp() : Math.max(r.timestamp(), theirs.timestamp)
        const otherValue = theirs?.value ?? null
        const result = (mine: unknown) => (mine === null ? (otherEmitsAlone && otherValue !== null ? join(null, otherValue, key) : null) : join(mine, otherValue, key))
        ctx.forward(r.withValue({newValue: result(change.newValue), oldValue: result(change.oldValue)}).withTimestamp(timestamp))
      },
    }
  }
}

/** After both sides: keeps the result in its store when the join is materialized, and passes each change on. */
export function tableJoinMergeProcessor(storeName: string | null): ProcessorSupplier {
  return () => {
    let ctx: ProcessorContext
    let store: KeyValueStore<unknown, unknown> | null = null
    return {
      init(c) {
        ctx = c
        if (storeName !== null) store = ctx.getStateStore<KeyValueStore<unknown, unknown>>(storeName)
      },
      process(r) {
        store?.put(r.key(), (r.value() as Change<unknown>).newValue, r.timestamp())
        ctx.forward(r)
      },
    }
  }
}

/** The join's value getter when it is not materialized: both sides' getters, joined as the variant joins. */
export function tableJoinGetter(left: ValueGetterSupplier, right: ValueGetterSupplier, joiner: (l: unknown, r: unknown, key: unknown) => unknown, kind: TableJoinKind): ValueGetterSupplier {
  return {
    storeNames: [...left.storeNames, ...right.storeNames],
    get(ctx) {
      const l = left.get(ctx)
      const r = right.get(ctx)
      return (key) => {
        const lv = l(key)
        const rv = r(key)
        if (lv === null && (kind !== 'outer' || rv === null)) return null
        if (rv === null && kind === 'inner') return null
        return {value: joiner(lv?.value ?? null, rv?.value ?? null, key), timestamp: Math.max(lv?.timestamp ?? 0, rv?.timestamp ?? 0)}
      }
    },
  }
}
