/**
 * Turning any error into what the user sees: one line `logpipe: <what>`, a
 * hint line where one helps, and the exit code (0 ok, 1 runtime, 2 usage,
 * 3 not found). Stack traces only with LOGPIPE_DEBUG=1.
 */
import {readFileSync} from 'node:fs'
import {ExitCode, LogpipeError} from '../core/errors.js'
import {editDistance, nearest} from '../core/client/nearest.js'

/** The commands of the manifest the build writes ("topic create", ...); read only when a command was mistyped. */
function commandNames(): string[] {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../oclif.manifest.json', import.meta.url), 'utf8')) as {commands?: Record<string, unknown>}
    return Object.keys(manifest.commands ?? {}).map((id) => id.replaceAll(':', ' '))
  } catch {
    return []
  }
}

export interface Reported {
  message: string
  hint?: string
  exitCode: number
  /** A stable name for scripts (`--json` prints it): NOT_FOUND, USAGE, CORRUPT_RECORD, ENOENT, a Kafka error name... */
  code: string
}

interface OclifLikeError {
  message: string
  oclif?: {exit?: number}
  code?: string
}

export function describeError(error: unknown): Reported {
  if (error instanceof LogpipeError) {
    return {message: unwrapFlagParse(error.message), hint: error.hint, exitCode: error.exitCode, code: logpipeCode(error)}
  }
  const e = error as OclifLikeError
  if (e && typeof e === 'object' && e.oclif) {
    // oclif's parser and router errors: usage errors, flattened to one line.
    const exit = e.oclif.exit
    const text = unwrapFlagParse(stripAnsi(String(e.message)))
    const unknown = /^command (\S+) not found$/.exec(text.trim())
    if (unknown) {
      const words = unknown[1].split(':')
      // oclif joins the arguments into the id ("consum t"): the command is the prefix nearest to a real one.
      const names = commandNames()
      let best: {typed: string; guess: string; distance: number} | null = null
      for (let n = 1; n <= Math.min(words.length, 3); n++) {
        const typed = words.slice(0, n).join(' ')
        const guess = nearest(typed, names)
        const distance = guess === null ? Infinity : editDistance(typed, guess)
        if (guess !== null && (best === null || distance < best.distance)) best = {typed, guess, distance}
      }
      if (best) return {message: `unknown command '${best.typed}'`, hint: `did you mean \`logpipe ${best.guess}\`? (\`logpipe --help\` lists the commands)`, exitCode: ExitCode.USAGE, code: 'USAGE'}
      return {message: `unknown command '${words.join(' ')}'`, hint: 'run `logpipe --help` for the list of commands', exitCode: ExitCode.USAGE, code: 'USAGE'}
    }
    const lines = text
      .replace(/\n\s*Note: [\s\S]*$/, '') // oclif's advice about flags with several values, which do not swallow arguments here
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
    const message = lines.join(' ').replace(/\s+/g, ' ')
    return {message: message.replace(/^Error: /, ''), hint: 'see --help', exitCode: exit === 0 ? 0 : ExitCode.USAGE, code: 'USAGE'}
  }
  if (e && typeof e === 'object' && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    return {message: systemErrorMessage(e as NodeJS.ErrnoException), exitCode: ExitCode.RUNTIME, code: e.code}
  }
  return {message: e instanceof Error ? e.message : String(error), exitCode: ExitCode.RUNTIME, code: 'RUNTIME'}
}

/**
 * The class name without "Error", in Kafka's style (NotFoundError ->
 * NOT_FOUND); a Kafka protocol error keeps Kafka's own name
 * (NOT_LEADER_OR_FOLLOWER), which is what users search for.
 */
function logpipeCode(error: LogpipeError): string {
  const kafkaName = (error as {kafkaName?: unknown}).kafkaName
  if (typeof kafkaName === 'string' && kafkaName !== '') return kafkaName
  const base = error.name.replace(/Error$/, '') || 'RUNTIME'
  return base.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()
}

export interface ReportOptions {
  /** `--json` was given: the error is one JSON object on stderr, `{"error":{"message","code","hint"}}`. */
  json?: boolean
}

export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr, options: ReportOptions = {}): number {
  const r = describeError(error)
  // oclif ends --help and the like with an exit(0) error: a normal end, nothing to say.
  if (r.exitCode === 0) return 0
  if (options.json) {
    const body: {message: string; code: string; hint?: string; exitCode: number} = {message: r.message, code: r.code, exitCode: r.exitCode}
    if (r.hint) body.hint = r.hint
    stderr.write(JSON.stringify({error: body}) + '\n')
    return r.exitCode
  }
  let text = `logpipe: ${r.message}\n`
  if (r.hint) text += `hint: ${r.hint}\n`
  if (process.env.LOGPIPE_DEBUG === '1' && error instanceof Error && error.stack) text += error.stack + '\n'
  stderr.write(text)
  return r.exitCode
}

/**
 * oclif wraps an error thrown by a flag's parser as
 * "Parsing --name \n\t<message>\nSee more help with --help"; the message
 * already names the flag, so keep only it.
 */
function unwrapFlagParse(message: string): string {
  return message
    .replace(/^Parsing --\S+ *\n\t/, '')
    .replace(/\n?See more help with --help\s*$/, '')
}

/** "ENOTDIR: not a directory, stat '/x/y'" -> "/x/y: not a directory". */
function systemErrorMessage(e: NodeJS.ErrnoException): string {
  const what = /^[A-Z]+: ([^,]+)/.exec(e.message)?.[1] ?? e.message
  return e.path ? `${e.path}: ${what}` : what
}

/** Whether a command line asks for --json (before any `--`), for errors raised before a command parsed it. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  const json = argv.indexOf('--json')
  return json !== -1 && (end === -1 || json < end)
}

function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '')
}
