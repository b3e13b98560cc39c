/**
 * A stream joined with a table (Kafka's KStreamKTableJoin): each stream
 * record looks its key up in the table's store as the table is at that
 * moment (later table updates do not re-trigger: the table side never
 * emits). Inner: only records whose key the table has; left: every record,
 * the table's side null where it has none. A stream record with a null
 * value is dropped by both; one with a null key by the inner join, while
 * the left join passes it with a null table value (KIP-962).
 */
import type {ProcessorContext, ProcessorSupplier} from '../../processor.js'
import type {ValueGetter, ValueGetterSupplier} from './ktable-value-getter.js'

export function streamTableJoinProcessor(tableGetter: ValueGetterSupplier, joiner: (streamValue: unknown, tableValue: unknown, key: unknown) => unknown, left: boolean): ProcessorSupplier {
  return () => {
    let ctx: ProcessorContext<unknown, unknown>
    let table: ValueGetter
    return {
      init(c) {
        ctx = c as ProcessorContext<unknown, unknown>
        table = tableGetter.get(ctx as ProcessorContext)
      },
      process(r) {
        const key = r.key()
        const value = r.value()
        if (value === null || value === undefined) return
        const noKey = key === null || key === undefined
        if (noKey && !left) return
        const other = noKey ? null : (table(key)?.value ?? null)
        if (other === null && !left) return
        ctx.forward(r.withValue(joiner(value, other, key)))
      },
    }
  }
}
