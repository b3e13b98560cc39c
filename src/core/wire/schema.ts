/**
 * The schema format: one declarative description per Kafka API, from which
 * every codec of that API is derived (message-codec.ts). It follows the
 * shape of Kafka's message definitions (fields with `versions`,
 * `nullableVersions`, tagged fields of KIP-482) in our own notation: field
 * names are the camelCase names the values carry, version ranges are
 * strings ('3+', '0-4', '7'), nested structs list their fields inline.
 *
 * The TypeScript types of the values are inferred from the schema itself
 * (each message file declares its schema `as const`), so the schema is the
 * one source of truth: RequestOf<typeof produce> is the decoded Produce
 * request, RequestInput<typeof produce> what encodeRequest accepts (every
 * field optional: an absent field takes its default).
 */

/** The wire types of Kafka's message definitions. */
export type ScalarType = 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'float64' | 'bool' | 'string' | 'bytes' | 'records' | 'uuid'
export type FieldType = ScalarType | 'struct' | `[]${ScalarType}` | '[]struct'

export interface FieldSpec {
  readonly name: string
  readonly type: FieldType
  /** The versions that carry this field; in others it reads as its default and is not written. */
  readonly versions: string
  /** The versions in which the value may be null. */
  readonly nullable?: string
  /** A tagged field (KIP-482): written only when not its default, in the tagged section of its struct. */
  readonly tag?: number
  readonly taggedVersions?: string
  /** The value where the version lacks the field or the sender left it out; else 0, '', false, empty. */
  readonly default?: number | bigint | string | boolean | null
  readonly fields?: readonly FieldSpec[]
}

export interface ApiSchema {
  readonly apiKey: number
  readonly name: string
  /** The versions we implement (what ApiVersions answers); each schema says why. */
  readonly versions: string
  /** The versions that use compact encodings and tagged fields; 'none' for an API that never does. */
  readonly flexible: string
  readonly request: readonly FieldSpec[]
  readonly response: readonly FieldSpec[]
}

export interface VersionRange {
  min: number
  /** Inclusive; Infinity for 'N+'. */
  max: number
}

const rangeCache = new Map<string, VersionRange | null>()

/** '3+', '0-4', '7' or 'none' (null). */
export function parseVersions(text: string): VersionRange | null {
  const cached = rangeCache.get(text)
  if (cached !== undefined) return cached
  let range: VersionRange | null
  const m = /^(\d+)(?:(\+)|-(\d+))?$/.exec(text)
  if (text === 'none') range = null
  else if (m === null) throw new Error(`bad version range '${text}' in a schema`)
  else range = {min: Number(m[1]), max: m[2] ? Infinity : m[3] !== undefined ? Number(m[3]) : Number(m[1])}
  rangeCache.set(text, range)
  return range
}

export function inVersions(text: string | undefined, version: number): boolean {
  if (text === undefined) return false
  const r = parseVersions(text)
  return r !== null && version >= r.min && version <= r.max
}

// ---- the value types, inferred from a schema ----

interface ScalarValues {
  int8: number
  int16: number
  uint16: number
  int32: number
  uint32: number
  int64: bigint
  float64: number
  bool: boolean
  string: string
  bytes: Buffer
  records: Buffer
  uuid: string
}

type Element<F extends FieldSpec, Out extends boolean> = F extends {readonly fields: infer S extends readonly FieldSpec[]}
  ? Out extends true
    ? StructOf<S>
    : StructInput<S>
  : F['type'] extends `[]${infer P extends ScalarType}`
    ? ScalarValues[P]
    : F['type'] extends ScalarType
      ? ScalarValues[F['type']]
      : never

type Nullable<F extends FieldSpec> = F extends {readonly nullable: string} ? null : F['type'] extends 'records' ? null : never

export type FieldValue<F extends FieldSpec, Out extends boolean = true> =
  | (F['type'] extends `[]${string}` ? Array<Element<F, Out>> : Element<F, Out>)
  | Nullable<F>

/** A decoded struct: every field present (defaults where the version lacks one). */
export type StructOf<S extends readonly FieldSpec[]> = {-readonly [F in S[number] as F['name']]: FieldValue<F, true>}

/** A struct to encode: any field may be left out and takes its default. */
export type StructInput<S extends readonly FieldSpec[]> = {-readonly [F in S[number] as F['name']]?: FieldValue<F, false>}

export type RequestOf<A extends ApiSchema> = StructOf<A['request']>
export type ResponseOf<A extends ApiSchema> = StructOf<A['response']>
export type RequestInput<A extends ApiSchema> = StructInput<A['request']>
export type ResponseInput<A extends ApiSchema> = StructInput<A['response']>
