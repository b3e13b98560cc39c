/**
 * RecordReader decodes the golden fixtures to the content their JSON says,
 * exposes each record as positions into a buffer, and refuses records whose
 * lengths do not add up.
 */
import {describe, expect, test} from 'vitest'
import {CorruptRecordError} from '../../../src/core/errors.js'
import * as L from '../../../src/core/record/batch-layout.js'
import {RecordReader, decodeRecords} from '../../../src/core/record/record.js'
import {buildBatch, utf8} from '../support.js'
import {checkBatch} from '../../../src/core/record/batch-header.js'
import {ATTR, billionHeadersBatch, rawBatch, rawRecord} from '../../helpers/hostile-batch.js'
import {loadFixtures, toFixtureRecord} from './fixtures.js'

const fixtures = loadFixtures()

describe.each(fixtures.map((f) => [f.name, f] as const))('fixture %s', (_name, f) => {
  test('decodes to the expected records', () => {
    expect(decodeRecords(f.bin).map(toFixtureRecord)).toEqual(f.records)
  })

  test('decodes the same at a position inside a larger buffer', () => {
    const buf = Buffer.concat([Buffer.alloc(13, 0xee), f.bin, Buffer.alloc(5, 0xee)])
    expect(decodeRecords(buf, 13).map(toFixtureRecord)).toEqual(f.records)
  })

  test('step by step, positions point at the key and value bytes', () => {
    const reader = new RecordReader()
    reader.open(f.bin, 0)
    expect(reader.baseOffset).toBe(f.baseOffset)
    expect(reader.recordCount).toBe(f.records.length)
    for (const expected of f.records) {
      expect(reader.next()).toBe(true)
      expect(reader.offset).toBe(expected.offset)
      expect(reader.timestamp).toBe(expected.timestamp)
      expect(reader.keyLength).toBe(expected.key === null ? -1 : Buffer.byteLength(expected.key))
      expect(reader.valueLength).toBe(expected.value === null ? -1 : Buffer.byteLength(expected.value))
      if (expected.value !== null) {
        expect(reader.buf.toString('utf8', reader.valueStart, reader.valueStart + reader.valueLength)).toBe(expected.value)
      }
      expect(reader.headerCount).toBe(expected.headers.length)
    }
    expect(reader.next()).toBe(false)
    expect(reader.next()).toBe(false)
  })
})

test('a reader reused across batches starts each one afresh', () => {
  const reader = new RecordReader()
  const a = buildBatch([{timestamp: 5, key: utf8('a'), value: utf8('1')}], 10)
  const b = buildBatch([{timestamp: 9, key: null, value: null}, {timestamp: 7, key: utf8('c'), value: utf8('3')}], 20)
  reader.open(a, 0)
  while (reader.next());
  reader.open(b, 0)
  const seen = []
  while (reader.next()) seen.push(reader.toRecord())
  expect(seen).toEqual([
    {offset: 20, timestamp: 9, key: null, value: null, headers: []},
    {offset: 21, timestamp: 7, key: utf8('c'), value: utf8('3'), headers: []},
  ])
})

test('a record whose length runs past its batch is a CorruptRecordError', () => {
  const batch = buildBatch([{timestamp: 1, key: utf8('k'), value: utf8('value')}])
  // First record's length varint: 0x18 (12) -> 0x7e (63), past the batch's end.
  expect(batch[L.RECORDS_OFFSET]).toBe(0x18)
  batch[L.RECORDS_OFFSET] = 0x7e
  expect(() => decodeRecords(batch)).toThrow(CorruptRecordError)
})

test('a record whose fields run past its declared length is a CorruptRecordError', () => {
  const batch = buildBatch([
    {timestamp: 1, key: utf8('k'), value: utf8('value')},
    {timestamp: 1, key: utf8('k'), value: utf8('value')},
  ])
  // Shrink the first record's length from 12 to 8: its value now overruns it.
  expect(batch[L.RECORDS_OFFSET]).toBe(0x18)
  batch[L.RECORDS_OFFSET] = 0x10
  expect(() => decodeRecords(batch)).toThrow(/value length 5 does not fit in the 2 bytes left in the record/)
})

test('a record count larger than the records present is a CorruptRecordError, not a hang', () => {
  const batch = buildBatch([{timestamp: 1, key: null, value: utf8('only one')}])
  batch.writeInt32BE(3, L.RECORDS_COUNT_OFFSET)
  expect(() => decodeRecords(batch)).toThrow(CorruptRecordError)
})

describe('malformed records with a valid CRC are CorruptRecordError, never a loop or a read out of the record', () => {
  const a = Buffer.from('a')
  const ok = rawRecord([ATTR, 0, 0, -1, -1, 0])
  const cases: Array<{name: string; records: Buffer; count?: number; lastOffsetDelta?: number; what: RegExp}> = [
    {name: 'negative key length', records: rawRecord([ATTR, 0, 0, -7, -1, 0]), what: /key length -7 does not fit/},
    {name: 'key length past the end', records: rawRecord([ATTR, 0, 0, 9, a, -1, 0]), what: /key length 9 does not fit/},
    {name: 'negative value length', records: rawRecord([ATTR, 0, 0, -1, -2, 0]), what: /value length -2 does not fit/},
    {name: 'value length past the end', records: rawRecord([ATTR, 0, 0, -1, 50, Buffer.from('abc'), 0]), what: /value length 50 does not fit in the 4 bytes/},
    {name: 'negative header count', records: rawRecord([ATTR, 0, 0, -1, -1, -1]), what: /header count -1 does not fit/},
    {name: 'header count beyond the bytes left', records: rawRecord([ATTR, 0, 0, -1, -1, 1000, 1, a, -1]), what: /header count 1000 does not fit/},
    {name: 'a billion headers (the 74-byte segment)', records: rawRecord([ATTR, 0, 0, -1, -1, 1_000_000_000, -7]), what: /header count 1000000000 does not fit/},
    {name: 'header key length -7', records: rawRecord([ATTR, 0, 0, -1, -1, 1, -7, -1]), what: /header 0 key length -7 does not fit/},
    {name: 'header key length past the end', records: rawRecord([ATTR, 0, 0, -1, -1, 1, 30, -1]), what: /header 0 key length 30 does not fit/},
    {name: 'header value length past the end', records: rawRecord([ATTR, 0, 0, -1, -1, 1, 1, a, 40]), what: /header 0 value length 40 does not fit/},
    {name: 'second header past the end', records: rawRecord([ATTR, 0, 0, -1, -1, 2, 1, a, -1, 20, -1]), what: /header 1 key length 20 does not fit/},
    {name: 'record length beyond the batch', records: rawRecord([ATTR, 0, 0, -1, -1, 0], 100), what: /record length 100 does not fit in the 6 bytes left in its batch/},
    {name: 'negative record length', records: rawRecord([ATTR, 0, 0, -1, -1, 0], -3), what: /record length -3 does not fit/},
    {name: 'record length too short for its fields', records: Buffer.concat([rawRecord([ATTR, 0, 0, -1, -1, 0], 3), ok]), count: 2, what: /record length 3 does not fit/},
    {name: 'record length longer than its fields', records: Buffer.concat([rawRecord([ATTR, 0, 0, -1, -1, 0], 7), Buffer.from([0]), ok]), count: 2, what: /record length 7 says 1 more bytes than its fields hold/},
    {name: 'overlong varint', records: rawRecord([ATTR, 0, 0, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), -1, 0]), what: /varint is longer than 5 bytes/},
    {name: 'varint running into the next record', records: Buffer.concat([rawRecord([ATTR, 0, 0, -1, -1, Buffer.from([0x80])]), ok]), count: 2, what: /varint runs past the end of the record/},
    {name: 'record count beyond the bytes', records: ok, count: 1000, what: /record count 1000 cannot fit in the 7 bytes of records/},
    {name: 'negative record count', records: ok, count: -1, what: /record count -1 cannot fit/},
    {name: 'bytes after the last record', records: Buffer.concat([ok, ok]), count: 1, what: /7 bytes follow the last of the batch's 1 records/},
    {name: 'offset delta outside the batch', records: rawRecord([ATTR, 0, 5, -1, -1, 0]), what: /offset delta 5 is outside the batch's 0\.\.0/},
    {name: 'negative offset delta', records: rawRecord([ATTR, 0, -1, -1, -1, 0]), what: /offset delta -1 is outside/},
  ]

  test.each(cases)('$name', ({records, count, lastOffsetDelta, what}) => {
    const batch = rawBatch(records, {count: count ?? 1, baseOffset: 40, lastOffsetDelta: lastOffsetDelta ?? Math.max(0, (count ?? 1) - 1)})
    // The CRC holds: only the record checks can refuse it.
    expect(checkBatch(batch, 0, batch.length, batch.length)).toBe(batch.length)
    expect(() => decodeRecords(batch)).toThrow(CorruptRecordError)
    expect(() => decodeRecords(batch)).toThrow(what)
  })

  test('the failing record is named by its offset: base offset plus its index in the batch', () => {
    const batch = rawBatch(Buffer.concat([ok, ok, rawRecord([ATTR, 0, 2, -7, -1, 0])]), {count: 3, baseOffset: 40})
    const reader = new RecordReader()
    reader.open(batch, 0)
    expect(reader.next()).toBe(true)
    expect(reader.next()).toBe(true)
    expect(() => reader.next()).toThrow(/key length -7/)
    expect(reader.failedOffset).toBe(42)
  })

  test('the 74-byte batch of issue 8 ends at once', () => {
    const batch = billionHeadersBatch()
    expect(batch.length).toBe(74)
    const reader = new RecordReader()
    reader.open(batch, 0)
    expect(() => reader.next()).toThrow(CorruptRecordError)
    expect(reader.failedOffset).toBe(0)
  })

  test('well-formed hand-made records decode, headers and all', () => {
    const records = Buffer.concat([
      rawRecord([ATTR, 0, 0, 1, Buffer.from('k'), 1, Buffer.from('v'), 2, 1, Buffer.from('h'), -1, 1, Buffer.from('i'), 1, Buffer.from('j')]),
      rawRecord([ATTR, 2, 1, -1, 0, 0]),
    ])
    expect(decodeRecords(rawBatch(records, {count: 2, baseOffset: 7, timestamp: 100}))).toEqual([
      {offset: 7, timestamp: 100, key: utf8('k'), value: utf8('v'), headers: [{key: 'h', value: null}, {key: 'i', value: utf8('j')}]},
      {offset: 8, timestamp: 102, key: null, value: Buffer.alloc(0), headers: []},
    ])
  })
})
