/**
 * Entry point: answers --version without loading oclif, runs a command the
 * build's command table names straight away (one oclif Config, loaded
 * once, and only that command's module), hands everything else (help,
 * topics, unknown commands) to oclif's `run`, and turns stray errors and a
 * closed stdout into the right exit. Start-up matters to scripts that call
 * logpipe in loops: docs/PERFORMANCE.md says what each step costs.
 */
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import type {Config} from '@oclif/core/config'
import {type CommandTable, type OclifSettings, directRun} from './dispatch.js'
import {reportError, wantsJson} from './errors.js'
import {normalizeArgv} from './argv.js'

export interface MainOptions {
  /** Command id -> module, generated from the manifest by the build (scripts/bundle.mjs); without it oclif finds the commands. */
  commands?: CommandTable
  /** package.json "oclif" as the build saw it. */
  oclif?: OclifSettings
}

/** What main needs of a command class: oclif's Command, constructed on a loaded Config. */
interface CommandClass {
  new (argv: string[], config: Config): {_run(): Promise<unknown>}
  /** Only reads the store and sets no signal handler, so it may skip loading proper-lockfile up front (core/lock/lockfile.ts). */
  readsOnly?: boolean
}

export async function main(typed: string[] = process.argv.slice(2), options: MainOptions = {}): Promise<void> {
  const argv = normalizeArgv(typed)
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // `logpipe ... | head -1`: the reader is gone; that is a normal end.
    if (error.code === 'EPIPE') process.exit(0)
    throw error
  })
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string}
    process.stdout.write(`logpipe/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
    return
  }
  // Completion scripts ask for names on every Tab: answered without oclif, like --version.
  if (argv[0] === 'completion' && (await completionNames(argv.slice(1)))) return
  const root = fileURLToPath(new URL('../..', import.meta.url))
  try {
    if (options.commands) await runBundled(argv, root, options.commands, options.oclif)
    else {
      // Unbundled (bin/dev.mjs): oclif finds the commands in dist/commands.
      // No oclif user plugins: oclif would look for them in $LOGPIPE_DATA_DIR
      // (its own "<BIN>_DATA_DIR"), which is our store, not a plugin directory.
      const [{default: {run}}, {default: {flush}}] = await Promise.all([import('@oclif/core/run'), import('@oclif/core/flush')])
      await (await import('../core/lock/lockfile.js')).loadLockfile()
      await run(argv, {root, userPlugins: false})
      await flush()
    }
  } catch (error) {
    process.exitCode = reportError(error, process.stderr, {json: wantsJson(argv)})
  }
}

async function runBundled(argv: string[], root: string, table: CommandTable, settings?: OclifSettings): Promise<void> {
  const direct = directRun(argv, table, settings)
  // bin/compile-cache.cjs keeps the code cache of the chunks loaded from here on per command.
  if (direct) (globalThis as Record<symbol, ((id: string) => void) | undefined>)[Symbol.for('logpipe.compileCache.command')]?.(direct.entry.id)
  // Subpath imports (here and in bundled-plugin.ts, which takes Config and
  // Plugin from @oclif/core/config): the package index also loads help, ux
  // and semver, which a run rarely needs. oclif is CommonJS: `default` is its
  // exports object both from Node and from the bundle (where no named exports are made).
  const [{default: {flush}}, {BundledConfig, BundledPlugin}] = await Promise.all([import('@oclif/core/flush'), import('./bundled-plugin.js')])
  const plugin = new BundledPlugin(root, table)
  // What Config.load does with options (not a path or a Config) as its argument.
  const config = new BundledConfig({root, pjson: plugin.pjson, plugins: new Map([[plugin.name, plugin]]), userPlugins: false})
  await config.load()
  if (direct) {
    const command = (await plugin.findCommand(direct.entry.id, {must: true})) as unknown as CommandClass
    if (command.readsOnly !== true) await (await import('../core/lock/lockfile.js')).loadLockfile()
    // What oclif's Command.run does once it has a Config (given one, it would load another).
    await new command(direct.argv, config)._run()
  } else {
    // Help, mostly; but oclif's run may reach a command too.
    await (await import('../core/lock/lockfile.js')).loadLockfile()
    const {run} = (await import('@oclif/core/run')).default
    await run(argv, config)
  }
  await flush()
}

/** Answers `completion --names KIND [--data-dir DIR]`; false for anything else (oclif's to parse). */
async function completionNames(argv: string[]): Promise<boolean> {
  const names = await import('./completion/names.js')
  const request = names.parseNamesRequest(argv)
  if (request === null) return false
  process.stdout.write(names.namesText(names.completionNames(request)))
  return true
}
