/**
 * The command table's reading of a command line must be oclif's: every
 * line it runs directly names the command oclif would run, with the same
 * arguments, and every line it does not know (help, topics, typos, flags
 * before the command) is left to oclif.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {normalizeArgv} from '@oclif/core/help'
import type {Config} from '@oclif/core/config'
import {type CommandTable, type OclifSettings, directRun} from '../../src/cli/dispatch.js'
import {ROOT} from '../helpers/cli.js'

interface ManifestCommand {
  id: string
  aliases?: string[]
  strict?: boolean
  args?: Record<string, unknown>
}
const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestCommand>}
const pjson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {oclif: OclifSettings}
const load = async () => ({default: null})
const table: CommandTable = Object.fromEntries(
  Object.values(manifest.commands).map((c) => [c.id, {id: c.id, takesArgs: c.strict === false || Object.keys(c.args ?? {}).length > 0, load}]),
)

/** Just enough of oclif's Config for its own argv normalisation. */
const oclifConfig = {
  topicSeparator: pjson.oclif.topicSeparator ?? ':',
  commandIDs: Object.keys(table),
  findCommand: (id: string) => manifest.commands[id],
  pjson: {oclif: pjson.oclif},
} as unknown as Config

describe('directRun', () => {
  test.each([
    [['topic', 'list'], 'topic:list', []],
    [['topic', 'list', '--json'], 'topic:list', ['--json']],
    [['topic:list'], 'topic:list', []],
    [['consume', 'T', '-c', '1'], 'consume', ['T', '-c', '1']],
    [['produce', 'topic'], 'produce', ['topic']],
    [['consume', 'topic', 'list'], 'consume', ['topic', 'list']],
    [['topic', 'describe', 'T', '--', '--help'], 'topic:describe', ['T', '--', '--help']],
    [['group', 'describe', 'G'], 'group:describe', ['G']],
  ])('%j runs %s with %j', (argv, id, rest) => {
    const run = directRun(argv, table, pjson.oclif)
    expect(run?.entry.id).toBe(id)
    expect(run?.argv).toEqual(rest)
    // ... and oclif reads the line the same way.
    const [oclifId, ...oclifRest] = normalizeArgv(oclifConfig, [...argv])
    expect(oclifId.replaceAll(' ', ':')).toBe(id)
    expect(oclifRest).toEqual(rest)
  })

  test.each([
    [[]],
    [['--help']],
    [['--version']],
    [['topic']],
    [['topic', 'list', '--help']],
    [['topc']],
    [['topic', 'lst']],
    // oclif reads the extra word as part of the id (group:list:x, not found): its error, not a parse error.
    [['group', 'list', 'x']],
    [['--data-dir', 'D', 'topic', 'list']],
  ])('%j is left to oclif', (argv) => {
    expect(directRun(argv, table, pjson.oclif)).toBeNull()
  })

  test('help flags from package.json count, and hooks send everything to oclif', () => {
    expect(directRun(['topic', 'list', '-h'], table, {...pjson.oclif, additionalHelpFlags: ['-h']})).toBeNull()
    expect(directRun(['topic', 'list', '-h'], table, pjson.oclif)).not.toBeNull()
    expect(directRun(['topic', 'list'], table, {...pjson.oclif, hooks: {init: './dist/hooks/init.js'}})).toBeNull()
  })
})
