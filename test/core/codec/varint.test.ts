/**
 * Zigzag varints and varlongs (Kafka's ByteUtils), checked against edge
 * values, against sizeOf*, and against kafkajs's encoder and decoder, which
 * work in 64-bit integers of their own.
 */
import {createRequire} from 'node:module'
import {describe, expect, test} from 'vitest'
import {
  ByteCursor,
  sizeOfVarint,
  sizeOfVarlong,
  writeVarint,
  writeVarlong,
  zigzag32,
} from '../../../src/core/codec/varint.js'
import {CorruptRecordError} from '../../../src/core/errors.js'
import {Rng, testSeed} from '../support.js'

const require = createRequire(import.meta.url)
const KafkajsEncoder = require('kafkajs/src/protocol/encoder')
const KafkajsDecoder = require('kafkajs/src/protocol/decoder')

const kafkajsVarint = (n: number): string => new KafkajsEncoder().writeVarInt(n).buffer.toString('hex')
const kafkajsVarlong = (n: number): string => new KafkajsEncoder().writeVarLong(BigInt(n)).buffer.toString('hex')

function varint(n: number): Buffer {
  const buf = Buffer.alloc(10)
  return buf.subarray(0, writeVarint(buf, 0, n))
}

function varlong(n: number): Buffer {
  const buf = Buffer.alloc(10)
  return buf.subarray(0, writeVarlong(buf, 0, n))
}

const readVarint = (bytes: Buffer | number[]) => new ByteCursor(Buffer.from(bytes)).readVarint()
const readVarlong = (bytes: Buffer | number[]) => new ByteCursor(Buffer.from(bytes)).readVarlong()

describe('varint (32-bit zigzag)', () => {
  // Value, then its bytes as Kafka's ByteUtils.writeVarint writes them.
  const cases: Array<[number, string]> = [
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [63, '7e'],
    [-64, '7f'],
    [64, '8001'],
    [-65, '8101'],
    [8191, 'fe7f'],
    [-8192, 'ff7f'],
    [8192, '808001'],
    [2 ** 31 - 1, 'feffffff0f'],
    [-(2 ** 31), 'ffffffff0f'],
  ]

  test.each(cases)('%d encodes as %s and back', (n, hex) => {
    const bytes = varint(n)
    expect(bytes.toString('hex')).toBe(hex)
    expect(kafkajsVarint(n)).toBe(hex)
    expect(sizeOfVarint(n)).toBe(bytes.length)
    expect(readVarint(bytes)).toBe(n)
  })

  test('zigzag32 maps 0, -1, 1, -2, 2 to 0, 1, 2, 3, 4', () => {
    expect([0, -1, 1, -2, 2].map(zigzag32)).toEqual([0, 1, 2, 3, 4])
    expect(zigzag32(2 ** 31 - 1)).toBe(2 ** 32 - 2)
    expect(zigzag32(-(2 ** 31))).toBe(2 ** 32 - 1)
  })

  test('reads what kafkajs writes, and the cursor stops after the varint', () => {
    const buf = Buffer.concat([new KafkajsEncoder().writeVarInt(-300).writeVarInt(300).buffer, Buffer.from([0xaa])])
    const cursor = new ByteCursor(buf)
    expect(cursor.readVarint()).toBe(-300)
    expect(cursor.readVarint()).toBe(300)
    expect(cursor.pos).toBe(buf.length - 1)
  })

  const seed = testSeed()
  test(`10,000 random int32 agree with kafkajs and round-trip (seed ${seed})`, () => {
    const rng = new Rng(seed)
    for (let i = 0; i < 10_000; i++) {
      // Spread over every encoded length: pick a bit width, then a value in it.
      const bits = rng.int(0, 32)
      const n = (rng.int(0, 2 ** bits) * (rng.next() < 0.5 ? -1 : 1)) | 0
      const bytes = varint(n)
      expect(bytes.toString('hex'), `value ${n}`).toBe(kafkajsVarint(n))
      expect(sizeOfVarint(n), `size of ${n}`).toBe(bytes.length)
      expect(KafkajsEncoder.sizeOfVarInt(n), `kafkajs size of ${n}`).toBe(bytes.length)
      expect(readVarint(bytes), `read back ${n}`).toBe(n)
    }
  })

  test('an overlong varint (more than 5 bytes) is rejected', () => {
    // Five continuation bytes: a sixth would be needed.
    expect(() => readVarint([0x80, 0x80, 0x80, 0x80, 0x80, 0x00])).toThrow(CorruptRecordError)
    expect(() => readVarint([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).toThrow(/longer than 5 bytes/)
    // Fifth byte carrying bits beyond 32.
    expect(() => readVarint([0xff, 0xff, 0xff, 0xff, 0x1f])).toThrow(CorruptRecordError)
    // The longest legal one still reads.
    expect(readVarint([0xff, 0xff, 0xff, 0xff, 0x0f])).toBe(-(2 ** 31))
  })

  test('a varint cut short is rejected, not read past the end', () => {
    expect(() => readVarint([0x80])).toThrow(CorruptRecordError)
    expect(() => new ByteCursor(Buffer.from([0x02, 0x80]), 1, 2).readVarint()).toThrow(/past the end/)
    // The cursor's end bounds it, not the buffer's.
    expect(() => new ByteCursor(Buffer.from([0x80, 0x01]), 0, 1).readVarint()).toThrow(CorruptRecordError)
  })
})

describe('varlong (64-bit zigzag, exact to 2^53)', () => {
  const edges = [
    0,
    -1,
    1,
    63,
    -64,
    64,
    -65,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 32,
    1_700_000_000_000,
    -1_700_000_000_000,
    2 ** 48,
    2 ** 52 - 1,
    2 ** 52,
    2 ** 52 + 1,
    -(2 ** 52),
    -(2 ** 52) - 1,
    -(2 ** 52) - 2,
    Number.MAX_SAFE_INTEGER - 1,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER + 1,
    2 ** 53,
    -(2 ** 53),
  ]

  test.each(edges)('%d encodes as kafkajs encodes it, and back', (n) => {
    const bytes = varlong(n)
    expect(bytes.toString('hex')).toBe(kafkajsVarlong(n))
    expect(sizeOfVarlong(n)).toBe(bytes.length)
    expect(KafkajsEncoder.sizeOfVarLong(BigInt(n))).toBe(bytes.length)
    expect(readVarlong(bytes)).toBe(n)
    // And kafkajs reads our bytes as the same value.
    expect(new KafkajsDecoder(bytes).readVarLong().toString()).toBe(String(n))
  })

  test('small values have the same bytes as varints', () => {
    for (const n of [0, -1, 1, 63, -64, 64, 2 ** 31 - 1, -(2 ** 31)]) {
      expect(varlong(n).toString('hex'), `value ${n}`).toBe(varint(n).toString('hex'))
    }
  })

  const seed = testSeed()
  test(`10,000 random safe integers agree with kafkajs and round-trip (seed ${seed})`, () => {
    const rng = new Rng(seed)
    for (let i = 0; i < 10_000; i++) {
      const bits = rng.int(0, 54)
      const magnitude = Math.min(Math.floor(rng.next() * 2 ** bits), Number.MAX_SAFE_INTEGER)
      const n = rng.next() < 0.5 && magnitude !== 0 ? -magnitude : magnitude
      const bytes = varlong(n)
      expect(bytes.toString('hex'), `value ${n}`).toBe(kafkajsVarlong(n))
      expect(sizeOfVarlong(n), `size of ${n}`).toBe(bytes.length)
      expect(readVarlong(bytes), `read back ${n}`).toBe(n)
    }
  })

  test('a varlong beyond 2^53 is refused, not rounded', () => {
    // 2^53 + 1 and -(2^53) - 1, as kafkajs writes them from exact 64-bit integers.
    for (const big of [2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 55n, 2n ** 62n, -(2n ** 63n)]) {
      const bytes = new KafkajsEncoder().writeVarLong(big).buffer
      expect(() => readVarlong(bytes), `value ${big}`).toThrow(CorruptRecordError)
    }
  })

  test('a varlong cut short is rejected', () => {
    expect(() => readVarlong([0x80, 0x80])).toThrow(/past the end/)
  })
})
