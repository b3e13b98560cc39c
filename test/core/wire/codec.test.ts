/**
 * The primitives under the schemas: compact (KIP-482) and classic encodings
 * against kafkajs's encoder and decoder, range checks on writing, and the
 * reader's refusals.
 */
import {createRequire} from 'node:module'
import {describe, expect, test} from 'vitest'
import {WireDecodeError} from '../../../src/core/errors.js'
import {Reader} from '../../../src/core/wire/codec/reader.js'
import {Writer, sizeOfUnsignedVarint} from '../../../src/core/wire/codec/writer.js'

const require = createRequire(import.meta.url)
const KafkajsEncoder = require('kafkajs/src/protocol/encoder')
const KafkajsDecoder = require('kafkajs/src/protocol/decoder')

function written(size: number, fn: (w: Writer) => void): Buffer {
  const w = new Writer(size)
  fn(w)
  expect(w.pos, 'the sizer and the writer agree').toBe(size)
  return w.finish()
}

describe('unsigned varints', () => {
  test.each([0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1])('%i as kafkajs writes and reads it', (n) => {
    const ours = written(sizeOfUnsignedVarint(n), (w) => w.unsignedVarint(n))
    expect(ours.toString('hex')).toBe(new KafkajsEncoder().writeUVarInt(n).buffer.toString('hex'))
    expect(new Reader(ours).unsignedVarint()).toBe(n)
    expect(new KafkajsDecoder(ours).readUVarInt() >>> 0).toBe(n)
  })

  test('longer than 32 bits or cut short is refused', () => {
    expect(() => new Reader(Buffer.from('ffffffff1f', 'hex')).unsignedVarint()).toThrow(WireDecodeError)
    expect(() => new Reader(Buffer.from('ffff', 'hex')).unsignedVarint()).toThrow(WireDecodeError)
  })
})

describe('strings and bytes', () => {
  test.each(['', 'orders', 'ünïcødé', 'x'.repeat(200)])('compact string %j is kafkajs UVarIntString', (s) => {
    const n = Buffer.byteLength(s)
    const ours = written(sizeOfUnsignedVarint(n + 1) + n, (w) => {
      w.unsignedVarint(n + 1)
      w.utf8(s, n)
    })
    expect(ours.toString('hex')).toBe(new KafkajsEncoder().writeUVarIntString(s).buffer.toString('hex'))
    expect(new Reader(ours).string(true, false)).toBe(s)
  })

  test('classic nullable string and bytes read as kafkajs wrote them', () => {
    const buf = new KafkajsEncoder().writeString('héllo').writeString(null).writeBytes(Buffer.from('abc')).writeBytes(null).buffer
    const r = new Reader(buf)
    expect(r.string(false, true)).toBe('héllo')
    expect(r.string(false, true)).toBeNull()
    expect(r.bytes(false, true)?.toString()).toBe('abc')
    expect(r.bytes(false, true)).toBeNull()
    expect(r.remaining).toBe(0)
  })

  test('bytes are a view of the input, not a copy', () => {
    const buf = Buffer.from('00000003616263', 'hex')
    const b = new Reader(buf).bytes(false, false)!
    expect(b.buffer).toBe(buf.buffer)
    expect(b.byteOffset).toBe(buf.byteOffset + 4)
  })

  test('a compact null is refused where the field is not nullable', () => {
    expect(() => new Reader(Buffer.from('00', 'hex')).string(true, false)).toThrow(/null where a string is required/)
    expect(() => new Reader(Buffer.from('00', 'hex')).bytes(true, false)).toThrow(/null where bytes are required/)
  })
})

describe('fixed-size fields', () => {
  test('every type round-trips at its limits, as kafkajs reads them', () => {
    const buf = written(1 + 2 + 2 + 4 + 4 + 8 + 8 + 1 + 16, (w) => {
      w.int8(-128)
      w.int16(32767)
      w.uint16(65535)
      w.int32(-(2 ** 31))
      w.uint32(2 ** 32 - 1)
      w.int64(-(2n ** 63n))
      w.float64(Math.PI)
      w.bool(true)
      w.uuid('0123abcd-4567-89ef-0123-456789abcdef')
    })
    const r = new Reader(buf)
    expect([r.int8(), r.int16(), r.uint16(), r.int32(), r.uint32(), r.int64(), r.float64(), r.bool(), r.uuid()]).toEqual([
      -128,
      32767,
      65535,
      -(2 ** 31),
      2 ** 32 - 1,
      -(2n ** 63n),
      Math.PI,
      true,
      '0123abcd-4567-89ef-0123-456789abcdef',
    ])
    const k = new KafkajsDecoder(buf)
    expect([k.readInt8(), k.readInt16()]).toEqual([-128, 32767])
  })

  test.each([
    ['int8', (w: Writer) => w.int8(128)],
    ['int16', (w: Writer) => w.int16(-32769)],
    ['uint16', (w: Writer) => w.uint16(-1)],
    ['int32', (w: Writer) => w.int32(2 ** 31)],
    ['int32', (w: Writer) => w.int32(1.5)],
    ['uint32', (w: Writer) => w.uint32(2 ** 32)],
  ])('a value out of range for %s is a RangeError, never a silent wrap', (_, fn) => {
    expect(() => fn(new Writer(8))).toThrow(RangeError)
  })

  test('reading past the end is a WireDecodeError', () => {
    expect(() => new Reader(Buffer.alloc(7)).int64()).toThrow(WireDecodeError)
    expect(() => new Reader(Buffer.alloc(15)).uuid()).toThrow(WireDecodeError)
    expect(() => new Reader(Buffer.alloc(4), 2).int32()).toThrow(WireDecodeError)
  })

  test('a read window outside the buffer is refused', () => {
    expect(() => new Reader(Buffer.alloc(4), 0, 5)).toThrow(WireDecodeError)
    expect(() => new Reader(Buffer.alloc(4), 3, 2)).toThrow(WireDecodeError)
  })
})
