/**
 * Module hooks for `logpipe stream run APP` (registered by app-loader.ts,
 * they run in Node's loader thread): `import 'logpipe'` in the app
 * resolves to this logpipe's library, and TypeScript modules (.ts, .mts)
 * are compiled by esbuild's transform as they load, so an app runs with
 * no build step on every Node version logpipe supports (Node 20 has no
 * type stripping; 22's is partial, without enums or parameter
 * properties). An import of `./x.js` that only exists as `./x.ts` finds
 * the .ts, as tsc's module resolution does.
 */
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'

interface HookData {
  logpipeEntry: string
  /** The names the running CLI shares with the app (its Streams API), when it put them on globalThis (Symbol.for('logpipe.library')). */
  libraryExports?: string[]
}

/** The module `import 'logpipe'` gets when the app must share the CLI's own classes. */
const SHARED_LIBRARY_URL = 'logpipe:library'

type Next<A extends unknown[], R> = (...args: A) => Promise<R>
interface Resolved {
  url: string
  format?: string | null
  shortCircuit?: boolean
}
interface Loaded {
  format: string
  source?: string | Buffer | null
  shortCircuit?: boolean
}

let logpipeEntry = ''
let libraryExports: string[] | null = null
let transform: typeof import('esbuild').transform | null = null

const TYPESCRIPT = /\.m?ts$/

export function initialize(data: HookData): void {
  logpipeEntry = data.logpipeEntry
  libraryExports = data.libraryExports ?? null
}

export async function resolve(specifier: string, context: {parentURL?: string}, next: Next<[string, {parentURL?: string}], Resolved>): Promise<Resolved> {
  if (specifier === 'logpipe') return {url: libraryExports ? SHARED_LIBRARY_URL : logpipeEntry, shortCircuit: true}
  const parent = context.parentURL
  if (parent && TYPESCRIPT.test(new URL(parent).pathname) && /^\.{1,2}\//.test(specifier) && /\.m?js$/.test(specifier)) {
    const asTs = new URL(specifier.replace(/js$/, 'ts'), parent)
    if (!existsSync(new URL(specifier, parent)) && existsSync(asTs)) return {url: asTs.href, shortCircuit: true}
  }
  return next(specifier, context)
}

export async function load(url: string, context: {format?: string | null}, next: Next<[string, {format?: string | null}], Loaded>): Promise<Loaded> {
  if (url === SHARED_LIBRARY_URL && libraryExports) {
    // What the CLI shares (its Streams classes) comes from its own copy, read in the app's thread where the CLI put it; the rest of the library from dist/index.js.
    const all = new Set([...Object.keys(await import(logpipeEntry)), ...libraryExports])
    const names = [...all].filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n))
    const source = [
      `import * as D from ${JSON.stringify(logpipeEntry)};`,
      `const L = globalThis[Symbol.for('logpipe.library')];`,
      ...names.map((n) => `export const ${n} = Object.hasOwn(L, '${n}') ? L.${n} : D.${n};`),
    ].join('\n')
    return {format: 'module', source, shortCircuit: true}
  }
  if (!url.startsWith('file:') || !TYPESCRIPT.test(new URL(url).pathname)) return next(url, context)
  const file = fileURLToPath(url)
  const source = await readFile(file, 'utf8')
  transform ??= (await import('esbuild')).transform
  const out = await transform(source, {loader: 'ts', format: 'esm', sourcefile: file, sourcemap: 'inline', target: `node${process.versions.node.split('.')[0]}`})
  return {format: 'module', source: out.code, shortCircuit: true}
}
