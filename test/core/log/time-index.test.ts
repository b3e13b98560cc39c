/**
 * The sparse time index (12-byte entries: timestamp, relative offset):
 * appends only when time moves forward, floor lookups, truncation by offset,
 * and the sanity check.
 */
import {appendFileSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {CorruptIndexError} from '../../../src/core/errors.js'
import {TimeIndex} from '../../../src/core/log/time-index.js'
import {tempDir} from '../support.js'

const BASE = 500
const T = 1_700_000_000_000

function freshIndex(base = BASE): TimeIndex {
  return new TimeIndex(join(tempDir(), `${String(base).padStart(20, '0')}.timeindex`), base).load()
}

function entries(index: TimeIndex) {
  return Array.from({length: index.entries}, (_, i) => index.entry(i))
}

describe('TimeIndex', () => {
  test('writes 12-byte entries: int64 timestamp, int32 relative offset', () => {
    const index = freshIndex()
    index.maybeAppend(T, BASE + 7)
    index.close()
    expect(readFileSync(index.path).toString('hex')).toBe('0000018bcfe56800' + '00000007')
  })

  test('maybeAppend adds an entry only when the timestamp moves forward', () => {
    const index = freshIndex()
    index.maybeAppend(T, BASE + 1)
    index.maybeAppend(T, BASE + 5) // same time: skipped
    index.maybeAppend(T - 10, BASE + 6) // earlier: skipped
    index.maybeAppend(T + 1, BASE + 9)
    expect(entries(index)).toEqual([
      {timestamp: T, offset: BASE + 1},
      {timestamp: T + 1, offset: BASE + 9},
    ])
    expect(() => index.maybeAppend(T + 2, BASE + 8)).toThrow(CorruptIndexError)
    index.close()
    expect(statSync(index.path).size).toBe(24)
  })

  test('lookup returns the last entry at or before a time, or the segment base', () => {
    const index = freshIndex()
    index.maybeAppend(T + 100, BASE + 10)
    index.maybeAppend(T + 200, BASE + 20)
    index.maybeAppend(T + 300, BASE + 30)
    expect(index.lookup(T)).toEqual({timestamp: -1, offset: BASE})
    expect(index.lookup(T + 99)).toEqual({timestamp: -1, offset: BASE})
    expect(index.lookup(T + 100)).toEqual({timestamp: T + 100, offset: BASE + 10})
    expect(index.lookup(T + 250)).toEqual({timestamp: T + 200, offset: BASE + 20})
    expect(index.lookup(T + 10_000)).toEqual({timestamp: T + 300, offset: BASE + 30})
    expect(index.lastEntry()).toEqual({timestamp: T + 300, offset: BASE + 30})
    index.close()
  })

  test('refresh() picks up entries another instance appended', () => {
    const writer = freshIndex()
    const reader = new TimeIndex(writer.path, BASE).load()
    for (let i = 1; i <= 200; i++) writer.maybeAppend(T + i * 10, BASE + i)
    expect(reader.refresh().entries).toBe(200)
    expect(reader.lookup(T + 1005)).toEqual({timestamp: T + 1000, offset: BASE + 100})
    writer.close()
  })

  test('truncateToOffset drops entries pointing at or past the offset', () => {
    const index = freshIndex()
    for (let i = 1; i <= 5; i++) index.maybeAppend(T + i, BASE + i * 10)
    index.truncateToOffset(BASE + 30)
    expect(entries(index).map((e) => e.offset)).toEqual([BASE + 10, BASE + 20])
    expect(statSync(index.path).size).toBe(24)
    index.truncateToOffset(BASE + 21)
    expect(index.entries).toBe(2)
    index.truncateToOffset(BASE)
    expect(index.entries).toBe(0)
    // Time moves on from nothing again.
    index.maybeAppend(T, BASE + 1)
    expect(index.entries).toBe(1)
    index.close()
  })

  describe('sanityCheck', () => {
    test('passes for a healthy index, loaded or freshly appended to', () => {
      const index = freshIndex()
      index.maybeAppend(T, BASE + 1)
      index.maybeAppend(T + 1, BASE + 2)
      expect(() => index.sanityCheck()).not.toThrow()
      const reader = new TimeIndex(index.path, BASE).load()
      index.maybeAppend(T + 2, BASE + 3)
      reader.refresh()
      expect(() => reader.sanityCheck()).not.toThrow()
      index.close()
      expect(() => new TimeIndex(index.path, BASE).load().sanityCheck()).not.toThrow()
    })

    test('throws CorruptIndexError for a size that is not a multiple of 12', () => {
      const index = freshIndex()
      index.maybeAppend(T, BASE + 1)
      index.close()
      appendFileSync(index.path, Buffer.alloc(8))
      expect(() => new TimeIndex(index.path, BASE).load().sanityCheck()).toThrow(/not a multiple of 12/)
    })

    test('throws CorruptIndexError for entries out of order', () => {
      const path = join(tempDir(), 'bad.timeindex')
      const entry = (ts: number, rel: number) => {
        const b = Buffer.alloc(12)
        b.writeBigInt64BE(BigInt(ts), 0)
        b.writeInt32BE(rel, 8)
        return b
      }
      const check = (...parts: Buffer[]) => {
        writeFileSync(path, Buffer.concat(parts))
        return () => new TimeIndex(path, 0).load().sanityCheck()
      }
      expect(check(entry(T, 1), entry(T + 1, 2))).not.toThrow()
      expect(check(entry(T + 1, 1), entry(T, 2))).toThrow(CorruptIndexError) // time goes back
      expect(check(entry(T, 2), entry(T + 1, 1))).toThrow(CorruptIndexError) // offset goes back
      expect(check(entry(T, -3))).toThrow(CorruptIndexError) // below the base
    })
  })
})
