/**
 * The fast path of `produce --input json`: reads the bytes of a line of the
 * common form (what `consume --json` and kcat -J print, without headers)
 * without JSON.parse, and finds key and value as spans of the line itself,
 * so their bytes are copied into the batch as they are. JSON.parse made a
 * string of each, which then had to be written back as UTF-8: most of the
 * cost of a line (docs/PERFORMANCE.md, "--input json").
 *
 * It answers only for lines whose meaning it can be sure of, and gives up
 * (false) on anything else, which then goes through readJsonRecord
 * (json-record.ts): its error messages and its rarer forms (escapes,
 * headers, base64, ISO timestamps, numbers as values, duplicate fields)
 * stay in one place. What it takes: an object of the fields readJsonRecord
 * knows, each at most once; strings without a backslash; integers without
 * sign, fraction or exponent; null, true, false; headers as null or [].
 * Bytes past ASCII are taken when the whole line is valid UTF-8, as the
 * bytes JSON.parse's string would have been written back as.
 */
import {isUtf8} from 'node:buffer'

/** A line's record as spans of the line: start -1 is null. */
export interface ScannedJsonRecord {
  keyStart: number
  keyEnd: number
  valueStart: number
  valueEnd: number
  partition: number | undefined
  timestamp: number | undefined
}

const QUOTE = 0x22
const BACKSLASH = 0x5c

// Field bits, to see a field given twice (JSON.parse keeps the last; readJsonRecord decides).
const KEY = 1
const VALUE = 2
const PAYLOAD = 4
const HEADERS = 8
const PARTITION = 16
const TIMESTAMP = 32
const TS = 64
const TOPIC = 128
const OFFSET = 256
const TSTYPE = 512
const BROKER = 1024

/** The field named by the bytes buf[start, end), or 0 for any other name (encoding included: readJsonRecord's). */
function fieldBit(buf: Buffer, start: number, end: number): number {
  const n = end - start
  const c = buf[start]
  // By length and first letter, then the whole name.
  switch (n) {
    case 2:
      return c === 0x74 && buf[start + 1] === 0x73 ? TS : 0
    case 3:
      return c === 0x6b && buf[start + 1] === 0x65 && buf[start + 2] === 0x79 ? KEY : 0
    case 5:
      if (c === 0x76) return same(buf, start, VALUE_NAME) ? VALUE : 0
      if (c === 0x74) return same(buf, start, TOPIC_NAME) ? TOPIC : 0
      return 0
    case 6:
      if (c === 0x6f) return same(buf, start, OFFSET_NAME) ? OFFSET : 0
      if (c === 0x74) return same(buf, start, TSTYPE_NAME) ? TSTYPE : 0
      if (c === 0x62) return same(buf, start, BROKER_NAME) ? BROKER : 0
      return 0
    case 7:
      if (c === 0x70) return same(buf, start, PAYLOAD_NAME) ? PAYLOAD : 0
      if (c === 0x68) return same(buf, start, HEADERS_NAME) ? HEADERS : 0
      return 0
    case 9:
      if (c === 0x70) return same(buf, start, PARTITION_NAME) ? PARTITION : 0
      if (c === 0x74) return same(buf, start, TIMESTAMP_NAME) ? TIMESTAMP : 0
      return 0
    default:
      return 0
  }
}

// As bytes: comparing with a string's charCodeAt took a fifth of the scan's time.
const VALUE_NAME = new Uint8Array(Buffer.from('value'))
const TOPIC_NAME = new Uint8Array(Buffer.from('topic'))
const OFFSET_NAME = new Uint8Array(Buffer.from('offset'))
const TSTYPE_NAME = new Uint8Array(Buffer.from('tstype'))
const BROKER_NAME = new Uint8Array(Buffer.from('broker'))
const PAYLOAD_NAME = new Uint8Array(Buffer.from('payload'))
const HEADERS_NAME = new Uint8Array(Buffer.from('headers'))
const PARTITION_NAME = new Uint8Array(Buffer.from('partition'))
const TIMESTAMP_NAME = new Uint8Array(Buffer.from('timestamp'))
const TRUE_WORD = new Uint8Array(Buffer.from('true'))
const FALSE_WORD = new Uint8Array(Buffer.from('false'))

function same(buf: Buffer, start: number, name: Uint8Array): boolean {
  for (let i = 1; i < name.length; i++) if (buf[start + i] !== name[i]) return false
  return true
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a
}

/**
 * Fills `into` from the line buf[start, end) and says true, or says false
 * when the line is not of the form above (into is then undefined).
 */
export function scanJsonRecord(buf: Buffer, start: number, end: number, into: ScannedJsonRecord): boolean {
  let i = start
  while (i < end && isSpace(buf[i])) i++
  if (buf[i] !== 0x7b || i >= end) return false
  i++
  into.keyStart = -1
  into.keyEnd = -1
  into.valueStart = -1
  into.valueEnd = -1
  into.partition = undefined
  into.timestamp = undefined
  let seen = 0
  let wide = false
  let first = true
  for (;;) {
    while (i < end && isSpace(buf[i])) i++
    if (i >= end) return false
    if (buf[i] === 0x7d) {
      // "{}" or the end after a value; "{"a":1,}" is not JSON.
      if (!first) return false
      i++
      break
    }
    // A field's name.
    if (buf[i] !== QUOTE) return false
    // fieldBit compares every byte of the name, so a name with an escape or a control character is no field's.
    const nameStart = ++i
    i = buf.indexOf(QUOTE, i)
    if (i < 0 || i >= end) return false
    const bit = fieldBit(buf, nameStart, i)
    if (bit === 0 || (seen & bit) !== 0) return false
    seen |= bit
    i++
    while (i < end && isSpace(buf[i])) i++
    if (buf[i] !== 0x3a || i >= end) return false
    i++
    while (i < end && isSpace(buf[i])) i++
    if (i >= end) return false
    const c = buf[i]
    if (c === QUOTE) {
      // The closing quote by memchr; what lies before it is then checked byte by byte.
      const s = ++i
      const close = buf.indexOf(QUOTE, i)
      if (close < 0 || close >= end) return false
      for (; i < close; i++) {
        const b = buf[i]
        if (b < 0x20 || b === BACKSLASH || b > 0x7e) {
          if (b < 0x80 && b !== 0x7f) return false
          wide = true
        }
      }
      if (bit === KEY) {
        into.keyStart = s
        into.keyEnd = i
      } else if (bit === VALUE || bit === PAYLOAD) {
        into.valueStart = s
        into.valueEnd = i
      } else if (bit !== TOPIC && bit !== OFFSET && bit !== TSTYPE && bit !== BROKER) {
        // headers as a string (an error), an ISO timestamp, a partition as text: readJsonRecord's.
        return false
      }
      i++
    } else if (c >= 0x30 && c <= 0x39) {
      // A JSON integer: no leading zero but 0 itself; a fraction or exponent is left to JSON.parse.
      const s = i
      let n = 0
      while (i < end && buf[i] >= 0x30 && buf[i] <= 0x39) n = n * 10 + (buf[i++] - 0x30)
      if ((c === 0x30 && i - s > 1) || i - s > 15) return false
      if (i < end && (buf[i] === 0x2e || buf[i] === 0x65 || buf[i] === 0x45)) return false
      if (bit === PARTITION) into.partition = n
      else if (bit === TIMESTAMP || bit === TS) into.timestamp = n
      else if (bit !== TOPIC && bit !== OFFSET && bit !== TSTYPE && bit !== BROKER) return false
    } else if (c === 0x6e) {
      // null: a null key or value, no headers, no partition or timestamp.
      if (buf[i + 1] !== 0x75 || buf[i + 2] !== 0x6c || buf[i + 3] !== 0x6c || i + 4 > end) return false
      i += 4
    } else if (c === 0x5b && bit === HEADERS) {
      // [] only: headers are readJsonRecord's.
      i++
      while (i < end && isSpace(buf[i])) i++
      if (buf[i] !== 0x5d || i >= end) return false
      i++
    } else if (c === 0x74 || c === 0x66) {
      // true or false: taken (and ignored) only where readJsonRecord ignores them.
      if (bit !== TOPIC && bit !== OFFSET && bit !== TSTYPE && bit !== BROKER) return false
      const word = c === 0x74 ? TRUE_WORD : FALSE_WORD
      if (i + word.length > end || !same(buf, i, word)) return false
      i += word.length
    } else {
      return false
    }
    first = false
    while (i < end && isSpace(buf[i])) i++
    if (i >= end) return false
    if (buf[i] === 0x2c) {
      i++
      // A name must follow a comma.
      while (i < end && isSpace(buf[i])) i++
      if (buf[i] !== QUOTE || i >= end) return false
      continue
    }
    if (buf[i] !== 0x7d) return false
    i++
    break
  }
  while (i < end && isSpace(buf[i])) i++
  if (i !== end) return false
  // Both of one field's names (readJsonRecord says which).
  if ((seen & (VALUE | PAYLOAD)) === (VALUE | PAYLOAD) || (seen & (TIMESTAMP | TS)) === (TIMESTAMP | TS)) return false
  // Text that is not UTF-8 would have become U+FFFD through JSON.parse's string.
  if (wide && !isUtf8(buf.subarray(start, end))) return false
  return true
}
