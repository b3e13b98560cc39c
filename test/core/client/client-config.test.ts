import {describe, expect, test} from 'vitest'
import {parseClientSettings} from '../../../src/core/client/client-config.js'
import {consolePropertiesFormat, producerPropertiesKeySeparator} from '../../../src/core/client/console-format.js'
import {UsageError} from '../../../src/core/errors.js'
import {parseOffsetSpec, parseShortDuration, parseStopSpec} from '../../../src/core/log/offset-spec.js'

describe('-X client settings', () => {
  test('librdkafka names map to the options, with their aliases and value forms', () => {
    expect(parseClientSettings(['group.id=g', 'auto.offset.reset=smallest', 'partition.assignment.strategy=cooperative-sticky', 'session.timeout.ms=6000'], 'consumer')).toEqual({
      group: 'g',
      autoOffsetReset: 'earliest',
      strategy: 'sticky',
      sessionTimeoutMs: 6000,
    })
    expect(parseClientSettings(['queue.buffering.max.ms=7', 'batch.size=4096', 'compression.codec=GZIP'], 'producer')).toEqual({lingerMs: 7, batchBytes: 4096, compression: 'gzip'})
  })

  test.each([
    {pairs: ['nope=1'], role: 'consumer' as const, message: "-X: unknown client setting 'nope'"},
    {pairs: ['linger.ms=1'], role: 'consumer' as const, message: '-X linger.ms is a producer setting; consume does not take it'},
    {pairs: ['linger.ms=-1'], role: 'producer' as const, message: "-X linger.ms: must be an integer between 0 and 3600000, not '-1'"},
    {pairs: ['auto.offset.reset=middle'], role: 'consumer' as const, message: "-X auto.offset.reset: 'middle' is not one of earliest, smallest, beginning, latest, largest, end"},
    {pairs: ['=x'], role: 'consumer' as const, message: "-X expects key=value, not '=x'"},
  ])('$pairs.0 ($role) is a usage error', ({pairs, role, message}) => {
    expect(() => parseClientSettings(pairs, role)).toThrow(UsageError)
    expect(() => parseClientSettings(pairs, role)).toThrow(message)
  })
})

describe('console properties', () => {
  test("kafka-console-consumer's columns in Kafka's order with the separators given", () => {
    const {format, options} = consolePropertiesFormat(['print.value=false', 'print.key=true', 'print.offset=true', 'print.timestamp=true', 'key.separator=%|\\'])
    expect(format).toBe('CreateTime:%T%%|\\\\Offset:%o%%|\\\\%k\n')
    expect(options.nullString?.toString()).toBe('null')
  })

  test('kafka-console-producer: parse.key with a tab by default', () => {
    expect(producerPropertiesKeySeparator(['parse.key=true'])).toBe('\t')
    expect(producerPropertiesKeySeparator(['parse.key=false', 'key.separator=:'])).toBeUndefined()
    expect(() => producerPropertiesKeySeparator(['ignore.error=true'])).toThrow(/unknown property 'ignore\.error' for produce/)
  })
})

describe('offset specs of kcat and rpk', () => {
  const now = Date.UTC(2026, 0, 31, 12)
  test.each([
    {text: 's@1700000000000', spec: {kind: 'timestamp', timestamp: 1_700_000_000_000}},
    {text: '@-1h', spec: {kind: 'timestamp', timestamp: now - 3_600_000}},
    {text: '@-1h30m', spec: {kind: 'timestamp', timestamp: now - 5_400_000}},
    {text: '@-250ms', spec: {kind: 'timestamp', timestamp: now - 250}},
    {text: '@2026-01-31T11:00:00Z', spec: {kind: 'timestamp', timestamp: now - 3_600_000}},
  ])('$text', ({text, spec}) => {
    expect(parseOffsetSpec(text, '-o', now)).toEqual(spec)
  })

  test('e@TIME is a stop, not a start', () => {
    expect(parseStopSpec('e@2026-01-31T12:00:00Z')).toBe(now)
    expect(parseStopSpec('@1')).toBeNull()
    expect(parseShortDuration('1y')).toBeNull()
    expect(parseShortDuration('2d')).toBe(172_800_000)
  })
})
