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
 *
 * `timestamp` (or `ts`) is epoch milliseconds or an ISO-8601 string, as
 * `consume --json-time iso` prints it and `-o @TIME` takes it
 * (2026-01-31T12:00:00.000Z; a time without an offset is local time).
 *
 * `produce --input json` reads lines through readJsonRecord, which leaves
 * text as the string JSON.parse made, for the caller to write as UTF-8
 * straight into its batch: no Buffer per record. parseJsonRecord gives
 * the same record with bytes.
 */
import {UsageError} from '../errors.js'
import type {RecordHeader} from '../record/header.js'
import {parseTimestamp} from '../log/offset-spec.js'

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

/** Ours, given: kcat's name for it must not be there too, as the record would be ambiguous. */
function either(ours: unknown, kcats: unknown, oursName: string, kcatsName: string): unknown {
  if (kcats !== undefined) throw new UsageError(`it has both "${oursName}" and "${kcatsName}" (kcat's name for it); give one`)
  return ours
}

/**
 * A line's record before its bytes are made: key and value as the text the
 * line holds (to be written as UTF-8), as bytes (base64), or null.
 */
export interface JsonRecordFields {
  key: string | Buffer | null
  value: string | Buffer | null
  /** null when the line has none (an empty list included). */
  headers: RecordHeader[] | null
  partition: number | undefined
  timestamp: number | undefined
}

export function parseJsonRecord(line: string): JsonRecordInput {
  const f = readJsonRecord(line)
  const bytes = (v: string | Buffer | null) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v)
  const out: JsonRecordInput = {key: bytes(f.key), value: bytes(f.value), headers: f.headers}
  if (f.partition !== undefined) out.partition = f.partition
  if (f.timestamp !== undefined) out.timestamp = f.timestamp
  return out
}

/** Reads one line into `into` (reused line after line by a producer, so nothing but what JSON.parse makes is allocated). */
export function readJsonRecord(line: string, into: JsonRecordFields = {key: null, value: null, headers: null, partition: undefined, timestamp: undefined}): JsonRecordFields {
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
  const encoding = o.encoding
  if (encoding !== undefined && encoding !== 'utf8' && encoding !== 'base64') throw new UsageError(`"encoding" must be "utf8" or "base64", not ${JSON.stringify(encoding)}`)
  const b64 = encoding === 'base64'
  into.key = jsonField(o.key, 'key', b64)
  const value = o.value
  into.value = value !== undefined ? jsonField(either(value, o.payload, 'value', 'payload'), 'value', b64) : jsonField(o.payload, 'payload', b64)
  into.headers = o.headers === undefined || o.headers === null ? null : readHeaders(o.headers, b64)
  into.partition = undefined
  const partition = o.partition
  if (partition !== undefined && partition !== null) {
    if (!Number.isInteger(partition) || (partition as number) < 0) throw new UsageError(`partition must be a non-negative integer`)
    into.partition = partition as number
  }
  into.timestamp = undefined
  const ts = o.timestamp
  const timestamp = ts !== undefined ? either(ts, o.ts, 'timestamp', 'ts') : o.ts
  if (timestamp !== undefined && timestamp !== null) {
    if (typeof timestamp === 'number' && Number.isSafeInteger(timestamp) && timestamp >= 0) into.timestamp = timestamp
    else if (typeof timestamp === 'string' && !/^\d+$/.test(timestamp)) into.timestamp = isoTimestamp(timestamp)
    else throw new UsageError('timestamp must be epoch milliseconds or an ISO-8601 string')
  }
  return into
}

/** -o @TIME's reader, so a time means the same on both sides; the message names the field. */
function isoTimestamp(text: string): number {
  try {
    return parseTimestamp(text, 'timestamp')
  } catch {
    throw new UsageError(`timestamp must be epoch milliseconds or an ISO-8601 string, not ${JSON.stringify(text)}`, {hint: 'e.g. "2026-01-31T12:00:00.000Z", or epoch milliseconds as a number'})
  }
}

/** Text stays a string, to be written as UTF-8 by the caller; base64 and {"base64"} become bytes. */
function jsonField(v: unknown, what: string, base64: boolean): string | Buffer | null {
  if (typeof v === 'string' && !base64) return v
  if (v === null || v === undefined || typeof v === 'string') return jsonToBytes(v, what, base64)
  if (typeof v === 'object' && !Array.isArray(v) && typeof (v as {base64?: unknown}).base64 === 'string') return jsonToBytes(v, what, base64)
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'object') return JSON.stringify(v)
  return jsonToBytes(v, what, base64)
}

function readHeaders(h: unknown, b64: boolean): RecordHeader[] | null {
  if (Array.isArray(h)) {
    if (h.length === 0) return null
    if (typeof h[0] === 'string') return flatHeaders(h, b64)
    return h.map((x, i) => {
      if (Array.isArray(x) && x.length === 2 && typeof x[0] === 'string') return {key: x[0], value: jsonToBytes(x[1], `headers[${i}]`, b64)}
      if (typeof x === 'object' && x !== null && typeof (x as {key?: unknown}).key === 'string') {
        return {key: (x as {key: string}).key, value: jsonToBytes((x as {value?: unknown}).value, `headers[${i}].value`, b64)}
      }
      throw new UsageError(`headers[${i}] must be {"key", "value"}`)
    })
  }
  if (typeof h === 'object' && h !== null) {
    const list = Object.entries(h as object).map(([key, value]) => ({key, value: jsonToBytes(value, `headers.${key}`, b64)}))
    return list.length > 0 ? list : null
  }
  throw new UsageError('headers must be a list of {"key", "value"} or an object')
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
