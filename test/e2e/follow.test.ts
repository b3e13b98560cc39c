/**
 * Tail-following (DESIGN.md sections 2 "Reading" and 3): `consume T`
 * without -e keeps reading as records arrive, like `tail -f`, and Ctrl-C
 * (SIGINT) or SIGTERM ends it cleanly with exit 0 and no stack trace.
 * Nothing here sleeps: each step waits for the consumer's output, to a
 * deadline.
 */
import {afterEach, describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {expectOk, lines, STACK_LINE, watchOutput} from './support.js'

type Sub = ReturnType<ReturnType<typeof cli>['run']>
const running: Sub[] = []

afterEach(() => {
  // A failed test must not leave a follower behind.
  for (const sub of running.splice(0)) if (sub.exitCode === null) sub.kill('SIGKILL')
})

/** Starts `consume ARGS` and watches its stdout from the first byte. */
function follow(run: ReturnType<typeof cli>['run'], args: string[]) {
  const sub = run(['consume', ...args])
  running.push(sub)
  return Object.assign(watchOutput(sub), {sub})
}

/** Ends a follower with `signal` and checks it ended the way a user expects. */
async function stop(sub: Sub, signal: NodeJS.Signals) {
  sub.kill(signal)
  const r = await sub
  expect(r.signal, `${signal} is handled, not fatal`).toBeUndefined()
  expect(r.exitCode, String(r.stderr)).toBe(0)
  expect(String(r.stderr)).not.toMatch(STACK_LINE)
  expect(r.stderr).toBe('')
  return r
}

describe('consume without -e follows the log', () => {
  test.each(['SIGINT', 'SIGTERM'] as const)('a record produced later is printed; %s ends it with 0', async (signal) => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 'live', '-q']))
    const f = follow(run, ['live'])
    expectOk(await run(['produce', 'live'], {input: 'first\n'}))
    await f.until((t) => t === 'first\n', 'the first record')
    // Now at the end of the log and waiting: the next records must wake it.
    expectOk(await run(['produce', 'live'], {input: 'second\nthird\n'}))
    await f.until((t) => t === 'first\nsecond\nthird\n', 'the next records')
    const r = await stop(f.sub, signal)
    expect(r.stdout).toBe('first\nsecond\nthird\n')
  })

  test('-o end prints only records produced after it started', async () => {
    const {run} = cli()
    expectOk(await run(['produce', 'live', '--create', '-q'], {input: 'old1\nold2\n'}))
    const f = follow(run, ['live', '-o', 'end', '-F', '%o %s\\n'])
    // The follower may not have found the end yet when the first record is
    // written: produce one at a time until it prints something.
    const deadline = Date.now() + 10_000
    for (let i = 0; f.stdout === ''; i++) {
      expect(Date.now(), 'the follower printed nothing within 10 s').toBeLessThan(deadline)
      expectOk(await run(['produce', 'live'], {input: `new${i}\n`}))
      await f.until((t) => t !== '', 'a new record', 1000).catch(() => '')
    }
    await f.until((t) => t.endsWith('\n'), 'a whole line')
    const r = await stop(f.sub, 'SIGINT')
    const out = lines(r.stdout)
    expect(out.length).toBeGreaterThan(0)
    for (const line of out) expect(line).toMatch(/^\d+ new\d+$/)
    expect(String(r.stdout)).not.toContain('old')
    expect(Number(out[0].split(' ')[0])).toBeGreaterThanOrEqual(2)
  })

  test('follows every partition of the topic; -c N ends it by itself', async () => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 'three', '--partitions', '3', '-q']))
    const f = follow(run, ['three', '-c', '3', '-F', '%p:%s\\n'])
    for (const p of [2, 0, 1]) {
      expectOk(await run(['produce', 'three', '-p', String(p)], {input: `to-${p}\n`}))
      await f.until((t) => t.includes(`${p}:to-${p}\n`), `the record on partition ${p}`)
    }
    const r = await f.sub
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(r.stderr).toBe('')
    expect(lines(r.stdout)).toEqual(['2:to-2', '0:to-0', '1:to-1'])
  })

  test('--json while following: one envelope per line as records arrive', async () => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 'live', '-q']))
    const f = follow(run, ['live', '--json'])
    expectOk(await run(['produce', 'live', '-K', ':'], {input: 'k:v\n'}))
    const text = await f.until((t) => t.endsWith('\n'), 'a JSON line')
    const r = await stop(f.sub, 'SIGINT')
    expect(r.stdout).toBe(text)
    expect(JSON.parse(text)).toMatchObject({topic: 'live', partition: 0, offset: 0, key: 'k', value: 'v', headers: []})
  })
})
