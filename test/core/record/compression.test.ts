import {gzipSync} from 'node:zlib'
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
  expect(decompress(Compression.gzip, packed, data.length)).toEqual(data)
  expect(() => decompress(Compression.gzip, Buffer.from('not gzip at all'), 1 << 20)).toThrow(CorruptRecordError)
  expect(() => decompress(Compression.snappy, data, 1 << 20)).toThrow(CorruptRecordError)
  expect(() => compress(Compression.lz4, data)).toThrow(UsageError)
})

test('a gzip batch that inflates past the bound is a CorruptRecordError, and zlib stops at the bound', () => {
  // 64 MiB of zeros in about 64 KiB: refused at 1 MiB without inflating the rest.
  const bomb = gzipSync(Buffer.alloc(64 << 20))
  expect(bomb.length).toBeLessThan(100_000)
  const before = process.memoryUsage().arrayBuffers
  expect(() => decompress(Compression.gzip, bomb, 1 << 20)).toThrow(CorruptRecordError)
  expect(() => decompress(Compression.gzip, bomb, 1 << 20)).toThrow(/gzip batch inflates past 1048576 bytes/)
  expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 << 20)
  expect(decompress(Compression.gzip, bomb, 64 << 20).length).toBe(64 << 20)
})
