/**
 * `consume -g G --exec CMD` (DESIGN.md "Consumer groups" and section 3):
 * a record is committed only after its command exited 0, or after it kept
 * failing and went to the dead-letter topic.
 *
 * - --retries N runs a failing command N+1 times (counted in a file);
 * - --dead-letter-topic gets the record with logpipe.error.* headers
 *   (topic, partition, offset, exit.code, attempts, stderr) and the group
 *   goes on;
 * - without a dead-letter topic the consumer stops with exit 1 and the
 *   failed record is not committed (describe: committed == failed offset);
 *   the next run starts with it;
 * - record data (quotes, $(...), backticks, newlines, NUL, non-UTF-8)
 *   reaches the command on stdin and in LOGPIPE_* variables, byte for
 *   byte, and never a shell: no side-effect file appears;
 * - --exec-concurrency 4 with commands finishing out of order: every
 *   record processed, and no commit, watched while it runs, ever passes a
 *   record not processed yet; at the end committed == log end;
 * - Ctrl-C (SIGINT to the whole process group, commands included) stops
 *   at once: the interrupted command is neither retried nor dead-lettered,
 *   and its record stays uncommitted for the next run.
 */
import {existsSync, readFileSync, readdirSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, onTestFinished, test} from 'vitest'
import type {PartitionLag} from '../../src/core/group/group-admin.js'
import {cli} from '../helpers/cli.js'
import {expectCleanError, expectOk, lines} from './support.js'

type Cli = ReturnType<typeof cli>

type PartitionRow = PartitionLag

async function committed(c: Cli, group: string): Promise<PartitionRow[]> {
  const r = await c.run(['group', 'describe', group, '--json'])
  expectOk(r)
  return (JSON.parse(String(r.stdout)) as {partitions: PartitionRow[]}).partitions
}

/** Polls `check` until it returns a value, failing at the deadline. */
async function until<T>(what: string, check: () => T | undefined, deadlineMs = 15_000): Promise<T> {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    const v = check()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '')

describe('consume -g --exec: failures', () => {
  test('--retries runs a failing command N+1 times; --dead-letter-topic gets the record with logpipe.error.* headers and the group goes on', async () => {
    const c = cli()
    const work = join(c.base, 'work')
    mkdirSync(work)
    expectOk(await c.run(['produce', 'orders', '--create', '-q', '-K', ':', '-H', 'src=test'], {input: 'k0:a\nk1:b\nk2:c\nk3:d\n'}))
    // Every attempt leaves a line; offset 1 always fails, saying why on stderr.
    const cmd = 'echo x >> "attempts.$LOGPIPE_OFFSET"; if [ "$LOGPIPE_OFFSET" = 1 ]; then printf "boom" >&2; exit 3; fi; echo "$LOGPIPE_OFFSET" >> done'
    const r = await c.run(['consume', 'orders', '-g', 'billing', '-e', '--exec', cmd, '--retries', '2', '--dead-letter-topic', 'orders.dlt'], {cwd: work})
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(String(r.stderr)).toMatch(/orders\/0 offset 1 \(exit code 3, 3 attempts\); sent to the dead-letter topic/)
    expect(lines(read(join(work, 'attempts.1')))).toHaveLength(3)
    for (const o of [0, 2, 3]) expect(lines(read(join(work, `attempts.${o}`))), `attempts of offset ${o}`).toHaveLength(1)
    expect(lines(read(join(work, 'done')))).toEqual(['0', '2', '3'])
    // Handed on (processed or set aside): all committed.
    expect((await committed(c, 'billing')).map((p) => [p.partition, p.currentOffset, p.logEndOffset])).toEqual([[0, 4, 4]])

    const h = await c.run(['consume', 'orders.dlt', '-e', '-F', '%k=%s %h\\n'])
    expectOk(h)
    expect(lines(h.stdout)).toEqual([
      'k1=b src=test,logpipe.error.topic=orders,logpipe.error.partition=0,logpipe.error.offset=1,logpipe.error.exit.code=3,logpipe.error.attempts=3,logpipe.error.stderr=boom',
    ])
    // The record itself is unchanged: key, value, timestamp.
    const [orig] = lines((await c.run(['consume', 'orders', '-e', '-o', '1', '-c', '1', '--json'])).stdout).map((l) => JSON.parse(l))
    const [dead] = lines((await c.run(['consume', 'orders.dlt', '-e', '--json'])).stdout).map((l) => JSON.parse(l))
    expect({key: dead.key, value: dead.value, timestamp: dead.timestamp}).toEqual({key: orig.key, value: orig.value, timestamp: orig.timestamp})
  })

  test('without a dead-letter topic: exit 1 after the retries, the failed record not committed; the next run starts with it', async () => {
    const c = cli()
    const work = join(c.base, 'work')
    mkdirSync(work)
    expectOk(await c.run(['produce', 'orders', '--create', '-q'], {input: 'a\nb\nc\nd\ne\n'}))
    const failing = 'echo x >> "attempts.$LOGPIPE_OFFSET"; [ "$LOGPIPE_OFFSET" != 2 ] || exit 7; echo "$LOGPIPE_OFFSET" >> done'
    const r = await c.run(['consume', 'orders', '-g', 'billing', '-e', '--exec', failing, '--retries', '1'], {cwd: work})
    expectCleanError(r, 1, /^logpipe: --exec command exited 7 for orders\/0 offset 2 after 2 attempt\(s\); that record was not committed/)
    expect(String(r.stderr)).toMatch(/\nhint: .*--dead-letter-topic/)
    expect(lines(read(join(work, 'attempts.2')))).toHaveLength(2)
    expect(lines(read(join(work, 'done')))).toEqual(['0', '1'])
    // Committed up to, not past, the failed record.
    const [row] = await committed(c, 'billing')
    expect([row.currentOffset, row.logEndOffset, row.lag]).toEqual([2, 5, 3])
    expect(existsSync(join(work, 'attempts.3'))).toBe(false)
    // No dead-letter topic was made up.
    expect(lines((await c.run(['topic', 'list'])).stdout)).toEqual(['orders'])

    const again = await c.run(['consume', 'orders', '-g', 'billing', '-e', '--exec', 'echo "$LOGPIPE_OFFSET" >> done'], {cwd: work})
    expectOk(again)
    expect(lines(read(join(work, 'done')))).toEqual(['0', '1', '2', '3', '4'])
    expect((await committed(c, 'billing'))[0].currentOffset).toBe(5)
  })
})

describe('consume -g --exec: record data', () => {
  test('quotes, $(...), backticks, newlines, NUL and non-UTF-8 reach the command byte for byte, never a shell', async () => {
    const c = cli()
    const work = join(c.base, 'work')
    mkdirSync(work)
    const pwned = join(c.base, 'PWNED')
    const evil = [
      `he said "hi" and 'bye'`,
      `$(touch ${pwned}1) $(touch PWNED2)`,
      `\`touch ${pwned}3\` \`touch PWNED4\``,
      `line one\nline two; touch ${pwned}5\n\n&& touch PWNED6 | cat\n`,
      `$HOME \${PATH} \\ ; rm -rf / #`,
      `nul\u0000inside`,
      '',
    ]
    const keys = [`k"$(touch ${pwned}7)"`, '`touch PWNED8`', "k'\n'k", '-n', '$LOGPIPE_TOPIC', 'plain', '']
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x24, 0x28, 0x29, 0x60, 0x80])
    const input = [
      ...evil.map((value, i) => JSON.stringify({key: keys[i], value})),
      JSON.stringify({key: {base64: binary.toString('base64')}, value: {base64: binary.toString('base64')}}),
    ]
    expectOk(await c.run(['produce', 'evil', '--create', '-q', '--input', 'json'], {input: input.join('\n') + '\n'}))
    const cmd = 'cat > "v.$LOGPIPE_OFFSET"; printf %s "$LOGPIPE_KEY" > "k.$LOGPIPE_OFFSET"; printf %s "$LOGPIPE_KEY_BASE64" > "kb.$LOGPIPE_OFFSET"; printf %s "$LOGPIPE_TOPIC $LOGPIPE_PARTITION" > "tp.$LOGPIPE_OFFSET"'
    const r = await c.run(['consume', 'evil', '-g', 'g', '-e', '--exec', cmd], {cwd: work})
    expectOk(r)
    evil.forEach((value, o) => {
      expect(readFileSync(join(work, `v.${o}`)), `value of offset ${o}`).toEqual(Buffer.from(value, 'utf8'))
      expect(readFileSync(join(work, `k.${o}`), 'utf8'), `key of offset ${o}`).toBe(keys[o])
      expect(readFileSync(join(work, `tp.${o}`), 'utf8')).toBe('evil 0')
    })
    const last = evil.length
    expect(readFileSync(join(work, `v.${last}`))).toEqual(binary)
    // A key the environment cannot carry comes in base64 instead.
    expect(readFileSync(join(work, `k.${last}`), 'utf8')).toBe('')
    expect(Buffer.from(readFileSync(join(work, `kb.${last}`), 'utf8'), 'base64')).toEqual(binary)
    // Nothing in the data ran.
    const strays = [...readdirSync(work), ...readdirSync(c.base)].filter((n) => n.startsWith('PWNED'))
    expect(strays).toEqual([])
  })
})

describe('consume -g --exec-concurrency', () => {
  test('4 commands at once finishing out of order: every record processed, no commit ever passes an unprocessed record, committed == log end at exit', async () => {
    const c = cli()
    const out = join(c.base, 'processed.txt')
    const PER_PARTITION = 100
    const records: string[] = []
    for (let i = 0; i < PER_PARTITION; i++) for (let p = 0; p < 2; p++) records.push(JSON.stringify({value: `p${p}-${i}`, partition: p}))
    expectOk(await c.run(['topic', 'create', 'work', '--partitions', '2', '-q']))
    expectOk(await c.run(['produce', 'work', '--input', 'json', '-q'], {input: records.join('\n') + '\n'}))
    // A "random" 0-90 ms per record, from its offset: later records often finish first.
    const cmd = `sleep 0.0$(( (LOGPIPE_OFFSET * 7 + LOGPIPE_PARTITION * 3) % 10 )); echo "$LOGPIPE_PARTITION $LOGPIPE_OFFSET" >> ${JSON.stringify(out)}`
    const sub = c.run(['consume', 'work', '-g', 'pool', '-e', '--exec', cmd, '--exec-concurrency', '4'])
    onTestFinished(() => {
      sub.kill('SIGKILL')
    })
    let exited = false
    void sub.finally(() => (exited = true))

    // Watch the commits while it runs: every offset below a commit must be processed already.
    const offsetsFile = (p: number) => join(c.dataDir, 'groups', 'pool', 'offsets', 'work', `${p}.json`)
    const seenCommits = new Set<string>()
    while (!exited) {
      const commits = [0, 1].map((p) => {
        try {
          return (JSON.parse(readFileSync(offsetsFile(p), 'utf8')) as {offset: number}).offset
        } catch {
          return 0
        }
      })
      const done = new Set(lines(read(out)))
      commits.forEach((offset, p) => {
        seenCommits.add(`${p}:${offset}`)
        for (let o = 0; o < offset; o++) expect(done.has(`${p} ${o}`), `partition ${p} committed ${offset} before offset ${o} was processed`).toBe(true)
      })
      await new Promise((r) => setTimeout(r, 5))
    }
    const r = await sub
    expectOk(r)
    const processed = lines(read(out))
    const want = records.map((_, i) => `${i % 2} ${Math.floor(i / 2)}`)
    expect(new Set(processed)).toEqual(new Set(want))
    // They really ran side by side: completion order differs from offset order.
    for (const p of [0, 1]) {
      const order = processed.filter((l) => l.startsWith(`${p} `)).map((l) => Number(l.split(' ')[1]))
      expect(order).not.toEqual([...order].sort((a, b) => a - b))
    }
    expect((await committed(c, 'pool')).map((p) => [p.partition, p.currentOffset, p.logEndOffset, p.lag])).toEqual([
      [0, PER_PARTITION, PER_PARTITION, 0],
      [1, PER_PARTITION, PER_PARTITION, 0],
    ])
    // Commits were made along the way, not only at the end.
    expect(seenCommits.size, [...seenCommits].join(' ')).toBeGreaterThan(2)
  })
})

describe('consume -g --exec: Ctrl-C', () => {
  test('SIGINT to the process group mid-command: stops at once, no retry, no dead letter, the record stays uncommitted', async () => {
    const c = cli()
    const work = join(c.base, 'work')
    mkdirSync(work)
    expectOk(await c.run(['produce', 'slow', '--create', '-q'], {input: 'a\nb\nc\n'}))
    const cmd = 'echo "$LOGPIPE_OFFSET" >> started; sleep 30; echo "$LOGPIPE_OFFSET" >> finished'
    // detached: its own process group, as a shell job in a terminal is, so the signal reaches the command too.
    const sub = c.run(['consume', 'slow', '-g', 'g', '--exec', cmd, '--retries', '3', '--dead-letter-topic', 'slow.dlt'], {cwd: work, detached: true})
    onTestFinished(() => {
      try {
        process.kill(-sub.pid!, 'SIGKILL')
      } catch {}
    })
    await until('the first command to start', () => (read(join(work, 'started')) === '0\n' ? true : undefined))
    process.kill(-sub.pid!, 'SIGINT')
    const sent = Date.now()
    let exited = false
    void sub.finally(() => (exited = true))
    // Well before the 30 s the command would take: leaving commits with
    // fsync, which a disk busy with the other tests' writes can slow to
    // seconds, so the bound is not tighter.
    await until('the consumer to exit', () => (exited ? true : undefined), 20_000)
    expect(Date.now() - sent).toBeLessThan(20_000)
    const r = await sub
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(String(r.stderr)).not.toMatch(/dead-letter|exited|killed/)
    expect(read(join(work, 'started'))).toBe('0\n') // not retried, nothing else started
    expect(read(join(work, 'finished'))).toBe('')
    expect(lines((await c.run(['topic', 'list'])).stdout)).toEqual(['slow'])
    const [row] = await committed(c, 'g')
    expect([row.currentOffset, row.logEndOffset]).toEqual([0, 3])

    // The next run starts with the interrupted record.
    expectOk(await c.run(['consume', 'slow', '-g', 'g', '-e', '--exec', 'echo "$LOGPIPE_OFFSET" >> finished'], {cwd: work}))
    expect(read(join(work, 'finished'))).toBe('0\n1\n2\n')
  })

  test('a command that ignores Ctrl-C is waited for; a second Ctrl-C kills it, and the consumer dies of the signal with nothing committed', async () => {
    const c = cli()
    const work = join(c.base, 'work')
    mkdirSync(work)
    expectOk(await c.run(['produce', 'stubborn', '--create', '-q'], {input: 'a\nb\n'}))
    // Ignored signals are inherited: neither the shell nor its sleep can be interrupted.
    const cmd = "trap '' INT TERM; echo \"$$\" > pid; sleep 30; echo done >> finished"
    const sub = c.run(['consume', 'stubborn', '-g', 'g', '--exec', cmd], {cwd: work, detached: true})
    onTestFinished(() => {
      try {
        process.kill(-sub.pid!, 'SIGKILL')
      } catch {}
    })
    const shellPid = await until('the command to start', () => (/^\d+\n$/.test(read(join(work, 'pid'))) ? Number(read(join(work, 'pid'))) : undefined))
    let exited = false
    void sub.finally(() => (exited = true))
    process.kill(sub.pid!, 'SIGINT')
    // Past the second delivery (1 s): still waiting for the command.
    await new Promise((r) => setTimeout(r, 1_500))
    expect(exited).toBe(false)
    process.kill(sub.pid!, 'SIGINT')
    await until('the consumer to exit', () => (exited ? true : undefined), 10_000)
    const r = await sub
    expect(r.signal, String(r.stderr)).toBe('SIGINT')
    // The command's shell is gone with everything in its process group.
    await until('the command to be killed', () => {
      try {
        process.kill(shellPid, 0)
        return undefined
      } catch {
        return true
      }
    }, 5_000)
    expect(read(join(work, 'finished'))).toBe('')
    const [row] = await committed(c, 'g')
    expect([row.currentOffset, row.logEndOffset]).toEqual([0, 2])
  })
})
