/**
 * Where a consumer starts: `beginning`, `end`, `stored` (a group's
 * committed offset), an absolute offset N, -N (N records before the end of
 * each partition), @TIME or kcat's s@TIME (ISO-8601 or epoch
 * milliseconds), or rpk's @-DURATION (a time that long ago: @-1h, @-90s,
 * @-1h30m). And where it stops: kcat's e@TIME, the first record stamped at
 * or after TIME, which is not printed.
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

const DURATION_UNITS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}

/** "1h30m", "90s", "250ms": rpk's (Go's) durations, in milliseconds; null when it is not one. */
export function parseShortDuration(text: string): number | null {
  if (!/^(\d+(ms|s|m|h|d))+$/.test(text)) return null
  let ms = 0
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) ms += Number(n) * DURATION_UNITS[unit]
  return Number.isSafeInteger(ms) ? ms : null
}

export function parseOffsetSpec(text: string, flag = '-o/--offset', now: number = Date.now()): OffsetSpec {
  if (text.startsWith('s@')) text = text.slice(1)
  if (text.startsWith('@-')) {
    const ago = parseShortDuration(text.slice(2))
    if (ago === null) throw new UsageError(`${flag}: '${text}' is not a duration`, {hint: 'use @-DURATION as rpk does: @-1h, @-30m, @-1h30m, @-90s'})
    return {kind: 'timestamp', timestamp: Math.max(0, now - ago)}
  }
  if (text === 'beginning' || text === 'earliest') return {kind: 'beginning'}
  if (text === 'end' || text === 'latest') return {kind: 'end'}
  if (text === 'stored') return {kind: 'stored'}
  if (text.startsWith('@')) return {kind: 'timestamp', timestamp: parseTimestamp(text.slice(1), flag)}
  if (/^-?\d+$/.test(text)) {
    const n = Number(text)
    if (!Number.isSafeInteger(n)) throw new UsageError(`${flag}: ${text} is out of range`)
    return n < 0 || text === '-0' ? {kind: 'relative', count: -n} : {kind: 'absolute', offset: n}
  }
  throw new UsageError(`${flag}: '${text}' is not an offset`, {hint: 'use beginning, end, stored, N, -N, @TIME, s@TIME, e@TIME or @-DURATION'})
}

/** kcat's e@TIME: the time to stop at; null when `text` is not a stop. */
export function parseStopSpec(text: string, flag = '-o/--offset'): number | null {
  return text.startsWith('e@') ? parseTimestamp(text.slice(2), flag) : null
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
