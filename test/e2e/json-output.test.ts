/**
 * --json as scripts use it: errors are one JSON object on stderr with the
 * exit code unchanged, and `--input json` refuses what it does not know.
 */
import {describe, expect, it} from 'vitest'
import {cli} from '../helpers/cli.js'
import {EXIT, STACK_LINE} from './support.js'

/** stderr is exactly one JSON line {"error":{message, code, hint?}}; stdout is empty. */
function jsonError(r: {stdout: unknown; stderr: unknown; exitCode?: number}, exitCode: number, code: string, what: RegExp) {
  expect(r.exitCode, String(r.stderr)).toBe(exitCode)
  expect(String(r.stdout)).toBe('')
  const stderr = String(r.stderr)
  expect(stderr).not.toMatch(STACK_LINE)
  const lines = stderr.replace(/\n$/, '').split('\n')
  expect(lines).toHaveLength(1)
  const body = JSON.parse(lines[0]) as {error: {message: string; code: string; hint?: string; exitCode: number}}
  expect(Object.keys(body)).toEqual(['error'])
  expect(body.error.message).toMatch(what)
  expect(body.error.message).not.toMatch(/^logpipe:/)
  expect(body.error.code).toBe(code)
  expect(body.error.exitCode).toBe(exitCode)
  if (body.error.hint !== undefined) expect(typeof body.error.hint).toBe('string')
  return body.error
}

describe('--json errors', () => {
  it('a missing store, topic, bad flag and unknown command are each one JSON object on stderr', async () => {
    const {run} = cli()
    jsonError(await run(['topic', 'list', '--json']), EXIT.NOT_FOUND, 'NOT_FOUND', /no store/)
    expect((await run(['topic', 'create', 't', '--partitions', '1'])).exitCode).toBe(EXIT.OK)
    const missing = jsonError(await run(['topic', 'describe', 'nope', '--json']), EXIT.NOT_FOUND, 'NOT_FOUND', /nope/)
    expect(missing.hint).toBeTruthy()
    jsonError(await run(['topic', 'list', '--partitons', '3', '--json']), EXIT.USAGE, 'USAGE', /unknown flag --partitons/)
    jsonError(await run(['topc', 'list', '--json']), EXIT.USAGE, 'USAGE', /unknown command 'topc/)
    jsonError(await run(['consume', 't', '-p', 'x', '--json']), EXIT.USAGE, 'USAGE', /./)
  })

  it('without --json the same error stays the one-line text form', async () => {
    const {run} = cli()
    const r = await run(['topic', 'list'])
    expect(r.exitCode).toBe(EXIT.NOT_FOUND)
    expect(String(r.stderr)).toMatch(/^logpipe: no store/)
  })
})
