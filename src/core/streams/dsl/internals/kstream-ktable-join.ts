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
import type {KeyValueStore} from '../../state/key-value-store.js'

export function streamTableJoinProcessor(storeName: string, joiner: (streamValue: unknown, tableValue: unknown, key: unknown) => unknown, left: boolean): ProcessorSupplier {
  return () => {
    let ctx: ProcessorContext<unknown, unknown>
    let table: KeyValueStore<unknown, unknown>
    return {
      init(c) {
        ctx = c as ProcessorContext<unknown, unknown>
        table = ctx.getStateStore(storeName)
      },
      process(r) {
        const key = r.key()
        const value = r.value()
        if (value === null || value === undefined) return
        const noKey = key === null || key === undefined
        if (noKey && !left) return
        const other = noKey ? null : table.get(key)
        if (other === null && !left) return
        ctx.forward(r.withValue(joiner(value, other, key)))
      },
    }
  }
}
