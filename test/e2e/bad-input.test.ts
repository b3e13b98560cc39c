/**
 * Bad input (DESIGN.md section 3, "Input validation" and exit codes): every
 * mistake is one `logpipe: ...` line on stderr (plus a hint where one
 * helps), no stack trace, the right exit code — 2 usage, 3 not found,
 * 1 runtime — and nothing is created or lost.
 */
import {existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {EXIT, expectCleanError, expectOk, lines, once, sharedCli, tree} from './support.js'

const LONG = 'x'.repeat(250)

describe('topic names that are not Kafka topic names', () => {
  const names = [
    {name: '../evil', message: /topic name '\.\.\/evil' is not valid/},
    {name: 'a/b', message: /topic name 'a\/b' is not valid/},
    {name: '.', message: /topic name cannot be '\.'/},
    {name: '..', message: /topic name cannot be '\.\.'/},
    {name: '', message: /topic name is empty/},
    {name: LONG, message: /topic name 'x{40}\.\.\.' is 250 characters; the limit is 249/},
    {name: 'sp ace', message: /topic name 'sp ace' is not valid/},
    {name: '/abs', message: /topic name '\/abs' is not valid/},
  ]
  const commands = [
    {command: 'topic create', args: (t: string) => ['topic', 'create', t], input: undefined},
    {command: 'produce --create', args: (t: string) => ['produce', t, '--create'], input: 'x\n'},
  ]
  const cases = names.flatMap((n) => commands.map((c) => ({...n, ...c, shown: n.name.length > 20 ? `${n.name.slice(0, 8)}...(${n.name.length})` : `'${n.name}'`})))

  test.each(cases)('$command $shown: exit 2, and no new file or directory in the data dir or its parent', async ({name, args, input, message}) => {
    const {run, base} = cli()
    const before = tree(base)
    const r = await run(args(name), {input})
    const line = expectCleanError(r, EXIT.USAGE, message)
    expect(line).toMatch(/^logpipe: topic name/)
    // A usage error creates nothing, not even the data directory; the data
    // dir's parent is `base`. And nothing escaped next to it or the cwd.
    expect(tree(base)).toEqual(before)
    for (const dir of [dirname(base), dirname(process.cwd())]) expect(readdirSync(dir).filter((n) => n === 'evil')).toEqual([])
  })

  test.each([
    {command: 'consume', args: (t: string) => ['consume', t, '-e']},
    {command: 'topic describe', args: (t: string) => ['topic', 'describe', t]},
    {command: 'topic delete', args: (t: string) => ['topic', 'delete', t, '--if-exists']},
  ])('$command ../evil on an existing store: exit 2, nothing touched', async ({args}) => {
    const {run, base} = cli()
    expectOk(await run(['produce', 'good', '--create', '-q'], {input: 'kept\n'}))
    const before = tree(base)
    expectCleanError(await run(args('../evil')), EXIT.USAGE, /topic name '\.\.\/evil' is not valid/)
    expect(tree(base)).toEqual(before)
    expect((await run(['consume', 'good', '-e'])).stdout).toBe('kept\n')
  })
})

describe('unknown topics', () => {
  test.each([
    {command: 'consume', args: ['consume', 'nosuch', '-e'], input: undefined},
    {command: 'produce', args: ['produce', 'nosuch'], input: 'lost?\n'},
    {command: 'consume of two topics, the second unknown', args: ['consume', 'known', 'nosuch', '-e'], input: undefined},
  ])('$command: exit 3, the hint mentions --create, nothing created', async ({args, input}) => {
    const {run, dataDir} = cli()
    expectOk(await run(['topic', 'create', 'known', '-q']))
    const r = await run(args, {input})
    expectCleanError(r, EXIT.NOT_FOUND, /^logpipe: topic 'nosuch' does not exist$/)
    expect(lines(r.stderr)[1]).toMatch(/^hint: .*logpipe topic create nosuch.*--create/)
    expect(readdirSync(join(dataDir, 'topics'))).toEqual(['known'])
  })

  test('topic describe / alter / delete of an unknown topic: exit 3', async () => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 'known', '-q']))
    expectCleanError(await run(['topic', 'describe', 'nosuch']), EXIT.NOT_FOUND, /topic 'nosuch' does not exist/)
    expectCleanError(await run(['topic', 'alter', 'nosuch', '--partitions', '2']), EXIT.NOT_FOUND, /topic 'nosuch' does not exist/)
    expectCleanError(await run(['topic', 'delete', 'nosuch']), EXIT.NOT_FOUND, /topic 'nosuch' does not exist/)
  })
})

describe('numbers out of range and bad flag values', () => {
  // One store for the table: each row checks that it changed nothing.
  const {run, dataDir} = sharedCli()
  const setup = once(async () => expectOk(await run(['topic', 'create', 't', '--partitions', '3', '-q'])))

  test.each([
    {what: 'topic create --partitions 0', args: ['topic', 'create', 't2', '--partitions', '0'], message: /^logpipe: --partitions must be between 1 and 10000, not 0$/},
    {what: 'topic create --partitions -3', args: ['topic', 'create', 't2', '--partitions', '-3'], message: /^logpipe: --partitions must be between 1 and 10000, not -3$/},
    {what: 'topic create --partitions two', args: ['topic', 'create', 't2', '--partitions', 'two'], message: /^logpipe: --partitions must be an integer, not 'two'$/},
    {what: 'topic create --config nosuch.key=1', args: ['topic', 'create', 't2', '--config', 'nosuch.key=1'], message: /^logpipe: unknown topic config 'nosuch\.key'$/},
    {what: 'topic create --config max.message.bytes=big', args: ['topic', 'create', 't2', '--config', 'max.message.bytes=big'], message: /max\.message\.bytes must be an integer, not 'big'/},
    {what: 'topic create --config noequals', args: ['topic', 'create', 't2', '--config', 'noequals'], message: /--config expects key=value, not 'noequals'/},
    {what: 'produce -p 99 on 3 partitions', args: ['produce', 't', '-p', '99'], message: /^logpipe: -p\/--partition 99 does not exist: topic 't' has partitions 0\.\.2$/},
    {what: 'produce -p -1', args: ['produce', 't', '-p', '-1'], message: /^logpipe: -p\/--partition must be 0 or more, not -1$/},
    {what: 'produce -H without =', args: ['produce', 't', '-H', 'novalue'], message: /-H\/--header expects K=V, not 'novalue'/},
    {what: "produce -D ''", args: ['produce', 't', '-D', ''], message: /-D\/--delimiter cannot be empty/},
    {what: 'produce --compression zstd-ish', args: ['produce', 't', '--compression', 'nope'], message: /--compression=nope to be one of/},
    {what: 'produce --linger-ms -1', args: ['produce', 't', '--linger-ms', '-1'], message: /--linger-ms must be between 0 and 3600000, not -1/},
    {what: 'consume -o banana', args: ['consume', 't', '-o', 'banana'], message: /^logpipe: -o\/--offset: 'banana' is not an offset$/},
    {what: 'consume -o @yesterday', args: ['consume', 't', '-o', '@yesterday'], message: /^logpipe: -o\/--offset: 'yesterday' is not a time$/},
    {what: 'consume -o 1.5', args: ['consume', 't', '-o', '1.5'], message: /'1\.5' is not an offset/},
    {what: 'consume -c -1', args: ['consume', 't', '-c', '-1'], message: /^logpipe: -c\/--count must be 1 or more, not -1$/},
    {what: 'consume -c 0', args: ['consume', 't', '-c', '0'], message: /^logpipe: -c\/--count must be 1 or more, not 0$/},
    {what: 'consume -c x', args: ['consume', 't', '-c', 'x'], message: /^logpipe: -c\/--count must be an integer, not 'x'$/},
    {what: 'consume -p 3 on 3 partitions', args: ['consume', 't', '-p', '3', '-e'], message: /-p\/--partition 3 does not exist: topic 't' has partitions 0\.\.2/},
    {what: 'consume -p x', args: ['consume', 't', '-p', 'x', '-e'], message: /-p\/--partition must be an integer, not 'x'/},
    {what: 'consume -F with an unknown token', args: ['consume', 't', '-e', '-F', '%z'], message: /-f\/--format: unknown token '%z'/},
    {what: 'consume -o stored without a group', args: ['consume', 't', '-e', '-o', 'stored'], message: /-o stored needs a consumer group/},
    {what: 'an unknown flag', args: ['consume', 't', '--bogus'], message: /^logpipe: unknown flag --bogus$/},
    {what: 'a flag without its value', args: ['consume', 't', '-o'], message: /--offset expects a value/},
    {what: 'a missing topic argument', args: ['consume'], message: /^logpipe: name a topic to read$/},
    {what: 'a missing topic argument to produce', args: ['produce'], message: /^logpipe: name the topic to produce to$/},
  ])('$what: exit 2, one line naming the flag, nothing written', async ({args, message}) => {
    await setup()
    const before = tree(dataDir)
    const sizes = () => [0, 1, 2].map((p) => readFileSync(join(dataDir, 'topics', 't', String(p), '00000000000000000000.log')).length)
    const r = await run(args, {input: 'a record\n', timeout: 10_000})
    const line = expectCleanError(r, EXIT.USAGE, message)
    expect(line).not.toMatch(/Parsing --|See more help/)
    expect(tree(dataDir)).toEqual(before)
    expect(sizes()).toEqual([0, 0, 0])
  })

  test.each([
    {what: 'an unknown command', args: ['bogus'], message: /^logpipe: unknown command 'bogus'$/},
    {what: 'an unknown topic subcommand', args: ['topic', 'bogus'], message: /^logpipe: unknown command 'topic bogus'$/},
  ])('$what: exit 2', async ({args, message}) => {
    const {run, base} = cli()
    expectCleanError(await run(args), EXIT.USAGE, message)
    expect(tree(base)).toEqual([])
  })
})

describe('records that cannot be written', () => {
  test('a record over max.message.bytes: the error names record 2, exit 1, the big record is not in the log', async () => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 'small', '--config', 'max.message.bytes=1000', '-q']))
    const r = await run(['produce', 'small'], {input: `first\n${'B'.repeat(5000)}\nthird\n`})
    expectCleanError(r, EXIT.RUNTIME, /^logpipe: record 2 is .*over max\.message\.bytes 1000; it was not written; the 1 record before it was written$/)
    const c = await run(['consume', 'small', '-e', '-F', '%o %S %s\\n'])
    expectOk(c)
    const out = lines(c.stdout)
    expect(out[0]).toBe('0 5 first')
    expect(out.every((l) => !l.includes('BBBB'))).toBe(true)
    expect(out.every((l) => l.split(' ')[1] !== '5000')).toBe(true)
  })

  test.each([
    {what: 'a line that is not JSON', input: '{"value":"ok"}\nnot json\n', message: /^logpipe: record 2: not valid JSON/},
    {what: 'a JSON array', input: '[1,2]\n', message: /^logpipe: record 1: each line must be a JSON object/},
    {what: 'a bad timestamp', input: '{"value":"v","timestamp":"soon"}\n', message: /^logpipe: record 1: timestamp must be epoch milliseconds or an ISO-8601 string/},
    {what: 'a partition the topic does not have', input: '{"value":"v","partition":0}\n{"value":"w","partition":5}\n', message: /^logpipe: record 2: its "partition" 5 does not exist: topic 'j' has partitions 0\.\.1/},
  ])('produce --input json with $what: exit 2 naming the record', async ({input, message}) => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 'j', '--partitions', '2', '-q']))
    expectCleanError(await run(['produce', 'j', '--input', 'json'], {input}), EXIT.USAGE, message)
  })

  test('produce FILE that does not exist: exit 3, and --create creates nothing', async () => {
    const {run, base} = cli()
    writeFileSync(join(base, 'real.txt'), 'a\n')
    const before = tree(base)
    expectCleanError(await run(['produce', 'f', '--create', join(base, 'real.txt'), join(base, 'missing.txt')]), EXIT.NOT_FOUND, /cannot read .*missing\.txt: no such file/)
    expect(tree(base)).toEqual(before)
    mkdirSync(join(base, 'adir'))
    expectCleanError(await run(['produce', 'f', '--create', join(base, 'adir')]), EXIT.USAGE, /cannot read .*adir: it is a directory/)
  })
})

describe('a broken store', () => {
  test.each([
    {how: '--data-dir', opts: (file: string) => ({args: ['--data-dir', file], env: {}})},
    {how: 'LOGPIPE_DATA_DIR', opts: (file: string) => ({args: [], env: {LOGPIPE_DATA_DIR: file}})},
  ])('a data dir that is a regular file (%s): exit 1, the file untouched', async ({opts}) => {
    const {run, base, env} = cli()
    const file = join(base, 'not-a-dir')
    writeFileSync(file, 'precious\n')
    const {args, env: extra} = opts(file)
    for (const command of [['produce', 't', '--create'], ['consume', 't', '-e']]) {
      const r = await run([...command, ...args], {input: 'x\n', env: {...env, ...extra}})
      const line = expectCleanError(r, EXIT.RUNTIME, /is not a directory/)
      expect(line).toContain(file)
    }
    expect(readFileSync(file, 'utf8')).toBe('precious\n')
  })

  test('a data dir below a regular file: exit 1, one clear line', async () => {
    const {run, base} = cli()
    writeFileSync(join(base, 'file'), 'precious\n')
    const line = expectCleanError(await run(['topic', 'list', '--data-dir', join(base, 'file', 'sub')]), EXIT.RUNTIME, /not a directory/)
    expect(line).not.toMatch(/ENOTDIR/)
    expect(readFileSync(join(base, 'file'), 'utf8')).toBe('precious\n')
  })

  test('a corrupt topic.json: a clear error naming the file, exit 1, the records kept', async () => {
    const {run, dataDir} = cli()
    expectOk(await run(['produce', 'c', '--create', '-q'], {input: 'one\ntwo\n'}))
    const meta = join(dataDir, 'topics', 'c', 'topic.json')
    const good = readFileSync(meta, 'utf8')
    writeFileSync(meta, good.slice(0, good.length / 2))
    const before = tree(dataDir)
    const log = readFileSync(join(dataDir, 'topics', 'c', '0', '00000000000000000000.log'))
    for (const command of [['consume', 'c', '-e'], ['produce', 'c'], ['topic', 'describe', 'c'], ['topic', 'alter', 'c', '--partitions', '3']]) {
      const r = await run(command, {input: 'three\n'})
      const line = expectCleanError(r, EXIT.RUNTIME, /topic\.json is not valid JSON/)
      expect(line).toContain(meta)
      expect(lines(r.stderr)[1]).toMatch(/^hint: /)
    }
    expect(tree(dataDir)).toEqual(before)
    expect(readFileSync(join(dataDir, 'topics', 'c', '0', '00000000000000000000.log')).equals(log)).toBe(true)
    writeFileSync(meta, good)
    expect((await run(['consume', 'c', '-e'])).stdout).toBe('one\ntwo\n')
  })

  test('store.json of another format version: exit 1', async () => {
    const {run, dataDir} = cli()
    expectOk(await run(['topic', 'create', 't', '-q']))
    writeFileSync(join(dataDir, 'store.json'), JSON.stringify({formatVersion: 99, storeId: 'x', createdAt: 'now'}))
    expectCleanError(await run(['topic', 'list']), EXIT.RUNTIME, /format version 99/)
    expect(existsSync(join(dataDir, 'topics', 't', 'topic.json'))).toBe(true)
  })
})
