import {expect, test} from 'vitest'
import {xxhash32} from '../../../src/core/codec/xxhash32.js'

// Vectors from the xxHash reference (and the python-xxhash documentation).
test.each([
  ['', 0, 0x02cc5d05],
  ['a', 0, 0x550d7456],
  ['abc', 0, 0x32d153ff],
  ['Nobody inspects the spammish repetition', 0, 0xe2293b2f],
  ['abc', 1, 0xaa3da8ff],
])('xxhash32(%j, seed %d)', (text, seed, expected) => {
  expect(xxhash32(Buffer.from(text), 0, text.length, seed)).toBe(expected)
})

test('a range hashes like the same bytes on their own', () => {
  const data = Buffer.from('xxNobody inspects the spammish repetitionyy')
  expect(xxhash32(data, 2, data.length - 2)).toBe(0xe2293b2f)
})
