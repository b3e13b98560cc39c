/**
 * The bundle's import() calls go through dynamic-import.cjs
 * (scripts/bundle.mjs): code run from Node 20's code cache has no loader
 * for import() of its own.
 */
import {expect, test} from 'vitest'
// @ts-expect-error: a build script, plain JavaScript without types.
import {DYNAMIC_IMPORT, chunkToCommonJs, throughDynamicImport} from '../../scripts/bundle.mjs'

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

test('a chunk exports its own getters (no second object reading them by key), marked __esModule; cycles between chunks still resolve', async () => {
  const {mkdtempSync, writeFileSync, rmSync} = await import('node:fs')
  const {join} = await import('node:path')
  const {tmpdir} = await import('node:os')
  const {createRequire} = await import('node:module')
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-bundle-'))
  try {
    const chunks = new Set(['a.js', 'b.js'])
    // a and b import each other; each reads the other's export only when called.
    writeFileSync(join(dir, 'a.cjs'), await chunkToCommonJs('import {b} from "./b.js";\nexport function a() { return "a" + b(); }\nexport let counter = 0;\nexport function bump() { counter++; }\n', chunks))
    writeFileSync(join(dir, 'b.cjs'), await chunkToCommonJs('import {a} from "./a.js";\nexport function b() { return "b"; }\nexport function callA() { return a(); }\n', chunks))
    const req = createRequire(join(dir, 'x.cjs'))
    const a = req('./a.cjs')
    const b = req('./b.cjs')
    expect(a.a()).toBe('ab')
    expect(b.callA()).toBe('ab')
    expect(a.__esModule).toBe(true)
    // A live binding still reads its current value.
    a.bump()
    expect(a.counter).toBe(1)
    // The getter is the module's own `() => name`, not `() => from[key]`.
    expect(String(Object.getOwnPropertyDescriptor(a, 'a')!.get)).toBe('() => a')
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})
