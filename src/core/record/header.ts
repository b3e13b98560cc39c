/**
 * Record headers: varint count, then per header a varint-length UTF-8 key and
 * a varint-length value (-1 for null), as Kafka's DefaultRecord writes them.
 * Headers are encoded once into bytes the batch builder copies per record, so
 * `-H` costs nothing per record beyond the copy.
 */
import {ByteCursor, sizeOfVarint, writeVarint} from '../codec/varint.js'
import {CorruptRecordError} from '../errors.js'

export interface RecordHeader {
  key: string
  value: Buffer | null
}

export function encodeHeaders(headers: readonly RecordHeader[]): Buffer {
  let size = sizeOfVarint(headers.length)
  const keys = headers.map((h) => Buffer.from(h.key, 'utf8'))
  headers.forEach((h, i) => {
    size += sizeOfVarint(keys[i].length) + keys[i].length
    size += h.value === null ? sizeOfVarint(-1) : sizeOfVarint(h.value.length) + h.value.length
  })
  const out = Buffer.allocUnsafe(size)
  let pos = writeVarint(out, 0, headers.length)
  headers.forEach((h, i) => {
    pos = writeVarint(out, pos, keys[i].length)
    pos += keys[i].copy(out, pos)
    if (h.value === null) {
      pos = writeVarint(out, pos, -1)
    } else {
      pos = writeVarint(out, pos, h.value.length)
      pos += h.value.copy(out, pos)
    }
  })
  return out
}

/** The encoding of "no headers": a single zero varint. */
export const NO_HEADERS = encodeHeaders([])

/**
 * Steps over `count` headers, checking each length against the bytes left
 * before the cursor's end (the record's): a key is never null, a value is
 * -1 (null) or more. After it, decodeHeaders and the %h formatter may read
 * the same bytes without checking again.
 */
export function skipHeaders(cursor: ByteCursor, count: number): void {
  for (let i = 0; i < count; i++) {
    const keyLength = cursor.readVarint()
    if (keyLength < 0 || keyLength > cursor.end - cursor.pos) {
      throw new CorruptRecordError(`header ${i} key length ${keyLength} does not fit in the ${cursor.end - cursor.pos} bytes left in the record`)
    }
    cursor.pos += keyLength
    const valueLength = cursor.readVarint()
    if (valueLength < -1 || valueLength > cursor.end - cursor.pos) {
      throw new CorruptRecordError(`header ${i} value length ${valueLength} does not fit in the ${cursor.end - cursor.pos} bytes left in the record`)
    }
    if (valueLength > 0) cursor.pos += valueLength
  }
}

/** Decodes `count` headers starting at the cursor (checked by skipHeaders first); copies the bytes out. */
export function decodeHeaders(cursor: ByteCursor, count: number): RecordHeader[] {
  const headers: RecordHeader[] = []
  for (let i = 0; i < count; i++) {
    const keyLength = cursor.readVarint()
    const key = cursor.buf.toString('utf8', cursor.pos, cursor.pos + keyLength)
    cursor.pos += keyLength
    const valueLength = cursor.readVarint()
    let value: Buffer | null = null
    if (valueLength >= 0) {
      value = Buffer.from(cursor.buf.subarray(cursor.pos, cursor.pos + valueLength))
      cursor.pos += valueLength
    }
    headers.push({key, value})
  }
  return headers
}
