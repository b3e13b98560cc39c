/**
 * The --exec runner a group consumer hands records to (DESIGN.md
 * "Consumer groups": commit only after the command exited 0):
 *
 * - with commands finishing out of order, the position safe to commit is
 *   always the oldest record not handed on;
 * - a failing command is retried, then dead-lettered (the record counts as
 *   handed on) or, without a dead-letter topic, fatal (it does not);
 * - stop() (Ctrl-C) starts nothing more; a command that fails once we are
 *   stopping is neither retried, nor dead-lettered, nor fatal, and stays
 *   uncommitted; a record pushed after stop() is not run and drain() still
 *   ends.
 *
 * Commands wait for "go.<offset>" files the test creates, so the order in
 * which they finish is the test's, not the scheduler's.
 */
import {existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {type ExecFailure, type ExecJob, ExecRunner} from '../../../src/core/client/exec-runner.js'
import {tempDir} from '../support.js'

/** Polls `check` until true; fails at the deadline (no fixed sleeps). */
async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

const job = (offset: number, partition = 0): ExecJob => ({topic: 't', partition, offset, timestamp: 1000 + offset, key: null, value: Buffer.from(`v${offset}`), headers: []})

/** A command that marks its start, waits for go.<offset>, then exits with the code in that file. */
function gated(dir: string): string {
  const d = JSON.stringify(dir)
  return `d=${d}; echo "$LOGPIPE_OFFSET" >> "$d/started"; while [ ! -e "$d/go.$LOGPIPE_OFFSET" ]; do sleep 0.005; done; exit $(cat "$d/go.$LOGPIPE_OFFSET")`
}

const started = (dir: string) => (existsSync(join(dir, 'started')) ? readFileSync(join(dir, 'started'), 'utf8').split('\n').filter(Boolean).map(Number) : [])
// Written whole, then renamed into place: the command waits for the name, and a half-written file read as empty was exit 0.
const go = (dir: string, offset: number, code = 0) => {
  writeFileSync(join(dir, `go.${offset}.tmp`), String(code))
  renameSync(join(dir, `go.${offset}.tmp`), join(dir, `go.${offset}`))
}

describe('ExecRunner', () => {
  test('commands finishing out of order: the safe position is the oldest record not handed on', async () => {
    const dir = tempDir()
    const runner = new ExecRunner({command: gated(dir), concurrency: 3, retries: 0})
    for (const o of [10, 11, 12]) runner.push(job(o))
    await until(() => started(dir).length === 3, 5000, 'three commands running')
    expect(runner.safePosition('t', 0, 13)).toBe(10)
    go(dir, 12)
    await until(() => runner.handedOn === 1, 5000, 'offset 12 done')
    expect(runner.safePosition('t', 0, 13)).toBe(10)
    go(dir, 10)
    await until(() => runner.handedOn === 2, 5000, 'offset 10 done')
    expect(runner.safePosition('t', 0, 13)).toBe(11)
    go(dir, 11)
    await runner.drain()
    expect(runner.safePosition('t', 0, 13)).toBe(13)
    // Other partitions are tracked on their own.
    expect(runner.safePosition('t', 1, 5)).toBe(5)
  })

  test('retries, then the dead-letter callback: the record counts as handed on', async () => {
    const dir = tempDir()
    const failures: ExecFailure[] = []
    const stderr: Buffer[] = []
    const runner = new ExecRunner({
      command: `echo x >> ${JSON.stringify(join(dir, 'attempts'))}; echo oops >&2; exit 4`,
      stderr: {write: (chunk: Buffer) => stderr.push(chunk)},
      concurrency: 1,
      retries: 2,
      backoffMs: 1,
      deadLetter: async (f) => {
        failures.push(f)
      },
    })
    runner.push(job(0))
    await runner.drain()
    expect(readFileSync(join(dir, 'attempts'), 'utf8')).toBe('x\nx\nx\n')
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatchObject({exitCode: 4, signal: null, attempts: 3, stderrTail: 'oops\n'})
    // Each attempt's stderr is passed on as it comes.
    expect(Buffer.concat(stderr).toString()).toBe('oops\noops\noops\n')
    expect(failures[0].job.offset).toBe(0)
    expect(runner.fatal).toBeNull()
    expect(runner.safePosition('t', 0, 1)).toBe(1)
  })

  test('without a dead-letter topic a record that keeps failing is fatal and not handed on; nothing after it starts', async () => {
    const dir = tempDir()
    const runner = new ExecRunner({command: gated(dir), concurrency: 1, retries: 0})
    go(dir, 0)
    go(dir, 1, 9)
    go(dir, 2)
    for (const o of [0, 1, 2]) runner.push(job(o))
    await runner.drain()
    expect(runner.fatal).toMatchObject({exitCode: 9, attempts: 1})
    expect(runner.fatal!.job.offset).toBe(1)
    expect(started(dir)).toEqual([0, 1])
    expect(runner.safePosition('t', 0, 3)).toBe(1)
  })

  test('stop(): the running command that then fails is not retried, dead-lettered or fatal; queued and later records never run', async () => {
    const dir = tempDir()
    const dead: ExecFailure[] = []
    const runner = new ExecRunner({command: gated(dir), concurrency: 1, retries: 5, backoffMs: 1, deadLetter: async (f) => void dead.push(f)})
    runner.push(job(0))
    runner.push(job(1))
    await until(() => started(dir).length === 1, 5000, 'the first command running')
    runner.stop()
    go(dir, 0, 130) // as a command killed by the same Ctrl-C would
    go(dir, 1)
    runner.push(job(2)) // the consumer polled once more before it saw the stop
    await runner.drain()
    expect(started(dir)).toEqual([0])
    expect(dead).toEqual([])
    expect(runner.fatal).toBeNull()
    expect(runner.busy).toBe(false)
    expect(runner.safePosition('t', 0, 3)).toBe(0)
  }, 10_000)

  test('stop() after a failed attempt ends the wait for the next (a 60 s backoff) at once, without another attempt', async () => {
    const dir = tempDir()
    const runner = new ExecRunner({command: `echo x >> ${JSON.stringify(join(dir, 'attempts'))}; exit 1`, concurrency: 1, retries: 3, backoffMs: 60_000})
    runner.push(job(0))
    await until(() => existsSync(join(dir, 'attempts')), 5000, 'the first attempt')
    const t0 = Date.now()
    runner.stop()
    await runner.drain()
    expect(Date.now() - t0).toBeLessThan(5000)
    expect(readFileSync(join(dir, 'attempts'), 'utf8')).toBe('x\n')
    expect(runner.fatal).toBeNull()
    expect(runner.safePosition('t', 0, 1)).toBe(0)
  })

  test('the command gets the value on stdin and LOGPIPE_* in its environment; a key that is not text comes in base64', async () => {
    const dir = tempDir()
    const out = JSON.stringify(join(dir, 'out'))
    const runner = new ExecRunner({command: `{ cat; echo; env | grep '^LOGPIPE_' | sort; } > ${out}.$LOGPIPE_OFFSET`, concurrency: 2, retries: 0})
    runner.push({...job(0), key: Buffer.from('k"$(x)'), value: Buffer.from('v\n`y`')})
    runner.push({...job(1), key: Buffer.from([0xff, 0x00])})
    await runner.drain()
    expect(readFileSync(join(dir, 'out.0'), 'utf8')).toBe('v\n`y`\nLOGPIPE_KEY=k"$(x)\nLOGPIPE_OFFSET=0\nLOGPIPE_PARTITION=0\nLOGPIPE_TIMESTAMP=1000\nLOGPIPE_TOPIC=t\n')
    expect(readFileSync(join(dir, 'out.1'), 'utf8')).toBe('v1\nLOGPIPE_KEY_BASE64=/wA=\nLOGPIPE_OFFSET=1\nLOGPIPE_PARTITION=0\nLOGPIPE_TIMESTAMP=1001\nLOGPIPE_TOPIC=t\n')
  })
})

test('after a fatal failure with records still queued, changed() returns at once: the consume loop cannot hang on it', async () => {
  const runner = new ExecRunner({command: 'exit 3', concurrency: 1, retries: 0})
  for (let offset = 0; offset < 50; offset++) runner.push(job(offset))
  await runner.drain()
  expect(runner.fatal?.job.offset).toBe(0)
  expect(runner.fatal?.exitCode).toBe(3)
  expect(runner.queued).toBe(49) // never started, never committed
  expect(runner.safePosition('t', 0, 50)).toBe(0)
  let resolved = false
  void runner.changed().then(() => {
    resolved = true
  })
  await Promise.resolve()
  expect(resolved).toBe(true)
})
