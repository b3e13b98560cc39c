/**
 * Every schema at every version, both directions: random values encode and
 * decode back to themselves (absent fields at their defaults), re-encode to
 * the same bytes, and every kind of damage to the bytes is a
 * WireDecodeError, never another exception or a huge allocation.
 */
import {describe, expect, test} from 'vitest'
import {WireDecodeError} from '../../../src/core/errors.js'
import {decodeRequest, decodeResponse, encodeRequest, encodeResponse, isFlexible} from '../../../src/core/wire/message-codec.js'
import {SCHEMAS, versionRange} from '../../../src/core/wire/registry.js'
import type {ApiSchema} from '../../../src/core/wire/schema.js'
import {Rng, testSeed} from '../support.js'
import {randomStruct} from '../../helpers/wire-values.js'

type Direction = 'request' | 'response'

const cases: Array<[string, ApiSchema, number, Direction]> = []
for (const schema of SCHEMAS) {
  const {minVersion, maxVersion} = versionRange(schema)
  for (let v = minVersion; v <= maxVersion; v++) {
    for (const d of ['request', 'response'] as const) cases.push([`${schema.name} v${v} ${d}`, schema, v, d])
  }
}

const encode = (s: ApiSchema, v: number, d: Direction, value: any) => (d === 'request' ? encodeRequest(s, v, value) : encodeResponse(s, v, value))
const decode = (s: ApiSchema, v: number, d: Direction, buf: Buffer) => (d === 'request' ? decodeRequest(s, v, buf) : decodeResponse(s, v, buf))

const seed = testSeed()

describe(`round trips (seed ${seed})`, () => {
  test.each(cases)('%s', (_, schema, version, direction) => {
    const rng = new Rng(seed + schema.apiKey * 1000 + version * 10 + (direction === 'request' ? 0 : 1))
    for (let i = 0; i < 20; i++) {
      const {value, expected} = randomStruct(schema[direction], version, rng)
      const bytes = encode(schema, version, direction, value)
      const decoded = decode(schema, version, direction, bytes)
      expect(decoded).toEqual(expected)
      expect(encode(schema, version, direction, decoded).equals(bytes)).toBe(true)
    }
  })
})

function expectDecodeError(fn: () => unknown): void {
  try {
    fn()
  } catch (e) {
    if (e instanceof WireDecodeError) return
    throw e
  }
}

describe(`hostile bytes (seed ${seed})`, () => {
  test.each(cases)('%s: every truncation is a WireDecodeError', (_, schema, version, direction) => {
    const rng = new Rng(seed + schema.apiKey)
    const {value} = randomStruct(schema[direction], version, rng)
    const bytes = encode(schema, version, direction, value)
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => decode(schema, version, direction, bytes.subarray(0, cut)), `cut at ${cut} of ${bytes.length}`).toThrow(WireDecodeError)
    }
  })

  test.each(cases)('%s: damaged bytes decode or fail with a WireDecodeError', (_, schema, version, direction) => {
    const rng = new Rng(seed + schema.apiKey + 7)
    for (let i = 0; i < 30; i++) {
      const {value} = randomStruct(schema[direction], version, rng)
      const bytes = Buffer.from(encode(schema, version, direction, value))
      if (bytes.length === 0) continue
      for (let j = rng.int(1, 4); j > 0; j--) bytes[rng.int(0, bytes.length)] = rng.int(0, 256)
      expectDecodeError(() => decode(schema, version, direction, bytes))
    }
  })
})

describe('lengths and counts are checked before use', () => {
  const flexibleMetadata = 9
  test.each([
    ['an array count of 2^31-1', 1, Buffer.from('7fffffff', 'hex')],
    ['a negative array count', 1, Buffer.from('fffffffe', 'hex')],
    ['a compact array count of 2^32-2', flexibleMetadata, Buffer.from('00000000ffffffff0f', 'hex')],
  ])('Metadata response with %s', (_, version, body) => {
    // v1: brokers is the first field; v9: throttle time, then a compact brokers array.
    const start = Date.now()
    expect(() => decodeResponse(SCHEMAS.find((s) => s.name === 'Metadata')!, version, body)).toThrow(WireDecodeError)
    expect(Date.now() - start).toBeLessThan(1000) // no multi-gigabyte array was built first
  })

  test('a string longer than the message is refused', () => {
    const topic = Buffer.from('00000001' + '7fff' + '6f72', 'hex') // one topic, name of 32767 bytes, 2 present
    expect(() => decodeRequest(SCHEMAS.find((s) => s.name === 'Metadata')!, 1, topic)).toThrow(/runs past the end/)
  })

  test('a negative string length other than -1 is refused', () => {
    expect(() => decodeRequest(SCHEMAS.find((s) => s.name === 'Metadata')!, 1, Buffer.from('00000001fffe', 'hex'))).toThrow(/negative length/)
  })

  test('a null where the version allows none is refused', () => {
    // Metadata v0: topics is not nullable.
    expect(() => decodeRequest(SCHEMAS.find((s) => s.name === 'Metadata')!, 0, Buffer.from('ffffffff', 'hex'))).toThrow(/null where an array/)
  })

  test('tagged fields: unknown tags are skipped, a tag out of order or overlong is refused', () => {
    const apiVersions = SCHEMAS.find((s) => s.name === 'ApiVersions')!
    expect(isFlexible(apiVersions, 3)).toBe(true)
    // error 0, no api keys, throttle 0, then tagged fields.
    const base = '0000' + '01' + '00000000'
    const unknown = decodeResponse(apiVersions, 3, Buffer.from(base + '01' + '09' + '02' + 'abcd', 'hex'))
    expect(unknown.finalizedFeaturesEpoch).toBe(-1n)
    const known = decodeResponse(apiVersions, 3, Buffer.from(base + '01' + '01' + '08' + '000000000000002a', 'hex'))
    expect(known.finalizedFeaturesEpoch).toBe(42n)
    expect(() => decodeResponse(apiVersions, 3, Buffer.from(base + '02' + '0900' + '0100', 'hex'))).toThrow(/ascend/)
    expect(() => decodeResponse(apiVersions, 3, Buffer.from(base + '01' + '01' + '09' + '000000000000002aff', 'hex'))).toThrow(/declared 9 bytes/)
    expect(() => decodeResponse(apiVersions, 3, Buffer.from(base + '01' + '01' + '7f' + '00', 'hex'))).toThrow(/runs past the end/)
  })
})
