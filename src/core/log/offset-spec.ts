/**
 * Where a consumer starts: `beginning`, `end`, `stored` (a group's
 * committed offset), an absolute offset N, -N (N records before the end of
 * each partition), or @TIME (ISO-8601 or epoch milliseconds).
 */
import {UsageError} from '../errors.js'
import type {PartitionReader} from './partition.js'

export type OffsetSpec =
  | {kind: 'beginning'}
  | {kind: 'end'}
  | {kind: 'stored'}
  | {kind: 'absolute'; offset: number}
  | {kind: 'relative'; count: number}
  | {kind: 'timestamp'; timestamp: number}

export function parseTimestamp(text: string, flag: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text)
    if (Number.isSafeInteger(n)) return n
  }
  // Date.parse takes many shapes; insist on something ISO-8601-like.
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const ms = Date.parse(text)
    if (!Number.isNaN(ms)) return ms
  }
  throw new UsageError(`${flag}: '${text}' is not a time`, {hint: 'use ISO-8601 (2026-01-31T12:00:00Z) or epoch milliseconds'})
}

export function parseOffsetSpec(text: string, flag = '-o/--offset'): OffsetSpec {
  if (text === 'beginning' || text === 'earliest') return {kind: 'beginning'}
  if (text === 'end' || text === 'latest') return {kind: 'end'}
  if (text === 'stored') return {kind: 'stored'}
  if (text.startsWith('@')) return {kind: 'timestamp', timestamp: parseTimestamp(text.slice(1), flag)}
  if (/^-?\d+$/.test(text)) {
    const n = Number(text)
    if (!Number.isSafeInteger(n)) throw new UsageError(`${flag}: ${text} is out of range`)
    return n < 0 || text === '-0' ? {kind: 'relative', count: -n} : {kind: 'absolute', offset: n}
  }
  throw new UsageError(`${flag}: '${text}' is not an offset`, {hint: 'use beginning, end, stored, N, -N or @TIME'})
}

/** The offset a spec names in one partition's log, clamped to the log as Kafka clamps it. */
export function resolveOffsetSpec(reader: PartitionReader, spec: OffsetSpec): number {
  const start = reader.logStartOffset()
  const end = reader.logEndOffset()
  let target: number
  switch (spec.kind) {
    case 'beginning':
      target = start
      break
    case 'end':
      target = end
      break
    case 'absolute':
      target = spec.offset
      break
    case 'relative':
      target = end - spec.count
      break
    case 'timestamp':
      target = reader.offsetForTimestamp(spec.timestamp)
      break
    case 'stored':
      throw new UsageError('-o stored needs a consumer group (-g)')
  }
  return Math.min(Math.max(target, start), end)
}
