#!/usr/bin/env node
// The CLI is a CommonJS bundle (dist/bundle/, scripts/bundle.mjs). Its
// compiled code is kept on disk so later runs skip compiling it: by Node
// itself from Node 22, by bin/compile-cache.cjs on Node 20, which has no
// module.enableCompileCache.
//
// This file is CommonJS too (bin/package.json): an ES module entry would
// start Node's ES module loader for one file, 2-3 ms of a 25 ms `node -e 0`
// on Node 22.
'use strict'
const module_ = require('node:module')
const path = require('node:path')
const bundle = path.join(__dirname, '..', 'dist', 'bundle')
if (module_.enableCompileCache) module_.enableCompileCache()
else require('./compile-cache.cjs').cacheCompiledCode(bundle)
require(path.join(bundle, 'logpipe.cjs'))
