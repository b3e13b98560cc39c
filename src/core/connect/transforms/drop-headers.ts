/** org.apache.kafka.connect.transforms.DropHeaders: removes every header named in `headers`. */
import {ConfigDef} from '../api/config-def.js'
import {ConnectConfigError} from '../../errors.js'
import type {ConnectRecord} from '../api/connect-record.js'
import type {Props} from '../api/connector.js'
import {ConnectHeaders} from '../api/headers.js'
import type {Transformation} from '../api/transformation.js'

const CONFIG = new ConfigDef().define({name: 'headers', type: 'LIST', importance: 'HIGH', documentation: 'The name of the headers to be removed.'})

export class DropHeaders implements Transformation {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.DropHeaders'
  private names = new Set<string>()

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    const names = CONFIG.parse(props).headers as string[]
    if (names.length === 0) throw new ConnectConfigError('Invalid value [] for configuration headers: Empty list')
    this.names = new Set(names)
  }

  apply<R extends ConnectRecord>(record: R): R {
    const kept = new ConnectHeaders()
    for (const h of record.headers) if (!this.names.has(h.key)) kept.add(h.key, h.value, h.schema)
    return record.newRecord({headers: kept})
  }

  close(): void {}
}
