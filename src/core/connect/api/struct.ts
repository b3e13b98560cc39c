/** Kafka Connect's Struct: the value of a STRUCT schema, field by field. */
import {ConnectDataError} from '../../errors.js'
import {type Field, Schema, validateValue, valuesEqual} from './schema.js'

export class Struct {
  readonly schema: Schema
  private readonly values: unknown[]

  constructor(schema: Schema) {
    if (schema.type !== 'STRUCT') throw new ConnectDataError('not a struct schema: ' + schema.toString())
    this.schema = schema
    this.values = new Array(schema.fields().length).fill(null)
  }

  private lookup(name: string): Field {
    const f = this.schema.field(name)
    if (!f) throw new ConnectDataError(`${name} is not a valid field name`)
    return f
  }

  /** The field's value; its schema's default when it was not set. */
  get(name: string | Field): unknown {
    const f = typeof name === 'string' ? this.lookup(name) : name
    const v = this.values[f.index]
    return v === null || v === undefined ? (f.schema.defaultValue ?? null) : v
  }

  /** The value as set, without the default. */
  getWithoutDefault(name: string): unknown {
    return this.values[this.lookup(name).index] ?? null
  }

  put(name: string | Field, value: unknown): this {
    const f = typeof name === 'string' ? this.lookup(name) : name
    validateValue(f.schema, value, f.name)
    this.values[f.index] = value ?? null
    return this
  }

  getString(name: string): string | null {
    return this.typed(name, 'STRING') as string | null
  }

  getInt32(name: string): number | null {
    return this.typed(name, 'INT32') as number | null
  }

  getInt64(name: string): number | bigint | null {
    return this.typed(name, 'INT64') as number | bigint | null
  }

  getBoolean(name: string): boolean | null {
    return this.typed(name, 'BOOLEAN') as boolean | null
  }

  getStruct(name: string): Struct | null {
    return this.typed(name, 'STRUCT') as Struct | null
  }

  private typed(name: string, type: Schema['type']): unknown {
    const f = this.lookup(name)
    if (f.schema.type !== type) throw new ConnectDataError(`field '${name}' is not of type ${type}`)
    return this.get(f)
  }

  /** Every required field is set (or defaulted), every value fits. */
  validate(): void {
    for (const f of this.schema.fields()) validateValue(f.schema, this.values[f.index], f.name)
  }

  equals(other: unknown): boolean {
    if (!(other instanceof Struct) || !this.schema.equals(other.schema)) return false
    return this.values.every((v, i) => valuesEqual(v, other.values[i]))
  }

  toString(): string {
    return `Struct{${this.schema
      .fields()
      .filter((f) => this.values[f.index] !== null)
      .map((f) => `${f.name}=${String(this.values[f.index])}`)
      .join(',')}}`
  }
}
