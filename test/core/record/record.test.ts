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
  expect(() => decodeRecords(batch)).toThrow(/longer than its length/)
})

test('a record count larger than the records present is a CorruptRecordError, not a hang', () => {
  const batch = buildBatch([{timestamp: 1, key: null, value: utf8('only one')}])
  batch.writeInt32BE(3, L.RECORDS_COUNT_OFFSET)
  expect(() => decodeRecords(batch)).toThrow(CorruptRecordError)
})
