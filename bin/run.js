#!/usr/bin/env node
// The CLI is a CommonJS bundle (dist/bundle/, scripts/bundle.mjs). Its
// compiled code is kept on disk so later runs skip compiling it, by
// bin/compile-cache.cjs on every Node version: that cache is written at
// exit, so it holds the functions a run compiled, where Node 22's own
// module.enableCompileCache writes a file's cache when it is first
// compiled, before any of it ran, and every later run compiles each
// function it calls again (8-15 ms of CPU of a command on Node 22). Node's
// own cache still serves what lies outside the bundle (external packages,
// user modules).
//
// This file is CommonJS too (bin/package.json): an ES module entry would
// start Node's ES module loader for one file, 2-3 ms of a 25 ms `node -e 0`
// on Node 22.
'use strict'
const module_ = require('node:module')
const path = require('node:path')
const bundle = path.join(__dirname, '..', 'dist', 'bundle')
if (module_.enableCompileCache) module_.enableCompileCache()
require('./compile-cache.cjs').cacheCompiledCode(bundle)
require(path.join(bundle, 'logpipe.cjs'))
