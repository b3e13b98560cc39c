/**
 * Every runtime dependency is one src/ uses: an unused one is installed
 * for every user and, if the CLI ever imports it again by accident, paid at
 * each start-up (chalk was ~16 ms of it; src/cli/style.ts writes its one
 * style itself).
 */
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {expect, test} from 'vitest'
import {ROOT} from './helpers/cli.js'

function sources(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [readFileSync(join(dir, e.name), 'utf8')] : [],
  )
}

test('each package.json dependency is imported or required by src/, and chalk is not a dependency', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {dependencies: Record<string, string>}
  const text = sources(join(ROOT, 'src')).join('\n')
  const used = (name: string) => new RegExp(`(?:from|import\\(|require\\()\\s*['"]${name.replace(/[/.]/g, '\\$&')}(?:/[^'"]*)?['"]`).test(text)
  expect(Object.keys(pkg.dependencies).filter((d) => !used(d))).toEqual([])
  expect(Object.keys(pkg.dependencies)).not.toContain('chalk')
})
