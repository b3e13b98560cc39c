import {expect, test} from 'vitest'
import {CorruptRecordError, UsageError} from '../../../src/core/errors.js'
import {Compression, compress, compressionName, decompress, parseCompression} from '../../../src/core/record/compression.js'

test('codec numbers are Kafka attribute values', () => {
  expect(Compression).toEqual({none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4})
  expect(compressionName(1)).toBe('gzip')
  expect(compressionName(7)).toBe('unknown(7)')
})

test('parseCompression accepts the supported codecs and refuses the rest with a usage error', () => {
  expect(parseCompression('none')).toBe(0)
  expect(parseCompression('gzip')).toBe(1)
  expect(() => parseCompression('zstd')).toThrow(UsageError)
  expect(() => parseCompression('GZIP')).toThrow(UsageError)
})

test('gzip round-trips; garbage and unknown codecs are CorruptRecordError', () => {
  const data = Buffer.from('hello '.repeat(100))
  const packed = compress(Compression.gzip, data)
  expect(packed.length).toBeLessThan(data.length)
  expect(decompress(Compression.gzip, packed)).toEqual(data)
  expect(() => decompress(Compression.gzip, Buffer.from('not gzip at all'))).toThrow(CorruptRecordError)
  expect(() => decompress(Compression.snappy, data)).toThrow(CorruptRecordError)
  expect(() => compress(Compression.lz4, data)).toThrow(UsageError)
})
