/**
 * Start-up stays lazy (docs/PERFORMANCE.md): a command loads what it uses.
 * Commands that only read metadata must not pay for zlib, child processes
 * or the native CRC module, and the CLI runs from the bundle, not from
 * dist/commands (which would load a second oclif).
 * Timing lives in bench/ (`npm run bench`); this checks the structure.
 */
import {chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {execa} from 'execa'
import {expect, test} from 'vitest'
import {BIN, ROOT, cli, tempDataDir} from '../helpers/cli.js'

const RECORD = join(ROOT, 'test', 'fixtures', 'startup', 'record-loads.cjs')

async function loads(c: ReturnType<typeof cli>, args: string[], input?: string) {
  const file = join(tempDataDir(), 'loads.json')
  const r = await execa(process.execPath, ['--require', RECORD, BIN, ...args], {
    reject: false,
    env: {...c.env, STARTUP_LOADS_FILE: file},
    extendEnv: false,
    input,
  })
  expect(r.exitCode, r.stderr).toBe(0)
  return JSON.parse(readFileSync(file, 'utf8')) as {builtins: string[]; files: string[]}
}

const heavy = ['zlib', 'child_process']
const has = (files: string[], part: string) => files.some((f) => f.includes(part))

test('topic list, group list and --help load no zlib, child process or native CRC; consume loads the CRC for more than a batch or two', async () => {
  const c = cli()
  expect((await c.run(['topic', 'create', 't', '-q'])).exitCode).toBe(0)
  expect((await c.run(['produce', 't'], {input: 'a\n'})).exitCode).toBe(0)
  for (const args of [['topic', 'list'], ['group', 'list'], ['--help']]) {
    const l = await loads(c, args)
    expect(l.builtins.filter((b) => heavy.includes(b)), args.join(' ')).toEqual([])
    expect(has(l.files, '@node-rs'), args.join(' ')).toBe(false)
    // Everything of ours and of oclif comes from the bundle.
    expect(l.files.filter((f) => f.includes(join('node_modules', '@oclif'))), args.join(' ')).toEqual([])
  }
  // Read-only commands leave proper-lockfile (graceful-fs, node:assert, signal-exit) unloaded; a writer loads it before it runs.
  for (const args of [['topic', 'list'], ['group', 'list'], ['topic', 'describe', 't']]) expect((await loads(c, args)).builtins, args.join(' ')).not.toContain('assert')
  expect((await loads(c, ['produce', 't'], 'b\n')).builtins).toContain('assert')
  // A batch or two is summed in JavaScript (src/core/codec/crc32c.ts); more than that loads the native CRC.
  expect(has((await loads(c, ['consume', 't', '-c', '1'])).files, '@node-rs')).toBe(false)
  expect((await c.run(['produce', 't'], {input: 'x'.repeat(99).concat('\n').repeat(1000)})).exitCode).toBe(0)
  expect(has((await loads(c, ['consume', 't', '-e'])).files, '@node-rs')).toBe(true)
})

test('the bundle is compiled once: its code cache lands in NODE_COMPILE_CACHE and the next run reuses it; a directory others can write to is left alone', async () => {
  const c = cli()
  expect((await c.run(['topic', 'create', 't', '-q'])).exitCode).toBe(0)
  const dir = join(c.base, 'cache')
  const env = {...c.env, NODE_COMPILE_CACHE: dir}
  const first = await c.run(['topic', 'list'], {env})
  expect([first.exitCode, first.stdout, first.stderr]).toEqual([0, 't\n', ''])
  const written = readdirSync(dir, {recursive: true}).map(String)
  expect(written.length).toBeGreaterThan(0)
  // bin/compile-cache.cjs writes one entry per bundle file on every Node version (Node 22+ adds its own layout beside them).
  expect(written.some((f) => f.startsWith('logpipe.cjs-'))).toBe(true)
  // The chunks loaded once the command is known have entries of that command's own.
  expect(written.some((f) => f.includes('.cjs@topic_list-'))).toBe(true)
  const mtimes = written.map((f) => statSync(join(dir, f)).mtimeMs)
  const second = await c.run(['topic', 'list'], {env})
  expect([second.exitCode, second.stdout, second.stderr]).toEqual([0, 't\n', ''])
  // An accepted entry is not written again.
  expect(written.map((f) => statSync(join(dir, f)).mtimeMs)).toEqual(mtimes)
  const open = join(c.base, 'open-cache')
  mkdirSync(open)
  chmodSync(open, 0o777)
  const r = await c.run(['topic', 'list'], {env: {...c.env, NODE_COMPILE_CACHE: open}})
  expect([r.exitCode, r.stdout]).toEqual([0, 't\n'])
  // None of ours there (Node 22+ itself may still use the directory NODE_COMPILE_CACHE names).
  expect(readdirSync(open).filter((f) => f.includes('.cjs-'))).toEqual([])
})

test('a user module is imported from the cached bundle too: stream run APP.mjs on a cold and then a warm code cache', async () => {
  const c = cli()
  const env = {...c.env, NODE_COMPILE_CACHE: join(c.base, 'cache')}
  const app = join(c.base, 'not-an-app.mjs')
  writeFileSync(app, 'export const x = 1\n')
  for (const run of ['cold', 'warm']) {
    const r = await c.run(['stream', 'run', app], {env})
    // The module was imported and read: its missing default export is what is reported.
    expect([r.exitCode, r.stderr.split('\n')[0]], run).toEqual([1, `logpipe: ${app} has no default export to run`])
  }
  expect(readdirSync(join(c.base, 'cache')).length).toBeGreaterThan(0)
})
