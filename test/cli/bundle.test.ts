/**
 * The bundle's import() calls go through dynamic-import.cjs
 * (scripts/bundle.mjs): code run from Node 20's code cache has no loader
 * for import() of its own.
 */
import {expect, test} from 'vitest'
// @ts-expect-error: a build script, plain JavaScript without types.
import {DYNAMIC_IMPORT, throughDynamicImport} from '../../scripts/bundle.mjs'

test('every import() call is rewritten; the text import( in strings, templates, comments and names is not', () => {
  const code = [
    'const a = await import(url);',
    'const b = isESM ? await import(/* webpackIgnore: true */ f(x).href) : require(x);',
    'const c = import("pg", {with: {type: "json"}});',
    'const msg = "import() failed"; const t = `${"import("}`; // import(x) in a comment',
    'obj.import(x); const reimport = (y) => y;',
  ].join('\n')
  const out = throughDynamicImport(code) as string
  const helper = `require("./${DYNAMIC_IMPORT}")`
  expect(out.split('\n')).toEqual([
    `const a = await ${helper}(url);`,
    `const b = isESM ? await ${helper}(/* webpackIgnore: true */ f(x).href) : require(x);`,
    `const c = ${helper}("pg", {with: {type: "json"}});`,
    'const msg = "import() failed"; const t = `${"import("}`; // import(x) in a comment',
    'obj.import(x); const reimport = (y) => y;',
  ])
})

test('code without import() is returned as it is', () => {
  const code = 'module.exports = {a: 1}\n'
  expect(throughDynamicImport(code)).toBe(code)
})
