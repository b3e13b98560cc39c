/**
 * kcat's `-f` output format, compiled once into a list of steps and run per
 * record straight into a FormatBuffer (the CLI's stdout buffer is one):
 *
 *   %t topic  %p partition  %o offset  %k key  %s value  %S value size
 *   %K key size  %R value size as a big-endian int32 (binary)
 *   %T timestamp (ms)  %F timestamp as ISO-8601 in UTC (2026-01-31T12:00:00.000Z)
 *   %h headers (k=v,k=v)  %%
 *   escapes \n \t \r \0 \\ \xHH
 *
 * Sizes of a NULL key or value are -1 (%R: FF FF FF FF), as kcat prints
 * them. With a null string (kcat's -Z) a NULL key or value prints as it
 * instead of nothing.
 *
 * %F is the token of kcat's proposed ISO-8601 timestamp (kcat pull
 * request 351), always in UTC here so output does not depend on the
 * machine's time zone.
 *
 * A format is compiled to one function of its own (see `specialise`):
 * room for the whole record is made once, literals are byte stores,
 * integers are digits written in place. kcat's -J envelope is in
 * kcat-json.ts, logpipe's `--json` envelope in json-format.ts.
 */
import {UsageError} from '../errors.js'
import type {Assignment} from './consumer.js'
import type {RecordReader} from '../record/record.js'
import {type FormatBuffer, MAX_DECIMAL, MAX_ISO, putDecimal, putIsoTime} from './format-buffer.js'
import {ByteCursor} from '../codec/varint.js'

type FieldKind = 'topic' | 'partition' | 'offset' | 'key' | 'value' | 'valueSize' | 'keySize' | 'valueSizeBinary' | 'timestamp' | 'isoTime' | 'headers'
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
  F: 'isoTime',
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
      throw new UsageError(`-f/--format: unknown token '%${t ?? ''}'`, {hint: 'tokens: %t %p %o %k %s %S %K %R %T %F %h %%'})
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
        // A NULL value's length is -1: it takes no room, the delimiter still does.
        const n = r.valueLength > 0 ? r.valueLength : 0
        if (out.pos + n + 1 > out.buf.length) out.ensure(n + 1)
        if (n > 0) out.copyIn(r.buf, r.valueStart, r.valueStart + n)
        out.buf[out.pos++] = d
      }
    }
    return (out, _a, r) => {
      const n = r.valueLength > 0 ? r.valueLength : 0
      out.ensure(n + tail.length)
      if (n > 0) out.copyIn(r.buf, r.valueStart, r.valueStart + n)
      out.copyIn(tail, 0, tail.length)
    }
  }
  return specialise(steps, nullString, headerStyle)
}

/**
 * Generates the JavaScript of one format: for '%p %o %k %s\n' that is, in
 * effect,
 *
 *   need = 2*MAX_DECIMAL + 3 + key length + value length; make the room once
 *   p = putDecimal(b, p, a.partition); b[p++] = 32; p = putDecimal(b, p, r.offset); b[p++] = 32
 *   copy the key; b[p++] = 32; copy the value; b[p++] = 10
 *
 * instead of a loop over steps that asks each step what it is and makes
 * room for each. Only numbers and the names of local variables and helpers
 * go into the source; literal bytes, the null string and the header style
 * are passed in as values, so nothing typed by a user becomes code.
 * %h is the one step whose size is not known before it is written: room
 * for what follows it is made again after it.
 */
function specialise(steps: Step[], nullString: Buffer | undefined, headerStyle: HeaderStyle): RecordFormatter {
  const literals: Buffer[] = []
  const nulls = nullString ?? Buffer.alloc(0)
  const parts: string[][] = [[]]
  const needs: string[][] = [[]]
  const fixed = [0]
  let usesTopic = false
  const copy = (start: string, length: string) =>
    `{const n=${length};if(n>0){out.pos=p;out.copyIn(r.buf,${start},${start}+n);p=out.pos}` + (nullString ? `else if(n<0){b.set(NUL,p);p+=${nulls.length}}}` : '}')
  for (const step of steps) {
    const code = parts[parts.length - 1]
    const need = needs[needs.length - 1]
    const k = fixed.length - 1
    switch (step.kind) {
      case 'literal': {
        const bytes = step.bytes
        fixed[k] += bytes.length
        if (bytes.length <= 8) for (const byte of bytes) code.push(`b[p++]=${byte};`)
        else {
          literals.push(bytes)
          code.push(`b.set(L[${literals.length - 1}],p);p+=${bytes.length};`)
        }
        break
      }
      case 'topic':
        usesTopic = true
        need.push('T.length')
        code.push('b.set(T,p);p+=T.length;')
        break
      case 'partition':
        fixed[k] += MAX_DECIMAL
        code.push('p=D(b,p,a.partition);')
        break
      case 'offset':
        fixed[k] += MAX_DECIMAL
        code.push('p=D(b,p,r.offset);')
        break
      case 'timestamp':
        fixed[k] += MAX_DECIMAL
        code.push('p=D(b,p,r.timestamp);')
        break
      case 'isoTime':
        fixed[k] += MAX_ISO
        code.push('p=ISO(b,p,r.timestamp);')
        break
      case 'keySize':
        fixed[k] += MAX_DECIMAL
        code.push('p=D(b,p,r.keyLength);')
        break
      case 'valueSize':
        fixed[k] += MAX_DECIMAL
        code.push('p=D(b,p,r.valueLength);')
        break
      case 'valueSizeBinary':
        fixed[k] += 4
        code.push('{const v=r.valueLength;b[p]=v>>>24;b[p+1]=(v>>>16)&255;b[p+2]=(v>>>8)&255;b[p+3]=v&255;p+=4}')
        break
      case 'key':
        fixed[k] += nulls.length
        need.push('(r.keyLength>0?r.keyLength:0)')
        code.push(copy('r.keyStart', 'r.keyLength'))
        break
      case 'value':
        fixed[k] += nulls.length
        need.push('(r.valueLength>0?r.valueLength:0)')
        code.push(copy('r.valueStart', 'r.valueLength'))
        break
      case 'headers':
        code.push('out.pos=p;H(out,r,S);')
        parts.push([])
        needs.push([])
        fixed.push(0)
        break
    }
  }
  const room = (i: number) => `{const need=${[String(fixed[i]), ...needs[i]].join('+')};if(out.pos+need>out.buf.length)out.ensure(need);b=out.buf;p=out.pos}`
  const body = parts.map((code, i) => room(i) + code.join('')).join('')
  const source =
    `let lastTopic=null,T=null;` +
    `return function format(out,a,r){` +
    (usesTopic ? `if(a.topic!==lastTopic){lastTopic=a.topic;T=Buffer.from(a.topic)}` : '') +
    `let b,p;${body}out.pos=p}`
  const factory = new Function('L', 'NUL', 'S', 'D', 'ISO', 'H', 'Buffer', source) as (...args: unknown[]) => RecordFormatter
  return factory(literals, nulls, headerStyle, putDecimal, putIsoTime, writeHeaders, Buffer)
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
