/**
 * How logpipe behaves as a citizen of the shell (DESIGN.md section 3): a
 * closed stdout (`| head`) ends a command quietly with exit 0; piped output
 * and NO_COLOR output carry no ANSI escapes; LOGPIPE_DEBUG=1 adds the stack
 * trace that is otherwise never shown; -q silences notices.
 */
import {execFileSync} from 'node:child_process'
import {join} from 'node:path'
import {execa} from 'execa'
import {describe, expect, test} from 'vitest'
import {BIN, cli} from '../helpers/cli.js'
import {expectOk, lines, once, sharedCli, STACK_LINE} from './support.js'

const ESC = '\u001b'
const node = JSON.stringify(process.execPath)
const logpipe = `${node} ${JSON.stringify(BIN)}`

/** The environment of a user who has not set NO_COLOR or FORCE_COLOR. */
function plainEnv(dataDir: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !['NO_COLOR', 'FORCE_COLOR', 'LOGPIPE_DEBUG', 'CI'].includes(k)) env[k] = v
  env.LOGPIPE_DATA_DIR = dataDir
  return env
}

function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

describe('a closed stdout ends the command quietly with 0', () => {
  const {run, env, dataDir} = sharedCli()
  // 50,000 records (500 kB): far more than a pipe holds, so logpipe is still writing when head exits.
  const setup = once(async () => {
    const input = Array.from({length: 50_000}, (_, i) => `record-${i}`).join('\n') + '\n'
    expectOk(await run(['produce', 'big', '--create', '-q'], {input}))
  })
  const segment = () => join(dataDir, 'topics', 'big', '0', '00000000000000000000.log')

  test.each([
    {what: 'consume -e', args: () => ['consume', 'big', '-e'], first: 'record-0'},
    {what: 'consume -e -F', args: () => ['consume', 'big', '-e', '-F', '%o:%s\\n'], first: '0:record-0'},
    {what: 'consume -e --json', args: () => ['consume', 'big', '-e', '--json'], first: /^\{"topic":"big","partition":0,"offset":0,/},
    {what: 'consume (following)', args: () => ['consume', 'big'], first: 'record-0'},
    {what: 'dump --print-data', args: () => ['dump', segment(), '--print-data'], first: /^Dumping .*00000000000000000000\.log$/},
  ])('$what | head -n 1', async ({args, first}) => {
    await setup()
    const command = [logpipe, ...args().map((a) => `'${a}'`)].join(' ')
    // pipefail makes the pipeline's status logpipe's; PIPESTATUS shows each side.
    const r = await execa('bash', ['-c', `set -o pipefail; ${command} | head -n 1; s=("\${PIPESTATUS[@]}"); echo "status \${s[0]} \${s[1]}"; exit \${s[0]}`], {
      env,
      reject: false,
      timeout: 20_000,
    })
    expect(r.stderr).toBe('')
    expect(r.exitCode).toBe(0)
    const out = lines(r.stdout)
    expect(out).toHaveLength(2)
    if (typeof first === 'string') expect(out[0]).toBe(first)
    else expect(out[0]).toMatch(first)
    expect(out[1]).toBe('status 0 0')
  })
})

describe('colour', () => {
  const {run, dataDir} = sharedCli()
  const setup = once(async () => {
    expectOk(await run(['topic', 'create', 'plain', '--partitions', '2', '-q']))
    expectOk(await run(['produce', 'plain', '-q', '-K', ':'], {input: 'a:1\nb:2\n'}))
  })

  test.each([
    ['topic', 'list'],
    ['topic', 'describe', 'plain'],
    ['topic', 'verify', 'plain'],
    ['consume', 'plain', '-e', '-F', '%k=%s\\n'],
    ['consume', 'nosuch', '-e'],
    ['consume', 'plain', '-o', 'banana'],
    ['--help'],
    ['consume', '--help'],
  ])('piped output of `logpipe %s` has no ANSI escapes (NO_COLOR unset)', async (...args) => {
    await setup()
    const r = await execa(process.execPath, [BIN, ...args], {env: plainEnv(dataDir), extendEnv: false, reject: false})
    expect(r.stdout + r.stderr).not.toBe('')
    expect(r.stdout).not.toContain(ESC)
    expect(r.stderr).not.toContain(ESC)
  })

  test.runIf(hasScript())('on a terminal, NO_COLOR=1 turns colour off (and without it there is colour)', async () => {
    await setup()
    const onTty = async (command: string, extra: Record<string, string>) => {
      // script(1) runs the command on a pseudo-terminal.
      const r = await execa('script', ['-qec', command, '/dev/null'], {env: {...plainEnv(dataDir), ...extra}, extendEnv: false, reject: false})
      expect(r.exitCode).toBe(0)
      return r.stdout
    }
    // A table: a dry-run reset plan (a group that does not exist yet may be planned for).
    const describeTopic = `${logpipe} group reset-offsets fresh --topic plain --to-earliest -q`
    const coloured = await onTty(describeTopic, {})
    expect(coloured, 'the header row is bold on a terminal').toContain(ESC)
    const plain = await onTty(describeTopic, {NO_COLOR: '1'})
    expect(plain).not.toContain(ESC)
    expect(plain.replace(/\r/g, '')).toBe(coloured.replace(/\r/g, '').replace(/\u001b\[[0-9;]*m/g, ''))
    expect(await onTty(`${logpipe} consume --help`, {NO_COLOR: '1'})).not.toContain(ESC)
  })
})

describe('LOGPIPE_DEBUG and -q', () => {
  test.each([
    {what: 'not found', args: ['consume', 'nosuch', '-e'], exitCode: 3, message: /^logpipe: topic 'nosuch' does not exist$/},
    {what: 'usage', args: ['consume', 'nosuch', '-o', 'banana'], exitCode: 2, message: /^logpipe: -o\/--offset: 'banana' is not an offset$/},
  ])('LOGPIPE_DEBUG=1 adds a stack trace to a $what error, same message and exit code', async ({args, exitCode, message}) => {
    const {run, env} = cli()
    expectOk(await run(['topic', 'create', 'other', '-q']))
    const plain = await run(args)
    expect(plain.exitCode).toBe(exitCode)
    expect(lines(plain.stderr)[0]).toMatch(message)
    expect(String(plain.stderr)).not.toMatch(STACK_LINE)
    const debug = await run(args, {env: {...env, LOGPIPE_DEBUG: '1'}})
    expect(debug.exitCode).toBe(exitCode)
    expect(lines(debug.stderr)[0]).toMatch(message)
    expect(String(debug.stderr)).toMatch(STACK_LINE)
    expect(String(debug.stderr)).toMatch(/Error: /)
  })

  test('notices go to stderr, -q silences them; data stays on stdout', async () => {
    const {run} = cli()
    const loud = await run(['produce', 'notes', '--create', '--json'], {input: 'x\n'})
    expect(loud.exitCode).toBe(0)
    expect(loud.stderr).toBe('logpipe: created topic notes\n')
    expect(JSON.parse(String(loud.stdout))).toEqual({topic: 'notes', partition: 0, offset: 0})
    const quiet = await run(['produce', 'notes2', '--create', '-q'], {input: 'x\n'})
    expectOk(quiet)
    expect(quiet.stdout).toBe('')
  })

  test('--version prints one line', async () => {
    const {run} = cli()
    const r = await run(['--version'])
    expectOk(r)
    expect(r.stdout).toMatch(/^logpipe\/\d+\.\d+\.\d+ \S+ node-v\d+/)
    expect(lines(r.stdout)).toHaveLength(1)
  })
})
