/**
 * kcat's -J envelope, field for field in kcat's order:
 *
 *   {"topic":"t","partition":0,"offset":3,"tstype":"create","ts":1700000000000,
 *    "broker":-1,"headers":["k","v",...],"key":"k","payload":"v"}
 *
 * then the -D delimiter (default "\n"). As kcat: `headers` appears only
 * when the record has headers, as one flat array of name, value, name,
 * value (a NULL header value is null); a NULL key or payload is null;
 * `tstype` is "logappend" for a batch stamped with LogAppendTime. `broker`
 * is the id of the broker the record was fetched from; a file store has no
 * broker, and -1 is what kcat prints when the id is unknown.
 *
 * Strings are written from the record's bytes as kcat's JSON writer (yajl,
 * without UTF-8 validation) writes them: `"`, `\` and control characters
 * escaped, every other byte as it is. So a payload that is not UTF-8 keeps
 * its bytes, and no string is made per record.
 */
import type {RecordFormatter} from './format.js'
import type {FormatBuffer} from './format-buffer.js'
import type {RecordReader} from '../record/record.js'
import {TIMESTAMP_TYPE_MASK} from '../record/batch-layout.js'
import {ByteCursor} from '../codec/varint.js'

const HEX = '0123456789abcdef'
/** For each byte below 0x20 and for `"` and `\`: its escape; undefined: the byte as it is. */
const ESCAPES: (Buffer | undefined)[] = Array.from({length: 256}, (_, b) => {
  if (b === 0x22) return Buffer.from('\\"')
  if (b === 0x5c) return Buffer.from('\\\\')
  if (b >= 0x20) return undefined
  const short: Record<number, string> = {8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r'}
  return Buffer.from(short[b] ?? `\\u00${HEX[b >> 4]}${HEX[b & 15]}`)
})

/** Writes buf[start, end) as a JSON string, quotes included. */
export function writeJsonBytes(out: FormatBuffer, buf: Buffer, start: number, end: number): void {
  out.ensure(end - start + 2)
  out.buf[out.pos++] = 0x22
  let run = start
  for (let i = start; i < end; i++) {
    const esc = ESCAPES[buf[i]]
    if (esc === undefined) continue
    if (i > run) out.writeBytes(buf, run, i)
    out.writeBytes(esc)
    run = i + 1
  }
  if (end > run) out.writeBytes(buf, run, end)
  out.ensure(1)
  out.buf[out.pos++] = 0x22
}

const PARTITION = Buffer.from(',"partition":')
const OFFSET = Buffer.from(',"offset":')
const CREATE = Buffer.from(',"tstype":"create","ts":')
const LOG_APPEND = Buffer.from(',"tstype":"logappend","ts":')
const BROKER = Buffer.from(',"broker":-1')
const HEADERS = Buffer.from(',"headers":[')
const KEY = Buffer.from(',"key":')
const PAYLOAD = Buffer.from(',"payload":')
const NULL = Buffer.from('null')

const headerCursor = new ByteCursor(Buffer.alloc(0))

/** kcat -J; `delimiter` follows each envelope (kcat's -D, "\n" by default). */
export function kcatJsonFormatter(delimiter: Buffer = Buffer.from('\n')): RecordFormatter {
  const topicOpen = new Map<string, Buffer>()
  return (out, a, r) => {
    let open = topicOpen.get(a.topic)
    if (!open) {
      open = Buffer.from(`{"topic":${JSON.stringify(a.topic)}`)
      topicOpen.set(a.topic, open)
    }
    out.writeBytes(open)
    out.writeBytes(PARTITION)
    out.writeInt(a.partition)
    out.writeBytes(OFFSET)
    out.writeInt(r.offset)
    out.writeBytes((r.attributes & TIMESTAMP_TYPE_MASK) !== 0 ? LOG_APPEND : CREATE)
    out.writeInt(r.timestamp)
    out.writeBytes(BROKER)
    if (r.headerCount > 0) writeHeaders(out, r)
    out.writeBytes(KEY)
    if (r.keyLength < 0) out.writeBytes(NULL)
    else writeJsonBytes(out, r.buf, r.keyStart, r.keyStart + r.keyLength)
    out.writeBytes(PAYLOAD)
    if (r.valueLength < 0) out.writeBytes(NULL)
    else writeJsonBytes(out, r.buf, r.valueStart, r.valueStart + r.valueLength)
    out.ensure(1)
    out.buf[out.pos++] = 0x7d // }
    if (delimiter.length > 0) out.writeBytes(delimiter)
  }
}

function writeHeaders(out: FormatBuffer, r: RecordReader): void {
  out.writeBytes(HEADERS)
  const c = headerCursor
  c.reset(r.buf, r.headersStart, r.headersEnd)
  for (let i = 0; i < r.headerCount; i++) {
    if (i > 0) out.writeString(',')
    const kl = c.readVarint()
    writeJsonBytes(out, r.buf, c.pos, c.pos + kl)
    c.pos += kl
    out.writeString(',')
    const vl = c.readVarint()
    if (vl < 0) {
      out.writeBytes(NULL)
    } else {
      writeJsonBytes(out, r.buf, c.pos, c.pos + vl)
      c.pos += vl
    }
  }
  out.writeString(']')
}
