/**
 * The exec source in a running worker: a command's stdout lines become
 * records; a restart of the worker starts the cut-short run again and
 * skips the lines it already sent (resume.mode=skip) or sends them again
 * (replay); a command that exits is started again after
 * restart.backoff.ms; a stop ends the command and what it started; kill -9
 * of the worker mid-stream loses no line.
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {lines, trackProcesses} from './support.js'

const running = trackProcesses()

function setUp(connector: string) {
  const c = cli()
  writeFileSync(
    join(c.base, 'w.properties'),
    [
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.storage.StringConverter',
      `offset.storage.file.filename=${join(c.base, 'offsets')}`,
      'offset.flush.interval.ms=100',
    ].join('\n'),
  )
  writeFileSync(join(c.base, 'source.properties'), connector)
  return {c, args: ['connect', 'standalone', join(c.base, 'w.properties'), join(c.base, 'source.properties')]}
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const values = async (c: ReturnType<typeof cli>, topic: string) => {
  const r = await c.run(['consume', topic, '-e'], {reject: false})
  return r.exitCode === 0 ? lines(r.stdout) : []
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('exec source', () => {
  test("each stdout line is a record on topic; a worker restart skips the lines of the run already sent", async () => {
    const {c, args} = setUp("name=nums\nconnector.class=logpipe.connect.ExecSourceConnector\ntopic=numbers\ncommand=seq 1 5; printf 'last-without-newline'\nrestart.backoff.ms=-1\n")
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    await waitFor(async () => (await values(c, 'numbers')).length >= 6, 'six records')
    w.kill('SIGTERM')
    const r = await w
    expect(r.exitCode).toBe(0)
    expect(String(r.stderr)).toMatch(/exec source: 'seq 1 5; .*' ended \(exit status 0\); not started again \(restart.backoff.ms < 0\)/)
    expect(await values(c, 'numbers')).toEqual(['1', '2', '3', '4', '5', 'last-without-newline'])

    const again = c.run(args, {cwd: c.base})
    running.push(again)
    // The rerun prints the same six lines, all passed over as sent: its end is told once they were read.
    let told = ''
    again.stderr!.on('data', (d: Buffer) => (told += d.toString('utf8')))
    await waitFor(() => told.includes('ended (exit status 0)'), 'the rerun to end')
    again.kill('SIGTERM')
    const r2 = await again
    expect(r2.exitCode).toBe(0)
    expect(await values(c, 'numbers')).toEqual(['1', '2', '3', '4', '5', 'last-without-newline'])

    writeFileSync(join(c.base, 'source.properties'), 'name=nums\nconnector.class=ExecSource\ntopic=numbers\ncommand=seq 1 3\nrestart.backoff.ms=-1\nresume.mode=replay\n')
    const replay = c.run(args, {cwd: c.base})
    running.push(replay)
    await waitFor(async () => (await values(c, 'numbers')).length >= 9, 'the replayed run')
    replay.kill('SIGTERM')
    expect((await replay).exitCode).toBe(0)
    expect((await values(c, 'numbers')).slice(6)).toEqual(['1', '2', '3'])
  }, 60_000)

  test('a command that exits is started again after restart.backoff.ms; topic defaults to the name; stop ends the command and its children', async () => {
    const {c, args} = setUp('')
    const pids = join(c.base, 'pids')
    writeFileSync(join(c.base, 'source.properties'), `name=ticks\nconnector.class=ExecSource\nrestart.backoff.ms=50\ncommand=echo tick; [ -e ${pids} ] || { sleep 600 & echo "$$ $!" > ${pids}; echo started; wait; }\n`)
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    await waitFor(async () => existsSync(pids) && (await values(c, 'ticks')).length >= 2, 'the long run')
    const [shell, sleeper] = readFileSync(pids, 'utf8').trim().split(' ').map(Number)
    expect(alive(shell) && alive(sleeper)).toBe(true)
    w.kill('SIGTERM')
    const r = await w
    expect(r.exitCode).toBe(0)
    await waitFor(() => !alive(shell) && !alive(sleeper), 'the command and its child to end', 10_000)
    expect(await values(c, 'ticks')).toEqual(['tick', 'started'])

    // Now each run prints one line and exits: it is run again and again.
    const again = c.run(args, {cwd: c.base})
    running.push(again)
    await waitFor(async () => (await values(c, 'ticks')).length >= 5, 'three more runs')
    again.kill('SIGTERM')
    const r2 = await again
    expect(r2.exitCode).toBe(0)
    expect(String(r2.stderr)).toMatch(/exec source: .* ended \(exit status 0\); starting it again in 50 ms/)
    expect((await values(c, 'ticks')).slice(2).every((v) => v === 'tick')).toBe(true)
  }, 60_000)

  test('kill -9 of the worker mid-stream and a restart: every line is in the topic at least once, in order', async () => {
    const n = 30_000
    const {c, args} = setUp(`name=big\nconnector.class=ExecSource\ntopic=big\nbatch.size=500\nrestart.backoff.ms=-1\ncommand=seq 1 ${n}\n`)
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    await waitFor(async () => (await values(c, 'big')).length >= 1000, 'the first records')
    w.kill('SIGKILL')
    await w.catch(() => {})
    const again = c.run(args, {cwd: c.base})
    running.push(again)
    let said = ''
    again.stderr!.on('data', (d: Buffer) => (said += d.toString('utf8')))
    // The killed run may have written every line already: the restarted run's own command must have ended (it is
    // not started again) and its last line be in the topic before the worker is stopped.
    await waitFor(() => /not started again \(restart.backoff.ms < 0\)/.test(said), 'the restarted command to end', 60_000)
    await waitFor(async () => (await values(c, 'big')).at(-1) === String(n), 'the last line', 60_000)
    again.kill('SIGTERM')
    expect((await again).exitCode).toBe(0)
    const got = (await values(c, 'big')).map(Number)
    const seen = new Set(got)
    expect(seen.size).toBe(n)
    expect(Math.min(...seen)).toBe(1)
    expect(Math.max(...seen)).toBe(n)
    // After the restart the command's output goes on from the last committed line: duplicates only of what was written after that.
    const firstAgain = got.findIndex((v, i) => i > 0 && v <= got[i - 1])
    if (firstAgain >= 0) expect(got.slice(firstAgain)).toEqual(Array.from({length: n - got[firstAgain] + 1}, (_, i) => got[firstAgain] + i))
  }, 120_000)
})
