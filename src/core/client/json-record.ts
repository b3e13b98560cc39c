/**
 * The JSON form of a record, shared by `consume --json` (which writes it)
 * and `produce --input json` (which reads it back):
 *
 *   {"topic", "partition", "offset", "timestamp", "key", "value", "headers"}
 *
 * key, value and header values are strings (UTF-8), {"base64": "..."} for
 * other bytes, or null. headers is a list of {key, value}; an object
 * {name: value} is accepted on input too. topic and offset are ignored on input.
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

export function jsonToBytes(v: unknown, what: string): Buffer | null {
  if (v === null || v === undefined) return null
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

export function parseJsonRecord(line: string): JsonRecordInput {
  let obj: unknown
  try {
    obj = JSON.parse(line)
  } catch (error) {
    throw new UsageError(`not valid JSON: ${(error as Error).message}`)
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new UsageError('each line must be a JSON object')
  const o = obj as {[k: string]: unknown}
  const out: JsonRecordInput = {key: jsonToBytes(o.key, 'key'), value: jsonToBytes(o.value, 'value'), headers: null}
  if (o.headers !== undefined && o.headers !== null) {
    if (Array.isArray(o.headers)) {
      out.headers = o.headers.map((h, i) => {
        if (Array.isArray(h) && h.length === 2 && typeof h[0] === 'string') return {key: h[0], value: jsonToBytes(h[1], `headers[${i}]`)}
        if (typeof h === 'object' && h !== null && typeof (h as {key?: unknown}).key === 'string') {
          return {key: (h as {key: string}).key, value: jsonToBytes((h as {value?: unknown}).value, `headers[${i}].value`)}
        }
        throw new UsageError(`headers[${i}] must be {"key", "value"}`)
      })
    } else if (typeof o.headers === 'object') {
      out.headers = Object.entries(o.headers as object).map(([key, value]) => ({key, value: jsonToBytes(value, `headers.${key}`)}))
    } else {
      throw new UsageError('headers must be a list of {"key", "value"} or an object')
    }
  }
  if (o.partition !== undefined && o.partition !== null) {
    if (!Number.isInteger(o.partition) || (o.partition as number) < 0) throw new UsageError(`partition must be a non-negative integer`)
    out.partition = o.partition as number
  }
  if (o.timestamp !== undefined && o.timestamp !== null) {
    if (typeof o.timestamp === 'number' && Number.isSafeInteger(o.timestamp) && o.timestamp >= 0) out.timestamp = o.timestamp
    else if (typeof o.timestamp === 'string' && !Number.isNaN(Date.parse(o.timestamp))) out.timestamp = Date.parse(o.timestamp)
    else throw new UsageError('timestamp must be epoch milliseconds or an ISO-8601 string')
  }
  return out
}
