/**
 * logpipe's commands as an oclif plugin made from what the build already
 * knows: package.json and oclif.manifest.json, with command classes from
 * the bundle's command table. oclif's own Plugin.load finds the package
 * root, reads package.json and sorts the commands with localeCompare, whose
 * first call sets up ICU collation: 5-17 ms of every run on this machine,
 * for an order the build can compute once. Given this plugin, Config.load
 * skips plugin discovery and builds commands, topics and hooks from it as usual.
 *
 * The fields set here are those Plugin.load sets (@oclif/core 4,
 * lib/config/plugin.js); test/cli/bundled-plugin.test.ts checks that a
 * Config loaded this way answers as one oclif loads itself.
 */
import {existsSync, readFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {Config, Plugin} from '@oclif/core/config'
import type {Command} from '@oclif/core/command'
import type {Interfaces} from '@oclif/core'
import type {CommandTable} from './dispatch.js'

type Manifest = Interfaces.Manifest
type PJSON = Interfaces.PJSON
type Theme = Awaited<ReturnType<Config['loadTheme']>>

/**
 * oclif's Config, but a user without a theme file costs no theme look-up:
 * Config.loadTheme reads <configDir>/theme.json through node:fs/promises,
 * which Node compiles on first use (2-3 ms of a run on Node 22). With no
 * theme in package.json and no file, oclif's answer is undefined too.
 */
export class BundledConfig extends Config {
  override async loadTheme(): Promise<Theme> {
    if (!this.pjson.oclif.theme && !this.scopedEnvVarTrue('DISABLE_THEME') && !existsSync(resolve(this.configDir, 'theme.json'))) return undefined
    return super.loadTheme()
  }
}

export class BundledPlugin extends Plugin {
  constructor(
    root: string,
    private readonly table: CommandTable,
    pjson: PJSON = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PJSON,
    manifest: Manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as Manifest,
  ) {
    super({root, pjson, isRoot: true, type: 'core'})
    this.type = 'core'
    this.isRoot = true
    this.root = root
    this.pjson = pjson
    this.pjson.oclif ??= {}
    this.moduleType = pjson.type === 'module' ? 'module' : 'commonjs'
    this.name = pjson.name
    this.alias = pjson.name
    this.version = pjson.version
    this.valid = true
    this.hooks = {}
    this.manifest = manifest
    this.hasManifest = true
    this.commandIDs = Object.keys(manifest.commands)
    // Plain code-unit order: the same as localeCompare for ids of lower-case words and ':'.
    this.commands = Object.entries(manifest.commands)
      .map(([id, c]) => ({...c, load: async () => this.findCommand(id, {must: true}), pluginAlias: this.alias, pluginType: this.type}))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  /** Loaded already, from the build's files. */
  override async load(): Promise<void> {}

  override async findCommand(id: string, opts: {must: true}): Promise<Command.Class>
  override async findCommand(id: string, opts?: {must: boolean}): Promise<Command.Class | undefined>
  override async findCommand(id: string, opts: {must?: boolean} = {}): Promise<Command.Class | undefined> {
    const entry = Object.hasOwn(this.table, id) ? this.table[id] : undefined
    if (!entry) {
      if (opts.must) throw new Error(`command ${id} not found`)
      return undefined
    }
    const command = (await entry.load()).default as Command.Class
    // What oclif's Plugin.findCommand records on a command it loads.
    command.id = entry.id
    command.plugin = this
    return command
  }
}
