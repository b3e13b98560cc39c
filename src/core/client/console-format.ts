/**
 * kafka-console-consumer's `--property` settings of its
 * DefaultMessageFormatter, turned into a -f format: the columns in Kafka's
 * order (CreateTime:TS, Partition:P, Offset:O, headers k:v,k:v or
 * NO_HEADERS, key, value), each followed by key.separator (a tab) but the
 * last, then line.separator; a NULL key or value prints as null.literal
 * ("null"). logpipe writes CreateTime stamps only, so the timestamp column
 * always says CreateTime, as Kafka's does for such a log.
 */
import {UsageError} from '../errors.js'
import type {FormatOptions} from './format.js'
import {nearest} from './nearest.js'

const BOOLEANS = ['print.timestamp', 'print.partition', 'print.offset', 'print.headers', 'print.key', 'print.value'] as const
const STRINGS = ['key.separator', 'line.separator', 'headers.separator', 'null.literal'] as const
type Name = (typeof BOOLEANS)[number] | (typeof STRINGS)[number]

/** A format string and its options for `--property` pairs. */
export function consolePropertiesFormat(pairs: readonly string[]): {format: string; options: FormatOptions} {
  const v: Record<Name, string> = {
    'print.timestamp': 'false',
    'print.partition': 'false',
    'print.offset': 'false',
    'print.headers': 'false',
    'print.key': 'false',
    'print.value': 'true',
    'key.separator': '\t',
    'line.separator': '\n',
    'headers.separator': ',',
    'null.literal': 'null',
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError(`--property expects key=value, not '${pair}'`)
    const key = pair.slice(0, eq) as Name
    if (!(key in v)) {
      const guess = nearest(key, Object.keys(v))
      throw new UsageError(`--property: unknown property '${key}' for consume`, {hint: guess ? `did you mean ${guess}?` : `properties: ${Object.keys(v).join(', ')}`})
    }
    v[key] = pair.slice(eq + 1)
  }
  const on = (k: (typeof BOOLEANS)[number]) => v[k].trim().toLowerCase() === 'true'
  const lit = (s: string) => s.replaceAll('%', '%%').replaceAll('\\', '\\\\')
  const columns: string[] = []
  if (on('print.timestamp')) columns.push('CreateTime:%T')
  if (on('print.partition')) columns.push('Partition:%p')
  if (on('print.offset')) columns.push('Offset:%o')
  if (on('print.headers')) columns.push('%h')
  if (on('print.key')) columns.push('%k')
  if (on('print.value')) columns.push('%s')
  const format = columns.join(lit(v['key.separator'])) + lit(v['line.separator'])
  return {
    format,
    options: {
      nullString: Buffer.from(v['null.literal']),
      headers: {separator: Buffer.from(v['headers.separator']), keySeparator: Buffer.from(':'), none: Buffer.from('NO_HEADERS')},
    },
  }
}

/**
 * kafka-console-producer's `--property` settings: parse.key and
 * key.separator (a tab by default). Returns the key separator, or
 * undefined when keys are not parsed.
 */
export function producerPropertiesKeySeparator(pairs: readonly string[]): string | undefined {
  let parseKey = false
  let separator = '\t'
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError(`--property expects key=value, not '${pair}'`)
    const key = pair.slice(0, eq)
    const value = pair.slice(eq + 1)
    if (key === 'parse.key') parseKey = value.trim().toLowerCase() === 'true'
    else if (key === 'key.separator') separator = value
    else {
      const guess = nearest(key, ['parse.key', 'key.separator'])
      throw new UsageError(`--property: unknown property '${key}' for produce`, {hint: guess ? `did you mean ${guess}?` : 'properties: parse.key, key.separator'})
    }
  }
  return parseKey ? separator : undefined
}
