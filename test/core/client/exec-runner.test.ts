/**
 * ExecRunner's stop: the signal that stops consume reaches every process a
 * running command started (each command is its own process group), a
 * command that lives through the first delivery gets it once more, and
 * kill() ends what is left. An interrupted record is neither retried nor
 * handed on.
 */
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {ExecRunner, type ExecJob} from '../../../src/core/client/exec-runner.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

function job(offset: number): ExecJob {
  return {topic: 't', partition: 0, offset, timestamp: 0, key: null, value: Buffer.from('v'), headers: []}
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

function runner(command: string, dir: string): ExecRunner {
  const notices: string[] = []
  const r = new ExecRunner({command: `cd '${dir}' && ${command}`, concurrency: 1, retries: 3, onNotice: (m) => notices.push(m), stderr: {write: () => true}})
  return r
}

function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'logpipe-exec-'))
  dirs.push(d)
  return d
}

test("stop(SIGINT) reaches the command's children, though nobody signalled our process group", async () => {
  const dir = temp()
  const r = runner('echo started > started; sleep 30; echo done > finished', dir)
  r.push(job(0))
  await until('the command to start', () => existsSync(join(dir, 'started')))
  const t = Date.now()
  r.stop('SIGINT')
  await r.drain()
  expect(Date.now() - t).toBeLessThan(5_000)
  expect(existsSync(join(dir, 'finished'))).toBe(false)
  expect(r.handedOn).toBe(0)
  expect(r.fatal).toBeNull()
  expect(r.safePosition('t', 0, 1)).toBe(0) // stays uncommitted
})

test('a command that lives through the first signal (as a shell forking when it came does) gets it once more', async () => {
  const dir = temp()
  // The first SIGINT only resets the trap; without a second one this loops for ever.
  const r = runner("trap 'trap - INT; echo trapped > trapped' INT; echo started > started; while :; do sleep 0.05; done", dir)
  r.push(job(0))
  await until('the command to start', () => existsSync(join(dir, 'started')))
  const t = Date.now()
  r.stop('SIGINT')
  await r.drain()
  expect(readFileSync(join(dir, 'trapped'), 'utf8')).toBe('trapped\n')
  expect(Date.now() - t).toBeGreaterThanOrEqual(900)
  expect(Date.now() - t).toBeLessThan(8_000)
  expect(r.handedOn).toBe(0)
})

test('kill() ends a command that ignores the signal, with everything it started', async () => {
  const dir = temp()
  const r = runner("trap '' INT TERM; echo started > started; sleep 30; echo done > finished", dir)
  r.push(job(0))
  await until('the command to start', () => existsSync(join(dir, 'started')))
  r.stop('SIGTERM')
  await new Promise((res) => setTimeout(res, 1_300))
  expect(r.busy).toBe(true) // ignored both deliveries
  r.kill()
  await r.drain()
  expect(existsSync(join(dir, 'finished'))).toBe(false)
  expect(r.handedOn).toBe(0)
  expect(r.fatal).toBeNull()
})

test('records queued behind a stopped command are not started', async () => {
  const dir = temp()
  const r = runner('echo "$LOGPIPE_OFFSET" >> started; sleep 30', dir)
  for (let i = 0; i < 3; i++) r.push(job(i))
  await until('the first command to start', () => existsSync(join(dir, 'started')))
  r.stop('SIGINT')
  await r.drain()
  expect(readFileSync(join(dir, 'started'), 'utf8')).toBe('0\n')
  expect(r.safePosition('t', 0, 3)).toBe(0)
})
