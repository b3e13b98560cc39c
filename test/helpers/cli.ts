/**
 * Running the built CLI as a user would: `bin/run.js` through execa, on a
 * fresh temporary data directory per test.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {execa, type Options, type ResultPromise} from 'execa'
import {afterEach} from 'vitest'
import {assertKafkajsDecodes} from './kafkajs.js'

export const ROOT = resolve(import.meta.dirname, '..', '..')
export const BIN = join(ROOT, 'bin', 'run.js')

const dirs: string[] = []

/** A new empty data directory, checked by kafkajs and removed after the test. */
export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-test-'))
  dirs.push(dir)
  return dir
}

afterEach(async () => {
  // Every segment an end-to-end test wrote must decode with kafkajs.
  for (const dir of dirs.splice(0)) {
    try {
      await assertKafkajsDecodes(join(dir, 'data'))
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  }
})

/**
 * The environment of the test process without anything that would point
 * the CLI elsewhere (LOGPIPE_*, XDG_DATA_HOME): a variable exported in the
 * shell that runs the tests must not change what they see.
 */
export function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !(k.startsWith('LOGPIPE_') && k !== 'LOGPIPE_TEST_SEED') && k !== 'XDG_DATA_HOME') env[k] = v
  }
  return env
}

/** A CLI bound to one data directory. */
export function cli(base = tempDataDir()) {
  const dataDir = join(base, 'data')
  const env = {...inheritedEnv(), LOGPIPE_DATA_DIR: dataDir, NO_COLOR: '1', LOGPIPE_DEBUG: ''}
  const run = (args: string[], options: Options = {}): ResultPromise =>
    execa(process.execPath, [BIN, ...args], {reject: false, env, extendEnv: false, stripFinalNewline: false, ...options} as Options)
  return {dataDir, base, env, run}
}
