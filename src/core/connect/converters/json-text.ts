/**
 * JSON read and written the way Jackson does for Kafka's JsonConverter.
 * JSON.parse cannot say whether a number was written `1` or `1.0` (INT64 or
 * FLOAT64 to Kafka) and loses integers beyond 2^53, so numbers are read as
 * their text (JsonNumber); objects keep their key order in a Map. Floats are
 * written as Java prints them (`1.0`, `1.0E10`), so our output is Kafka's.
 * The input is untrusted: nesting is bounded, and the first fault is an
 * error naming its position.
 */
import {ConnectDataError} from '../../errors.js'

export class JsonNumber {
  constructor(readonly text: string) {}
  get integral(): boolean {
    return !/[.eE]/.test(this.text)
  }
  get value(): number {
    return Number(this.text)
  }
}

export type JsonNode = null | boolean | string | JsonNumber | JsonNode[] | Map<string, JsonNode>

const MAX_DEPTH = 512

export function parseJson(text: string): JsonNode {
  let i = 0
  const fail = (what: string): never => {
    throw new ConnectDataError(`invalid JSON at character ${i}: ${what}`)
  }
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++
  }
  const value = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) fail('nested too deeply')
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      const obj = new Map<string, JsonNode>()
      ws()
      if (text[i] === '}') {
        i++
        return obj
      }
      for (;;) {
        ws()
        if (text[i] !== '"') fail('expected a field name')
        const key = string()
        ws()
        if (text[i++] !== ':') fail("expected ':'")
        obj.set(key, value(depth + 1))
        ws()
        if (text[i] === ',') i++
        else if (text[i] === '}') {
          i++
          return obj
        } else fail("expected ',' or '}'")
      }
    }
    if (c === '[') {
      i++
      const arr: JsonNode[] = []
      ws()
      if (text[i] === ']') {
        i++
        return arr
      }
      for (;;) {
        arr.push(value(depth + 1))
        ws()
        if (text[i] === ',') i++
        else if (text[i] === ']') {
          i++
          return arr
        } else fail("expected ',' or ']'")
      }
    }
    if (c === '"') return string()
    if (text.startsWith('true', i)) return (i += 4), true
    if (text.startsWith('false', i)) return (i += 5), false
    if (text.startsWith('null', i)) return (i += 4), null
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400))
    if (!m) return fail(c === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(c)}`)
    i += m[0].length
    return new JsonNumber(m[0])
  }
  const string = (): string => {
    const start = i
    i++
    let simple = true
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        simple = false
        i++
      } else if (text.charCodeAt(i) < 0x20) fail('control character in a string')
      i++
    }
    if (i >= text.length) fail('unterminated string')
    i++
    const raw = text.slice(start, i)
    if (simple) return raw.slice(1, -1)
    try {
      return JSON.parse(raw) as string
    } catch {
      return fail('bad escape in a string')
    }
  }
  const out = value(0)
  ws()
  if (i < text.length) fail('trailing characters')
  return out
}

/** A float already formatted as Java would print it. */
export class JsonFloat {
  constructor(readonly text: string) {}
}

export type JsonOut = null | boolean | string | number | bigint | JsonFloat | JsonNumber | JsonOut[] | Map<string, JsonOut> | {[k: string]: JsonOut}

/** Compact JSON as Jackson writes it (no spaces), keys in insertion order. */
export function writeJson(v: JsonOut): string {
  if (v === null) return 'null'
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false'
    case 'string':
      return JSON.stringify(v)
    case 'number':
      return Number.isFinite(v) ? String(v) : JSON.stringify(String(v))
    case 'bigint':
      return v.toString()
  }
  if (v instanceof JsonFloat || v instanceof JsonNumber) return v.text
  if (Array.isArray(v)) return `[${v.map(writeJson).join(',')}]`
  const entries = v instanceof Map ? [...v] : Object.entries(v)
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${writeJson(x)}`).join(',')}}`
}

/** Java's Double.toString (Jackson writes doubles with it); NaN and infinities as Jackson quotes them. */
export function javaDouble(n: number): JsonFloat {
  return new JsonFloat(javaFloatText(n, String(n)))
}

/** Java's Float.toString: the shortest digits that read back as the same float. */
export function javaFloat(n: number): JsonFloat {
  const f = Math.fround(n)
  let digits = String(f)
  for (let p = 1; p <= 9 && Number.isFinite(f); p++) {
    const t = f.toPrecision(p)
    if (Math.fround(Number(t)) === f) {
      digits = String(Number(t))
      break
    }
  }
  return new JsonFloat(javaFloatText(f, digits))
}

function javaFloatText(n: number, shortest: string): string {
  if (Number.isNaN(n)) return '"NaN"'
  if (!Number.isFinite(n)) return n > 0 ? '"Infinity"' : '"-Infinity"'
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0'
  const abs = Math.abs(n)
  if (abs >= 1e-3 && abs < 1e7) {
    const plain = shortest.includes('e') ? Number(shortest).toFixed(20).replace(/0+$/, '') : shortest
    return plain.includes('.') ? plain : plain + '.0'
  }
  // Computerized scientific notation: d.dddE±n with at least one fraction digit.
  const [mantissa, exp] = Number(shortest).toExponential().split('e')
  return `${mantissa.includes('.') ? mantissa : mantissa + '.0'}E${Number(exp)}`
}
