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
}

interface OclifLikeError {
  message: string
  oclif?: {exit?: number}
  code?: string
}

export function describeError(error: unknown): Reported {
  if (error instanceof LogpipeError) {
    return {message: unwrapFlagParse(error.message), hint: error.hint, exitCode: error.exitCode}
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
      if (best) return {message: `unknown command '${best.typed}'`, hint: `did you mean \`logpipe ${best.guess}\`? (\`logpipe --help\` lists the commands)`, exitCode: ExitCode.USAGE}
      return {message: `unknown command '${words.join(' ')}'`, hint: 'run `logpipe --help` for the list of commands', exitCode: ExitCode.USAGE}
    }
    const lines = text
      .replace(/\n\s*Note: [\s\S]*$/, '') // oclif's advice about flags with several values, which do not swallow arguments here
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
    const message = lines.join(' ').replace(/\s+/g, ' ')
    return {message: message.replace(/^Error: /, ''), hint: 'see --help', exitCode: exit === 0 ? 0 : ExitCode.USAGE}
  }
  if (e && typeof e === 'object' && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    return {message: systemErrorMessage(e as NodeJS.ErrnoException), exitCode: ExitCode.RUNTIME}
  }
  return {message: e instanceof Error ? e.message : String(error), exitCode: ExitCode.RUNTIME}
}

export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  const r = describeError(error)
  // oclif ends --help and the like with an exit(0) error: a normal end, nothing to say.
  if (r.exitCode === 0) return 0
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

function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '')
}
