#!/usr/bin/env node
// Node 22+ keeps the compiled bundle on disk, so later runs skip compiling it.
import module from 'node:module'
module.enableCompileCache?.()
await import('../dist/bundle/logpipe.js')
