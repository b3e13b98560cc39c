/**
 * `logpipe completion bash|zsh|fish` in the real shells (see
 * test/helpers/shell-completion.ts): command words, topics of commands,
 * flag names, flag values from `options`, and the store's topic and group
 * names, from the store --data-dir on the line names or LOGPIPE_DATA_DIR;
 * and the hidden `completion --names` the scripts call, quiet when there
 * is no store.
 */
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {completionShells, type Shell} from '../helpers/shell-completion.js'
import {EXIT, expectCleanError, expectOk, sharedCli} from './support.js'

const SHELLS: Shell[] = ['bash', 'zsh', 'fish']

describe('completion scripts in bash, zsh and fish', () => {
  const c = sharedCli()
  const shells = completionShells()
  const inStore = {env: {LOGPIPE_DATA_DIR: c.dataDir}}
  const noStore = {env: {LOGPIPE_DATA_DIR: join(shells.dir, 'no-store-here')}}

  beforeAll(async () => {
    expectOk(await c.run(['topic', 'create', 'orders', '--partitions', '2']))
    expectOk(await c.run(['topic', 'create', 'logs']))
    expectOk(await c.run(['produce', 'orders'], {input: 'a\n'}))
    expectOk(await c.run(['consume', 'orders', '-g', 'billing', '-e', '-q']))
  })

  describe.each(SHELLS)('%s', (shell) => {
    test('a command word: logpipe to<Tab> is topic, logpipe topic cr<Tab> is create', async () => {
      expect(await shells.complete(shell, 'logpipe to')).toEqual(['topic'])
      expect(await shells.complete(shell, 'logpipe topic cr')).toEqual(['create'])
      expect(await shells.complete(shell, 'logpipe group d')).toEqual(['delete', 'describe'])
      expect(await shells.complete(shell, 'logpipe ')).toEqual(expect.arrayContaining(['completion', 'consume', 'group', 'produce', 'topic']))
    })

    test('flag names of the command on the line, long and short', async () => {
      const ex = await shells.complete(shell, 'logpipe consume --ex')
      expect(ex).toEqual(expect.arrayContaining(['--exec', '--exec-concurrency', '--exit-at-end']))
      for (const f of ex) expect(f.startsWith('--ex')).toBe(true)
      expect(await shells.complete(shell, 'logpipe topic create --part')).toEqual(['--partitions'])
      // A flag of another command is not offered.
      expect(await shells.complete(shell, 'logpipe topic list --part')).toEqual([])
      const consume = await shells.complete(shell, 'logpipe consume -')
      expect(consume).toEqual(expect.arrayContaining(['-g', '-o', '--group', '--offset', '--data-dir']))
    })

    test("a flag's options are its values", async () => {
      expect(await shells.complete(shell, 'logpipe consume --assignment ')).toEqual(['range', 'roundrobin', 'sticky'])
      expect(await shells.complete(shell, 'logpipe produce orders --compression z')).toEqual(['zstd'])
      expect(await shells.complete(shell, 'logpipe completion ')).toEqual(['bash', 'fish', 'zsh'])
    })

    test('topic names after consume and topic describe, group names after -g and group describe', async () => {
      expect(await shells.complete(shell, 'logpipe consume ', inStore)).toEqual(['logs', 'orders'])
      expect(await shells.complete(shell, 'logpipe consume orders ', inStore)).toEqual(['logs', 'orders'])
      expect(await shells.complete(shell, 'logpipe topic describe o', inStore)).toEqual(['orders'])
      expect(await shells.complete(shell, 'logpipe consume orders -g ', inStore)).toEqual(['billing'])
      expect(await shells.complete(shell, 'logpipe group describe ', inStore)).toEqual(['billing'])
      // The value of a flag that is not a topic is not a topic name.
      expect(await shells.complete(shell, 'logpipe consume -o ', inStore)).toEqual([])
    })

    test('names come from the store --data-dir on the line names, before or after the command', async () => {
      expect(await shells.complete(shell, `logpipe --data-dir ${c.dataDir} topic describe `, noStore)).toEqual(['logs', 'orders'])
      expect(await shells.complete(shell, `logpipe consume --data-dir ${c.dataDir} -g `, noStore)).toEqual(['billing'])
    })

    test('without a store there are no names and nothing else goes wrong', async () => {
      expect(await shells.complete(shell, 'logpipe consume ', noStore)).toEqual([])
      expect(await shells.complete(shell, 'logpipe consume orders -g ', noStore)).toEqual([])
    })
  })

  test('bash: --flag=value, which bash splits at "="', async () => {
    expect(await shells.complete('bash', 'logpipe consume --assignment=')).toEqual(['range', 'roundrobin', 'sticky'])
    expect(await shells.complete('bash', 'logpipe consume --assignment=st')).toEqual(['sticky'])
    expect(await shells.complete('bash', `logpipe consume --data-dir=${c.dataDir} o`, noStore)).toEqual(['orders'])
  })

  test('zsh: --flag=value', async () => {
    expect(await shells.complete('zsh', 'logpipe consume --assignment=r')).toEqual(['range', 'roundrobin'])
  })
})

describe('completion --names (what the scripts call on Tab)', () => {
  test('lists topics and groups, one a line, from --data-dir or LOGPIPE_DATA_DIR', async () => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 'b-topic']))
    expectOk(await c.run(['topic', 'create', 'a-topic']))
    expectOk(await c.run(['consume', 'a-topic', '-g', 'g1', '-e', '-q']))
    const topics = await c.run(['completion', '--names', 'topics'])
    expectOk(topics)
    expect(topics.stdout).toBe('a-topic\nb-topic\n')
    const groups = await c.run(['completion', '--names=groups', '--data-dir', c.dataDir], {env: {...c.env, LOGPIPE_DATA_DIR: '/nonexistent'}})
    expectOk(groups)
    expect(groups.stdout).toBe('g1\n')
  })

  test("leaves out what is not a topic or group: half-made topics, dot entries, files, names Kafka's rule refuses", async () => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 'real']))
    mkdirSync(join(c.dataDir, 'topics', 'no-topic-json'))
    mkdirSync(join(c.dataDir, 'topics', '.creating-x'))
    mkdirSync(join(c.dataDir, 'topics', 'bad name'))
    writeFileSync(join(c.dataDir, 'topics', 'bad name', 'topic.json'), '{}')
    mkdirSync(join(c.dataDir, 'groups', 'ok-group'), {recursive: true})
    writeFileSync(join(c.dataDir, 'groups', 'a-file'), '')
    mkdirSync(join(c.dataDir, 'groups', '.deleting-g'))
    expect((await c.run(['completion', '--names', 'topics'])).stdout).toBe('real\n')
    expect((await c.run(['completion', '--names', 'groups'])).stdout).toBe('ok-group\n')
  })

  test.each([
    ['no store', (dir: string) => join(dir, 'missing')],
    ['a data dir that is a file', (dir: string) => {
      writeFileSync(join(dir, 'file'), '')
      return join(dir, 'file')
    }],
  ])('%s: prints nothing and exits 0', async (_, dataDir) => {
    const c = cli()
    for (const kind of ['topics', 'groups']) {
      const r = await c.run(['completion', '--names', kind, '--data-dir', dataDir(c.base)])
      expectOk(r)
      expect(r.stdout).toBe('')
    }
  })

  test('anything else is a usage error from the command, as for any command', async () => {
    const c = cli()
    expectCleanError(await c.run(['completion', '--names', 'brokers']), EXIT.USAGE, /brokers/)
    expectCleanError(await c.run(['completion']), EXIT.USAGE, /shell/)
    expectCleanError(await c.run(['completion', 'tcsh']), EXIT.USAGE, /tcsh/)
  })
})
