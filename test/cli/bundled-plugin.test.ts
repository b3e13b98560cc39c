/**
 * A Config given the bundled plugin must answer as the Config oclif loads
 * by itself (the one help and the full `run` path rely on): same commands
 * in the same order, same topics and settings, and commands that load.
 * BundledPlugin sets by hand what oclif's Plugin.load sets, so this is the
 * check that an oclif upgrade has not moved something it needs.
 */
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {expect, test} from 'vitest'
import {Config} from '@oclif/core/config'
import {BundledConfig, BundledPlugin} from '../../src/cli/bundled-plugin.js'
import type {CommandTable} from '../../src/cli/dispatch.js'
import {ROOT} from '../helpers/cli.js'

interface ManifestCommand {
  id: string
  relativePath: string[]
}
const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestCommand>}
const table: CommandTable = Object.fromEntries(
  Object.values(manifest.commands).map((c) => [
    c.id,
    {id: c.id, takesArgs: true, load: () => import(pathToFileURL(join(ROOT, ...c.relativePath)).href) as Promise<{default: unknown}>},
  ]),
)

test('a Config on the bundled plugin is the Config oclif loads', async () => {
  const oclif = await Config.load({root: ROOT, userPlugins: false})
  const plugin = new BundledPlugin(ROOT, table)
  const bundled = await Config.load({root: ROOT, pjson: plugin.pjson, plugins: new Map([[plugin.name, plugin]]), userPlugins: false})

  expect(bundled.commands.map((c) => c.id)).toEqual(oclif.commands.map((c) => c.id))
  expect(bundled.commandIDs).toEqual(oclif.commandIDs)
  expect(bundled.topics).toEqual(oclif.topics)
  for (const key of ['bin', 'name', 'version', 'userAgent', 'topicSeparator', 'root', 'isSingleCommandCLI', 'flexibleTaxonomy'] as const) {
    expect(bundled[key], key).toEqual(oclif[key])
  }
  const strip = (c: object) => JSON.parse(JSON.stringify(c)) as unknown
  for (const c of oclif.commands) expect(strip(bundled.findCommand(c.id)!), c.id).toEqual(strip(c))

  const [mine, theirs] = [bundled.getPluginsList(), oclif.getPluginsList()]
  expect(mine.map((p) => p.name)).toEqual(theirs.map((p) => p.name))
  for (const key of ['name', 'alias', 'version', 'type', 'isRoot', 'root', 'valid', 'hasManifest', 'moduleType', 'hooks', 'commandIDs', 'topics'] as const) {
    expect(mine[0][key], key).toEqual(theirs[0][key])
  }

  // Commands load through the table, with what oclif records on a loaded command.
  const command = await bundled.findCommand('topic:list')!.load()
  expect(command.id).toBe('topic:list')
  expect(command.plugin).toBe(plugin)
  await expect(plugin.findCommand('no:such', {must: true})).rejects.toThrow('command no:such not found')
})

test('BundledConfig skips the theme look-up only where oclif finds no theme: with a theme.json in the config dir it reads it as oclif does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-theme-'))
  const saved = process.env.LOGPIPE_CONFIG_DIR
  try {
    process.env.LOGPIPE_CONFIG_DIR = dir
    const load = async (C: typeof Config) => {
      const plugin = new BundledPlugin(ROOT, table)
      const config = new C({root: ROOT, pjson: plugin.pjson, plugins: new Map([[plugin.name, plugin]]), userPlugins: false})
      await config.load()
      return config.theme
    }
    expect(await load(BundledConfig)).toBeUndefined()
    expect(await load(Config)).toBeUndefined()
    mkdirSync(dir, {recursive: true})
    writeFileSync(join(dir, 'theme.json'), JSON.stringify({command: 'red'}))
    const theirs = await load(Config)
    expect(theirs).toBeDefined()
    expect(await load(BundledConfig)).toEqual(theirs)
  } finally {
    if (saved === undefined) delete process.env.LOGPIPE_CONFIG_DIR
    else process.env.LOGPIPE_CONFIG_DIR = saved
    rmSync(dir, {recursive: true, force: true})
  }
})
