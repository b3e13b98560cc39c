/**
 * Start-up stays lazy (docs/PERFORMANCE.md): a command loads what it uses.
 * Commands that only read metadata must not pay for zlib, child processes
 * or the native CRC module, and the CLI runs from the bundle, not from
 * dist/commands (which would load a second oclif).
 * Timing lives in bench/ (`npm run bench`); this checks the structure.
 */
import {readFileSync} from 'node:fs'
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

test('topic list, group list and --help load no zlib, child process or native CRC; consume does load the CRC', async () => {
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
  const consume = await loads(c, ['consume', 't', '-c', '1'])
  expect(has(consume.files, '@node-rs')).toBe(true)
})
