/**
 * org.apache.kafka.connect.transforms.Filter: drops every record it is
 * applied to, so it is used with a predicate (`transforms.NAME.predicate`)
 * to drop the records that match, or with `negate=true` those that do not.
 */
import {ConfigDef} from '../api/config-def.js'
import type {Transformation} from '../api/transformation.js'

export class Filter implements Transformation {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.Filter'

  config(): ConfigDef {
    return new ConfigDef()
  }

  configure(): void {}

  apply(): null {
    return null
  }

  close(): void {}
}
