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
 * With `--json-time iso` the timestamp is an ISO-8601 string in UTC
 * ("2026-01-31T12:00:00.000Z") instead of epoch milliseconds.
 *
 * Written straight into the FormatBuffer by json-writer.ts (which kcat's
 * -J envelope shares): a valid UTF-8 string is copied with only `"`, `\`
 * and control bytes escaped, no string made per record.
 */
import type {RecordFormatter} from './format.js'
import type {FormatBuffer} from './format-buffer.js'
import {EnvelopeStart, HeaderWriter, type JsonBytesWriter, writeJsonBase64, writeJsonIsoTime, writeJsonNull, writeJsonUtf8} from './json-writer.js'

export type JsonEncoding = 'utf8' | 'base64'
export const JSON_ENCODINGS: readonly JsonEncoding[] = ['utf8', 'base64']
/** How `timestamp` prints: epoch milliseconds (a number, the default) or an ISO-8601 string in UTC. */
export type JsonTime = 'ms' | 'iso'
export const JSON_TIMES: readonly JsonTime[] = ['ms', 'iso']

export interface JsonFormatOptions {
  encoding?: JsonEncoding
  time?: JsonTime
  /** Called the first time bytes that are not UTF-8 print with U+FFFD (utf8 encoding only). */
  onLossy?: (where: {topic: string; partition: number; offset: number}) => void
}

const TIMESTAMP = Buffer.from(',"timestamp":')
const BASE64 = Buffer.from(',"encoding":"base64"')
const KEY = Buffer.from(',"key":')
const VALUE = Buffer.from(',"value":')
const HEADERS = Buffer.from(',"headers":[')
const CLOSE = Buffer.from(']}\n')

/** Header names are text in Kafka's protocol: always printed as UTF-8, never base64, and without the lossy notice. */
const headerName: JsonBytesWriter = (out, buf, start, end) => {
  writeJsonUtf8(out, buf, start, end)
}

export function jsonFormatter(options: JsonFormatOptions = {}): RecordFormatter {
  const base64 = options.encoding === 'base64'
  const iso = options.time === 'iso'
  const start = new EnvelopeStart()
  let lossy = options.onLossy
  // The record being written, for the lossy notice (kept as fields: no object per record).
  let topic = ''
  let partition = 0
  let offset = 0

  const bytes: JsonBytesWriter = base64
    ? writeJsonBase64
    : (out, buf, start, end) => {
        if (!writeJsonUtf8(out, buf, start, end) && lossy) {
          lossy({topic, partition, offset})
          lossy = undefined
        }
      }
  const headers = new HeaderWriter('objects', headerName, bytes)

  return (out: FormatBuffer, a, r) => {
    if (lossy) {
      topic = a.topic
      partition = a.partition
      offset = r.offset
    }
    start.write(out, a, r)
    out.writeBytes(TIMESTAMP)
    if (iso) writeJsonIsoTime(out, r.timestamp)
    else out.writeInt(r.timestamp)
    if (base64) out.writeBytes(BASE64)
    out.writeBytes(KEY)
    if (r.keyLength < 0) writeJsonNull(out)
    else bytes(out, r.buf, r.keyStart, r.keyStart + r.keyLength)
    out.writeBytes(VALUE)
    if (r.valueLength < 0) writeJsonNull(out)
    else bytes(out, r.buf, r.valueStart, r.valueStart + r.valueLength)
    out.writeBytes(HEADERS)
    if (r.headerCount > 0) headers.write(out, r)
    out.writeBytes(CLOSE)
  }
}
