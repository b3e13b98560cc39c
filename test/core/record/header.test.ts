import {expect, test} from 'vitest'
import {ByteCursor} from '../../../src/core/codec/varint.js'
import {NO_HEADERS, decodeHeaders, encodeHeaders} from '../../../src/core/record/header.js'
import {utf8} from '../support.js'

test('headers encode as varint count, then varint-length key and value (-1 for null)', () => {
  const encoded = encodeHeaders([
    {key: 'a', value: utf8('xy')},
    {key: 'é', value: null},
  ])
  // count 2 (zigzag 4); "a": len 1 (2), 0x61; value len 2 (4), "xy"; "é" is 2 bytes (4), c3 a9; null (1)
  expect(encoded.toString('hex')).toBe('04' + '0261' + '047879' + '04c3a9' + '01')
  expect(NO_HEADERS.toString('hex')).toBe('00')
})

test('decodeHeaders reads back what encodeHeaders wrote, copying the values out', () => {
  const headers = [
    {key: 'content-type', value: utf8('text/plain')},
    {key: 'nothing', value: null},
    {key: 'empty', value: Buffer.alloc(0)},
    {key: '', value: Buffer.from([0, 255])},
    {key: 'dup', value: utf8('1')},
    {key: 'dup', value: utf8('2')},
  ]
  const encoded = encodeHeaders(headers)
  const cursor = new ByteCursor(encoded)
  const count = cursor.readVarint()
  const decoded = decodeHeaders(cursor, count)
  expect(decoded).toEqual(headers)
  expect(cursor.pos).toBe(encoded.length)
  encoded.fill(0)
  expect(decoded[0].value!.toString()).toBe('text/plain')
})
