/**
 * kcat's `-f` output format, compiled once into a list of steps and run per
 * record straight into a FormatBuffer (the CLI's stdout buffer is one):
 *
 *   %t topic  %p partition  %o offset  %k key  %s value  %S value size
 *   %K key size  %R value size as a big-endian int32 (binary)
 *   %T timestamp (ms)  %h headers (k=v,k=v)  %%
 *   escapes \n \t \r \0 \\ \xHH
 *
 * Sizes of a NULL key or value are -1 (%R: FF FF FF FF), as kcat prints
 * them. With a null string (kcat's -Z) a NULL key or value prints as it
 * instead of nothing.
 *
 * kcat's -J envelope is in kcat-json.ts, logpipe's `--json` envelope in
 * json-format.ts.
 */
import {UsageError} from '../errors.js'
import type {Assignment} from './consumer.js'
import type {RecordReader} from '../record/record.js'
import type {FormatBuffer} from './format-buffer.js'
import {ByteCursor} from '../codec/varint.js'

type FieldKind = 'topic' | 'partition' | 'offset' | 'key' | 'value' | 'valueSize' | 'keySize' | 'valueSizeBinary' | 'timestamp' | 'headers'
type Step = {kind: 'literal'; bytes: Buffer} | {kind: FieldKind}

/** Writes the record `r` is on (of partition `a`) into `out`. */
export type RecordFormatter = (out: FormatBuffer, a: Assignment, r: RecordReader) => void

const TOKENS: Record<string, FieldKind> = {
  t: 'topic',
  p: 'partition',
  o: 'offset',
  k: 'key',
  s: 'value',
  S: 'valueSize',
  K: 'keySize',
  R: 'valueSizeBinary',
  T: 'timestamp',
  h: 'headers',
}

/** Turns \n \t \r \0 \\ (and \xHH) into bytes; anything else stays as typed. */
export function unescape(text: string): Buffer {
  const out: number[] = []
  const src = Buffer.from(text, 'utf8')
  for (let i = 0; i < src.length; i++) {
    const c = src[i]
    if (c !== 0x5c || i + 1 >= src.length) {
      out.push(c)
      continue
    }
    const n = String.fromCharCode(src[i + 1])
    const map: Record<string, number> = {n: 10, t: 9, r: 13, '0': 0, '\\': 0x5c}
    if (n in map) {
      out.push(map[n])
      i++
    } else if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(src.toString('latin1', i + 2, i + 4))) {
      out.push(parseInt(src.toString('latin1', i + 2, i + 4), 16))
      i += 3
    } else {
      out.push(c)
    }
  }
  return Buffer.from(out)
}

export interface FormatOptions {
  /** Printed for a NULL key or value by %k and %s (kcat's -Z prints "NULL"); nothing when absent. */
  nullString?: Buffer
  /** How %h writes headers: between two headers, between name and value, and for none (default ",", "=", nothing). */
  headers?: HeaderStyle
}

export interface HeaderStyle {
  separator: Buffer
  keySeparator: Buffer
  none: Buffer
}

const KCAT_HEADERS: HeaderStyle = {separator: Buffer.from(','), keySeparator: Buffer.from('='), none: Buffer.alloc(0)}

/** kcat's -Z: NULL keys and values print as this. */
export const KCAT_NULL = Buffer.from('NULL')

export function compileFormat(format: string, options: FormatOptions = {}): RecordFormatter {
  const nullString = options.nullString
  const headerStyle = options.headers ?? KCAT_HEADERS
  const steps: Step[] = []
  let literal = ''
  const flushLiteral = () => {
    if (literal) steps.push({kind: 'literal', bytes: unescape(literal)})
    literal = ''
  }
  for (let i = 0; i < format.length; i++) {
    const c = format[i]
    if (c !== '%') {
      literal += c
      continue
    }
    const t = format[++i]
    if (t === '%') {
      literal += '%'
      continue
    }
    const kind = t === undefined ? undefined : TOKENS[t]
    if (!kind) {
      throw new UsageError(`-f/--format: unknown token '%${t ?? ''}'`, {hint: 'tokens: %t %p %o %k %s %S %K %R %T %h %%'})
    }
    flushLiteral()
    steps.push({kind})
  }
  flushLiteral()

  // The default "%s\n" is the hot path: value, then a newline.
  if (nullString === undefined && steps.length === 2 && steps[0].kind === 'value' && steps[1].kind === 'literal') {
    const tail = (steps[1] as {bytes: Buffer}).bytes
    if (tail.length === 1) {
      // One copy per record; the delimiter is a single byte store.
      const d = tail[0]
      return (out, _a, r) => {
        const n = r.valueLength
        if (out.pos + n + 1 > out.buf.length) out.ensure(n + 1)
        if (n > 0) out.copyIn(r.buf, r.valueStart, r.valueStart + n)
        out.buf[out.pos++] = d
      }
    }
    return (out, _a, r) => {
      out.ensure(r.valueLength + tail.length)
      if (r.valueLength > 0) out.copyIn(r.buf, r.valueStart, r.valueStart + r.valueLength)
      out.copyIn(tail, 0, tail.length)
    }
  }
  const topicBytes = new Map<string, Buffer>()
  return (out, a, r) => {
    for (const step of steps) {
      switch (step.kind) {
        case 'literal':
          out.writeBytes(step.bytes)
          break
        case 'topic': {
          let b = topicBytes.get(a.topic)
          if (!b) topicBytes.set(a.topic, (b = Buffer.from(a.topic)))
          out.writeBytes(b)
          break
        }
        case 'partition':
          out.writeInt(a.partition)
          break
        case 'offset':
          out.writeInt(r.offset)
          break
        case 'timestamp':
          out.writeInt(r.timestamp)
          break
        case 'key':
          if (r.keyLength > 0) out.writeBytes(r.buf, r.keyStart, r.keyStart + r.keyLength)
          else if (r.keyLength < 0 && nullString) out.writeBytes(nullString)
          break
        case 'value':
          if (r.valueLength > 0) out.writeBytes(r.buf, r.valueStart, r.valueStart + r.valueLength)
          else if (r.valueLength < 0 && nullString) out.writeBytes(nullString)
          break
        case 'valueSizeBinary':
          out.ensure(4)
          out.buf.writeInt32BE(r.valueLength, out.pos)
          out.pos += 4
          break
        case 'keySize':
          out.writeInt(r.keyLength)
          break
        case 'valueSize':
          out.writeInt(r.valueLength)
          break
        case 'headers':
          writeHeaders(out, r, headerStyle)
          break
      }
    }
  }
}

/** One cursor for every record's headers: %h runs per record. */
const headerCursor = new ByteCursor(Buffer.alloc(0))

function writeHeaders(out: FormatBuffer, r: RecordReader, style: HeaderStyle): void {
  if (r.headerCount === 0) {
    if (style.none.length > 0) out.writeBytes(style.none)
    return
  }
  const c = headerCursor
  c.reset(r.buf, r.headersStart, r.headersEnd)
  for (let i = 0; i < r.headerCount; i++) {
    if (i > 0) out.writeBytes(style.separator)
    const kl = c.readVarint()
    out.writeBytes(r.buf, c.pos, c.pos + kl)
    c.pos += kl
    out.writeBytes(style.keySeparator)
    const vl = c.readVarint()
    if (vl > 0) {
      out.writeBytes(r.buf, c.pos, c.pos + vl)
      c.pos += vl
    }
  }
}
