/**
 * The JSON Schema subset docs/JSON.md is written in, and a checker for it:
 * type (one or a list; "integer" is a whole number), properties, required,
 * additionalProperties (false or a schema), items, enum, minimum, and $ref
 * into the page's shared $defs. Enough to hold the CLI to its page; a
 * keyword outside the subset is an error, so the page cannot use one the
 * test would silently skip.
 */
import {readFileSync} from 'node:fs'

export interface Schema {
  type?: string | string[]
  properties?: Record<string, Schema>
  required?: string[]
  additionalProperties?: boolean | Schema
  items?: Schema
  enum?: unknown[]
  minimum?: number
  $ref?: string
}

const KEYWORDS = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'minimum', '$ref'])

/** The `<!-- schema: NAME -->` blocks of a Markdown page, by name. */
export function schemasOf(path: string): Map<string, Schema> {
  const text = readFileSync(path, 'utf8')
  const out = new Map<string, Schema>()
  for (const m of text.matchAll(/<!-- schema: ([^>]+?) -->\n```json\n([\s\S]*?)\n```/g)) {
    if (out.has(m[1])) throw new Error(`schema ${m[1]} is given twice`)
    out.set(m[1], JSON.parse(m[2]) as Schema)
  }
  return out
}

function kindOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  return typeof v
}

/** Every way `value` breaks `schema`, each as "path: what"; empty when it fits. */
export function check(value: unknown, schema: Schema, defs: Record<string, Schema>, path = '$'): string[] {
  for (const k of Object.keys(schema)) if (!KEYWORDS.has(k)) return [`${path}: schema keyword ${k} is outside the checked subset`]
  if (schema.$ref) {
    const name = /^#\/\$defs\/(.+)$/.exec(schema.$ref)?.[1]
    const target = name === undefined ? undefined : defs[name]
    if (!target) return [`${path}: unknown $ref ${schema.$ref}`]
    return check(value, target, defs, path)
  }
  const errors: string[] = []
  const kind = kindOf(value)
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type]
    const ok = types.includes(kind) || (kind === 'integer' && types.includes('number'))
    if (!ok) return [`${path}: ${kind}, not ${types.join(' or ')}`]
  }
  if (schema.enum && !schema.enum.some((e) => e === value)) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`)
  if (schema.minimum !== undefined && typeof value === 'number' && value < schema.minimum) errors.push(`${path}: ${value} < ${schema.minimum}`)
  if (kind === 'object') {
    const o = value as Record<string, unknown>
    for (const r of schema.required ?? []) if (!(r in o)) errors.push(`${path}: missing ${r}`)
    for (const [k, v] of Object.entries(o)) {
      const p = schema.properties?.[k]
      if (p) errors.push(...check(v, p, defs, `${path}.${k}`))
      else if (schema.additionalProperties === false) errors.push(`${path}: field ${k} is not in the schema`)
      else if (typeof schema.additionalProperties === 'object') errors.push(...check(v, schema.additionalProperties, defs, `${path}.${k}`))
    }
  }
  if (kind === 'array' && schema.items) (value as unknown[]).forEach((v, i) => errors.push(...check(v, schema.items as Schema, defs, `${path}[${i}]`)))
  return errors
}
