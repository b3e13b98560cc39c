// Builds logpipe: compiles TypeScript to dist/, writes the oclif manifest
// (so start-up does not import every command to list them), generates the
// man pages from the same command metadata, and bundles the CLI with a
// command table made from the manifest (scripts/bundle.mjs).
//
// A build whose inputs have not changed since the last one is skipped:
// `npm ci` builds (prepare) and `npm test` builds again, so CI would
// otherwise build twice. `node scripts/build.mjs --force` always builds.
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const STAMP = join(root, 'dist', '.build-inputs')

/** A hash of everything the build reads: sources, scripts, configuration, the locked dependencies. */
function inputsHash() {
  const files = ['package.json', 'package-lock.json', 'tsconfig.json']
  const walk = (dir) => {
    for (const e of readdirSync(join(root, dir), {withFileTypes: true})) {
      const path = join(dir, e.name)
      if (e.isDirectory()) walk(path)
      else files.push(path)
    }
  }
  for (const dir of ['src', 'scripts', 'bin']) walk(dir)
  const hash = createHash('sha256')
  for (const f of files.sort()) {
    const full = join(root, f)
    hash.update(`${relative(root, full)}\0`)
    if (existsSync(full)) hash.update(readFileSync(full))
  }
  return hash.digest('hex')
}

const inputs = inputsHash()
const outputs = ['dist/index.js', 'dist/bundle/logpipe.cjs', 'oclif.manifest.json', 'man/logpipe.1'].map((f) => join(root, f))
const upToDate = !process.argv.includes('--force') && outputs.every((f) => existsSync(f)) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === inputs
if (upToDate) {
  console.log('build: up to date (nothing in src/, scripts/, bin/ or package files changed since the last build)')
} else {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], {stdio: 'inherit'})

  const {Plugin} = await import('@oclif/core')
  const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true})
  await plugin.load()
  writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(plugin.manifest, null, 2) + '\n')

  const {generateManPages} = await import('./man.mjs')
  generateManPages(root, plugin.manifest)

  const {bundleCli} = await import('./bundle.mjs')
  await bundleCli(root, plugin.manifest)
  writeFileSync(STAMP, inputs)
}
