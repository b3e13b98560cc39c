/**
 * The one writer of JSON fields for the record envelopes: logpipe's
 * `--json` (json-format.ts) and kcat's `-J` (kcat-json.ts) are each a list
 * of calls into this file. It owns how a string is escaped, how bytes that
 * are not UTF-8 print, the `{"topic":..,"partition":..,"offset":..` start
 * both envelopes share, and how headers are walked.
 *
 * Everything is written from the record's bytes straight into the
 * FormatBuffer: a string is scanned once, and when it holds nothing to
 * escape (the common case) it is one copy; no string or object is made per
 * record.
 */
import {isUtf8} from 'node:buffer'
import type {FormatBuffer} from './format-buffer.js'
import type {Assignment} from './consumer.js'
import type {RecordReader} from '../record/record.js'
import {ByteCursor} from '../codec/varint.js'

const HEX = '0123456789abcdef'
/** Per byte: 0 printed as it is, 1 escaped (`"`, `\`, below 0x20), 2 above 0x7f (part of a UTF-8 sequence, or not). */
const CLASS = new Uint8Array(256)
/** The escape of each class-1 byte, as JSON.stringify writes it. */
const ESCAPES: Buffer[] = []
for (let b = 0; b < 256; b++) {
  if (b === 0x22 || b === 0x5c || b < 0x20) {
    CLASS[b] = 1
    const short: Record<number, string> = {0x22: '\\"', 0x5c: '\\\\', 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r'}
    ESCAPES[b] = Buffer.from(short[b] ?? `\\u00${HEX[b >> 4]}${HEX[b & 15]}`)
  } else if (b > 0x7f) CLASS[b] = 2
}

/** Writes some bytes as a JSON value; a header value or a key, say. */
export type JsonBytesWriter = (out: FormatBuffer, buf: Buffer, start: number, end: number) => void

/**
 * Writes buf[start, end) as a JSON string, quotes included: `"`, `\` and
 * control bytes escaped, every other byte as it is (kcat's writer, yajl
 * without UTF-8 validation, does the same).
 */
export function writeJsonString(out: FormatBuffer, buf: Buffer, start: number, end: number): void {
  let i = start
  while (i < end && CLASS[buf[i]] !== 1) i++
  if (i === end) return writePlain(out, buf, start, end)
  writeEscaped(out, buf, start, end)
}

/**
 * Writes buf[start, end) as a JSON string of its UTF-8 text. Returns
 * false when the bytes are not UTF-8: then each bad sequence printed as
 * U+FFFD, as Buffer.toString decodes it.
 */
export function writeJsonUtf8(out: FormatBuffer, buf: Buffer, start: number, end: number): boolean {
  let i = start
  let c = 0
  while (i < end && (c = CLASS[buf[i]]) === 0) i++
  if (i === end) {
    writePlain(out, buf, start, end)
    return true
  }
  if ((c === 2 || hasClass(buf, i + 1, end, 2)) && !isUtf8(buf.subarray(start, end))) {
    out.writeString(JSON.stringify(buf.toString('utf8', start, end)))
    return false
  }
  writeJsonString(out, buf, start, end)
  return true
}

/** Writes buf[start, end) as a JSON string of its base64. */
export function writeJsonBase64(out: FormatBuffer, buf: Buffer, start: number, end: number): void {
  const n = Math.ceil((end - start) / 3) * 4
  out.ensure(n + 2)
  out.buf[out.pos++] = 0x22
  out.pos += out.buf.write(buf.toString('base64', start, end), out.pos, 'latin1')
  out.buf[out.pos++] = 0x22
}

const NULL = Buffer.from('null')

export function writeJsonNull(out: FormatBuffer): void {
  out.writeBytes(NULL)
}

/** Writes epoch milliseconds as an ISO-8601 string, quotes included. */
export function writeJsonIsoTime(out: FormatBuffer, ms: number): void {
  out.ensure(2)
  out.buf[out.pos++] = 0x22
  out.writeIsoTime(ms)
  out.ensure(1)
  out.buf[out.pos++] = 0x22
}

/**
 * `{"topic":T,"partition":P,"offset":O`, the start of both envelopes. The
 * bytes up to the offset's digits are made once per partition: records come
 * a batch of one partition at a time, so the last one made is nearly always
 * the one needed.
 */
export class EnvelopeStart {
  private topic: string | null = null
  private partition = -1
  private bytes: Buffer = Buffer.alloc(0)

  write(out: FormatBuffer, a: Assignment, r: RecordReader): void {
    if (a.partition !== this.partition || a.topic !== this.topic) {
      this.topic = a.topic
      this.partition = a.partition
      this.bytes = Buffer.from(`{"topic":${JSON.stringify(a.topic)},"partition":${a.partition},"offset":`)
    }
    out.writeBytes(this.bytes)
    out.writeInt(r.offset)
  }
}

const HEADER_NAME = Buffer.from('{"key":')
const HEADER_VALUE = Buffer.from(',"value":')

/**
 * A record's headers as the elements of a JSON array (the brackets are the
 * caller's): kcat's flat `name,value,name,value` or logpipe's
 * `{"key":name,"value":value},...`. A NULL value is null; `name` and
 * `value` write the rest.
 */
export class HeaderWriter {
  private readonly cursor = new ByteCursor(Buffer.alloc(0))

  constructor(
    private readonly shape: 'flat' | 'objects',
    private readonly name: JsonBytesWriter,
    private readonly value: JsonBytesWriter,
  ) {}

  write(out: FormatBuffer, r: RecordReader): void {
    const c = this.cursor
    const objects = this.shape === 'objects'
    c.reset(r.buf, r.headersStart, r.headersEnd)
    for (let i = 0; i < r.headerCount; i++) {
      if (i > 0) writeByte(out, 0x2c)
      if (objects) out.writeBytes(HEADER_NAME)
      const kl = c.readVarint()
      this.name(out, r.buf, c.pos, c.pos + kl)
      c.pos += kl
      if (objects) out.writeBytes(HEADER_VALUE)
      else writeByte(out, 0x2c)
      const vl = c.readVarint()
      if (vl < 0) {
        writeJsonNull(out)
      } else {
        this.value(out, r.buf, c.pos, c.pos + vl)
        c.pos += vl
      }
      if (objects) writeByte(out, 0x7d)
    }
  }
}

export function writeByte(out: FormatBuffer, b: number): void {
  if (out.pos >= out.buf.length) out.ensure(1)
  out.buf[out.pos++] = b
}

/** Nothing to escape: the quotes and one copy. */
function writePlain(out: FormatBuffer, buf: Buffer, start: number, end: number): void {
  const n = end - start
  if (out.pos + n + 2 > out.buf.length) out.ensure(n + 2)
  out.buf[out.pos++] = 0x22
  if (n > 0) out.copyIn(buf, start, end)
  out.buf[out.pos++] = 0x22
}

/** Runs of plain bytes copied, escapes written between them; room is made per run, so a large value does not grow the buffer sixfold. */
function writeEscaped(out: FormatBuffer, buf: Buffer, start: number, end: number): void {
  writeByte(out, 0x22)
  let run = start
  for (let i = start; i < end; i++) {
    if (CLASS[buf[i]] !== 1) continue
    const esc = ESCAPES[buf[i]]
    if (i > run) out.writeBytes(buf, run, i)
    out.writeBytes(esc)
    run = i + 1
  }
  if (end > run) out.writeBytes(buf, run, end)
  writeByte(out, 0x22)
}

function hasClass(buf: Buffer, start: number, end: number, c: number): boolean {
  for (let i = start; i < end; i++) if (CLASS[buf[i]] === c) return true
  return false
}
