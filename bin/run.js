#!/usr/bin/env node
// Node 22+ keeps compiled modules on disk, so later runs skip compiling them.
import module from 'node:module'
module.enableCompileCache?.()
// Not dist/bundle/logpipe.js for now: run from the bundle, a `consume -g
// --exec` stopped by Ctrl-C hung in about 1 run of 5 (test/e2e/groups-exec),
// which the unbundled modules never did; docs/PERFORMANCE.md says more.
const {main} = await import('../dist/cli/main.js')
await main()
