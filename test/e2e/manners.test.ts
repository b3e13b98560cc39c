/**
 * Everyday CLI manners (issue 9 point 3): global flags before the command,
 * -h on every command and `logpipe help CMD`, help without empty
 * `[default: ]` and with one usage line, the nearest flag or command
 * suggested for a typo. (consume's repeated topics and partitions and -o
 * past the end are in kcat-consume.test.ts; topic verify -q in
 * kafka-tools.test.ts.)
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {cli, ROOT} from '../helpers/cli.js'
import {EXIT, expectCleanError, expectOk, lines} from './support.js'

const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {summary?: string}>}
const COMMANDS = Object.keys(manifest.commands).map((id) => id.split(':'))

describe('global flags before the command', () => {
  test.each([
    {what: '--data-dir D topic list', args: (d: string) => ['--data-dir', d, 'topic', 'list']},
    {what: '--data-dir=D -q topic list', args: (d: string) => [`--data-dir=${d}`, '-q', 'topic', 'list']},
    {what: '-q --data-dir D topic list --exclude-internal', args: (d: string) => ['-q', '--data-dir', d, 'topic', 'list', '--exclude-internal']},
  ])('$what', async ({args}) => {
    const {run, base} = cli()
    const dir = join(base, 'elsewhere')
    expectOk(await run(['--data-dir', dir, 'topic', 'create', 'moved', '-q']))
    const r = await run(args(dir))
    expectOk(r)
    expect(lines(r.stdout)).toEqual(['moved'])
    // The store named before the command was used, not $LOGPIPE_DATA_DIR.
    expectCleanError(await run(['topic', 'list']), EXIT.NOT_FOUND, /no store at/)
  })

  test('--json before the command, and a value after -- stays an argument', async () => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 't', '-q']))
    const r = await run(['--json', 'topic', 'list'])
    expectOk(r)
    expect((JSON.parse(String(r.stdout)) as {topic: string}[]).map((t) => t.topic)).toEqual(['t'])
    expectOk(await run(['-q', 'produce', 't', '--', '-'], {input: 'x\n'}))
    expect(String((await run(['consume', 't', '-e'])).stdout)).toBe('x\n')
  })
})

describe('help', () => {
  test.each(COMMANDS.map((words) => ({id: words.join(' '), words})))('$id -h, --help and `help $id` print the same help; one usage line; no empty [default: ]', async ({words}) => {
    const {run} = cli()
    const short = await run([...words, '-h'])
    expectOk(short)
    const text = String(short.stdout)
    expect(text.startsWith(manifest.commands[words.join(':')].summary ?? '')).toBe(true)
    expect(String((await run([...words, '--help'])).stdout)).toBe(text)
    expect(String((await run(['help', ...words])).stdout)).toBe(text)
    const out = text.split('\n')
    const at = out.indexOf('USAGE')
    expect(out[at + 1]).toMatch(new RegExp(`^  \\$ logpipe ${words.join(' ')}( |$)`))
    expect(out[at + 2], 'the usage is one line').toBe('')
    expect(text).not.toMatch(/\[default: \]/)
  })

  test('the man pages list flag aliases with their flag (-f, -F, --format; --count, --max-messages)', () => {
    const page = readFileSync(join(ROOT, 'man', 'logpipe-consume.1'), 'utf8')
    expect(page).toContain('\\fB\\-f\\fR, \\fB\\-F\\fR, \\fB\\-\\-format\\fR')
    expect(page).toContain('\\fB\\-\\-count\\fR, \\fB\\-\\-max\\-messages\\fR')
    expect(readFileSync(join(ROOT, 'man', 'logpipe-dump.1'), 'utf8')).toContain('\\fB\\-\\-print\\-data\\fR, \\fB\\-\\-print\\-data\\-log\\fR')
  })

  test('logpipe help and -h are logpipe --help', async () => {
    const {run} = cli()
    const top = String((await run(['--help'])).stdout)
    expect(top).toMatch(/^Apache Kafka's model/)
    expect(String((await run(['help'])).stdout)).toBe(top)
    expect(String((await run(['-h'])).stdout)).toBe(top)
  })
})

describe('typos get the nearest as a hint', () => {
  test.each([
    {args: ['topic', 'create', 't', '--partitons', '3'], message: /^logpipe: unknown flag --partitons$/, hint: 'hint: did you mean --partitions? (see --help)'},
    {args: ['consume', 't', '--exit-at-edn'], message: /^logpipe: unknown flag --exit-at-edn$/, hint: 'hint: did you mean --exit-at-end? (see --help)'},
    {args: ['consume', 't', '--max-mesages', '1'], message: /^logpipe: unknown flag --max-mesages$/, hint: 'hint: did you mean --max-messages? (see --help)'},
    {args: ['produce', 't', '-x', 'linger.ms=1'], message: /^logpipe: unknown flag -x$/, hint: 'hint: did you mean -X (--setting)? (see --help)'},
    {args: ['topic', 'creat', 't'], message: /^logpipe: unknown command 'topic creat'$/, hint: 'hint: did you mean `logpipe topic create`? (`logpipe --help` lists the commands)'},
    {args: ['consme', 'orders', '-e'], message: /^logpipe: unknown command 'consme'$/, hint: 'hint: did you mean `logpipe consume`? (`logpipe --help` lists the commands)'},
  ])('$args.0 $args.1 $args.2', async ({args, message, hint}) => {
    const {run} = cli()
    const r = await run(args)
    expectCleanError(r, EXIT.USAGE, message)
    expect(lines(r.stderr)[1]).toBe(hint)
  })

  test('a flag nothing is near gets the plain hint', async () => {
    const {run} = cli()
    const r = await run(['consume', 't', '--zzzzzz'])
    expectCleanError(r, EXIT.USAGE, /^logpipe: unknown flag --zzzzzz$/)
    expect(lines(r.stderr)[1]).toBe('hint: see --help')
  })
})
