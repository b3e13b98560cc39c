/**
 * Turning any error into what the user sees: one line `logpipe: <what>`, a
 * hint line where one helps, and the exit code (0 ok, 1 runtime, 2 usage,
 * 3 not found). Stack traces only with LOGPIPE_DEBUG=1.
 */
import {ExitCode, LogpipeError} from '../core/errors.js'

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
    return {message: error.message, hint: error.hint, exitCode: error.exitCode}
  }
  const e = error as OclifLikeError
  if (e && typeof e === 'object' && e.oclif) {
    // oclif's parser and router errors: usage errors, flattened to one line.
    const lines = stripAnsi(String(e.message)).split('\n').map((l) => l.trim()).filter(Boolean)
    const message = lines.filter((l) => !/^See more help with/.test(l)).join(' ').replace(/\s+/g, ' ')
    const exit = e.oclif.exit
    return {message: message.replace(/^Error: /, ''), hint: 'see --help', exitCode: exit === 0 ? 0 : ExitCode.USAGE}
  }
  if (e && typeof e === 'object' && typeof e.code === 'string' && e.code.startsWith('E')) {
    return {message: String(e.message), exitCode: ExitCode.RUNTIME}
  }
  return {message: e instanceof Error ? e.message : String(error), exitCode: ExitCode.RUNTIME}
}

export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  const r = describeError(error)
  let text = `logpipe: ${r.message}\n`
  if (r.hint) text += `hint: ${r.hint}\n`
  if (process.env.LOGPIPE_DEBUG === '1' && error instanceof Error && error.stack) text += error.stack + '\n'
  stderr.write(text)
  return r.exitCode
}

function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '')
}
