/**
 * Flags that several commands share, with their ranges checked at parse
 * time so a bad value is a usage error naming the flag.
 */
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {UsageError} from '../core/errors.js'
import {validateTopicName} from '../core/store/names.js'

export function intFlag(opts: {char?: 'p' | 'c'; summary: string; min?: number; max?: number; default?: number; name: string; helpGroup?: string; aliases?: string[]}) {
  return Flags.custom<number>({
    char: opts.char as never,
    summary: opts.summary,
    aliases: opts.aliases,
    default: opts.default,
    helpGroup: opts.helpGroup,
    parse: async (input: string) => parseIntFlag(opts.name, input, opts.min, opts.max),
  })()
}

export function parseIntFlag(name: string, input: string, min = -Infinity, max = Infinity): number {
  if (!/^-?\d+$/.test(input.trim())) throw new UsageError(`${name} must be an integer, not '${input}'`)
  const n = Number(input)
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Infinity ? `${min} or more` : `between ${min} and ${max}`
    throw new UsageError(`${name} must be ${range}, not ${input}`)
  }
  return n
}

/** A topic name, checked before the store is opened so a bad name creates nothing. */
export const topicArg = Args.string({
  ignoreStdin: true,
  name: 'topic',
  required: true,
  description: 'Topic name.',
  parse: async (input: string) => validateTopicName(input),
})
