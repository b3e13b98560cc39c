/**
 * org.apache.kafka.connect.transforms.InsertHeader: adds the header
 * `header` with `value.literal`, read as Kafka's Values.parseString reads
 * it (true/false a boolean, an integer the narrowest integer type, else a
 * float or the string).
 */
import {ConfigDef, NonEmptyString} from '../api/config-def.js'
import type {ConnectRecord} from '../api/connect-record.js'
import type {Props} from '../api/connector.js'
import type {SchemaAndValue} from '../api/schema.js'
import type {Transformation} from '../api/transformation.js'
import {parseHeaderString} from '../converters/simple-header-converter.js'

const CONFIG = new ConfigDef()
  .define({name: 'header', type: 'STRING', validator: NonEmptyString, importance: 'HIGH', documentation: 'The name of the header.'})
  .define({name: 'value.literal', type: 'STRING', validator: NonEmptyString, importance: 'HIGH', documentation: 'The literal value that is to be set as the header value on all records.'})

export class InsertHeader implements Transformation {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.InsertHeader'
  private header = ''
  private literal: SchemaAndValue = {schema: null, value: null}

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    const c = CONFIG.parse(props)
    this.header = c.header as string
    this.literal = parseHeaderString(c['value.literal'] as string)
  }

  apply<R extends ConnectRecord>(record: R): R {
    const headers = record.headers.duplicate().add(this.header, this.literal.value, this.literal.schema)
    return record.newRecord({headers})
  }

  close(): void {}
}
