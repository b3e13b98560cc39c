/**
 * Entry point: answers --version without loading oclif (start-up matters
 * to scripts that call logpipe in loops), hands everything else to oclif,
 * and turns stray errors and a closed stdout into the right exit.
 */
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {reportError} from './errors.js'

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
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
  // Subpath imports: the package index also loads help, ux and semver, which a run rarely needs.
  const [{run}, {flush}] = await Promise.all([import('@oclif/core/run'), import('@oclif/core/flush')])
  try {
    // No oclif user plugins: oclif would look for them in $LOGPIPE_DATA_DIR
    // (its own "<BIN>_DATA_DIR"), which is our store, not a plugin directory.
    await run(argv, {root: fileURLToPath(new URL('../..', import.meta.url)), userPlugins: false})
    await flush()
  } catch (error) {
    process.exitCode = reportError(error)
  }
}

/** Answers `completion --names KIND [--data-dir DIR]`; false for anything else (oclif's to parse). */
async function completionNames(argv: string[]): Promise<boolean> {
  const names = await import('./completion/names.js')
  const request = names.parseNamesRequest(argv)
  if (request === null) return false
  process.stdout.write(names.namesText(names.completionNames(request)))
  return true
}
