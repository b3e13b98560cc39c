/**
 * The completion model is the manifest's commands and nothing else: a
 * command added to the manifest (here `broker start|list|stop`, as another
 * branch adds them) completes in every script without a line of completion
 * code naming it, and what each value completes to follows from metadata
 * the commands declare anyway (options, names, help values).
 */
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {buildModel, childWords, type ManifestCommand} from '../../src/cli/completion/model.js'
import {parseNamesRequest} from '../../src/cli/completion/names.js'
import {completionScript, SHELLS} from '../../src/cli/completion/script.js'
import {ROOT} from '../helpers/cli.js'

const GLOBAL = {
  'data-dir': {name: 'data-dir', type: 'option', helpGroup: 'GLOBAL'},
  quiet: {name: 'quiet', type: 'boolean', char: 'q', helpGroup: 'GLOBAL'},
} as const

const BROKER: ManifestCommand[] = [
  {
    id: 'broker:start',
    summary: 'Run a broker.',
    flags: {
      ...GLOBAL,
      id: {name: 'id', type: 'option', summary: 'Broker id.'},
      listen: {name: 'listen', type: 'option', helpValue: 'HOST:PORT'},
      'log-dir': {name: 'log-dir', type: 'option'},
      'default-topic': {name: 'default-topic', type: 'option'},
      role: {name: 'role', type: 'option', char: 'r', options: ['leader', 'follower']},
      secret: {name: 'secret', type: 'boolean', hidden: true},
    },
    args: {},
  },
  {id: 'broker:list', summary: 'List brokers.', flags: {...GLOBAL}, args: {}},
  {id: 'broker:stop', summary: 'Stop a broker.', flags: {...GLOBAL}, args: {id: {name: 'id'}}},
  {id: 'tail', summary: 'Follow topics.', strict: false, flags: {...GLOBAL, group: {name: 'group', type: 'option', char: 'g'}}, args: {topic: {name: 'topic'}}},
  {id: 'secret', hidden: true, flags: {}, args: {}},
]

const model = buildModel({bin: 'logpipe', version: '9.9.9', commands: BROKER, topics: [{name: 'broker', description: 'Run and list brokers.'}]})

describe('buildModel', () => {
  test('command words and topics from the ids; hidden commands and flags left out', () => {
    expect(childWords(model, []).map((w) => w.word)).toEqual(['broker', 'tail'])
    expect(childWords(model, ['broker'])).toEqual([
      {word: 'list', summary: 'List brokers.'},
      {word: 'start', summary: 'Run a broker.'},
      {word: 'stop', summary: 'Stop a broker.'},
    ])
    expect(model.topics).toEqual([{words: ['broker'], summary: 'Run and list brokers.'}])
    const start = model.commands.find((c) => c.words.join(' ') === 'broker start')!
    expect(start.flags.map((f) => f.long[0])).toEqual(['data-dir', 'quiet', 'id', 'listen', 'log-dir', 'default-topic', 'role', 'help'])
  })

  test('what values complete to, from the metadata', () => {
    const start = model.commands.find((c) => c.words.join(' ') === 'broker start')!
    const value = (name: string) => start.flags.find((f) => f.long[0] === name)!.value
    expect(value('role')).toEqual({kind: 'words', words: ['leader', 'follower']})
    expect(value('log-dir')).toEqual({kind: 'dirs'})
    expect(value('default-topic')).toEqual({kind: 'names', names: 'topics'})
    expect(value('id')).toEqual({kind: 'none'})
    expect(value('quiet')).toBeNull()
    const tail = model.commands.find((c) => c.words.join(' ') === 'tail')!
    expect(tail.args).toEqual([{name: 'topic', summary: '', value: {kind: 'names', names: 'topics'}, variadic: true}])
    expect(tail.flags.find((f) => f.long[0] === 'group')!.value).toEqual({kind: 'names', names: 'groups'})
    expect(model.globalFlags.map((f) => f.long[0])).toEqual(['data-dir', 'quiet', 'help'])
  })

  test('the built manifest: every command of src/commands is in the model', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestCommand>}
    const built = buildModel({bin: 'logpipe', version: '0', commands: Object.values(manifest.commands)})
    const ids = built.commands.map((c) => c.words.join(':'))
    for (const c of Object.values(manifest.commands)) if (!c.hidden) expect(ids).toContain(c.id)
    expect(built.globalFlags.map((f) => f.long[0])).toEqual(expect.arrayContaining(['data-dir', 'quiet', 'json', 'help']))
  })
})

describe('a new command completes in every script', () => {
  test.each(SHELLS)('%s: the script names broker start and its flags, and nothing hidden', (shell) => {
    const script = completionScript(shell, model)
    for (const word of ['start', 'list', 'stop', 'log-dir', 'leader', 'follower', 'default-topic']) expect(script).toContain(word)
    expect(script).not.toContain('secret')
  })

  test('bash runs it: broker st<Tab>, broker start --ro<Tab>, -r <Tab>', () => {
    const script = completionScript('bash', model)
    const complete = (...words: string[]) =>
      execFileSync('bash', ['--norc', '-c', 'eval "$0"; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _logpipe; printf "%s\\n" "${COMPREPLY[@]}"', script, ...words], {encoding: 'utf8'})
        .split('\n')
        .filter((l) => l !== '')
    expect(complete('logpipe', 'broker', 'st')).toEqual(['start', 'stop'])
    expect(complete('logpipe', 'broker', 'start', '--ro')).toEqual(['--role'])
    expect(complete('logpipe', 'broker', 'start', '-r', '')).toEqual(['leader', 'follower'])
    expect(complete('logpipe', '-q', 'broker', 'start', '--role', 'leader', '--l')).toEqual(['--listen', '--log-dir'])
  })
})

describe('parseNamesRequest: only the exact form the scripts send is answered without oclif', () => {
  test.each([
    [['--names', 'topics'], {names: 'topics', dataDir: undefined}],
    [['--names=groups'], {names: 'groups', dataDir: undefined}],
    [['--names', 'topics', '--data-dir', '/d'], {names: 'topics', dataDir: '/d'}],
    [['--data-dir=/d', '--names', 'groups'], {names: 'groups', dataDir: '/d'}],
    [['--names', 'brokers'], null],
    [['--names'], null],
    [['bash'], null],
    [['--names', 'topics', '--json'], null],
    [['--names', 'topics', '--names', 'groups'], null],
  ])('%j', (argv, expected) => {
    expect(parseNamesRequest(argv)).toEqual(expected)
  })
})
