/**
 * consume's `--json` envelope, one line per record:
 *
 *   {"topic":"t","partition":0,"offset":3,"timestamp":1700000000000,
 *    "key":"k","value":"v","headers":[{"key":"h","value":"x"}]}
 *
 * key, value and header values always have one type, whatever the bytes:
 * a string, or null for NULL. With the default encoding (utf8) the string
 * is the bytes as UTF-8 text, as rpk prints them; bytes that are not UTF-8
 * print with U+FFFD in place of each bad sequence (the caller is told once,
 * through onLossy). With `--json-encoding base64` every key, value and
 * header value is its bytes in base64 and the envelope says so with
 * `"encoding":"base64"`, which `produce --input json` reads to decode them:
 * exact bytes for binary topics, at a cost of a third in size.
 *
 * Written straight into the FormatBuffer: a valid UTF-8 string is copied
 * with only `"`, `\` and control bytes escaped, no string made per record.
 */
import {isUtf8} from 'node:buffer'
import type {RecordFormatter} from './format.js'
import type {FormatBuffer} from './format-buffer.js'
import type {RecordReader} from '../record/record.js'
import {writeJsonBytes} from './kcat-json.js'
import {ByteCursor} from '../codec/varint.js'

export type JsonEncoding = 'utf8' | 'base64'
export const JSON_ENCODINGS: readonly JsonEncoding[] = ['utf8', 'base64']

export interface JsonFormatOptions {
  encoding?: JsonEncoding
  /** Called the first time bytes that are not UTF-8 print with U+FFFD (utf8 encoding only). */
  onLossy?: (where: {topic: string; partition: number; offset: number}) => void
}

const PARTITION = Buffer.from(',"partition":')
const OFFSET = Buffer.from(',"offset":')
const TIMESTAMP = Buffer.from(',"timestamp":')
const BASE64 = Buffer.from(',"encoding":"base64"')
const KEY = Buffer.from(',"key":')
const VALUE = Buffer.from(',"value":')
const HEADERS = Buffer.from(',"headers":[')
const HEADER_KEY = Buffer.from('{"key":')
const NULL = Buffer.from('null')

export function jsonFormatter(options: JsonFormatOptions = {}): RecordFormatter {
  const base64 = options.encoding === 'base64'
  const topicOpen = new Map<string, Buffer>()
  const cursor = new ByteCursor(Buffer.alloc(0))
  let lossy = options.onLossy
  let where: {topic: string; partition: number; offset: number} = {topic: '', partition: 0, offset: 0}

  const bytes = (out: FormatBuffer, buf: Buffer, start: number, end: number): void => {
    if (base64) {
      out.writeString(`"${buf.toString('base64', start, end)}"`)
    } else if (end - start < 64 ? isAscii(buf, start, end) : isUtf8(buf.subarray(start, end))) {
      writeJsonBytes(out, buf, start, end)
    } else if (isUtf8(buf.subarray(start, end))) {
      writeJsonBytes(out, buf, start, end)
    } else {
      out.writeString(JSON.stringify(buf.toString('utf8', start, end)))
      if (lossy) {
        lossy(where)
        lossy = undefined
      }
    }
  }

  return (out, a, r) => {
    let open = topicOpen.get(a.topic)
    if (!open) {
      open = Buffer.from(`{"topic":${JSON.stringify(a.topic)}`)
      topicOpen.set(a.topic, open)
    }
    if (lossy) where = {topic: a.topic, partition: a.partition, offset: r.offset}
    out.writeBytes(open)
    out.writeBytes(PARTITION)
    out.writeInt(a.partition)
    out.writeBytes(OFFSET)
    out.writeInt(r.offset)
    out.writeBytes(TIMESTAMP)
    out.writeInt(r.timestamp)
    if (base64) out.writeBytes(BASE64)
    out.writeBytes(KEY)
    if (r.keyLength < 0) out.writeBytes(NULL)
    else bytes(out, r.buf, r.keyStart, r.keyStart + r.keyLength)
    out.writeBytes(VALUE)
    if (r.valueLength < 0) out.writeBytes(NULL)
    else bytes(out, r.buf, r.valueStart, r.valueStart + r.valueLength)
    out.writeBytes(HEADERS)
    if (r.headerCount > 0) writeHeaders(out, r, cursor, bytes)
    out.writeString(']}\n')
  }
}

/** Header names are text in Kafka's protocol: always printed as UTF-8, never base64. */
function writeHeaders(out: FormatBuffer, r: RecordReader, c: ByteCursor, bytes: (out: FormatBuffer, buf: Buffer, start: number, end: number) => void): void {
  c.reset(r.buf, r.headersStart, r.headersEnd)
  for (let i = 0; i < r.headerCount; i++) {
    if (i > 0) out.writeString(',')
    out.writeBytes(HEADER_KEY)
    const kl = c.readVarint()
    if (isUtf8(r.buf.subarray(c.pos, c.pos + kl))) writeJsonBytes(out, r.buf, c.pos, c.pos + kl)
    else out.writeString(JSON.stringify(r.buf.toString('utf8', c.pos, c.pos + kl)))
    c.pos += kl
    out.writeString(',"value":')
    const vl = c.readVarint()
    if (vl < 0) {
      out.writeBytes(NULL)
    } else {
      bytes(out, r.buf, c.pos, c.pos + vl)
      c.pos += vl
    }
    out.writeString('}')
  }
}

/** Short strings: a loop beats the call into isUtf8 and the subarray it needs. */
function isAscii(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] > 0x7f) return false
  return true
}
