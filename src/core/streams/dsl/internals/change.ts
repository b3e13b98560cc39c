/**
 * What a KTable's processors forward: the key's new value and, when a
 * downstream operation needs it (a groupBy subtractor, a join), its old
 * one (Kafka's Change). A null newValue is a delete.
 */
export interface Change<V> {
  newValue: V | null
  oldValue: V | null
}
