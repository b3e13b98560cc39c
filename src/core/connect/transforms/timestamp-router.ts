/**
 * org.apache.kafka.connect.transforms.TimestampRouter: the topic becomes
 * `topic.format` with ${topic} the old topic and ${timestamp} the record's
 * timestamp in `timestamp.format` (SimpleDateFormat, UTC), e.g. a daily
 * table name `events-20261202`.
 */
import {ConnectDataError} from '../../errors.js'
import {ConfigDef} from '../api/config-def.js'
import type {ConnectRecord} from '../api/connect-record.js'
import type {Props} from '../api/connector.js'
import type {Transformation} from '../api/transformation.js'
import {SimpleDateFormat} from './simple-date-format.js'

const CONFIG = new ConfigDef()
  .define({name: 'topic.format', type: 'STRING', defaultValue: '${topic}-${timestamp}', importance: 'HIGH', documentation: 'Format string which can contain ${topic} and ${timestamp} as placeholders for the topic and timestamp, respectively.'})
  .define({name: 'timestamp.format', type: 'STRING', defaultValue: 'yyyyMMdd', importance: 'HIGH', documentation: 'Format string for the timestamp that is compatible with java.text.SimpleDateFormat.'})

export class TimestampRouter implements Transformation {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.TimestampRouter'
  private topicFormat = ''
  private format = new SimpleDateFormat('yyyyMMdd')

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    const c = CONFIG.parse(props)
    this.topicFormat = c['topic.format'] as string
    this.format = new SimpleDateFormat(c['timestamp.format'] as string)
  }

  apply<R extends ConnectRecord>(record: R): R {
    if (record.timestamp === null) throw new ConnectDataError(`Timestamp missing on record: topic ${record.topic}`)
    const stamp = this.format.format(new Date(record.timestamp))
    return record.newRecord({topic: this.topicFormat.replaceAll('${topic}', record.topic).replaceAll('${timestamp}', stamp)})
  }

  close(): void {}
}
