/**
 * Flags that several commands share, with their ranges checked at parse
 * time so a bad value is a usage error naming the flag.
 */
import {Args, Flags} from '@oclif/core'
import {UsageError} from '../core/errors.js'

export function intFlag(opts: {char?: 'p' | 'c'; summary: string; min?: number; max?: number; default?: number; name: string}) {
  return Flags.custom<number>({
    char: opts.char as never,
    summary: opts.summary,
    default: opts.default,
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

export const topicArg = Args.string({ignoreStdin: true, name: 'topic', required: true, description: 'Topic name.'})
