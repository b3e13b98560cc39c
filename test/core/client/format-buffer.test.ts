/**
 * The digits and ISO-8601 times formatters write in place, against what
 * String() and Date.prototype.toISOString print for the same numbers.
 */
import {describe, expect, test} from 'vitest'
import {FormatBuffer, putDecimal, putIsoTime} from '../../../src/core/client/format-buffer.js'
import {Rng, testSeed} from '../support.js'

const decimal = (n: number) => {
  const b = Buffer.alloc(32)
  return b.toString('latin1', 0, putDecimal(b, 0, n))
}
const iso = (ms: number) => {
  const b = Buffer.alloc(32)
  return b.toString('latin1', 0, putIsoTime(b, 0, ms))
}

describe('putDecimal', () => {
  test.each([0, 1, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 999_999_999, 1_000_000_000, 1_000_000_001, 1_796_183_788_478, Number.MAX_SAFE_INTEGER, -1, -10, -(2 ** 31), -(2 ** 31) - 1, -Number.MAX_SAFE_INTEGER])('%d', (n) => {
    expect(decimal(n)).toBe(String(n))
  })

  const seed = testSeed()
  test(`random integers of every size (seed ${seed})`, () => {
    const rng = new Rng(seed)
    for (let i = 0; i < 20_000; i++) {
      const n = Math.floor(rng.next() * 10 ** rng.int(0, 16)) * (rng.next() < 0.2 ? -1 : 1)
      expect(decimal(n), String(n)).toBe(String(n))
    }
  })
})

describe('putIsoTime', () => {
  test.each([
    0, -1, 1, 999, 1000, 86_399_999, 86_400_000,
    951_782_400_000, // 2000-02-29
    4_107_542_400_000, // 2100-03-01, after a century that is not a leap year
    1_796_183_788_478,
    -62_167_219_200_000, // 0000-01-01T00:00:00.000Z
    253_402_300_799_999, // 9999-12-31T23:59:59.999Z
    -62_167_219_200_001, // year -1: Date's six-digit form
    253_402_300_800_000, // year 10000
    8.64e15, // the last time a Date holds
  ])('%d as Date.toISOString prints it', (ms) => {
    expect(iso(ms)).toBe(new Date(ms).toISOString())
  })

  test('a timestamp beyond what a Date holds (a damaged log) prints as its digits instead of throwing', () => {
    expect(iso(8.64e15 + 1)).toBe('8640000000000001')
    expect(iso(-Number.MAX_SAFE_INTEGER)).toBe(String(-Number.MAX_SAFE_INTEGER))
  })

  const seed = testSeed()
  test(`random times from year 0 to 9999 (seed ${seed})`, () => {
    const rng = new Rng(seed)
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor(-62_167_219_200_000 + rng.next() * (253_402_300_799_999 + 62_167_219_200_000))
      expect(iso(ms), String(ms)).toBe(new Date(ms).toISOString())
    }
  })
})

describe('FormatBuffer', () => {
  test('writeInt, writeIsoTime and writeBytes grow a full buffer; short and long byte runs come out the same', () => {
    const out = new FormatBuffer(Buffer.alloc(4))
    const long = Buffer.from('x'.repeat(100))
    out.writeInt(1_796_183_788_478)
    out.writeBytes(Buffer.from(' '))
    out.writeIsoTime(0)
    out.writeBytes(long, 10, 20)
    out.writeBytes(long)
    expect(out.bytes.toString()).toBe(`1796183788478 1970-01-01T00:00:00.000Z${'x'.repeat(110)}`)
  })
})
