/**
 * Where a reset moves committed offsets, from the flags kafka-consumer-groups
 * and kafka-streams-application-reset share (--to-earliest, --shift-by N,
 * --from-file CSV, ...): one reading for `group reset-offsets` and
 * `stream reset`, so the two accept and refuse the same values.
 */
import {readFileSync} from 'node:fs'
import {NotFoundError} from '../core/errors.js'
import {parseDuration, parseOffsetsCsv, type ResetSpec} from '../core/group/group-admin.js'
import {parseTimestamp} from '../core/log/offset-spec.js'
import {parseIntFlag} from './flags.js'

export type ResetTarget = 'to-earliest' | 'to-latest' | 'to-current' | 'to-offset' | 'shift-by' | 'to-datetime' | 'by-duration' | 'from-file'

interface ResetValues {
  'to-offset'?: string
  'shift-by'?: string
  'to-datetime'?: string
  'by-duration'?: string
  'from-file'?: string
}

export function resetSpec(target: ResetTarget, f: ResetValues): ResetSpec {
  switch (target) {
    case 'to-earliest':
      return {kind: 'earliest'}
    case 'to-latest':
      return {kind: 'latest'}
    case 'to-current':
      return {kind: 'current'}
    case 'to-offset':
      return {kind: 'offset', offset: parseIntFlag('--to-offset', f['to-offset']!, 0)}
    case 'shift-by':
      return {kind: 'shift', by: parseIntFlag('--shift-by', f['shift-by']!)}
    case 'to-datetime':
      return {kind: 'datetime', timestamp: parseTimestamp(f['to-datetime']!, '--to-datetime')}
    case 'by-duration':
      return {kind: 'datetime', timestamp: Date.now() - parseDuration(f['by-duration']!)}
    case 'from-file': {
      let text: string
      try {
        text = readFileSync(f['from-file']!, 'utf8')
      } catch {
        throw new NotFoundError(`--from-file: cannot read ${f['from-file']}`)
      }
      return {kind: 'file', offsets: parseOffsetsCsv(text)}
    }
  }
}
