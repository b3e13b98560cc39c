/**
 * The JSON form of a record, shared by `consume --json` (which writes it)
 * and `produce --input json` (which reads it back):
 *
 *   {"topic", "partition", "offset", "timestamp", "key", "value", "headers"}
 *
 * key, value and header values are strings (UTF-8 text, or base64 when the
 * line says "encoding":"base64", as consume --json-encoding base64 writes),
 * {"base64": "..."} (what consume --json wrote for binary before), or null. headers is a list of {key, value}; an object
 * {name: value} is accepted on input too. topic and offset are ignored on input.
 *
 * kcat's -J envelope is read as well (so `consume -J | produce --input
 * json` copies records): `payload` for value, `ts` for timestamp, headers
 * as kcat's flat array [name, value, name, value, ...], and its `tstype`
 * and `broker` ignored. Any other field is refused by name: a kcat-shaped
 * line read with one field name wrong would otherwise be a tombstone.
 */
import {UsageError} from '../errors.js'
import type {RecordHeader} from '../record/header.js'

export interface JsonRecordInput {
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[] | null
  partition?: number
  timestamp?: number
}

/** Standard base64, padded or not (consume --json writes it padded). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/

export function jsonToBytes(v: unknown, what: string, base64 = false): Buffer | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'string' && base64) {
    if (!BASE64.test(v)) throw new UsageError(`${what}: not base64, as "encoding":"base64" says it is`)
    return Buffer.from(v, 'base64')
  }
  if (typeof v === 'string') return Buffer.from(v, 'utf8')
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as {base64?: unknown}).base64 === 'string') {
    const text = (v as {base64: string}).base64
    // Buffer.from skips what is not base64 and keeps the rest: a typo would store other bytes without a word.
    if (!BASE64.test(text)) throw new UsageError(`${what}: {"base64": ...} holds characters or a length that are not base64`)
    return Buffer.from(text, 'base64')
  }
  // Numbers, objects and arrays are taken as their JSON text.
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'object') return Buffer.from(JSON.stringify(v), 'utf8')
  throw new UsageError(`${what} must be a string, {"base64": ...} or null`)
}

/** The fields a line may have: ours, then kcat -J's (tstype and broker are what a consume printed, not settable). */
const FIELDS = new Set(['encoding', 'topic', 'partition', 'offset', 'timestamp', 'key', 'value', 'headers', 'payload', 'ts', 'tstype', 'broker'])

/** The one of two synonymous fields a line has; both is an error, as the record would be ambiguous. */
function either(o: {[k: string]: unknown}, ours: string, kcats: string): unknown {
  if (o[ours] !== undefined && o[kcats] !== undefined) throw new UsageError(`it has both "${ours}" and "${kcats}" (kcat's name for it); give one`)
  return o[ours] !== undefined ? o[ours] : o[kcats]
}

export function parseJsonRecord(line: string): JsonRecordInput {
  let obj: unknown
  try {
    obj = JSON.parse(line)
  } catch (error) {
    throw new UsageError(`not valid JSON: ${(error as Error).message}`)
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new UsageError('each line must be a JSON object')
  const o = obj as {[k: string]: unknown}
  for (const field in o) {
    if (!FIELDS.has(field)) {
      throw new UsageError(`unknown field ${JSON.stringify(field)}`, {
        hint: 'a line holds key, value (or kcat\'s payload), headers, partition, timestamp (or ts); topic, offset, tstype and broker are ignored',
      })
    }
  }
  if (o.encoding !== undefined && o.encoding !== 'utf8' && o.encoding !== 'base64') throw new UsageError(`"encoding" must be "utf8" or "base64", not ${JSON.stringify(o.encoding)}`)
  const b64 = o.encoding === 'base64'
  const out: JsonRecordInput = {key: jsonToBytes(o.key, 'key', b64), value: jsonToBytes(either(o, 'value', 'payload'), o.value !== undefined ? 'value' : 'payload', b64), headers: null}
  if (o.headers !== undefined && o.headers !== null) {
    if (Array.isArray(o.headers) && typeof o.headers[0] === 'string') {
      out.headers = flatHeaders(o.headers, b64)
    } else if (Array.isArray(o.headers)) {
      out.headers = o.headers.map((h, i) => {
        if (Array.isArray(h) && h.length === 2 && typeof h[0] === 'string') return {key: h[0], value: jsonToBytes(h[1], `headers[${i}]`, b64)}
        if (typeof h === 'object' && h !== null && typeof (h as {key?: unknown}).key === 'string') {
          return {key: (h as {key: string}).key, value: jsonToBytes((h as {value?: unknown}).value, `headers[${i}].value`, b64)}
        }
        throw new UsageError(`headers[${i}] must be {"key", "value"}`)
      })
    } else if (typeof o.headers === 'object') {
      out.headers = Object.entries(o.headers as object).map(([key, value]) => ({key, value: jsonToBytes(value, `headers.${key}`, b64)}))
    } else {
      throw new UsageError('headers must be a list of {"key", "value"} or an object')
    }
  }
  if (o.partition !== undefined && o.partition !== null) {
    if (!Number.isInteger(o.partition) || (o.partition as number) < 0) throw new UsageError(`partition must be a non-negative integer`)
    out.partition = o.partition as number
  }
  const timestamp = either(o, 'timestamp', 'ts')
  if (timestamp !== undefined && timestamp !== null) {
    if (typeof timestamp === 'number' && Number.isSafeInteger(timestamp) && timestamp >= 0) out.timestamp = timestamp
    else if (typeof timestamp === 'string' && !Number.isNaN(Date.parse(timestamp))) out.timestamp = Date.parse(timestamp)
    else throw new UsageError('timestamp must be epoch milliseconds or an ISO-8601 string')
  }
  return out
}

/** kcat's headers: ["name", "value", "name", null, ...]. */
function flatHeaders(list: unknown[], base64: boolean): RecordHeader[] {
  if (list.length % 2 !== 0) throw new UsageError(`headers as a flat list (kcat's) must hold name, value pairs; it has ${list.length} items`)
  const headers: RecordHeader[] = []
  for (let i = 0; i < list.length; i += 2) {
    const key = list[i]
    if (typeof key !== 'string') throw new UsageError(`headers[${i}] must be a header name (a string), as headers is a flat name, value list`)
    headers.push({key, value: jsonToBytes(list[i + 1], `headers[${i + 1}]`, base64)})
  }
  return headers
}
