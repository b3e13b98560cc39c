/**
 * BatchBuilder writes RecordBatch v2 as Kafka defines it. Three checks, from
 * the least to the most independent of our own encoder:
 *
 *   - the golden fixtures (test/fixtures/batches, generate.mjs): the builder
 *     still writes the committed bytes;
 *   - a batch written out by hand below, field by field from Kafka's
 *     DefaultRecordBatch/DefaultRecord layout, with its CRC checked by a
 *     bitwise CRC-32C written here from the polynomial;
 *   - kafkajs, which decodes every shape to the same content.
 */
import {createRequire} from 'node:module'
import {describe, expect, test} from 'vitest'
import {RecordTooLargeError} from '../../../src/core/errors.js'
import {checkBatch, readBatchHeader} from '../../../src/core/record/batch-header.js'
import * as L from '../../../src/core/record/batch-layout.js'
import {Compression} from '../../../src/core/record/compression.js'
import {encodeHeaders, NO_HEADERS} from '../../../src/core/record/header.js'
import {BatchBuilder, capacityFor, recordBodySize} from '../../../src/core/record/record-batch.js'
import {decodeRecords} from '../../../src/core/record/record.js'
import {kafkajsDecodeBatch, kafkajsEncodeBatch, type KafkajsRecord} from '../../helpers/kafkajs.js'
import {buildBatch, fill, newBuilder, utf8} from '../support.js'
import {type FixtureRecord, loadFixtures, toFixtureRecord, toPlain} from './fixtures.js'

const require = createRequire(import.meta.url)
const kafkajsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C')

/** CRC-32C, bit by bit, from the reflected Castagnoli polynomial 0x82f63b78. */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const b of bytes) {
    crc ^= b
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

const T = 1_700_000_000_000 // 0x0000018bcfe56800

/**
 * Two records at base offset 0, written from the spec:
 *   offset 0, timestamp T,       key "key", value "value", no headers
 *   offset 1, timestamp T + 300, key null,  value "" (empty), header "h" => null
 */
// prettier-ignore
const HAND_WRITTEN = Buffer.from([
  // --- batch header (61 bytes) ---
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // baseOffset int64 = 0
  0x00, 0x00, 0x00, 0x4b,                         // batchLength int32 = 75 (87 bytes - 12)
  0xff, 0xff, 0xff, 0xff,                         // partitionLeaderEpoch int32 = -1 (none)
  0x02,                                           // magic int8 = 2
  0x70, 0x27, 0x26, 0xf7,                         // crc uint32: CRC-32C of the 66 bytes from attributes on
  0x00, 0x00,                                     // attributes int16: no compression, CreateTime, not transactional
  0x00, 0x00, 0x00, 0x01,                         // lastOffsetDelta int32 = 1
  0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, // baseTimestamp int64 = 1700000000000
  0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x69, 0x2c, // maxTimestamp int64 = 1700000000300
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // producerId int64 = -1
  0xff, 0xff,                                     // producerEpoch int16 = -1
  0xff, 0xff, 0xff, 0xff,                         // baseSequence int32 = -1
  0x00, 0x00, 0x00, 0x02,                         // records count int32 = 2
  // --- record 0 (15 bytes) ---
  0x1c,                                           // length varint = 14 (zigzag 28)
  0x00,                                           // attributes int8 = 0
  0x00,                                           // timestampDelta varlong = 0
  0x00,                                           // offsetDelta varint = 0
  0x06, 0x6b, 0x65, 0x79,                         // key: length varint 3 (zigzag 6), "key"
  0x0a, 0x76, 0x61, 0x6c, 0x75, 0x65,             // value: length varint 5 (zigzag 10), "value"
  0x00,                                           // header count varint = 0
  // --- record 1 (11 bytes) ---
  0x14,                                           // length varint = 10 (zigzag 20)
  0x00,                                           // attributes int8 = 0
  0xd8, 0x04,                                     // timestampDelta varlong = 300 (zigzag 600 = 0x58|0x80, 600>>7 = 4)
  0x02,                                           // offsetDelta varint = 1 (zigzag 2)
  0x01,                                           // key: length varint -1 (zigzag 1) = null
  0x00,                                           // value: length varint 0 = empty, no bytes
  0x02,                                           // header count varint = 1 (zigzag 2)
  0x02, 0x68,                                     //   header key: length 1, "h"
  0x01,                                           //   header value: length -1 = null
])

const HAND_WRITTEN_RECORDS = [
  {timestamp: T, key: utf8('key'), value: utf8('value')},
  {timestamp: T + 300, key: null, value: Buffer.alloc(0), headers: [{key: 'h', value: null}]},
]

describe('hand-written batch from the spec', () => {
  test('its CRC is the CRC-32C of attributes..end, by two other implementations', () => {
    const covered = HAND_WRITTEN.subarray(L.ATTRIBUTES_OFFSET)
    expect(covered.length).toBe(66)
    expect(crc32cBitwise(covered)).toBe(0x702726f7)
    expect(kafkajsCrc32C(covered) >>> 0).toBe(0x702726f7)
    expect(crc32cBitwise(Buffer.from('123456789'))).toBe(0xe3069283)
  })

  test('BatchBuilder writes exactly these bytes', () => {
    expect(buildBatch(HAND_WRITTEN_RECORDS, 0, Compression.none, -1).toString('hex')).toBe(HAND_WRITTEN.toString('hex'))
  })

  test('decodes, by us and by kafkajs, to the records it was written from', async () => {
    expect(checkBatch(HAND_WRITTEN, 0, HAND_WRITTEN.length, 1 << 20)).toBe(87)
    expect(decodeRecords(HAND_WRITTEN)).toEqual([
      {offset: 0, timestamp: T, key: utf8('key'), value: utf8('value'), headers: []},
      {offset: 1, timestamp: T + 300, key: null, value: Buffer.alloc(0), headers: [{key: 'h', value: null}]},
    ])
    const k = await kafkajsDecodeBatch(HAND_WRITTEN)
    expect(k.records.map(fromKafkajs)).toEqual([
      {offset: 0, timestamp: T, key: 'key', value: 'value', headers: {}},
      {offset: 1, timestamp: T + 300, key: null, value: '', headers: {h: null}},
    ])
  })
})

const fixtures = loadFixtures()

describe('golden fixtures', () => {
  test('the fixture set covers every required shape', () => {
    const names = fixtures.map((f) => f.name)
    for (const n of ['null-key', 'null-value', 'empty-key-and-value', 'headers', 'timestamp-deltas', 'many-records', 'gzip']) {
      expect(names).toContain(n)
    }
    const all = fixtures.flatMap((f) => f.records)
    expect(all.some((r) => r.headers.some((h) => h.value === null))).toBe(true)
  })

  describe.each(fixtures.filter((f) => f.compression === 'none').map((f) => [f.name, f] as const))('%s', (_name, f) => {
    test('BatchBuilder writes the committed bytes', () => {
      const built = buildBatch(toPlain(f.records), f.baseOffset, Compression.none, f.partitionLeaderEpoch)
      expect(built.toString('hex')).toBe(f.bin.toString('hex'))
    })
  })

  describe.each(fixtures.filter((f) => f.compression === 'gzip').map((f) => [f.name, f] as const))('%s', (_name, f) => {
    test('BatchBuilder writes a gzip batch with the same header and content', () => {
      const built = buildBatch(toPlain(f.records), f.baseOffset, Compression.gzip, f.partitionLeaderEpoch)
      const {crc: _c1, batchLength: _l1, ...ours} = readBatchHeader(built)
      const {crc: _c2, batchLength: _l2, ...theirs} = readBatchHeader(f.bin)
      expect(ours).toEqual(theirs)
      expect(ours.attributes & L.COMPRESSION_CODEC_MASK).toBe(Compression.gzip)
      expect(decodeRecords(built).map(toFixtureRecord)).toEqual(f.records)
      expect(checkBatch(built, 0, built.length, 1 << 20)).toBe(built.length)
    })
  })

  describe.each(fixtures.map((f) => [f.name, f] as const))('%s', (_name, f) => {
    test('header fields follow from the records', () => {
      const h = readBatchHeader(f.bin)
      expect(h.baseOffset).toBe(f.baseOffset)
      expect(h.batchLength).toBe(f.bin.length - L.LOG_OVERHEAD)
      expect(h.partitionLeaderEpoch).toBe(f.partitionLeaderEpoch)
      expect(h.magic).toBe(2)
      expect(h.attributes).toBe(Compression[f.compression])
      expect(h.lastOffsetDelta).toBe(f.records.at(-1)!.offset - f.baseOffset)
      expect(h.baseTimestamp).toBe(f.records[0].timestamp)
      expect(h.maxTimestamp).toBe(Math.max(...f.records.map((r) => r.timestamp)))
      expect([h.producerId, h.producerEpoch, h.baseSequence]).toEqual([-1, -1, -1])
      expect(h.recordCount).toBe(f.records.length)
      expect(h.crc).toBe(crc32cBitwise(f.bin.subarray(L.ATTRIBUTES_OFFSET)))
    })

    test('kafkajs decodes it to the same offsets, timestamps, keys, values and headers', async () => {
      const k = await kafkajsDecodeBatch(f.bin)
      expect(k.firstOffset).toBe(String(f.baseOffset))
      expect(k.records.map(fromKafkajs)).toEqual(f.records.map(asKafkajsSees))
    })
  })
})

describe('BatchBuilder', () => {
  test.each(Object.keys(Compression))('kafkajs, with its codecs, decodes batches built from many random-ish records: compression %s', async (name) => {
    const compression = Compression[name as keyof typeof Compression]
    {
      const records = Array.from({length: 200}, (_, i) => ({
        timestamp: T + ((i * 7919) % 1000) - 500,
        key: i % 5 === 0 ? null : utf8(`k${i}`),
        value: i % 7 === 0 ? null : Buffer.alloc(i, i),
        headers: i % 3 === 0 ? [{key: `h${i}`, value: i % 2 ? null : utf8('x')}] : [],
      }))
      const batch = buildBatch(records, 123_456, compression)
      const k = await kafkajsDecodeBatch(batch)
      const ours = decodeRecords(batch).map(toFixtureRecord)
      expect(ours.map((r) => r.offset)).toEqual(records.map((_, i) => 123_456 + i))
      expect(k.records.map(fromKafkajs)).toEqual(ours.map(asKafkajsSees))
    }
  })

  test.each(Object.keys(Compression))('logpipe decodes the batches kafkajs writes with its codecs: compression %s', async (name) => {
    const compression = Compression[name as keyof typeof Compression]
    // Enough records for several lz4 and snappy blocks, some compressible, some not.
    const messages = Array.from({length: 300}, (_, i) => ({
      key: i % 4 === 0 ? null : utf8(`key-${i}`),
      value: i % 9 === 0 ? null : Buffer.from(`value ${i} `.repeat(i % 50) + String.fromCharCode(33 + (i % 90)).repeat(i)),
      headers: i % 5 === 0 ? {trace: utf8(`t${i}`)!} : undefined,
      timestampDelta: i,
    }))
    const batch = await kafkajsEncodeBatch(compression, T, messages)
    expect(batch.readInt16BE(L.ATTRIBUTES_OFFSET) & L.COMPRESSION_CODEC_MASK).toBe(compression)
    expect(checkBatch(batch, 0, batch.length, L.MAX_BATCH_SIZE)).toBe(batch.length)
    const ours = decodeRecords(batch)
    expect(ours.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString() ?? null, r.headers.map((h) => `${h.key}=${h.value}`)])).toEqual(
      messages.map((m, i) => [i, T + i, m.key?.toString() ?? null, m.value?.toString() ?? null, m.headers ? [`trace=t${i}`] : []]),
    )
  })

  test('a record over maxBatchBytes is a RecordTooLargeError and leaves the builder empty', () => {
    const builder = new BatchBuilder({batchBytes: 512, maxBatchBytes: 1000})
    const value = Buffer.alloc(1000, 0x61)
    const append = () => builder.append(T, null, 0, 0, value, 0, value.length)
    expect(append).toThrow(RecordTooLargeError)
    expect(append).toThrow(/max\.message\.bytes 1000/)
    expect(builder.isEmpty).toBe(true)
    expect(builder.sizeInBytes).toBe(L.RECORDS_OFFSET)
    // A record that just fits as a batch of its own is taken: 61 header bytes,
    // a 2-byte length, then attributes, timestampDelta, offsetDelta, null key
    // (1 byte each), a 2-byte value length, the value, and the header count.
    const fits = 1000 - 61 - 2 - 4 - 2 - 1
    expect(L.RECORDS_OFFSET + 2 + recordBodySize(0, 0, -1, fits, NO_HEADERS.length)).toBe(1000)
    expect(() => builder.append(T, null, 0, 0, value, 0, fits + 1)).toThrow(RecordTooLargeError)
    builder.append(T, null, 0, 0, value, 0, fits)
    const batch = builder.seal(0)
    expect(batch.length).toBe(1000)
    expect(decodeRecords(batch)[0].value!.length).toBe(fits)
  })

  test('a record too big for what is left refuses to append, and the batch stays intact', () => {
    const builder = new BatchBuilder({batchBytes: 200, maxBatchBytes: 300})
    builder.append(T, utf8('a'), 0, 1, utf8('first'), 0, 5)
    expect(builder.hasRoomFor(T, 1, 150, 1)).toBe(false)
    const big = Buffer.alloc(250)
    expect(() => builder.append(T, null, 0, 0, big, 0, big.length)).toThrow(RecordTooLargeError)
    expect(builder.recordCount).toBe(1)
    expect(decodeRecords(Buffer.from(builder.seal(0))).map((r) => r.value!.toString())).toEqual(['first'])
  })

  test('a first record larger than the builder\'s own memory gets memory for that batch only; after reset() batches are built in its own memory again', () => {
    const options = {batchBytes: 200, maxBatchBytes: 5000}
    const own = Buffer.alloc(capacityFor(options))
    const builder = new BatchBuilder({...options, buffer: own})
    const big = Buffer.alloc(3000, 0x62)
    builder.append(T, utf8('big'), 0, 3, big, 0, big.length)
    builder.append(T + 1, null, 0, 0, utf8('after'), 0, 5)
    const first = Buffer.from(builder.seal(0))
    expect(decodeRecords(first).map((r) => [r.key?.toString() ?? null, r.value!.length])).toEqual([
      ['big', 3000],
      [null, 5],
    ])
    builder.reset()
    fill(builder, [{timestamp: T, key: utf8('a'), value: utf8('small')}])
    const second = builder.seal(1)
    expect(second.buffer).toBe(own.buffer)
    expect(second.byteOffset).toBe(own.byteOffset)
    expect(decodeRecords(Buffer.from(second)).map((r) => [r.offset, r.key!.toString(), r.value!.toString()])).toEqual([[1, 'a', 'small']])
  })

  test('isFull and hasRoomFor follow batchBytes', () => {
    const builder = newBuilder(Compression.none, 200, 1000)
    expect(builder.hasRoomFor(T, 0, 5000, 1)).toBe(true) // an empty batch takes anything (append enforces the max)
    let n = 0
    while (builder.hasRoomFor(T, 2, 20, 1)) {
      fill(builder, [{timestamp: T, key: utf8('kk'), value: Buffer.alloc(20)}])
      n++
    }
    expect(builder.sizeInBytes).toBeLessThanOrEqual(200)
    expect(builder.sizeInBytes + 26).toBeGreaterThan(200)
    fill(builder, [{timestamp: T, key: utf8('kk'), value: Buffer.alloc(20)}])
    expect(builder.isFull).toBe(true)
    expect(decodeRecords(Buffer.from(builder.seal(0)))).toHaveLength(n + 1)
  })

  test('reset() starts a fresh batch with its own base timestamp', () => {
    const builder = newBuilder()
    fill(builder, [{timestamp: T + 50, key: null, value: utf8('a')}])
    builder.seal(0)
    builder.reset()
    fill(builder, [
      {timestamp: T, key: null, value: utf8('b')},
      {timestamp: T - 10, key: null, value: utf8('c')},
    ])
    const batch = Buffer.from(builder.seal(10))
    const h = readBatchHeader(batch)
    expect([h.baseTimestamp, h.maxTimestamp, h.recordCount, h.lastOffsetDelta]).toEqual([T, T, 2, 1])
    expect(decodeRecords(batch).map((r) => [r.offset, r.timestamp, r.value!.toString()])).toEqual([
      [10, T, 'b'],
      [11, T - 10, 'c'],
    ])
  })

  test('header bytes are encoded once and copied per record', () => {
    const headers = encodeHeaders([{key: 'a', value: utf8('1')}])
    const builder = newBuilder()
    for (let i = 0; i < 3; i++) builder.append(T, null, 0, 0, utf8(`v${i}`), 0, 2, headers)
    const records = decodeRecords(Buffer.from(builder.seal(0)))
    expect(records.map((r) => r.headers)).toEqual([0, 1, 2].map(() => [{key: 'a', value: utf8('1')}]))
  })
})

/** kafkajs's view of a fixture record: string offsets aside, headers grouped by key. */
function asKafkajsSees(r: FixtureRecord) {
  const headers: Record<string, string | null | Array<string | null>> = {}
  for (const h of r.headers) {
    const seen = headers[h.key]
    headers[h.key] = seen === undefined ? h.value : Array.isArray(seen) ? [...seen, h.value] : [seen, h.value]
  }
  return {offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers}
}

function fromKafkajs(r: KafkajsRecord) {
  const str = (b: Buffer | null) => (b === null ? null : b.toString('utf8'))
  const headers: Record<string, string | null | Array<string | null>> = {}
  for (const [k, v] of Object.entries(r.headers)) headers[k] = Array.isArray(v) ? v.map(str) : str(v)
  return {offset: Number(r.offset), timestamp: Number(r.timestamp), key: str(r.key), value: str(r.value), headers}
}

