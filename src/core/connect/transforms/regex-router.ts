/**
 * org.apache.kafka.connect.transforms.RegexRouter: a topic the `regex`
 * matches as a whole is renamed to `replacement`, where $1, $2 ... are its
 * groups (Java's Matcher.replaceFirst); other topics pass unchanged.
 */
import {ConnectConfigError} from '../../errors.js'
import {ConfigDef} from '../api/config-def.js'
import type {ConnectRecord} from '../api/connect-record.js'
import type {Props} from '../api/connector.js'
import type {Transformation} from '../api/transformation.js'

const CONFIG = new ConfigDef()
  .define({name: 'regex', type: 'STRING', importance: 'HIGH', documentation: 'Regular expression to use for matching.'})
  .define({name: 'replacement', type: 'STRING', importance: 'HIGH', documentation: 'Replacement string.'})

/** A Java regex as a JavaScript one matching the whole text (Matcher.matches). */
export function wholeMatch(setting: string, regex: string): RegExp {
  try {
    return new RegExp(`^(?:${regex})$`)
  } catch (error) {
    throw new ConnectConfigError(`Invalid value ${regex} for configuration ${setting}: ${(error as Error).message}`)
  }
}

export class RegexRouter implements Transformation {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.RegexRouter'
  private regex = /$^/
  private replacement = ''

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    const c = CONFIG.parse(props)
    this.regex = wholeMatch('regex', c.regex as string)
    // Java's replacement syntax: $n is a group, \x a literal x; JavaScript's wants $$ for a literal $.
    this.replacement = (c.replacement as string).replace(/\\(.)|\$(\d+)|\$\{(\w+)\}|\$/g, (m, lit: string | undefined, n: string | undefined, name: string | undefined) => (lit !== undefined ? (lit === '$' ? '$$' : lit) : n !== undefined ? `$${n}` : name !== undefined ? `$<${name}>` : m))
  }

  apply<R extends ConnectRecord>(record: R): R {
    if (!this.regex.test(record.topic)) return record
    return record.newRecord({topic: record.topic.replace(this.regex, this.replacement)})
  }

  close(): void {}
}
