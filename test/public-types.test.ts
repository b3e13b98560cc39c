/**
 * The public .d.ts, emitted with the build's own tsconfig (stripInternal
 * included) into a temporary directory and read with the TypeScript
 * checker from index.d.ts's exports outwards: no positional internals (a
 * record as byte ranges, a signature of many positional numbers) are
 * reachable, and every named type a public signature mentions is exported
 * too, so a user can name what they pass and get.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import ts from 'typescript'
import {afterAll, describe, expect, test} from 'vitest'
import {ROOT} from './helpers/cli.js'

const out = mkdtempSync(join(tmpdir(), 'logpipe-dts-'))
afterAll(() => rmSync(out, {recursive: true, force: true}))

/** A positional byte range of a record, or a signature no user should have to fill in by position. */
const FORBIDDEN_PARAMETER = /^(key|value|headers|record)(Start|End|Length)$/
const MAX_PARAMETERS = 5
/** Kafka's own signatures, kept so a Java topology ports line by line. */
const KAFKA_SIGNATURES = /\.addGlobalStore$/

function emitDeclarations(): string {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {outDir: out, declaration: true, emitDeclarationOnly: true, noEmit: false}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'))
    },
  })!
  const program = ts.createProgram(parsed.fileNames, parsed.options)
  const result = program.emit()
  const errors = result.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
  if (errors.length > 0) throw new Error(errors.join('\n'))
  return join(out, 'index.d.ts')
}

/** Problems of the public surface of the declaration file `entry`. */
export function publicSurfaceProblems(entry: string): string[] {
  // That the declarations compile is the README example's test (tsc --strict against dist).
  const program = ts.createProgram([entry], {strict: true, noEmit: true, types: ['node'], skipLibCheck: true})
  const checker = program.getTypeChecker()
  const dir = join(entry, '..')
  const ours = (s: ts.Symbol | undefined) => !!s?.declarations?.some((d) => d.getSourceFile().fileName.startsWith(dir) && !d.getSourceFile().fileName.includes('node_modules'))
  const resolve = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s)
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!
  const exports = checker.getExportsOfModule(moduleSymbol)
  const exported = new Set(exports.map(resolve))
  const problems = new Set<string>()
  const seen = new Set<ts.Type>()

  const isNamed = (s: ts.Symbol) => !!(s.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Enum))

  const visitSignature = (sig: ts.Signature, where: string) => {
    const params = sig.getParameters()
    if (params.length > MAX_PARAMETERS && !KAFKA_SIGNATURES.test(where)) problems.add(`${where} takes ${params.length} positional parameters`)
    for (const p of params) {
      if (FORBIDDEN_PARAMETER.test(p.name)) problems.add(`${where} takes a positional '${p.name}'`)
      visitType(checker.getTypeOfSymbol(p), `${where}(${p.name})`)
    }
    visitType(sig.getReturnType(), `${where}()`)
  }

  const visitType = (type: ts.Type, where: string): void => {
    if (seen.has(type)) return
    seen.add(type)
    if (type.isUnionOrIntersection()) {
      for (const t of type.types) visitType(t, where)
      return
    }
    for (const arg of type.aliasTypeArguments ?? []) visitType(arg, where)
    if (type.flags & ts.TypeFlags.Object && (type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) {
      for (const arg of checker.getTypeArguments(type as ts.TypeReference)) visitType(arg, where)
    }
    const named = type.aliasSymbol ?? type.getSymbol()
    if (named && ours(named) && isNamed(named) && !exported.has(resolve(named))) problems.add(`${named.name} (reached from ${where}) is not exported`)
    if (!named || !ours(named)) return
    // An instantiation of a generic type of ours (KStream<K, V2> from KStream<K, V>.mapValues) is walked
    // once, as its declaration: every new instantiation is a new type, and chains of them never end.
    const generic = type.aliasSymbol && type.aliasTypeArguments?.length ? checker.getDeclaredTypeOfSymbol(type.aliasSymbol) : (type as ts.TypeReference).target
    if (generic && generic !== type) return visitType(generic, where)
    for (const sig of type.getCallSignatures()) visitSignature(sig, where)
    for (const sig of type.getConstructSignatures()) visitSignature(sig, `new ${where}`)
    for (const prop of checker.getPropertiesOfType(type)) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0]
      if (!decl) continue
      const modifiers = ts.getCombinedModifierFlags(decl as ts.Declaration)
      if (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue
      visitType(checker.getTypeOfSymbolAtLocation(prop, decl), `${where}.${prop.name}`)
    }
  }

  for (const s of exports) {
    const target = resolve(s)
    if (target.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) visitType(checker.getDeclaredTypeOfSymbol(target), s.name)
    if (target.flags & ts.SymbolFlags.Value) visitType(checker.getTypeOfSymbol(target), s.name)
  }
  return [...problems].sort()
}

describe('the check itself', () => {
  test('finds a positional signature and an unexported type', () => {
    const dir = mkdtempSync(join(out, 'fixture-'))
    writeFileSync(
      join(dir, 'index.d.ts'),
      [
        'export {}',
        'interface Hidden { a: number }',
        'export declare class Fast {',
        '  add(partition: number, ts: number, key: Buffer | null, keyStart: number, keyEnd: number, value: Buffer | null): void',
        '  take(h: Hidden): void',
        '}',
      ].join('\n'),
    )
    expect(publicSurfaceProblems(join(dir, 'index.d.ts'))).toEqual([
      'Fast.add takes 6 positional parameters',
      "Fast.add takes a positional 'keyEnd'",
      "Fast.add takes a positional 'keyStart'",
      'Hidden (reached from Fast.take(h)) is not exported',
    ])
  })
})

test('the public .d.ts has no positional internals and exports every type its functions take', () => {
  expect(publicSurfaceProblems(emitDeclarations())).toEqual([])
})
