/**
 * Issue 8, point 2, as it was found: producer P1 is stopped (SIGSTOP) in
 * the middle of a long stream while it holds the partition's write lock;
 * producer P2 starts, and must not take the lock from a live process
 * however long it waits (its mtime goes stale after 10 s); P1 is continued.
 * Both finish, and every record of both is in the log, once, at the offset
 * it was acknowledged at.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {isStopped} from '../../src/core/lock/process-identity.js'
import {lines, trackProcesses, waitFor} from './support.js'

const running = trackProcesses()
const P1_LINES = 3_000_000
const P2_LINES = 1_000

test('a stopped producer keeps its lock past the stale time; the waiting producer writes after it, and no acknowledged record is lost', async () => {
  const c = cli()
  expect((await c.run(['topic', 'create', 'paused'])).exitCode).toBe(0)
  const p1Input = join(c.base, 'p1.txt')
  let text = ''
  const parts: string[] = []
  for (let i = 0; i < P1_LINES; i++) {
    text += `p1-${i}\n`
    if (text.length > 1 << 20) {
      parts.push(text)
      text = ''
    }
  }
  parts.push(text)
  writeFileSync(p1Input, parts.join(''))

  const p1 = c.run(['produce', 'paused', p1Input, '--batch-bytes', '2000'])
  running.push(p1)
  // Stop it once it is writing (it holds the lock in bursts of about 50 ms).
  const logFile = join(c.dataDir, 'topics', 'paused', '0', '00000000000000000000.log')
  const {statSync} = await import('node:fs')
  await waitFor(() => (statSync(logFile, {throwIfNoEntry: false})?.size ?? 0) > 100_000, 'P1 to start writing', 30_000)
  process.kill(p1.pid!, 'SIGSTOP')
  await waitFor(() => isStopped(p1.pid!), 'P1 to stop')

  let p2Out = ''
  const p2Input = Array.from({length: P2_LINES}, (_, i) => `p2-${i}\n`).join('')
  const p2 = c.run(['produce', 'paused', '--json'], {input: p2Input})
  running.push(p2)
  p2.stdout!.on('data', (d: Buffer) => (p2Out += d))
  // Past the stale time of P1's lock: if P1 held it when stopped, P2 still waits.
  const stoppedAt = Date.now()
  await waitFor(() => Date.now() - stoppedAt > 12_000 || p2.exitCode !== null, 'the stale time to pass', 20_000)
  const wroteWhileStopped = p2Out.length > 0
  process.kill(p1.pid!, 'SIGCONT')

  const [r1, r2] = await Promise.all([p1, p2])
  expect(r1.exitCode, String(r1.stderr)).toBe(0)
  expect(r2.exitCode, String(r2.stderr)).toBe(0)
  // P2 either got the lock between two of P1's bursts before the stop, or
  // waited for P1; what it may never do is take P1's lock while P1 lives.
  const acks = lines(r2.stdout).map((l) => JSON.parse(l) as {partition: number; offset: number})
  expect(acks).toHaveLength(P2_LINES)
  if (wroteWhileStopped) expect(String(r1.stderr)).not.toMatch(/lost/)

  const out = await c.run(['consume', 'paused', '-e', '-F', '%o %s\n'], {maxBuffer: 1 << 30})
  expect(out.exitCode, String(out.stderr)).toBe(0)
  const byOffset = new Map<number, string>()
  let p1Next = 0
  let count = 0
  // Plain comparisons: three million expect() calls would take a minute.
  const problems: string[] = []
  for (const line of lines(out.stdout)) {
    const space = line.indexOf(' ')
    const offset = Number(line.slice(0, space))
    const value = line.slice(space + 1)
    if (offset !== count && problems.length < 5) problems.push(`offset ${offset} follows ${count - 1}`)
    count++
    if (value.startsWith('p1-')) {
      if (value !== `p1-${p1Next}` && problems.length < 5) problems.push(`${value} where p1-${p1Next} belongs`)
      p1Next++
    } else {
      byOffset.set(offset, value)
    }
  }
  expect(problems).toEqual([])
  expect(p1Next).toBe(P1_LINES)
  expect(count).toBe(P1_LINES + P2_LINES)
  acks.forEach((a, i) => expect(byOffset.get(a.offset), `P2's record ${i} at offset ${a.offset}`).toBe(`p2-${i}`))
  const v = await c.run(['topic', 'verify', 'paused'])
  expect(v.exitCode, String(v.stdout) + String(v.stderr)).toBe(0)
}, 120_000)
