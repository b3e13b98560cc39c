/** A Connect record's headers (Kafka's ConnectHeaders): ordered, keys may repeat, each value with its schema. */
import type {Schema} from './schema.js'

export interface ConnectHeader {
  readonly key: string
  readonly schema: Schema | null
  readonly value: unknown
}

export class ConnectHeaders implements Iterable<ConnectHeader> {
  private list: ConnectHeader[] = []

  constructor(headers?: Iterable<ConnectHeader>) {
    // No iterator for the empty headers a sink record gets per record.
    if (headers) for (const h of headers) this.list.push(h)
  }

  add(key: string, value: unknown, schema: Schema | null = null): this {
    this.list.push({key, value, schema})
    return this
  }

  addString(key: string, value: string | null): this {
    return this.add(key, value, null)
  }

  lastWithName(key: string): ConnectHeader | null {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i].key === key) return this.list[i]
    return null
  }

  allWithName(key: string): ConnectHeader[] {
    return this.list.filter((h) => h.key === key)
  }

  remove(key: string): this {
    this.list = this.list.filter((h) => h.key !== key)
    return this
  }

  get size(): number {
    return this.list.length
  }

  duplicate(): ConnectHeaders {
    return new ConnectHeaders(this.list)
  }

  [Symbol.iterator](): Iterator<ConnectHeader> {
    return this.list[Symbol.iterator]()
  }
}
