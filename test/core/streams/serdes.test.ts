/** Serdes write the bytes Kafka's Java serdes write, and refuse what they cannot read or hold. */
import {expect, test} from 'vitest'
import {type Serde, Serdes, StreamsError} from '../../../src/index.js'
import {resolveSerde} from '../../../src/core/streams/serdes.js'
import {Rng, testSeed} from '../support.js'

test('the binary serdes are big-endian, as Kafka\'s', () => {
  expect(Serdes.Long().serialize('t', 3)!.toString('hex')).toBe('0000000000000003')
  expect(Serdes.Long().serialize('t', -1)!.toString('hex')).toBe('ffffffffffffffff')
  expect(Serdes.Integer().serialize('t', 258)!.toString('hex')).toBe('00000102')
  expect(Serdes.Short().serialize('t', -2)!.toString('hex')).toBe('fffe')
  expect(Serdes.Double().serialize('t', 1.5)!.toString('hex')).toBe('3ff8000000000000')
  expect(Serdes.Float().serialize('t', 1.5)!.toString('hex')).toBe('3fc00000')
  expect(Serdes.UUID().serialize('t', '123E4567-E89B-12D3-A456-426614174000')!.toString()).toBe('123e4567-e89b-12d3-a456-426614174000')
  expect(Serdes.String().serialize('t', 'é')!.toString('hex')).toBe('c3a9')
  for (const [serde, v] of [[Serdes.Long(), 2 ** 40], [Serdes.Integer(), -7], [Serdes.Double(), Math.PI], [Serdes.String(), 'x'], [Serdes.JSON(), {a: [1]}]] as const) {
    const s = serde as Serde<unknown>
    expect(s.deserialize('t', s.serialize('t', v))).toEqual(v)
  }
  expect(Serdes.BigLong().deserialize('t', Buffer.from('7fffffffffffffff', 'hex'))).toBe(2n ** 63n - 1n)
})

test('null stays null both ways (a tombstone stays one)', () => {
  for (const s of [Serdes.String(), Serdes.Long(), Serdes.Integer(), Serdes.ByteArray(), Serdes.JSON(), Serdes.UUID()]) {
    expect(s.serialize('t', null as never)).toBeNull()
    expect(s.deserialize('t', null)).toBeNull()
  }
})

test('what a serde cannot read or hold is refused, naming the topic', () => {
  expect(() => Serdes.Long().deserialize('orders', Buffer.alloc(4))).toThrow(/Long serde: a value in topic orders is 4 bytes, not 8/)
  expect(() => Serdes.Long().deserialize('t', Buffer.from('7fffffffffffffff', 'hex'))).toThrow(StreamsError)
  expect(() => Serdes.Integer().serialize('t', 2 ** 31)).toThrow(/not an integer/)
  expect(() => Serdes.JSON().deserialize('events', Buffer.from('{nope'))).toThrow(/JSON serde: a value in topic events is not JSON/)
  expect(() => Serdes.UUID().serialize('t', 'not-a-uuid')).toThrow(/is not a UUID/)
})

test("Kafka's serde class names resolve; an unknown one is refused with the list", () => {
  expect(resolveSerde('org.apache.kafka.common.serialization.Serdes$LongSerde', 'x')).toBe(Serdes.Long())
  expect(resolveSerde('org.apache.kafka.common.serialization.Serdes$StringSerde', 'x')).toBe(Serdes.String())
  expect(() => resolveSerde('com.example.MySerde', 'default.value.serde')).toThrow(/default.value.serde: com.example.MySerde is not a serde logpipe knows/)
})

test("Long's halves agree with BigInt's int64 on the edges of the safe range and on random values; outside it, a read is refused and a write too", () => {
  const L = Serdes.Long()
  const edges = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 32 - 1, 2 ** 32, -(2 ** 32), -(2 ** 32) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 52, -(2 ** 52)]
  const rng = new Rng(testSeed())
  for (let i = 0; i < 2000; i++) edges.push(Math.floor((rng.next() * 2 - 1) * Number.MAX_SAFE_INTEGER))
  for (const v of edges) {
    const want = Buffer.alloc(8)
    want.writeBigInt64BE(BigInt(v))
    expect(L.serialize('t', v)!.toString('hex'), String(v)).toBe(want.toString('hex'))
    expect(L.deserialize('t', want)).toBe(v)
  }
  for (const big of [2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)]) {
    const b = Buffer.alloc(8)
    b.writeBigInt64BE(big)
    expect(() => L.deserialize('t', b), String(big)).toThrow(/does not fit a JavaScript number exactly/)
  }
  expect(() => L.serialize('t', 2 ** 53)).toThrow(StreamsError)
})
