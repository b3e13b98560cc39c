/** org.apache.kafka.connect.transforms.predicates.HasHeaderKey: true when the record has at least one header named `name`. */
import {ConfigDef, NonEmptyString} from '../../api/config-def.js'
import type {ConnectRecord} from '../../api/connect-record.js'
import type {Props} from '../../api/connector.js'
import type {Predicate} from '../../api/transformation.js'

const CONFIG = new ConfigDef().define({name: 'name', type: 'STRING', validator: NonEmptyString, importance: 'MEDIUM', documentation: 'The header name.'})

export class HasHeaderKey implements Predicate {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.predicates.HasHeaderKey'
  private name = ''

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    this.name = CONFIG.parse(props).name as string
  }

  test(record: ConnectRecord): boolean {
    return record.headers.lastWithName(this.name) !== null
  }

  close(): void {}
}
