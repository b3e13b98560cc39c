/**
 * org.apache.kafka.connect.transforms.ExtractField$Key / $Value: the key or
 * value becomes one of its fields (`field`), with that field's schema. With
 * `field.syntax.version=V2` a dotted path reaches into nested structs and
 * maps (backticks quote a name holding dots), as KIP-821.
 */
import {ConnectConfigError, ConnectDataError} from '../../errors.js'
import {ConfigDef, ValidString} from '../api/config-def.js'
import type {ConnectRecord} from '../api/connect-record.js'
import type {Props} from '../api/connector.js'
import type {Schema} from '../api/schema.js'
import {Struct} from '../api/struct.js'
import type {Transformation} from '../api/transformation.js'
import {operatingSchema, operatingValue, type Part, requireMapOrNull, requireStructOrNull, withPart} from './requirements.js'

const PURPOSE = 'field extraction'

const CONFIG = new ConfigDef()
  .define({name: 'field', type: 'STRING', importance: 'MEDIUM', documentation: 'Field name to extract.'})
  .define({name: 'field.syntax.version', type: 'STRING', defaultValue: 'V1', validator: ValidString.in('V1', 'V2'), importance: 'HIGH', documentation: 'V1: a field name is taken as is; V2: dots separate nested field names, backticks quote.'})
  .define({name: 'replace.null.with.default', type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: 'Whether to replace fields that have a default value and that are null to the default value.'})

/** KIP-821's path syntax: a.b.c, `a.b`.c for a name with dots. */
export function fieldPath(spec: string, version: 'V1' | 'V2'): string[] {
  if (version === 'V1') return [spec]
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < spec.length; i++) {
    const ch = spec[i]
    if (ch === '`' && (quoted ? spec[i + 1] === undefined || spec[i + 1] === '.' : cur === '')) quoted = !quoted
    else if (ch === '.' && !quoted) {
      out.push(cur)
      cur = ''
    } else cur += ch
  }
  if (quoted) throw new ConnectConfigError(`Incomplete backtick pair in field path: ${spec}`)
  out.push(cur)
  return out
}

export abstract class ExtractField implements Transformation {
  private path: string[] = []
  private replaceNull = true

  protected constructor(private readonly part: Part) {}

  config(): ConfigDef {
    return CONFIG
  }

  configure(props: Props): void {
    const c = CONFIG.parse(props)
    this.path = fieldPath(c.field as string, c['field.syntax.version'] as 'V1' | 'V2')
    this.replaceNull = c['replace.null.with.default'] as boolean
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = operatingSchema(record, this.part)
    const value = operatingValue(record, this.part)
    if (schema === null) {
      let v: unknown = requireMapOrNull(value, PURPOSE)
      for (const name of this.path) v = v === null ? null : (requireMapOrNull(v, PURPOSE)?.[name] ?? null)
      return withPart(record, this.part, null, v)
    }
    let s: Schema = schema
    let v: unknown = requireStructOrNull(value, PURPOSE)
    for (const name of this.path) {
      const f = s.type === 'STRUCT' ? s.field(name) : null
      if (!f) throw new ConnectDataError(`Unknown field: ${this.path.join('.')}`)
      v = v === null ? null : this.replaceNull ? (v as Struct).get(f) : (v as Struct).getWithoutDefault(name)
      s = f.schema
      if (v !== null && s.type === 'STRUCT' && !(v instanceof Struct)) throw new ConnectDataError(`Only Struct objects supported for [${PURPOSE}]`)
    }
    return withPart(record, this.part, s, v)
  }

  close(): void {}
}

export class ExtractFieldKey extends ExtractField {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.ExtractField$Key'
  constructor() {
    super('key')
  }
}

export class ExtractFieldValue extends ExtractField {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.transforms.ExtractField$Value'
  constructor() {
    super('value')
  }
}
