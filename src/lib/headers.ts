/**
 * kafkajs's IHeaders both ways: a value may be a string, a Buffer or a list
 * of them (one header per element, in order); on consume each value is a
 * Buffer, and a key that occurs more than once becomes a list, as kafkajs
 * decodes it.
 */
import {UsageError} from '../core/errors.js'
import type {RecordHeader} from '../core/record/header.js'
import type {IHeaders} from './types.js'

export function headersToRecord(headers: IHeaders | undefined): RecordHeader[] {
  if (headers === undefined || headers === null) return []
  if (typeof headers !== 'object' || Array.isArray(headers)) throw new UsageError('message headers must be an object of header names to values')
  const out: RecordHeader[] = []
  for (const [key, v] of Object.entries(headers)) {
    if (v === undefined) continue
    for (const one of Array.isArray(v) ? v : [v]) {
      if (typeof one === 'string') out.push({key, value: Buffer.from(one, 'utf8')})
      else if (Buffer.isBuffer(one)) out.push({key, value: one})
      else throw new UsageError(`header '${key}' must be a string, a Buffer or a list of them`)
    }
  }
  return out
}

export function headersFromRecord(headers: readonly RecordHeader[]): IHeaders {
  const out: IHeaders = {}
  for (const {key, value} of headers) {
    const v = value ?? Buffer.alloc(0)
    const had = out[key]
    if (had === undefined) out[key] = v
    else if (Array.isArray(had)) had.push(v)
    else out[key] = [had, v]
  }
  return out
}
