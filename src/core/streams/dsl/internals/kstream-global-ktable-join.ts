/**
 * A stream joined with a GlobalKTable (Kafka's KStreamGlobalKTableJoin):
 * the key selector maps each stream record to the table's key, which is
 * looked up in the global store as it is at that moment; the stream keeps
 * its own key. The stream need not be co-partitioned (or repartitioned):
 * every task sees the whole table. A null value is dropped; a null lookup
 * key or a missing row drops the record in the inner join and joins it
 * with null in the left join.
 */
import type {ProcessorContext, ProcessorSupplier} from '../../processor.js'
import type {KeyValueStore} from '../../state/key-value-store.js'

export function streamGlobalTableJoinProcessor(storeName: string, keySelector: (key: unknown, value: unknown) => unknown, joiner: (streamValue: unknown, tableValue: unknown, key: unknown) => unknown, left: boolean): ProcessorSupplier {
  return () => {
    let ctx: ProcessorContext
    let table: KeyValueStore<unknown, unknown>
    return {
      init(c) {
        ctx = c
        table = ctx.getStateStore(storeName)
      },
      process(r) {
        const value = r.value()
        if (value === null || value === undefined) return
        const lookup = keySelector(r.key(), value)
        const other = lookup === null || lookup === undefined ? null : table.get(lookup)
        if (other === null && !left) return
        ctx.forward(r.withValue(joiner(value, other, r.key())))
      },
    }
  }
}
