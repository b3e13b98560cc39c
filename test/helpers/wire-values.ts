/**
 * Random values for a schema at one version, with the value a decoder must
 * give back: fields the version lacks are left out of the value and expected
 * at their defaults (worked out here from the schema's stated defaults, not
 * by our codec).
 */
import {type FieldSpec, type ScalarType, inVersions} from '../../src/core/wire/schema.js'
import type {Rng} from '../core/support.js'

const NIL_UUID = '00000000-0000-0000-0000-000000000000'

function defaultOf(f: FieldSpec): unknown {
  if (f.type.startsWith('[]')) return f.default === null ? null : []
  if (f.type === 'struct') return structDefaults(f.fields ?? [])
  if (f.default !== undefined) return f.type === 'int64' && typeof f.default === 'number' ? BigInt(f.default) : f.default
  const defaults: Record<ScalarType, unknown> = {
    int8: 0,
    int16: 0,
    uint16: 0,
    int32: 0,
    uint32: 0,
    int64: 0n,
    float64: 0,
    bool: false,
    string: '',
    bytes: Buffer.alloc(0),
    records: null,
    uuid: NIL_UUID,
  }
  return defaults[f.type as ScalarType]
}

function structDefaults(fields: readonly FieldSpec[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f.name, defaultOf(f)]))
}

const WORDS = ['orders', 'logs', 'ünïcødé-topic', '', 'a.b_c-d', 'x'.repeat(300)]

function randomScalar(type: ScalarType, rng: Rng): unknown {
  switch (type) {
    case 'int8':
      return rng.int(-128, 128)
    case 'int16':
      return rng.int(-32768, 32768)
    case 'uint16':
      return rng.int(0, 65536)
    case 'int32':
      return rng.int(-(2 ** 31), 2 ** 31)
    case 'uint32':
      return rng.int(0, 2 ** 32)
    case 'int64':
      return BigInt.asIntN(64, (BigInt(rng.int(0, 2 ** 32)) << 32n) | BigInt(rng.int(0, 2 ** 32)))
    case 'float64':
      return (rng.next() - 0.5) * 1e6
    case 'bool':
      return rng.next() < 0.5
    case 'string':
      return WORDS[rng.int(0, WORDS.length)]
    case 'bytes':
    case 'records':
      return rng.bytes(rng.int(0, 40))
    case 'uuid': {
      const h = rng.bytes(16).toString('hex')
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
    }
  }
}

export function randomStruct(
  fields: readonly FieldSpec[],
  version: number,
  rng: Rng,
  depth = 0,
): {value: Record<string, unknown>; expected: Record<string, unknown>} {
  const value: Record<string, unknown> = {}
  const expected: Record<string, unknown> = {}
  for (const f of fields) {
    if (!inVersions(f.versions, version)) {
      expected[f.name] = defaultOf(f)
      // Sometimes a value the version cannot carry: it must be ignored.
      if (rng.next() < 0.2 && !f.type.includes('struct')) value[f.name] = randomScalar(f.type.replace('[]', '') as ScalarType, rng)
      continue
    }
    const nullable = inVersions(f.nullable, version) || f.type === 'records'
    if (nullable && rng.next() < 0.2) {
      value[f.name] = expected[f.name] = null
      continue
    }
    if (rng.next() < 0.1) {
      // Left out: the encoder writes the default.
      expected[f.name] = defaultOf(f)
      continue
    }
    if (f.type.startsWith('[]')) {
      const n = depth > 3 ? 0 : rng.int(0, 4)
      const values: unknown[] = []
      const expects: unknown[] = []
      for (let i = 0; i < n; i++) {
        if (f.fields) {
          const s = randomStruct(f.fields, version, rng, depth + 1)
          values.push(s.value)
          expects.push(s.expected)
        } else {
          const x = randomScalar(f.type.slice(2) as ScalarType, rng)
          values.push(x)
          expects.push(x)
        }
      }
      value[f.name] = values
      expected[f.name] = expects
    } else if (f.type === 'struct') {
      const s = randomStruct(f.fields ?? [], version, rng, depth + 1)
      value[f.name] = s.value
      expected[f.name] = s.expected
    } else {
      value[f.name] = expected[f.name] = randomScalar(f.type as ScalarType, rng)
    }
  }
  return {value, expected}
}
