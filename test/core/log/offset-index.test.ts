/**
 * The sparse offset index (8-byte entries: relative offset, position):
 * append order, floor lookups, catching up with another instance's appends,
 * truncation, and the sanity check that sends recovery to rebuild it.
 */
import {appendFileSync, readFileSync, statSync, truncateSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {CorruptIndexError} from '../../../src/core/errors.js'
import {OffsetIndex} from '../../../src/core/log/offset-index.js'
import {tempDir} from '../support.js'

const BASE = 1000

function freshIndex(base = BASE): OffsetIndex {
  return new OffsetIndex(join(tempDir(), `${String(base).padStart(20, '0')}.index`), base).load()
}

function entries(index: OffsetIndex) {
  return Array.from({length: index.entries}, (_, i) => index.entry(i))
}

describe('OffsetIndex', () => {
  test('writes 8-byte big-endian entries of relative offset and position', () => {
    const index = freshIndex()
    index.append(BASE + 3, 0x1234)
    index.append(BASE + 0x10000, 0x7fff0000)
    index.close()
    expect(readFileSync(index.path).toString('hex')).toBe('00000003' + '00001234' + '00010000' + '7fff0000')
    expect(index.sizeInBytes).toBe(16)
  })

  test('lookup returns the last entry at or below the target, or the segment start', () => {
    const index = freshIndex()
    index.append(BASE + 10, 100)
    index.append(BASE + 25, 300)
    index.append(BASE + 40, 700)
    expect(index.lookup(BASE - 5)).toEqual({offset: BASE, position: 0})
    expect(index.lookup(BASE)).toEqual({offset: BASE, position: 0})
    expect(index.lookup(BASE + 9)).toEqual({offset: BASE, position: 0})
    expect(index.lookup(BASE + 10)).toEqual({offset: BASE + 10, position: 100})
    expect(index.lookup(BASE + 24)).toEqual({offset: BASE + 10, position: 100})
    expect(index.lookup(BASE + 25)).toEqual({offset: BASE + 25, position: 300})
    expect(index.lookup(BASE + 39)).toEqual({offset: BASE + 25, position: 300})
    expect(index.lookup(BASE + 40)).toEqual({offset: BASE + 40, position: 700})
    expect(index.lookup(Number.MAX_SAFE_INTEGER)).toEqual({offset: BASE + 40, position: 700})
    expect(index.lastEntry()).toEqual({offset: BASE + 40, position: 700})
    index.close()
  })

  test('lookup agrees with a linear floor search over many entries', () => {
    const index = freshIndex(0)
    const written: Array<[number, number]> = []
    for (let i = 1; i <= 500; i++) {
      written.push([i * 3, i * 100])
      index.append(i * 3, i * 100)
    }
    for (let target = -1; target < 1510; target++) {
      const floor = written.filter(([o]) => o <= target).at(-1)
      expect(index.lookup(target), `target ${target}`).toEqual(floor ? {offset: floor[0], position: floor[1]} : {offset: 0, position: 0})
    }
    index.close()
  })

  test('an entry not after the last one is refused and not written', () => {
    const index = freshIndex()
    index.append(BASE + 10, 100)
    expect(() => index.append(BASE + 10, 200)).toThrow(CorruptIndexError)
    expect(() => index.append(BASE + 11, 100)).toThrow(CorruptIndexError)
    expect(() => index.append(BASE + 5, 200)).toThrow(CorruptIndexError)
    expect(() => index.append(BASE - 1, 0)).toThrow(CorruptIndexError)
    expect(() => freshIndex().append(BASE + 2 ** 31, 8)).toThrow(CorruptIndexError)
    index.close()
    expect(statSync(index.path).size).toBe(8)
    expect(entries(index)).toEqual([{offset: BASE + 10, position: 100}])
  })

  test('a second instance loads what the first wrote', () => {
    const a = freshIndex()
    a.append(BASE + 1, 10)
    a.append(BASE + 2, 20)
    a.close()
    const b = new OffsetIndex(a.path, BASE).load()
    expect(entries(b)).toEqual([
      {offset: BASE + 1, position: 10},
      {offset: BASE + 2, position: 20},
    ])
  })

  test('refresh() picks up entries another instance appended, reading only what is new', () => {
    const writer = freshIndex()
    const reader = new OffsetIndex(writer.path, BASE).load()
    expect(reader.entries).toBe(0)
    writer.append(BASE + 5, 50)
    expect(reader.refresh().entries).toBe(1)
    for (let i = 2; i <= 300; i++) writer.append(BASE + i * 5, i * 50)
    reader.refresh()
    expect(reader.entries).toBe(300)
    expect(reader.lookup(BASE + 777)).toEqual({offset: BASE + 775, position: 7750})
    expect(reader.lastEntry()).toEqual({offset: BASE + 1500, position: 15000})
    // Nothing new: unchanged.
    expect(reader.refresh().entries).toBe(300)
    writer.close()
  })

  test('refresh() ignores a torn last entry until it is whole', () => {
    const writer = freshIndex()
    writer.append(BASE + 1, 10)
    writer.close()
    const reader = new OffsetIndex(writer.path, BASE).load()
    appendFileSync(writer.path, Buffer.from([0, 0, 0, 2]))
    expect(reader.refresh().entries).toBe(1)
    appendFileSync(writer.path, Buffer.from([0, 0, 0, 20]))
    expect(reader.refresh().entries).toBe(2)
    expect(reader.lastEntry()).toEqual({offset: BASE + 2, position: 20})
  })

  test('refresh() reloads a file that shrank, and copes with one that vanished', () => {
    const writer = freshIndex()
    for (let i = 1; i <= 4; i++) writer.append(BASE + i, i * 10)
    writer.close()
    const reader = new OffsetIndex(writer.path, BASE).load()
    expect(reader.entries).toBe(4)
    truncateSync(writer.path, 16)
    expect(reader.refresh().entries).toBe(2)
    expect(reader.lastEntry()).toEqual({offset: BASE + 2, position: 20})
    writeFileSync(writer.path, '')
    expect(reader.refresh().entries).toBe(0)
    expect(reader.lookup(BASE + 3)).toEqual({offset: BASE, position: 0})
  })

  test('truncateToPosition drops the entries of batches at or after the cut, in the file too', () => {
    const index = freshIndex()
    for (let i = 1; i <= 5; i++) index.append(BASE + i * 10, i * 100)
    index.truncateToPosition(300)
    expect(entries(index).map((e) => e.position)).toEqual([100, 200])
    expect(statSync(index.path).size).toBe(16)
    index.truncateToPosition(201)
    expect(index.entries).toBe(2)
    index.truncateToPosition(0)
    expect(index.entries).toBe(0)
    expect(statSync(index.path).size).toBe(0)
    // Appending after a truncation continues from the cut.
    index.append(BASE + 7, 70)
    index.close()
    expect(readFileSync(index.path).toString('hex')).toBe('00000007' + '00000046')
  })

  test('reset() empties the index, creating the file when missing', () => {
    const index = new OffsetIndex(join(tempDir(), 'x.index'), 0)
    index.reset()
    expect(statSync(index.path).size).toBe(0)
    index.load()
    index.append(1, 1)
    index.reset()
    expect(index.entries).toBe(0)
    index.close()
    expect(statSync(index.path).size).toBe(0)
  })

  describe('sanityCheck', () => {
    test('passes for a healthy index, loaded or freshly appended to', () => {
      const index = freshIndex()
      for (let i = 1; i <= 200; i++) index.append(BASE + i, i * 64)
      expect(() => index.sanityCheck()).not.toThrow()
      index.close()
      expect(() => new OffsetIndex(index.path, BASE).load().sanityCheck()).not.toThrow()
    })

    test('throws CorruptIndexError for a size that is not a multiple of 8', () => {
      const index = freshIndex()
      index.append(BASE + 1, 10)
      index.close()
      appendFileSync(index.path, '  ')
      expect(() => new OffsetIndex(index.path, BASE).load().sanityCheck()).toThrow(CorruptIndexError)
      writeFileSync(index.path, '  ')
      expect(() => new OffsetIndex(index.path, BASE).load().sanityCheck()).toThrow(/not a multiple of 8/)
    })

    test('throws CorruptIndexError for entries out of order', () => {
      const path = join(tempDir(), 'bad.index')
      const entry = (rel: number, pos: number) => {
        const b = Buffer.alloc(8)
        b.writeInt32BE(rel, 0)
        b.writeInt32BE(pos, 4)
        return b
      }
      const check = (...parts: Buffer[]) => {
        writeFileSync(path, Buffer.concat(parts))
        return () => new OffsetIndex(path, 0).load().sanityCheck()
      }
      expect(check(entry(1, 10), entry(2, 20))).not.toThrow()
      expect(check(entry(2, 10), entry(1, 20))).toThrow(CorruptIndexError) // offsets go back
      expect(check(entry(1, 20), entry(2, 10))).toThrow(CorruptIndexError) // positions go back
      expect(check(entry(1, 10), entry(1, 20))).toThrow(CorruptIndexError) // repeated offset
      expect(check(entry(-1, 10))).toThrow(/out of order/) // below the base
    })
  })
})
