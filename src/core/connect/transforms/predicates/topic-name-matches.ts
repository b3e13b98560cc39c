/** org.apache.kafka.connect.transforms.predicates.TopicNameMatches: true when `pattern` matches the whole topic name. */
import {ConfigDef} from '../../api/config-def.js'
import type {ConnectRecord} from '../../api/connect-record.js'
import type {Props} from '../../api/connector.js'
import type {Predicate} from '../../api/transformation.js'
import {wholeMatch} from '../regex-router.js'

const CONFIG = new ConfigDef().define({name: 'pattern', type: 'STRING', importance: 'MEDIUM', documentation: 'A Java regular expression for matching against the name of a record\'s topic.'})

export class TopicNameMatches implements Predicate {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches'
  private pattern = /$^/

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    this.pattern = wholeMatch('pattern', CONFIG.parse(props).pattern as string)
  }

  test(record: ConnectRecord): boolean {
    return record.topic !== null && this.pattern.test(record.topic)
  }

  close(): void {}
}
