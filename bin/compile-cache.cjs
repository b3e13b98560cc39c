// The bundle's files are compiled through vm.Script with V8's code cache,
// read from and written to a per-user directory, on every Node version.
// Node 20 has no module.enableCompileCache; Node 22's writes a file's cache
// as soon as it is compiled, which holds the top-level code only, so every
// run compiles again each function it calls. This cache is written at exit
// and holds them. Compiling is about a fifth of a command's start-up
// (docs/PERFORMANCE.md, "Start-up").
//
// V8 checks a cache against the source's length, not its text, so an entry
// is named after the file, its size and its modification time, and Node's
// version: a rebuilt file gets a new entry. The directory is honoured only
// if it belongs to this user and no one else can write to it, because code
// from it runs as this user. NODE_COMPILE_CACHE names the directory and
// NODE_DISABLE_COMPILE_CACHE=1 turns caching off, as for Node's own cache.
//
// Code compiled from a cache has no loader for import() on Node 20, so the
// bundle's import() calls go through dynamic-import.cjs (scripts/bundle.mjs),
// which is left to Node's own loader.
'use strict'
const Module = require('node:module')
const {Script} = require('node:vm')
const fs = require('node:fs')
const path = require('node:path')

/** The cache directory, made if missing; null where it is not safe or not wanted. */
function cacheDir() {
  if (process.env.NODE_DISABLE_COMPILE_CACHE === '1') return null
  const dir = process.env.NODE_COMPILE_CACHE || path.join(require('node:os').tmpdir(), `logpipe-compile-cache-${process.getuid?.() ?? 'user'}`)
  try {
    fs.mkdirSync(dir, {recursive: true, mode: 0o700})
    const st = fs.statSync(dir)
    if (!st.isDirectory()) return null
    if (process.getuid && (st.uid !== process.getuid() || (st.mode & 0o022) !== 0)) return null
    return dir
  } catch {
    return null
  }
}

/** Compiles the .cjs files in the directory bundleDir with a code cache; other modules load as usual. */
function cacheCompiledCode(bundleDir) {
  const dir = cacheDir()
  if (dir === null) return
  const bundle = path.join(bundleDir, path.sep)
  const compile = Module.prototype._compile
  const unwritten = []
  // A chunk is shared by many commands, and its cache holds the functions
  // of the run that wrote it; so once main knows the command, the chunks it
  // loads get entries of that command's own (2-3 ms of CPU of a Node 22
  // `topic describe` whose shared chunks `topic list` had cached).
  let command = ''
  globalThis[Symbol.for('logpipe.compileCache.command')] = (id) => {
    command = `@${String(id).replace(/[^\w-]/g, '_')}`
  }
  Module.prototype._compile = function (content, filename) {
    if (!filename.startsWith(bundle) || !filename.endsWith('.cjs') || path.basename(filename) === 'dynamic-import.cjs') return compile.call(this, content, filename)
    const st = fs.statSync(filename)
    const entry = path.join(dir, `${path.basename(filename)}${command}-${st.size}-${Math.trunc(st.mtimeMs)}-${process.version}-${process.arch}`)
    let cachedData
    try {
      cachedData = fs.readFileSync(entry)
    } catch {
      // Not cached yet.
    }
    const script = new Script(Module.wrap(content), {filename, cachedData})
    if (cachedData === undefined || script.cachedDataRejected) unwritten.push({entry, script})
    return script.runInThisContext({displayErrors: true}).call(this.exports, this.exports, chunkRequire(this, filename), this, filename, path.dirname(filename))
  }
  /**
   * The chunks require each other by "./name.cjs" and built-ins by "node:x";
   * those are answered here without Node's resolution (a realpath and the
   * node_modules paths of every chunk, a few ms of a Node 22 start-up), by
   * the same steps Module.prototype.load takes for a file already found.
   * Anything else (external packages, require.resolve) goes to Node's own require.
   */
  const chunkRequire = (parent, filename) => {
    let full
    const nodeRequire = () => (full ??= Module.createRequire(filename))
    const chunk = (id) => {
      if (id.startsWith('node:')) return require(id)
      if (!id.startsWith('./') || !id.endsWith('.cjs') || id.includes('/', 2) || id === './dynamic-import.cjs') return nodeRequire()(id)
      const file = bundle + id.slice(2)
      const cached = Module._cache[file]
      if (cached !== undefined) return cached.exports
      const child = new Module(file, parent)
      child.filename = file
      child.paths = parent.paths
      Module._cache[file] = child
      let loaded = false
      try {
        child._compile(fs.readFileSync(file, 'utf8'), file)
        loaded = true
      } finally {
        if (!loaded) delete Module._cache[file]
      }
      child.loaded = true
      return child.exports
    }
    chunk.resolve = (id, options) => nodeRequire().resolve(id, options)
    chunk.cache = Module._cache
    chunk.main = require.main
    return chunk
  }
  // Written at exit, so the cache holds the functions this run compiled too.
  process.once('exit', () => {
    for (const {entry, script} of unwritten) {
      const temp = `${entry}.${process.pid}.tmp`
      try {
        fs.writeFileSync(temp, script.createCachedData(), {mode: 0o600})
        fs.renameSync(temp, entry)
      } catch {
        fs.rmSync(temp, {force: true})
      }
    }
  })
}

module.exports = {cacheCompiledCode}
