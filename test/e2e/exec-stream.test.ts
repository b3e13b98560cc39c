/**
 * `consume --exec-stream CMD`: one long-lived handler gets the formatted
 * records on stdin and answers each line with one line, in order; `ERR
 * [reason]` fails a record, anything else hands it on (so `cat` is a
 * handler). Offsets commit as answers come back; a handler that dies,
 * closes its stdout or stalls is started again and gets the unanswered
 * records again (at-least-once).
 *
 * - megabytes of records reach the handler byte for byte, in order (its
 *   send buffers are used again once answered);
 * - cat, with -g: every record handed on, committed == log end; a record
 *   with a newline in it is two lines and two answers; --json lines too;
 *   the handler's stderr comes through;
 * - ERR answers: retried, then the dead-letter topic with logpipe.error.*
 *   headers (reason, attempts); without one, exit 1 and the commit stops
 *   at the failed record;
 * - a handler that dies mid-stream: without retries exit 1, committed =
 *   the records it answered, and the next run starts there (no loss); with
 *   retries it is started again and every record is processed;
 * - a handler that exits 0 after some records is started again as often
 *   as needed (no record charged);
 * - a stall past --exec-timeout: killed (with what its shell started),
 *   started again, nothing lost;
 * - back-pressure: with --exec-max-in-flight 5 a handler that never
 *   answers is given exactly 5 records;
 * - closing stdout early is a failure of the record it held;
 * - SIGTERM to consume: the handler's stdin is closed, it finishes, what
 *   it answered is committed, and it is gone when consume exits;
 * - usage: a format without a final newline, the stream flags without
 *   --exec-stream, --exec together with --exec-stream.
 */
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, onTestFinished, test} from 'vitest'
import type {PartitionLag} from '../../src/core/group/group-admin.js'
import {cli} from '../helpers/cli.js'
import {EXIT, expectCleanError, expectOk, lines, waitFor} from './support.js'

type Cli = ReturnType<typeof cli>

async function committed(c: Cli, group: string): Promise<Array<[number, number, number]>> {
  const r = await c.run(['group', 'describe', group, '--json'])
  expectOk(r)
  return (JSON.parse(String(r.stdout)) as {partitions: PartitionLag[]}).partitions.map((p) => [p.partition, p.currentOffset, p.logEndOffset])
}

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '')

/** A handler script in `dir`; `body` runs per input line with $l the line and $n its number (1-based). */
function handler(dir: string, name: string, body: string): string {
  const file = join(dir, name)
  writeFileSync(file, `n=0\nwhile IFS= read -r l; do\n  n=$((n+1))\n${body}\ndone\n`)
  return `sh ${JSON.stringify(file)}`
}

function workDir(c: Cli): string {
  const work = join(c.base, 'work')
  mkdirSync(work, {recursive: true})
  return work
}

const values = (n: number) => Array.from({length: n}, (_, i) => `v${i}`)

describe('consume --exec-stream: cat', () => {
  test('with -g: every record handed on and committed; a value with a newline is two lines; the handler\'s stderr comes through', async () => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 'lines', '--partitions', '3', '-q']))
    const records = [...values(300).map((v, i) => ({value: v, partition: i % 3})), {value: 'two\nlines', partition: 1}]
    expectOk(await c.run(['produce', 'lines', '--input', 'json', '-q'], {input: records.map((r) => JSON.stringify(r)).join('\n') + '\n'}))
    const r = await c.run(['consume', 'lines', '-g', 'g', '-e', '--exec-stream', 'echo handler-started >&2; exec cat'])
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(String(r.stderr)).toBe('handler-started\n')
    expect(String(r.stdout)).toBe('') // answers are the handler's, not the user's output
    expect(await committed(c, 'g')).toEqual([
      [0, 100, 100],
      [1, 101, 101],
      [2, 100, 100],
    ])
    // --json lines (a newline inside a value stays inside the string).
    const j = await c.run(['consume', 'lines', '-g', 'j', '-e', '--json', '--exec-stream', 'cat'])
    expectOk(j)
    expect((await committed(c, 'j')).map((p) => p[1])).toEqual([100, 101, 100])
  })

  test('the handler gets the records as -F formats them, in offset order per partition', async () => {
    const c = cli()
    const work = workDir(c)
    expectOk(await c.run(['produce', 't', '--create', '-q', '-K', ':'], {input: values(50).map((v, i) => `k${i}:${v}`).join('\n') + '\n'}))
    const got = join(work, 'got')
    const r = await c.run(['consume', 't', '-e', '--format', '%o %k=%s\\n', '--exec-stream', `tee ${JSON.stringify(got)}`])
    expectOk(r)
    expect(lines(read(got))).toEqual(values(50).map((v, i) => `${i} k${i}=${v}`))
  })
})

describe('consume --exec-stream: many records', () => {
  test('megabytes of records (send chunks used again once answered): the handler gets every byte once, in order', async () => {
    const c = cli()
    const work = workDir(c)
    const many = Array.from({length: 40_000}, (_, i) => `${i}`.padStart(90, '.'))
    expectOk(await c.run(['produce', 't', '--create', '-q'], {input: many.join('\n') + '\n'}))
    const got = join(work, 'got')
    const r = await c.run(['consume', 't', '-g', 'g', '-e', '--exec-stream', `tee ${JSON.stringify(got)}`])
    expectOk(r)
    expect(read(got) === many.join('\n') + '\n', 'the handler saw the records byte for byte').toBe(true)
    expect(await committed(c, 'g')).toEqual([[0, 40_000, 40_000]])
  })
})

describe('consume --exec-stream: ERR answers', () => {
  const rejectBad = (work: string) =>
    handler(work, 'h.sh', '  echo "$l" >> attempts\n  case "$l" in *bad*) echo "ERR no $l here" ;; *) echo ok ;; esac')

  test('--retries then --dead-letter-topic: the record with logpipe.error.* headers, the rest committed', async () => {
    const c = cli()
    const work = workDir(c)
    expectOk(await c.run(['produce', 'orders', '--create', '-q', '-K', ':'], {input: 'k0:a\nk1:bad1\nk2:c\nk3:bad3\nk4:e\n'}))
    const r = await c.run(['consume', 'orders', '-g', 'billing', '-e', '--exec-stream', rejectBad(work), '--retries', '2', '--dead-letter-topic', 'orders.dlt'], {cwd: work})
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(String(r.stderr)).toMatch(/orders\/0 offset 1 \(ERR no bad1 here, 3 attempts\); sent to the dead-letter topic/)
    expect(String(r.stderr)).toMatch(/orders\/0 offset 3 \(ERR no bad3 here, 3 attempts\); sent to the dead-letter topic/)
    const attempts = lines(read(join(work, 'attempts')))
    expect(attempts.filter((l) => l === 'bad1')).toHaveLength(3)
    expect(attempts.filter((l) => l === 'bad3')).toHaveLength(3)
    for (const v of ['a', 'c', 'e']) expect(attempts.filter((l) => l === v), v).toHaveLength(1)
    expect(await committed(c, 'billing')).toEqual([[0, 5, 5]])
    const h = await c.run(['consume', 'orders.dlt', '-e', '--format', '%k=%s %h\\n'])
    expectOk(h)
    expect(lines(h.stdout)).toEqual([
      'k1=bad1 logpipe.error.topic=orders,logpipe.error.partition=0,logpipe.error.offset=1,logpipe.error.reason=ERR no bad1 here,logpipe.error.attempts=3,logpipe.error.stderr=',
      'k3=bad3 logpipe.error.topic=orders,logpipe.error.partition=0,logpipe.error.offset=3,logpipe.error.reason=ERR no bad3 here,logpipe.error.attempts=3,logpipe.error.stderr=',
    ])
  })

  test('without a dead-letter topic: exit 1, committed up to the failed record; the next run starts with it', async () => {
    const c = cli()
    const work = workDir(c)
    expectOk(await c.run(['produce', 'orders', '--create', '-q'], {input: 'a\nb\nbad\nd\n'}))
    const r = await c.run(['consume', 'orders', '-g', 'billing', '-e', '--exec-stream', rejectBad(work)], {cwd: work})
    expectCleanError(r, EXIT.RUNTIME, /^logpipe: --exec-stream: ERR no bad here for orders\/0 offset 2 after 1 attempt\(s\); that record was not committed/)
    expect(await committed(c, 'billing')).toEqual([[0, 2, 4]])
    const again = await c.run(['consume', 'orders', '-g', 'billing', '-e', '--exec-stream', 'cat'])
    expectOk(again)
    expect(await committed(c, 'billing')).toEqual([[0, 4, 4]])
  })
})

describe('consume --exec-stream: a handler that dies', () => {
  // Dies on its 50th line the first time it runs (a marker file says it did).
  const dying = (work: string) =>
    handler(work, 'h.sh', '  if [ ! -e died ] && [ $n -eq 50 ]; then touch died; echo "dying on $l" >&2; exit 3; fi\n  echo "$l" >> seen\n  echo ok')

  test('without retries: exit 1, only the records it answered are committed, and the next run goes on from there', async () => {
    const c = cli()
    const work = workDir(c)
    expectOk(await c.run(['produce', 't', '--create', '-q'], {input: values(200).join('\n') + '\n'}))
    const r = await c.run(['consume', 't', '-g', 'g', '-e', '--exec-stream', dying(work)], {cwd: work})
    const stderr = String(r.stderr)
    expect(r.exitCode, stderr).toBe(EXIT.RUNTIME)
    expect(stderr).toMatch(/dying on v49/)
    expect(stderr).toMatch(/^logpipe: --exec-stream: handler exited 3 for t\/0 offset 49 after 1 attempt\(s\); that record was not committed \(stderr: dying on v49\)$/m)
    expect(lines(read(join(work, 'seen')))).toEqual(values(49))
    expect(await committed(c, 'g')).toEqual([[0, 49, 200]])
    expectOk(await c.run(['consume', 't', '-g', 'g', '-e', '--exec-stream', dying(work)], {cwd: work}))
    expect(lines(read(join(work, 'seen')))).toEqual(values(200))
    expect(await committed(c, 'g')).toEqual([[0, 200, 200]])
  })

  test('with --retries: started again, the unanswered records sent again, every record processed', async () => {
    const c = cli()
    const work = workDir(c)
    expectOk(await c.run(['produce', 't', '--create', '-q'], {input: values(200).join('\n') + '\n'}))
    const r = await c.run(['consume', 't', '-g', 'g', '-e', '--retries', '1', '--exec-stream', dying(work)], {cwd: work})
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(String(r.stderr)).toMatch(/--exec-stream handler exited 3 with \d+ record\(s\) not answered; starting it again/)
    // Each processed once: what the first handler answered is not sent again.
    const seen = lines(read(join(work, 'seen')))
    expect(new Set(seen)).toEqual(new Set(values(200)))
    expect(seen).toHaveLength(200)
    expect(await committed(c, 'g')).toEqual([[0, 200, 200]])
  })

  test('a handler that exits 0 after answering 5 records is started again as often as needed', async () => {
    const c = cli()
    const work = workDir(c)
    expectOk(await c.run(['produce', 't', '--create', '-q'], {input: values(23).join('\n') + '\n'}))
    const quitter = handler(work, 'h.sh', '  echo "$l" >> seen\n  echo ok\n  [ $n -lt 5 ] || exit 0')
    const r = await c.run(['consume', 't', '-g', 'g', '-e', '--exec-stream', quitter], {cwd: work})
    expect(lines(read(join(work, 'seen')))).toEqual(values(23))
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(await committed(c, 'g')).toEqual([[0, 23, 23]])
  })

  test('closing its stdout early fails the record it held (exit 1 without retries)', async () => {
    const c = cli()
    expectOk(await c.run(['produce', 't', '--create', '-q'], {input: 'a\nb\n'}))
    const r = await c.run(['consume', 't', '-g', 'g', '-e', '--exec-stream', 'exec 1>&-; exec cat >/dev/null'])
    expectCleanError(r, EXIT.RUNTIME, /^logpipe: --exec-stream: handler closed its stdout for t\/0 offset 0 after 1 attempt/)
    expect(await committed(c, 'g')).toEqual([[0, 0, 2]])
  })
})

describe('consume --exec-stream: stalls and back-pressure', () => {
  test('a handler silent past --exec-timeout is killed with what it started, started again, nothing lost', async () => {
    const c = cli()
    const work = workDir(c)
    expectOk(await c.run(['produce', 't', '--create', '-q'], {input: values(20).join('\n') + '\n'}))
    const stalling = handler(work, 'h.sh', '  if [ ! -e stalled ] && [ $n -eq 3 ]; then touch stalled; sleep 60; fi\n  echo "$l" >> seen\n  echo ok')
    const started = Date.now()
    const r = await c.run(['consume', 't', '-g', 'g', '-e', '--retries', '1', '--exec-timeout', '300', '--exec-stream', stalling], {cwd: work})
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(Date.now() - started).toBeLessThan(30_000) // well before the 60 s sleep
    expect(String(r.stderr)).toMatch(/--exec-stream handler gave no answer for 300 ms with \d+ record\(s\) not answered; starting it again/)
    expect(new Set(lines(read(join(work, 'seen'))))).toEqual(new Set(values(20)))
    expect(await committed(c, 'g')).toEqual([[0, 20, 20]])
  })

  test('--exec-max-in-flight 5: a handler that never answers is given exactly 5 records', async () => {
    const c = cli()
    const work = workDir(c)
    expectOk(await c.run(['produce', 't', '--create', '-q'], {input: values(100).join('\n') + '\n'}))
    const silent = handler(work, 'h.sh', '  echo "$l" >> seen')
    const r = await c.run(['consume', 't', '-g', 'g', '-e', '--exec-max-in-flight', '5', '--exec-timeout', '500', '--exec-stream', silent], {cwd: work})
    expectCleanError(r, EXIT.RUNTIME, /^logpipe: --exec-stream: handler gave no answer for 500 ms for t\/0 offset 0/)
    expect(lines(read(join(work, 'seen')))).toEqual(values(5))
    expect(await committed(c, 'g')).toEqual([[0, 0, 100]])
  })
})

describe('consume --exec-stream: SIGTERM', () => {
  test('stops the handler cleanly: its stdin closed, what it answered committed, no handler left running', async () => {
    const c = cli()
    const work = workDir(c)
    expectOk(await c.run(['produce', 't', '--create', '-q'], {input: values(30).join('\n') + '\n'}))
    const pidFile = join(work, 'pid')
    const sub = c.run(['consume', 't', '-g', 'g', '--exec-stream', `echo $$ > ${JSON.stringify(pidFile)}; exec tee ${JSON.stringify(join(work, 'seen'))}`], {cwd: work})
    onTestFinished(() => {
      sub.kill('SIGKILL')
    })
    await waitFor(() => lines(read(join(work, 'seen'))).length === 30, 'the handler to see 30 records', 15_000)
    sub.kill('SIGTERM')
    const r = await sub
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(String(r.stderr)).toBe('')
    expect(await committed(c, 'g')).toEqual([[0, 30, 30]])
    const pid = Number(read(pidFile))
    expect(pid).toBeGreaterThan(0)
    expect(() => process.kill(pid, 0)).toThrow()
  })
})

describe('consume --exec-stream: usage', () => {
  test('a format without a final newline, the stream flags alone, and --exec with --exec-stream are usage errors', async () => {
    const c = cli()
    expectOk(await c.run(['produce', 't', '--create', '-q'], {input: 'a\n'}))
    expectCleanError(await c.run(['consume', 't', '-e', '--format', '%s', '--exec-stream', 'cat']), EXIT.USAGE, /the output format must end with \\n/)
    expectCleanError(await c.run(['consume', 't', '-e', '--exec-timeout', '100']), EXIT.USAGE, /--exec-max-in-flight and --exec-timeout go with --exec-stream/)
    expectCleanError(await c.run(['consume', 't', '-e', '--exec', 'cat', '--exec-stream', 'cat']), EXIT.USAGE, /--exec/)
  })
})
