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

/** The same topic, optional as an argument: commands that also take --topic (kafka-topics' form). */
export const optionalTopicArg = Args.string({
  ignoreStdin: true,
  name: 'topic',
  required: false,
  description: 'Topic name (or --topic).',
  parse: async (input: string) => validateTopicName(input),
})

/** kafka-topics' --topic T, for commands whose topic is also an argument. */
export const topicFlag = Flags.string({
  helpValue: 'TOPIC',
  summary: 'Topic name, as kafka-topics --topic (instead of the argument).',
  parse: async (input: string) => validateTopicName(input),
})

/** The name given as the argument or as --NAME; both is fine when they agree. */
export function chosenName(what: 'topic' | 'group', arg: string | undefined, flag: string | undefined): string {
  if (arg !== undefined && flag !== undefined && arg !== flag) throw new UsageError(`two ${what}s given: '${arg}' and --${what} '${flag}'`)
  const name = arg ?? flag
  if (name === undefined) throw new UsageError(`name the ${what}`, {hint: `give it as the argument or with --${what}`})
  return name
}
