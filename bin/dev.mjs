#!/usr/bin/env node
// Development entry: recompile src/ (tsc is incremental enough here), then run.
import {execFileSync} from 'node:child_process'
execFileSync(process.execPath, [new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname, '-p', new URL('..', import.meta.url).pathname], {stdio: 'inherit'})
const {main} = await import('../dist/cli/main.js')
await main()
