/**
 * Kafka Streams' `processor.api.Record`: an immutable key, value,
 * timestamp and headers; the with* methods return a new record, so a
 * processor that forwards a changed copy never alters what another child
 * was given. Headers are Kafka's Headers (ordered, repeatable keys).
 */
export interface Header {
  key: string
  value: Buffer | null
}

export class Headers {
  private readonly list: Header[]

  constructor(headers?: Iterable<Header>) {
    this.list = []
    // An array is copied by index (no iterator, nothing for an empty one): a Headers is made per record.
    if (Array.isArray(headers)) for (let i = 0; i < headers.length; i++) this.list.push({key: headers[i].key, value: headers[i].value})
    else if (headers) for (const h of headers) this.list.push({key: h.key, value: h.value})
  }

  /** How many headers there are. */
  get size(): number {
    return this.list.length
  }

  add(key: string, value: Buffer | string | null): this {
    this.list.push({key, value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value})
    return this
  }

  remove(key: string): this {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i].key === key) this.list.splice(i, 1)
    return this
  }

  lastHeader(key: string): Header | null {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i].key === key) return this.list[i]
    return null
  }

  headers(key: string): Header[] {
    return this.list.filter((h) => h.key === key)
  }

  toArray(): Header[] {
    return [...this.list]
  }

  [Symbol.iterator](): Iterator<Header> {
    return this.list[Symbol.iterator]()
  }

  copy(): Headers {
    return new Headers(this.list)
  }
}

export class Record<K, V> {
  readonly #key: K
  readonly #value: V
  readonly #timestamp: number
  readonly #headers: Headers

  constructor(key: K, value: V, timestamp: number, headers: Headers = new Headers()) {
    if (!Number.isFinite(timestamp) || timestamp < 0) throw new RangeError(`a record's timestamp must be a non-negative number, not ${timestamp}`)
    this.#key = key
    this.#value = value
    this.#timestamp = timestamp
    this.#headers = headers
  }

  key(): K {
    return this.#key
  }

  value(): V {
    return this.#value
  }

  timestamp(): number {
    return this.#timestamp
  }

  headers(): Headers {
    return this.#headers
  }

  withKey<K2>(key: K2): Record<K2, V> {
    return new Record(key, this.#value, this.#timestamp, this.#headers)
  }

  withValue<V2>(value: V2): Record<K, V2> {
    return new Record(this.#key, value, this.#timestamp, this.#headers)
  }

  withTimestamp(timestamp: number): Record<K, V> {
    return new Record(this.#key, this.#value, timestamp, this.#headers)
  }

  withHeaders(headers: Headers): Record<K, V> {
    return new Record(this.#key, this.#value, this.#timestamp, headers)
  }
}

/** Where the record being processed came from; null inside a punctuator. */
export interface RecordMetadata {
  topic: string
  partition: number
  offset: number
}
