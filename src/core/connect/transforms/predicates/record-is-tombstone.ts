/** org.apache.kafka.connect.transforms.predicates.RecordIsTombstone: true when the record's value is null. */
import {ConfigDef} from '../../api/config-def.js'
import type {ConnectRecord} from '../../api/connect-record.js'
import type {Predicate} from '../../api/transformation.js'

export class RecordIsTombstone implements Predicate {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.predicates.RecordIsTombstone'

  config(): ConfigDef {
    return new ConfigDef()
  }

  configure(): void {}

  test(record: ConnectRecord): boolean {
    return record.value === null
  }

  close(): void {}
}
