/**
 * The import graph of src/: no cycles, neither between files nor between
 * layers (store importing log while log imports store is a cycle even when
 * no single file imports itself), and layers that point one way, so a broker, Connect or
 * Streams can be built on core/log without dragging in the clients:
 *
 *   index, commands -> cli -> lib (the kafkajs-shaped facade) -> core/bench -> core/client
 *     -> core/broker/broker.ts -> core/wire/api (handlers) -> core/broker -> core/group
 *     -> core/store -> core/log -> core/lock, core/record -> core/codec -> core/*.ts
 *
 * The broker is split so its handlers can use its partitions and the broker
 * can load its handlers: broker.ts (which ties them together) sits above
 * core/wire/api, the rest of core/broker below it.
 *
 * core/store's plain file helpers (atomic writes, names, the data directory)
 * sit at the bottom: every layer writes files. Type-only imports count too:
 * a type that two layers share belongs in the lower one.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {describe, expect, test} from 'vitest'
import {ROOT} from './helpers/cli.js'

const SRC = join(ROOT, 'src')

/** Rank per path under src/ (longest prefix wins); a file may import only its own directory or a lower rank. */
const LAYERS: Record<string, number> = {
  'index.ts': 100,
  commands: 90,
  cli: 80,
  lib: 70,
  'core/bench': 60,
  'core/streams/index.ts': 59,
  'core/streams/runtime': 58,
  'core/streams/dsl': 57,
  'core/streams': 55,
  'core/mirror': 54,
  // Connect runs on the clients; inside it, api <- converters <- connectors <- runtime.
  'core/connect': 55,
  'core/client': 50,
  'core/broker/broker.ts': 48,
  'core/wire/api': 46,
  'core/broker': 44,
  'core/group': 40,
  'core/store': 35,
  'core/log': 30,
  'core/lock': 20,
  'core/record': 20,
  'core/wire': 15,
  'core/codec': 10,
  'core/store/atomic-write.ts': 5,
  'core/store/data-dir.ts': 5,
  'core/store/names.ts': 5,
  'core/store/fs.ts': 5,
  // errors.ts and the like, directly in core/
  'core/*.ts': 0,
}

function layerOf(file: string): {key: string; rank: number} | null {
  let best: string | null = null
  for (const key of Object.keys(LAYERS)) {
    const matches = key === 'core/*.ts' ? /^core\/[^/]+\.ts$/.test(file) : file === key || file.startsWith(key + '/')
    if (matches && (best === null || key.length > best.length)) best = key
  }
  return best === null ? null : {key: best, rank: LAYERS[best]}
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...sourceFiles(path))
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

const IMPORT = /(?:^|[\n;])\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]|(?:^|[\n;])\s*import\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g

/** Relative imports of one source text, as written. */
export function importsOf(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(IMPORT)) out.push(m[1] ?? m[2] ?? m[3])
  return out
}

/** Every file of src/ (relative to src/) with the files it imports; an import that names no file is reported. */
function importGraph(): {graph: Map<string, string[]>; unresolved: string[]} {
  const graph = new Map<string, string[]>()
  const unresolved: string[] = []
  for (const path of sourceFiles(SRC)) {
    const from = relative(SRC, path)
    const targets: string[] = []
    for (const spec of importsOf(readFileSync(path, 'utf8'))) {
      const target = resolve(dirname(path), spec.replace(/\.js$/, '.ts'))
      if (existsSync(target)) targets.push(relative(SRC, target))
      else unresolved.push(`${from} imports ${spec}`)
    }
    graph.set(from, targets)
  }
  return {graph, unresolved}
}

/** Each cycle once, as a path that starts and ends at the same file. */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (node: string) => {
    state.set(node, 'open')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next])
      else if (!state.has(next)) visit(next)
    }
    stack.pop()
    state.set(node, 'done')
  }
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node)
  return cycles
}

describe('the checks themselves', () => {
  test('imports are found in every form', () => {
    const text = [
      "import {a} from './a.js'",
      "import type {B} from '../b/b.js'",
      'import {\n  c,\n  d,\n} from "./c.js"',
      "export {e} from './e.js'",
      "export * from './f.js'",
      "import './g.js'",
      "const h = await import('./h.js')",
      "import {readFileSync} from 'node:fs'",
    ].join('\n')
    expect(importsOf(text)).toEqual(['./a.js', '../b/b.js', './c.js', './e.js', './f.js', './g.js', './h.js'])
  })

  test('a cycle is found, through any number of files', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
    ])
    expect(findCycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']])
    expect(findCycles(new Map([['a.ts', ['d.ts']], ['d.ts', []]]))).toEqual([])
  })

  test('layers are looked up by the longest prefix', () => {
    expect(layerOf('core/store/store.ts')?.rank).toBe(35)
    expect(layerOf('core/store/atomic-write.ts')?.rank).toBe(5)
    expect(layerOf('core/errors.ts')?.rank).toBe(0)
    expect(layerOf('core/newdir/x.ts')).toBeNull()
  })
})

describe('src/', () => {
  const {graph, unresolved} = importGraph()

  test('every relative import names a file', () => {
    expect(graph.size).toBeGreaterThan(20)
    expect(unresolved).toEqual([])
  })

  test('has no import cycle', () => {
    expect(findCycles(graph).map((c) => c.join(' -> '))).toEqual([])
  })

  test('has no cycle between layers (directories)', () => {
    const between = new Map<string, string[]>()
    for (const [from, targets] of graph) {
      const a = layerOf(from)?.key ?? from
      const edges = between.get(a) ?? []
      for (const to of targets) {
        const b = layerOf(to)?.key ?? to
        if (b !== a && !edges.includes(b)) edges.push(b)
      }
      between.set(a, edges)
    }
    expect(findCycles(between).map((c) => c.join(' -> '))).toEqual([])
  })

  test('imports only downwards through the layers', () => {
    const wrong: string[] = []
    for (const [from, targets] of graph) {
      const a = layerOf(from)
      if (!a) {
        wrong.push(`${from} is in no layer: add its directory to LAYERS in test/layers.test.ts`)
        continue
      }
      for (const to of targets) {
        const b = layerOf(to)
        if (!b || a.key === b.key) continue
        if (b.rank >= a.rank) wrong.push(`${from} imports ${to}: ${a.key} (${a.rank}) may only import layers below it, not ${b.key} (${b.rank})`)
      }
    }
    expect(wrong).toEqual([])
  })

  test('core/ leaves the process to its caller: no oclif, no chalk, no process.stdout, no process.exit', () => {
    const wrong: string[] = []
    for (const path of sourceFiles(join(SRC, 'core'))) {
      const text = readFileSync(path, 'utf8')
      for (const m of text.matchAll(/from\s*['"](@oclif\/[^'"]*|chalk)['"]|\bprocess\.(stdout|exit)\b/g)) wrong.push(`${relative(SRC, path)}: ${m[0]}`)
    }
    expect(wrong).toEqual([])
  })
})
