/**
 * Loads the module `logpipe stream run` runs: JavaScript as it is,
 * TypeScript (.ts, .mts) compiled as it loads (app-loader-hooks.ts), with
 * `import 'logpipe'` resolved to this package either way.
 */
import {existsSync, readFileSync} from 'node:fs'
import module from 'node:module'
import {dirname, join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {UsageError} from '../../errors.js'

let registered = false

/**
 * `library`: the caller's own copy of logpipe's Streams API (the CLI is
 * one bundle with its own classes): the app's `import 'logpipe'` gets
 * those names from it, so its Materialized, Produced or Topology are the
 * classes the runtime checks with instanceof, and the rest of the library
 * from dist/index.js. Without it, the app gets dist/index.js.
 */
export async function importApp(file: string, library?: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (/\.(c(j|t)s|tsx|jsx)$/.test(file)) throw new UsageError(`${file}: stream run loads ES modules: .js, .mjs, .ts or .mts`, {hint: 'a CommonJS or JSX app: rename or compile it to an ES module'})
  if (!registered) {
    const root = packageRoot()
    const hooks = pathToFileURL(join(root, 'dist', 'core', 'streams', 'runtime', 'app-loader-hooks.js')).href
    if (library) (globalThis as Record<symbol, unknown>)[Symbol.for('logpipe.library')] = library
    module.register(hooks, {data: {logpipeEntry: pathToFileURL(join(root, 'dist', 'index.js')).href, libraryExports: library ? Object.keys(library) : undefined}})
    registered = true
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as {name?: string}).name === 'logpipe') return dir
    const up = dirname(dir)
    if (up === dir) throw new Error('logpipe: cannot find its own package.json')
    dir = up
  }
}
