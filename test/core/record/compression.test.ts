import {execFileSync} from 'node:child_process'
import {gzipSync} from 'node:zlib'
import {describe, expect, test} from 'vitest'
import {xxhash32} from '../../../src/core/codec/xxhash32.js'
import {CorruptRecordError, UsageError} from '../../../src/core/errors.js'
import {Compression, compress, compressionName, decompress, parseCompression} from '../../../src/core/record/compression.js'
import {walkFrames} from '../../../src/core/record/compression/zstd.js'
import {ROOT} from '../../helpers/cli.js'
import {referenceCompress, referenceDecompress} from '../../helpers/reference-codecs.js'
import {Rng} from '../support.js'

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const

/** Buffer equality without vitest's deep diff, which takes seconds on a MiB. */
function expectSame(actual: Buffer, expected: Buffer, what = ''): void {
  expect(actual.length, `${what} length`).toBe(expected.length)
  expect(actual.equals(expected), `${what} bytes`).toBe(true)
}
const MiB = 1 << 20

/** Text that compresses like records do, random bytes that do not, and sizes around the codecs' block sizes. */
function samples(seed: number): Array<[string, Buffer]> {
  const rng = new Rng(seed)
  const random = (n: number) => rng.bytes(n)
  const text = (n: number) => {
    const out = Buffer.alloc(n + 32)
    for (let pos = 0, i = 0; pos < n; i++) pos += out.write(`key-${i % 97}:value ${rng.int(0, 1000)}\n`, pos, 'latin1')
    return out.subarray(0, n)
  }
  return [
    ['1 byte', Buffer.from([7])],
    ['300 bytes of text', text(300)],
    ['32 KiB of text (one snappy block)', text(32 * 1024)],
    ['64 KiB + 1 of text (two lz4 blocks)', text(64 * 1024 + 1)],
    ['200 KiB of random bytes (stored raw by lz4)', random(200 * 1024)],
    ['1 MiB of text', text(MiB)],
  ]
}

test('codec numbers are Kafka attribute values', () => {
  expect(Compression).toEqual({none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4})
  expect(compressionName(3)).toBe('lz4')
  expect(compressionName(7)).toBe('unknown(7)')
})

test('parseCompression accepts every Kafka codec and refuses the rest with a usage error', () => {
  expect(['none', ...CODECS].map(parseCompression)).toEqual([0, 1, 2, 3, 4])
  expect(() => parseCompression('GZIP')).toThrow(UsageError)
  expect(() => parseCompression('brotli')).toThrow(UsageError)
  expect(() => compress(5, Buffer.from('x'))).toThrow(UsageError)
  expect(() => decompress(5, Buffer.from('x'), MiB)).toThrow(CorruptRecordError)
})

describe.each(CODECS)('%s', (name) => {
  const codec = Compression[name]
  test.each(samples(0xc0dec))('round-trips %s', (_what, data) => {
    const packed = compress(codec, data)
    expectSame(decompress(codec, packed, data.length), data)
  })

  test('garbage, and every truncation of a real batch, are CorruptRecordError', () => {
    const packed = compress(codec, samples(1)[3][1])
    expect(() => decompress(codec, Buffer.from('not compressed at all, not even close'), MiB)).toThrow(CorruptRecordError)
    const rng = new Rng(0x7e57)
    const cuts = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 17, 20, packed.length - 1, ...Array.from({length: 40}, () => rng.int(0, packed.length))]
    const data = samples(1)[3][1]
    for (const cut of cuts) {
      let out: Buffer
      try {
        out = decompress(codec, packed.subarray(0, cut), MiB)
      } catch (error) {
        expect(error, `cut at ${cut} of ${packed.length}`).toBeInstanceOf(CorruptRecordError)
        continue
      }
      // snappy-java's framing has no end mark: cut between blocks it is a shorter stream,
      // whose missing records the record reader finds. Every other cut is an error.
      expect(name === 'snappy' && out.length % (32 * 1024) === 0 && out.length < data.length, `cut at ${cut} of ${packed.length} decoded`).toBe(true)
      expectSame(out, data.subarray(0, out.length))
    }
  })

  test('a bomb (64 MiB of zeros) is refused once it would pass the bound, without inflating it', () => {
    const bomb = compress(codec, Buffer.alloc(64 * MiB))
    expect(bomb.length).toBeLessThan(4 * MiB)
    const before = process.memoryUsage().arrayBuffers
    expect(() => decompress(codec, bomb, MiB)).toThrow(new RegExp(`^${name} batch (inflates past 1048576 bytes|may inflate to \\d+ bytes, past the 1048576)`))
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * MiB)
    expect(decompress(codec, bomb, 64 * MiB).length).toBe(64 * MiB)
  })
})

describe('snappy as Kafka writes it: snappy-java (xerial) framing', () => {
  test('a 16-byte header (magic, version 1, compatible 1), then length-prefixed blocks of at most 32 KiB of input', () => {
    const data = samples(2)[5][1] // 1 MiB
    const packed = compress(Compression.snappy, data)
    expect(packed.subarray(0, 16)).toEqual(Buffer.from([0x82, ...Buffer.from('SNAPPY'), 0, 0, 0, 0, 1, 0, 0, 0, 1]))
    let blocks = 0
    for (let pos = 16; pos < packed.length; blocks++) pos += 4 + packed.readInt32BE(pos)
    expect(blocks).toBe(32)
  })

  test('raw snappy (what kafkajs, librdkafka and old clients send) is read too', () => {
    const data = samples(3)[2][1]
    const xerial = compress(Compression.snappy, data)
    const raw = xerial.subarray(20) // the one block of a 32 KiB input, without the framing
    expectSame(decompress(Compression.snappy, raw, MiB), data)
  })

  test("a block's uncompressed-length preamble past the bound is refused before anything is allocated for it", () => {
    // A raw block claiming 4 GiB - 1 and an xerial block claiming 1 GiB, followed by nothing real.
    expect(() => decompress(Compression.snappy, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0]), 64 * MiB)).toThrow(/snappy batch inflates past 67108864 bytes/)
    const framed = Buffer.concat([compress(Compression.snappy, Buffer.alloc(0)), Buffer.from([0, 0, 0, 6, 0x80, 0x80, 0x80, 0x80, 0x04, 0])])
    expect(() => decompress(Compression.snappy, framed, 64 * MiB)).toThrow(/snappy batch inflates past/)
    // A block length running past the batch, and a compatible version below 1.
    const long = Buffer.from(compress(Compression.snappy, Buffer.from('abc')))
    long.writeInt32BE(1000, 16)
    expect(() => decompress(Compression.snappy, long, MiB)).toThrow(/runs past the batch/)
    const old = Buffer.from(compress(Compression.snappy, Buffer.from('abc')))
    old.writeInt32BE(0, 12)
    expect(() => decompress(Compression.snappy, old, MiB)).toThrow(/stream version 0/)
  })
})

describe('lz4 as Kafka writes it: the LZ4 frame format (KafkaLZ4BlockOutputStream)', () => {
  test('magic, FLG 0x60 (version 1, independent blocks), BD 0x40 (64 KiB), the correct header checksum, 64 KiB blocks, end mark', () => {
    const data = samples(4)[5][1]
    const packed = compress(Compression.lz4, data)
    expect(packed.subarray(0, 6)).toEqual(Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40]))
    expect(packed[6]).toBe((xxhash32(Buffer.from([0x60, 0x40])) >>> 8) & 0xff)
    let blocks = 0
    let pos = 7
    for (; packed.readUInt32LE(pos) !== 0; blocks++) pos += 4 + (packed.readUInt32LE(pos) & 0x7fffffff)
    expect(blocks).toBe(16)
    expect(pos + 4).toBe(packed.length)
  })

  test('an incompressible block is stored raw, with the high bit of its size set', () => {
    const random = samples(5)[4][1]
    const packed = compress(Compression.lz4, random)
    expect(packed.readUInt32LE(7)).toBe((0x80000000 | 64 * 1024) >>> 0)
  })

  test('what Kafka refuses is refused: dependent blocks, a bad header checksum, a block past the block size, a bad block checksum', () => {
    const data = samples(6)[3][1]
    const dependent = referenceCompress('lz4', data, ['-BD', '-B4'])
    expect(dependent[4] & 0x20).toBe(0)
    expect(() => decompress(Compression.lz4, dependent, MiB)).toThrow(/dependent blocks/)
    const badHc = Buffer.from(compress(Compression.lz4, data))
    badHc[6] ^= 0xff
    expect(() => decompress(Compression.lz4, badHc, MiB)).toThrow(/descriptor checksum/)
    const tooBig = Buffer.from(compress(Compression.lz4, data))
    tooBig.writeUInt32LE(64 * 1024 + 1, 7)
    expect(() => decompress(Compression.lz4, tooBig, MiB)).toThrow(/exceeds the frame's 65536-byte blocks/)
    const checked = Buffer.from(referenceCompress('lz4', data, ['-BX', '-B4']))
    expectSame(decompress(Compression.lz4, checked, MiB), data)
    checked[20] ^= 1
    expect(() => decompress(Compression.lz4, checked, MiB)).toThrow(CorruptRecordError)
  })

  test('a declared content size past the bound is refused before any block is decoded', () => {
    const sized = Buffer.from(referenceCompress('lz4', samples(7)[3][1], ['--content-size', '-B4'], {viaFile: true}))
    expect(sized[4] & 0x08).toBe(0x08)
    expect(() => decompress(Compression.lz4, sized, 1000)).toThrow(/lz4 batch inflates past 1000 bytes/)
  })
})

describe('zstd frames', () => {
  test('the frame walk bounds what frames can inflate to and finds truncation that zlib in Node 22 lets through', () => {
    const data = samples(8)[5][1]
    const packed = compress(Compression.zstd, data)
    expect(packed.readUInt32LE(0)).toBe(0xfd2fb528)
    expect(walkFrames(packed).bound).toBeGreaterThanOrEqual(data.length)
    expect(walkFrames(packed).bound).toBeLessThan(data.length + 256 * 1024)
    expect(() => walkFrames(packed.subarray(0, packed.length - 3))).toThrow(CorruptRecordError)
  })

  test('a frame asking for a 2 GiB window is refused, not allocated', () => {
    // Frame header: no content size, window descriptor exponent 21 (2^31), then one raw block of 3 bytes.
    const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x19, 0x00, 0x00, 0x61, 0x62, 0x63])
    expect(walkFrames(frame).bound).toBe(3)
    const before = process.memoryUsage().rss
    expect(() => decompress(Compression.zstd, frame, MiB)).toThrow(CorruptRecordError)
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * MiB)
  })

  test('several frames and skippable frames are read, as libzstd reads them', () => {
    const a = Buffer.from('first frame ')
    const b = Buffer.from('second frame')
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3])
    const joined = Buffer.concat([compress(Compression.zstd, a), skippable, referenceCompress('zstd', b)])
    expectSame(decompress(Compression.zstd, joined, MiB), Buffer.concat([a, b]))
  })
})

describe('against the reference implementations (liblz4 and libzstd command-line tools)', () => {
  const data = samples(9)
  test.each(data)('lz4 and zstd decode what logpipe writes: %s', (_what, input) => {
    expectSame(referenceDecompress('lz4', compress(Compression.lz4, input)), input, 'lz4')
    expectSame(referenceDecompress('zstd', compress(Compression.zstd, input)), input, 'zstd')
  })

  test.each([
    ['lz4', []],
    ['lz4', ['-B4']],
    ['lz4', ['-B4', '-BX', '--no-frame-crc']],
    ['lz4', ['-B7', '--content-size', 'FILE']],
    ['zstd', []],
    ['zstd', ['-19', '--no-check']],
    ['zstd', ['--long=27']],
    ['zstd', ['-1', '--content-size', 'FILE']],
  ] as const)('logpipe decodes %s %j', (tool, args) => {
    const viaFile = args.includes('FILE')
    const flags = args.filter((a) => a !== 'FILE')
    for (const [what, input] of data) {
      expectSame(decompress(Compression[tool], referenceCompress(tool, input, flags, {viaFile}), 2 * MiB), input, what)
    }
  })
})

test('gzip stops at the bound too (zlib maxOutputLength)', () => {
  const bomb = gzipSync(Buffer.alloc(64 * MiB))
  expect(() => decompress(Compression.gzip, bomb, MiB)).toThrow(/gzip batch inflates past 1048576 bytes/)
})

test('each codec package is loaded on first use only', () => {
  const script = `
    import {createRequire} from 'node:module'
    import {Compression, compress, decompress} from ${JSON.stringify(`${ROOT}/dist/core/record/compression.js`)}
    const loaded = () => [...new Set(Object.keys(createRequire(import.meta.url).cache).map((p) => p.match(/node_modules\\/((@[^/]+\\/)?[^/]+)/)?.[1]).filter((p) => /snappy|lz4|zstd/.test(p ?? '')))].sort()
    const seen = []
    decompress(Compression.gzip, compress(Compression.gzip, Buffer.from('x')), 10)
    seen.push(loaded())
    decompress(Compression.snappy, compress(Compression.snappy, Buffer.from('x')), 10)
    seen.push(loaded())
    decompress(Compression.lz4, compress(Compression.lz4, Buffer.from('x')), 10)
    seen.push(loaded())
    console.log(JSON.stringify(seen))`
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8'})
  const [afterGzip, afterSnappy, afterLz4] = JSON.parse(out) as string[][]
  expect(afterGzip).toEqual([])
  expect(afterSnappy).toContain('snappy')
  expect(afterSnappy.every((p) => p.includes('snappy'))).toBe(true)
  expect(afterLz4).toContain('lz4-napi')
  expect(afterLz4.some((p) => p.includes('zstd'))).toBe(false)
})
