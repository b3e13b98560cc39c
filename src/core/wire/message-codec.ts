/**
 * The codecs derived from a schema. Each (schema, version, direction) is
 * compiled once, on first use, specialised for that version: fields the
 * version lacks become defaults, flexible versions get compact encodings
 * and a tagged-field section per struct, and nothing consults the schema
 * again while a message is encoded or decoded. Each struct becomes
 * generated JavaScript (generateStruct); strings, bytes and tagged sections
 * are closures it calls.
 *
 * Encoding is two passes over the value: the sizer computes the exact size,
 * then the writer lays the message into one buffer of that size. Record
 * batches are Buffers throughout: decoding hands out views of the input,
 * encoding copies them once (encode*) or not at all (encodeResponsePieces,
 * for writev).
 */
import {UnsupportedVersionError, WireDecodeError, WireEncodeError} from '../errors.js'
import {Reader} from './codec/reader.js'
import {SPLICE_MIN, type SizeContext, Writer, sizeOfUnsignedVarint} from './codec/writer.js'
import {
  type ApiSchema,
  type FieldSpec,
  type RequestInput,
  type RequestOf,
  type ResponseInput,
  type ResponseOf,
  type ScalarType,
  inVersions,
} from './schema.js'

/** One field's (or array element's) codec at one version. */
interface ValueCodec {
  size(v: any, ctx: SizeContext): number
  write(w: Writer, v: any): void
  read(r: Reader): unknown
  /** The fewest bytes a value takes on the wire: bounds array counts before allocation. */
  minSize: number
}

interface CompiledField {
  name: string
  where: string
  codec: ValueCodec
  defaultValue: () => unknown
  /** JavaScript source of a primitive default, or null when it must be made fresh (arrays, structs). */
  defaultSource: string | null
  isDefault: (v: unknown) => boolean
  tag: number
  /** A fixed-size scalar: the Writer/Reader method of the same name and its size. */
  fixed: {method: string; size: number} | null
  /** An array: how it is framed and its element's codec (fixed elements inline). */
  array: {compact: boolean; nullable: boolean; element: ValueCodec; elementFixed: {method: string; size: number} | null} | null
}

interface StructCodec extends ValueCodec {
  defaults(): Record<string, unknown>
  isDefault(v: any): boolean
}

const NO_CTX: SizeContext = {splice: false, spliced: 0}

const FIXED: Partial<Record<ScalarType, {method: string; size: number}>> = {
  int8: {method: 'int8', size: 1},
  int16: {method: 'int16', size: 2},
  uint16: {method: 'uint16', size: 2},
  int32: {method: 'int32', size: 4},
  uint32: {method: 'uint32', size: 4},
  int64: {method: 'int64', size: 8},
  float64: {method: 'float64', size: 8},
  bool: {method: 'bool', size: 1},
  uuid: {method: 'uuid', size: 16},
}

function literal(v: unknown): string | null {
  if (v === null) return 'null'
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (typeof v === 'string') return JSON.stringify(v)
  return null
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000'
const EMPTY = Buffer.alloc(0)

function scalarDefault(type: ScalarType, spec: FieldSpec): unknown {
  const d = spec.default
  if (d !== undefined) return type === 'int64' && typeof d === 'number' ? BigInt(d) : d
  switch (type) {
    case 'int64':
      return 0n
    case 'bool':
      return false
    case 'string':
      return ''
    case 'uuid':
      return NIL_UUID
    case 'bytes':
      return EMPTY
    case 'records':
      return null
    default:
      return 0
  }
}

function fixed(size: number, write: (w: Writer, v: any) => void, read: (r: Reader) => unknown): ValueCodec {
  return {size: () => size, write, read, minSize: size}
}

function stringCodec(compact: boolean, nullable: boolean, where: string): ValueCodec {
  const nullSize = compact ? 1 : 2
  const prefix = (n: number) => (compact ? sizeOfUnsignedVarint(n + 1) : 2)
  return {
    minSize: nullSize,
    size(v: string | null) {
      if (v === null) return nullSize
      const n = Buffer.byteLength(v)
      return prefix(n) + n
    },
    write(w, v: string | null) {
      if (v === null) {
        if (!nullable) throw new WireEncodeError(`${where} may not be null in this version`)
        if (compact) w.unsignedVarint(0)
        else w.int16(-1)
        return
      }
      const n = Buffer.byteLength(v)
      if (compact) w.unsignedVarint(n + 1)
      else if (n > 0x7fff) throw new WireEncodeError(`${where} is ${n} bytes, over the 32767 a string can carry`)
      else w.int16(n)
      w.utf8(v, n)
    },
    read: (r) => r.string(compact, nullable),
  }
}

function bytesCodec(compact: boolean, nullable: boolean, spliceable: boolean, where: string): ValueCodec {
  const nullSize = compact ? 1 : 4
  return {
    minSize: nullSize,
    size(v: Buffer | null, ctx) {
      if (v === null) return nullSize
      if (spliceable && ctx.splice && v.length >= SPLICE_MIN) ctx.spliced += v.length
      return (compact ? sizeOfUnsignedVarint(v.length + 1) : 4) + v.length
    },
    write(w, v: Buffer | null) {
      if (v === null) {
        if (!nullable) throw new WireEncodeError(`${where} may not be null in this version`)
        if (compact) w.unsignedVarint(0)
        else w.int32(-1)
        return
      }
      if (compact) w.unsignedVarint(v.length + 1)
      else w.int32(v.length)
      w.raw(v)
    },
    read: (r) => r.bytes(compact, nullable),
  }
}

function scalarCodec(type: ScalarType, compact: boolean, nullable: boolean, where: string): ValueCodec {
  switch (type) {
    case 'int8':
      return fixed(1, (w, v) => w.int8(v), (r) => r.int8())
    case 'int16':
      return fixed(2, (w, v) => w.int16(v), (r) => r.int16())
    case 'uint16':
      return fixed(2, (w, v) => w.uint16(v), (r) => r.uint16())
    case 'int32':
      return fixed(4, (w, v) => w.int32(v), (r) => r.int32())
    case 'uint32':
      return fixed(4, (w, v) => w.uint32(v), (r) => r.uint32())
    case 'int64':
      return fixed(8, (w, v) => w.int64(v), (r) => r.int64())
    case 'float64':
      return fixed(8, (w, v) => w.float64(v), (r) => r.float64())
    case 'bool':
      return fixed(1, (w, v) => w.bool(v), (r) => r.bool())
    case 'uuid':
      return fixed(16, (w, v) => w.uuid(v), (r) => r.uuid())
    case 'string':
      return stringCodec(compact, nullable, where)
    case 'bytes':
      return bytesCodec(compact, nullable, false, where)
    case 'records':
      // Records are always nullable on the wire (a fetch of an empty partition sends null).
      return bytesCodec(compact, true, true, where)
  }
}

function arrayCodec(element: ValueCodec, compact: boolean, nullable: boolean, where: string): ValueCodec {
  const minElement = Math.max(1, element.minSize)
  return {
    minSize: compact ? 1 : 4,
    size(v: unknown[] | null, ctx) {
      if (v === null) return compact ? 1 : 4
      let n = compact ? sizeOfUnsignedVarint(v.length + 1) : 4
      for (let i = 0; i < v.length; i++) n += element.size(v[i], ctx)
      return n
    },
    write(w, v: unknown[] | null) {
      if (v === null) {
        if (!nullable) throw new WireEncodeError(`${where} may not be null in this version`)
        if (compact) w.unsignedVarint(0)
        else w.int32(-1)
        return
      }
      if (compact) w.unsignedVarint(v.length + 1)
      else w.int32(v.length)
      for (let i = 0; i < v.length; i++) element.write(w, v[i])
    },
    read(r) {
      const n = r.arrayCount(compact, nullable, minElement)
      if (n === -1) return null
      const out: unknown[] = []
      for (let i = 0; i < n; i++) out.push(element.read(r))
      return out
    },
  }
}

function isEmptyDefault(d: unknown): (v: unknown) => boolean {
  // Arrays and byte strings: the default is null or empty.
  return (v) => (v === null ? d === null : d !== null && (v as {length: number}).length === 0)
}

function compileField(spec: FieldSpec, version: number, flexible: boolean, path: string): CompiledField {
  const where = `${path}.${spec.name}`
  const nullable = inVersions(spec.nullable, version)
  const isArray = spec.type.startsWith('[]')
  const elementType = (isArray ? spec.type.slice(2) : spec.type) as ScalarType | 'struct'
  let codec: ValueCodec
  let defaultValue: () => unknown
  let isDefault: (v: unknown) => boolean
  let defaultSource: string | null = null
  let fixed: CompiledField['fixed'] = null
  let array: CompiledField['array'] = null
  if (elementType === 'struct') {
    if (spec.fields === undefined) throw new Error(`schema field ${where} is a struct without fields`)
    const struct = compileStruct(spec.fields, version, flexible, where)
    if (isArray) {
      codec = arrayCodec(struct, flexible, nullable, where)
      array = {compact: flexible, nullable, element: struct, elementFixed: null}
      const d = spec.default === null ? null : undefined
      defaultValue = () => (d === null ? null : [])
      if (d === null) defaultSource = 'null'
      isDefault = isEmptyDefault(d === null ? null : [])
    } else {
      if (nullable) throw new Error(`schema field ${where}: nullable structs are not supported`)
      codec = struct
      defaultValue = () => struct.defaults()
      isDefault = (v) => struct.isDefault(v)
    }
  } else if (isArray) {
    const element = scalarCodec(elementType, flexible, false, where)
    codec = arrayCodec(element, flexible, nullable, where)
    array = {compact: flexible, nullable, element, elementFixed: FIXED[elementType] ?? null}
    const d = spec.default === null ? null : []
    if (d === null) defaultSource = 'null'
    defaultValue = () => (d === null ? null : [])
    isDefault = isEmptyDefault(d)
  } else {
    codec = scalarCodec(elementType, flexible, nullable, where)
    const d = scalarDefault(elementType, spec)
    defaultValue = () => d
    defaultSource = literal(d)
    fixed = FIXED[elementType] ?? null
    isDefault = elementType === 'bytes' || elementType === 'records' ? isEmptyDefault(d) : (v) => v === d
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(spec.name)) throw new Error(`schema field ${where}: not a plain identifier`)
  return {name: spec.name, where, codec, defaultValue, defaultSource, isDefault, tag: spec.tag ?? -1, fixed, array}
}

function compileStruct(specs: readonly FieldSpec[], version: number, flexible: boolean, path: string): StructCodec {
  const all: CompiledField[] = []
  const regular: CompiledField[] = []
  const tagged: CompiledField[] = []
  for (const spec of specs) {
    const field = compileField(spec, version, flexible, path)
    all.push(field)
    if (!inVersions(spec.versions, version)) continue
    if (flexible && spec.tag !== undefined && inVersions(spec.taggedVersions ?? spec.versions, version)) tagged.push(field)
    else regular.push(field)
  }
  tagged.sort((a, b) => a.tag - b.tag)
  const inVersion = [...regular, ...tagged]
  const byTag = new Map(tagged.map((f) => [f.tag, f]))

  const valueOf = (v: any, f: CompiledField): unknown => {
    const x = v === undefined ? undefined : v[f.name]
    return x === undefined ? f.defaultValue() : x
  }

  // The tagged section goes through closures: it is rare, small, and only in flexible versions.
  const taggedCodec = {
    size(v: any): number {
      let n = 0
      let count = 0
      for (const f of tagged) {
        const x = valueOf(v, f)
        if (f.isDefault(x)) continue
        count++
        const size = f.codec.size(x, NO_CTX)
        n += sizeOfUnsignedVarint(f.tag) + sizeOfUnsignedVarint(size) + size
      }
      return n + sizeOfUnsignedVarint(count)
    },
    write(w: Writer, v: any): void {
      if (tagged.length === 0) {
        w.unsignedVarint(0)
        return
      }
      const present: Array<[CompiledField, unknown]> = []
      for (const f of tagged) {
        const x = valueOf(v, f)
        if (!f.isDefault(x)) present.push([f, x])
      }
      w.unsignedVarint(present.length)
      for (const [f, x] of present) {
        w.unsignedVarint(f.tag)
        w.unsignedVarint(f.codec.size(x, NO_CTX))
        f.codec.write(w, x)
      }
    },
    read(r: Reader, o: Record<string, unknown>): void {
      readTaggedFields(r, o, byTag, path)
    },
  }

  let minSize = flexible ? 1 : 0
  for (const f of regular) minSize += f.codec.minSize

  const generated = generateStruct(all, regular, flexible, taggedCodec)
  return {
    minSize,
    size: generated.size,
    write: generated.write,
    read: generated.read,
    defaults() {
      const o: Record<string, unknown> = {}
      for (const f of all) o[f.name] = f.defaultValue()
      return o
    },
    isDefault(v) {
      if (v === undefined) return true
      for (const f of inVersion) if (!f.isDefault(valueOf(v, f))) return false
      return true
    },
  }
}

interface GeneratedStruct {
  size(v: any, ctx: SizeContext): number
  write(w: Writer, v: any): void
  read(r: Reader): unknown
}

/**
 * Writes the sizer, writer and reader of one struct at one version as
 * JavaScript source and compiles it, so each field is a property access by
 * its own name (one shape per call site, which V8 keeps fast), fixed-size
 * fields are inlined and their sizes summed in advance, and a decoded
 * struct is one object literal (one hidden class). Field names are checked
 * identifiers from our own schemas, never input.
 */
function generateStruct(
  all: CompiledField[],
  regular: CompiledField[],
  flexible: boolean,
  tagged: {size(v: any): number; write(w: Writer, v: any): void; read(r: Reader, o: Record<string, unknown>): void},
): GeneratedStruct {
  const decls: string[] = []
  const helpers: string[] = []
  const index = (f: CompiledField) => all.indexOf(f)
  for (const f of all) {
    const i = index(f)
    decls.push(`const C${i} = F[${i}].codec, D${i} = F[${i}].defaultValue, E${i} = F[${i}].array && F[${i}].array.element;`)
  }
  const dflt = (f: CompiledField) => f.defaultSource ?? `D${index(f)}()`

  let fixedSize = 0
  const size: string[] = ['let n = 0, x;']
  const write: string[] = ['let x;']
  for (const f of regular) {
    const i = index(f)
    const get = `x = v.${f.name}; if (x === undefined) x = ${dflt(f)};`
    if (f.fixed) {
      fixedSize += f.fixed.size
      write.push(get, `w.${f.fixed.method}(x);`)
    } else if (f.array) {
      const {compact, nullable, elementFixed} = f.array
      const nullSize = compact ? 1 : 4
      size.push(
        get,
        `if (x === null) n += ${nullSize}; else {`,
        compact ? 'n += su(x.length + 1);' : 'n += 4;',
        elementFixed ? `n += x.length * ${elementFixed.size};` : `for (let j = 0; j < x.length; j++) n += E${i}.size(x[j], ctx);`,
        '}',
      )
      write.push(
        get,
        'if (x === null) {',
        nullable ? (compact ? 'w.unsignedVarint(0);' : 'w.int32(-1);') : `throw nullError(F[${i}].where);`,
        '} else {',
        compact ? 'w.unsignedVarint(x.length + 1);' : 'w.int32(x.length);',
        elementFixed ? `for (let j = 0; j < x.length; j++) w.${elementFixed.method}(x[j]);` : `for (let j = 0; j < x.length; j++) E${i}.write(w, x[j]);`,
        '}',
      )
      const minElement = Math.max(1, f.array.element.minSize)
      helpers.push(
        `function A${i}(r) {`,
        `  const n = r.arrayCount(${compact}, ${nullable}, ${minElement});`,
        '  if (n === -1) return null;',
        '  const out = [];',
        `  for (let j = 0; j < n; j++) out.push(${elementFixed ? `r.${elementFixed.method}()` : `E${i}.read(r)`});`,
        '  return out;',
        '}',
      )
    } else {
      size.push(get, `n += C${i}.size(x, ctx);`)
      write.push(get, `C${i}.write(w, x);`)
    }
  }
  size.push(flexible ? `return n + ${fixedSize} + T.size(v);` : `return n + ${fixedSize};`)
  if (flexible) write.push('T.write(w, v);')

  const isRegular = new Set(regular)
  const fields = all.map((f) => {
    const i = index(f)
    let expr: string
    if (!isRegular.has(f)) expr = dflt(f)
    else if (f.fixed) expr = `r.${f.fixed.method}()`
    else if (f.array) expr = `A${i}(r)`
    else expr = `C${i}.read(r)`
    return `${f.name}: ${expr},`
  })
  const read = ['const o = {', ...fields, '};', flexible ? 'T.read(r, o);' : '', 'return o;']

  const body = [
    ...decls,
    ...helpers,
    'const EMPTY_VALUE = {};',
    'return {',
    `size(v, ctx) { if (v === undefined) v = EMPTY_VALUE; ${size.join(' ')} },`,
    `write(w, v) { if (v === undefined) v = EMPTY_VALUE; ${write.join(' ')} },`,
    `read(r) { ${read.join(' ')} },`,
    '};',
  ].join('\n')
  const factory = new Function('F', 'T', 'su', 'nullError', body) as (...args: unknown[]) => GeneratedStruct
  return factory(all, tagged, sizeOfUnsignedVarint, (where: string) => new WireEncodeError(`${where} may not be null in this version`))
}

/** The tagged section of a flexible struct: known tags decoded in place, unknown ones skipped (KIP-482). */
function readTaggedFields(r: Reader, o: Record<string, unknown>, byTag: Map<number, CompiledField>, path: string): void {
  const count = r.unsignedVarint()
  // Each tagged field takes at least two bytes (tag and size).
  if (count * 2 > r.remaining) throw new WireDecodeError(`${path}: ${count} tagged fields cannot fit in the ${r.remaining} bytes left`)
  let last = -1
  for (let i = 0; i < count; i++) {
    const tag = r.unsignedVarint()
    if (tag <= last) throw new WireDecodeError(`${path}: tagged field ${tag} after ${last} (tags must ascend)`)
    last = tag
    const size = r.unsignedVarint()
    if (size > r.remaining) throw new WireDecodeError(`${path}: tagged field ${tag} of ${size} bytes runs past the end`)
    const field = byTag.get(tag)
    if (field === undefined) {
      r.skip(size)
      continue
    }
    const end = r.pos + size
    const inner = r.window(size)
    o[field.name] = field.codec.read(inner)
    if (inner.pos !== end) throw new WireDecodeError(`${path}.${field.name}: tagged field declared ${size} bytes, its value took ${inner.pos - r.pos}`)
    r.pos = end
  }
}

// ---- the public codecs ----

interface Compiled {
  request: StructCodec[]
  response: StructCodec[]
}

const compiled = new WeakMap<ApiSchema, Compiled>()

function codecFor(schema: ApiSchema, version: number, direction: 'request' | 'response'): StructCodec {
  let c = compiled.get(schema)
  if (c === undefined) {
    c = {request: [], response: []}
    compiled.set(schema, c)
  }
  const cached = c[direction][version]
  if (cached !== undefined) return cached
  if (!Number.isInteger(version) || !inVersions(schema.versions, version)) {
    throw new UnsupportedVersionError(`${schema.name} version ${version} is not supported (supported: ${schema.versions})`, schema.apiKey, version)
  }
  const flexible = inVersions(schema.flexible === 'none' ? undefined : schema.flexible, version)
  const codec = compileStruct(schema[direction], version, flexible, `${schema.name}${direction === 'request' ? 'Request' : 'Response'}`)
  c[direction][version] = codec
  return codec
}

export function isFlexible(schema: ApiSchema, version: number): boolean {
  return schema.flexible !== 'none' && inVersions(schema.flexible, version)
}

function encode(codec: StructCodec, value: unknown, headroom: number): Buffer {
  const w = new Writer(codec.size(value, NO_CTX), false, headroom)
  codec.write(w, value)
  return w.finish()
}

/**
 * The request body. `headroom` bytes are reserved at the front for the
 * caller's size prefix and header (envelope.ts), so a frame is one buffer.
 */
export function encodeRequest<A extends ApiSchema>(schema: A, version: number, value: RequestInput<A>, headroom = 0): Buffer {
  return encode(codecFor(schema, version, 'request'), value, headroom)
}

export function encodeResponse<A extends ApiSchema>(schema: A, version: number, value: ResponseInput<A>, headroom = 0): Buffer {
  return encode(codecFor(schema, version, 'response'), value, headroom)
}

function encodePieces(codec: StructCodec, value: unknown, headroom: number): Buffer[] {
  const ctx: SizeContext = {splice: true, spliced: 0}
  const size = codec.size(value, ctx)
  const w = new Writer(size - ctx.spliced, true, headroom)
  codec.write(w, value)
  return w.finishPieces()
}

/**
 * The response body as pieces in order, record batches of SPLICE_MIN bytes
 * or more passed by reference (never copied): for a socket's writev. The
 * first piece starts with `headroom` bytes for the caller.
 */
export function encodeResponsePieces<A extends ApiSchema>(schema: A, version: number, value: ResponseInput<A>, headroom = 0): Buffer[] {
  return encodePieces(codecFor(schema, version, 'response'), value, headroom)
}

/** The request body as pieces, as encodeResponsePieces: a client's Produce batches go out as they are. */
export function encodeRequestPieces<A extends ApiSchema>(schema: A, version: number, value: RequestInput<A>, headroom = 0): Buffer[] {
  return encodePieces(codecFor(schema, version, 'request'), value, headroom)
}

/** Total bytes of some pieces. */
export function piecesLength(pieces: readonly Buffer[]): number {
  let n = 0
  for (const p of pieces) n += p.length
  return n
}

export function decodeRequest<A extends ApiSchema>(schema: A, version: number, buf: Buffer, offset = 0, end = buf.length): RequestOf<A> {
  return codecFor(schema, version, 'request').read(new Reader(buf, offset, end)) as RequestOf<A>
}

export function decodeResponse<A extends ApiSchema>(schema: A, version: number, buf: Buffer, offset = 0, end = buf.length): ResponseOf<A> {
  return codecFor(schema, version, 'response').read(new Reader(buf, offset, end)) as ResponseOf<A>
}

/** A request with every field at its default for the version (what an absent field decodes as). */
export function defaultRequest<A extends ApiSchema>(schema: A, version: number): RequestOf<A> {
  return codecFor(schema, version, 'request').defaults() as RequestOf<A>
}

export function defaultResponse<A extends ApiSchema>(schema: A, version: number): ResponseOf<A> {
  return codecFor(schema, version, 'response').defaults() as ResponseOf<A>
}
