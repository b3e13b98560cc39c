/**
 * Kafka's ChangedSerializer/ChangedDeserializer: how KTable.groupBy sends a
 * Change through its repartition topic, byte for byte as Kafka 3.5+ writes
 * it (KIP-904): only the old value then a 0 byte; only the new value then
 * a 1; both as the new value's length (zigzag varint), the new value, the
 * old value, then a 2. The inner serde left null is the app's default
 * (set by the task that uses it, as Kafka's WrappingNullableSerde).
 */
import {ByteCursor, sizeOfVarint, writeVarint} from '../../../codec/varint.js'
import type {Serde} from '../../serdes.js'
import {StreamsError} from '../../streams-error.js'
import type {Change} from './change.js'

export class ChangedSerde<V> implements Serde<Change<V>> {
  constructor(private inner: Serde<V> | null) {}

  /** The task's defaults, for a serde the topology left unset. @internal */
  setIfUnset(_defaultKey: Serde<unknown>, defaultValue: Serde<unknown>): void {
    this.inner ??= defaultValue as Serde<V>
  }

  serialize(topic: string, data: Change<V> | null): Buffer | null {
    if (data === null || data === undefined) return null
    const inner = this.innerSerde()
    const n = data.newValue === null ? null : inner.serialize(topic, data.newValue)
    const o = data.oldValue === null ? null : inner.serialize(topic, data.oldValue)
    if (n !== null && o !== null) {
      const out = Buffer.allocUnsafe(sizeOfVarint(n.length) + n.length + o.length + 1)
      let p = writeVarint(out, 0, n.length)
      p += n.copy(out, p)
      p += o.copy(out, p)
      out[p] = 2
      return out
    }
    if (n !== null) return Buffer.concat([n, Buffer.from([1])])
    if (o !== null) return Buffer.concat([o, Buffer.from([0])])
    throw new StreamsError(`topic ${topic}: a change with neither an old nor a new value cannot be written`)
  }

  deserialize(topic: string, data: Buffer | null): Change<V> | null {
    if (data === null || data === undefined) return null
    if (data.length < 1) throw new StreamsError(`topic ${topic}: an empty change record`)
    const inner = this.innerSerde()
    const flag = data[data.length - 1]
    const body = data.subarray(0, data.length - 1)
    if (flag === 0) return {newValue: null, oldValue: inner.deserialize(topic, body) as V}
    if (flag === 1) return {newValue: inner.deserialize(topic, body) as V, oldValue: null}
    if (flag !== 2) throw new StreamsError(`topic ${topic}: a change record ends in ${flag}, not 0, 1 or 2`)
    const c = new ByteCursor(body)
    const len = c.readVarint()
    if (len < 0 || c.pos + len > body.length) throw new StreamsError(`topic ${topic}: a change record says its new value has ${len} bytes, more than it has`)
    return {newValue: inner.deserialize(topic, body.subarray(c.pos, c.pos + len)) as V, oldValue: inner.deserialize(topic, body.subarray(c.pos + len)) as V}
  }

  private innerSerde(): Serde<V> {
    if (this.inner === null) throw new StreamsError('a change serde was used before its task set its value serde')
    return this.inner
  }
}
