/**
 * Kafka Connect's single message transforms and predicates, as a user
 * writes them: configure(props) once, then apply(record) per record,
 * returning the record changed (a new record, records are immutable), the
 * same record, or null to drop it. A predicate's test(record) decides
 * whether a transform applies (`transforms.NAME.predicate`,
 * `transforms.NAME.negate`). Both are found by class name like
 * connectors: built in under Kafka's names, or exported from a module on
 * plugin.path.
 */
import type {ConfigDef} from './config-def.js'
import type {ConnectRecord} from './connect-record.js'
import type {Props} from './connector.js'

export interface Transformation<R extends ConnectRecord = ConnectRecord> {
  configure(props: Props): void
  /** The transformed record, or null to drop it. */
  apply(record: R): R | null
  config(): ConfigDef
  close(): void
}

export interface Predicate<R extends ConnectRecord = ConnectRecord> {
  configure(props: Props): void
  test(record: R): boolean
  config(): ConfigDef
  close(): void
}

export type TransformationClass = new () => Transformation
export type PredicateClass = new () => Predicate
