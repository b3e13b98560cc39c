#!/usr/bin/env node
// The CLI is a CommonJS bundle (dist/bundle/, scripts/bundle.mjs). Its
// compiled code is kept on disk so later runs skip compiling it: by Node
// itself from Node 22, by bin/compile-cache.cjs on Node 20, which has no
// module.enableCompileCache.
import module from 'node:module'
const require = module.createRequire(import.meta.url)
if (module.enableCompileCache) module.enableCompileCache()
else require('./compile-cache.cjs').cacheCompiledCode(new URL('../dist/bundle/', import.meta.url))
require('../dist/bundle/logpipe.cjs')
