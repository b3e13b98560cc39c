// Builds logpipe: compiles TypeScript to dist/, writes the oclif manifest
// (so start-up does not import every command to list them), generates the
// man pages from the same command metadata, and bundles the CLI with a
// command table made from the manifest (scripts/bundle.mjs).
import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], {stdio: 'inherit'})

const {Plugin} = await import('@oclif/core')
const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true})
await plugin.load()
writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(plugin.manifest, null, 2) + '\n')

const {generateManPages} = await import('./man.mjs')
generateManPages(root, plugin.manifest)

const {bundleCli} = await import('./bundle.mjs')
await bundleCli(root, plugin.manifest)
