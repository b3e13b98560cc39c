/**
 * The README's library example, as a user would run it: taken out of the
 * "## Library" section, compiled with `tsc --strict` against the built
 * package (dist and its .d.ts, imported as 'logpipe'), run with node, and
 * its output compared with the output the README shows.
 */
import {mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {execa} from 'execa'
import {afterAll, expect, test} from 'vitest'
import {ROOT, inheritedEnv} from './helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'logpipe-readme-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

function librarySection(): {code: string; output: string[]} {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf('\n## Library\n')
  expect(start, 'README has a "## Library" section').toBeGreaterThan(0)
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1))
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
  const output = /```text\n([\s\S]*?)```/.exec(section)?.[1]
  expect(code, 'a ```ts block').toBeDefined()
  expect(output, 'a ```text block with its output').toBeDefined()
  return {code: code!, output: output!.trimEnd().split('\n')}
}

test('the README library example compiles with tsc --strict against the built package and prints what the README says', async () => {
  const {code, output} = librarySection()
  writeFileSync(join(dir, 'example.ts'), code)
  writeFileSync(join(dir, 'package.json'), JSON.stringify({type: 'module', private: true}))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(ROOT, join(dir, 'node_modules', 'logpipe'), 'dir')
  symlinkSync(join(ROOT, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir')
  const env = inheritedEnv()
  const tsc = await execa(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--outDir', 'out', 'example.ts'],
    {cwd: dir, env, extendEnv: false, reject: false},
  )
  expect(tsc.stdout + tsc.stderr).toBe('')
  expect(tsc.exitCode).toBe(0)
  const run = await execa(process.execPath, [join(dir, 'out', 'example.js')], {cwd: dir, env, extendEnv: false, reject: false})
  expect(run.stderr).toBe('')
  expect(run.exitCode).toBe(0)
  const lines = run.stdout.split('\n')
  // Partitions take turns, so `got` lines of different partitions may come in any order; within one they are in offset order.
  const got = (l: string[]) => l.filter((line) => line.startsWith('got '))
  expect(lines.filter((line) => !line.startsWith('got '))).toEqual(output.filter((line) => !line.startsWith('got ')))
  expect([...got(lines)].sort()).toEqual([...got(output)].sort())
  const perPartition = (l: string[], p: string) => got(l).filter((line) => line.startsWith(`got orders/${p}@`))
  for (const p of ['0', '1', '2']) expect(perPartition(lines, p)).toEqual(perPartition(output, p))
})
