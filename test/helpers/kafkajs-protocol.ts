/**
 * kafkajs's protocol encoders and decoders as an outside oracle for our
 * schemas. Requests: kafkajs's request encoder and ours must give the same
 * body bytes. Responses: kafkajs's decoder reads what we encoded, and the
 * values it read, flattened in the order it read them, must be the values we
 * wrote, flattened in wire order (names differ between kafkajs and Kafka;
 * order, count and value of every field must not).
 */
import {createRequire} from 'node:module'
import {type FieldSpec, inVersions} from '../../src/core/wire/schema.js'

const require = createRequire(import.meta.url)

export interface KafkajsRequest {
  encode(): Promise<{buffer: Buffer}>
}

export interface KafkajsResponse {
  decode(raw: Buffer): Promise<any>
  parse(data: any): Promise<any>
}

/** `dir` as in kafkajs/src/protocol/requests/<dir>/v<N>/. */
export function kafkajsRequest(dir: string, version: number, args: unknown): KafkajsRequest {
  return require(`kafkajs/src/protocol/requests/${dir}/v${version}/request`)(args)
}

export function kafkajsResponse(dir: string, version: number): KafkajsResponse {
  return require(`kafkajs/src/protocol/requests/${dir}/v${version}/response`)
}

export async function kafkajsRequestBody(dir: string, version: number, args: unknown): Promise<Buffer> {
  return (await kafkajsRequest(dir, version, args).encode()).buffer
}

export type Leaf = string | null

/** A marker for a record set: kafkajs decodes it into messages, compared apart. */
export const RECORDS = '<records>'

/**
 * kafkajs's decoded object as leaves in the order it read them. Arrays are
 * `[n` then their elements, so a count is checked as well as the elements.
 * `recordKeys` name the properties where kafkajs put decoded records.
 */
export function kafkajsLeaves(value: unknown, recordKeys: readonly string[] = ['messages'], out: Leaf[] = []): Leaf[] {
  if (value === null || value === undefined) out.push(null)
  else if (Buffer.isBuffer(value)) out.push(value.toString('hex'))
  else if (Array.isArray(value)) {
    out.push(`[${value.length}`)
    for (const v of value) kafkajsLeaves(v, recordKeys, out)
  } else if (typeof value === 'object') {
    const o = value as Record<string, unknown>
    // Newer kafkajs decoders report the broker's throttle time as
    // clientSideThrottleTime, added last, and set throttleTime to 0 where it was read.
    const throttled = 'clientSideThrottleTime' in o
    for (const [k, v] of Object.entries(o)) {
      if (throttled && k === 'throttleTime') kafkajsLeaves(o.clientSideThrottleTime, recordKeys, out)
      else if (throttled && k === 'clientSideThrottleTime') continue
      else if (recordKeys.includes(k)) out.push(RECORDS)
      else kafkajsLeaves(v, recordKeys, out)
    }
  } else out.push(String(value))
  return out
}

/** Our value's leaves in wire order for `version`, tagged fields left out. */
export function wireLeaves(fields: readonly FieldSpec[], version: number, value: Record<string, unknown>, out: Leaf[] = []): Leaf[] {
  for (const f of fields) {
    // Tagged fields travel apart, after the struct's other fields; neither oracle reads them.
    if (!inVersions(f.versions, version) || f.tag !== undefined) continue
    const v = value[f.name]
    if (f.type === 'records') out.push(RECORDS)
    else if (f.type.startsWith('[]')) {
      const items = (v ?? []) as unknown[]
      out.push(`[${items.length}`)
      for (const item of items) {
        if (f.fields) wireLeaves(f.fields, version, item as Record<string, unknown>, out)
        else out.push(leaf(item))
      }
    } else if (f.fields) wireLeaves(f.fields, version, v as Record<string, unknown>, out)
    else out.push(leaf(v))
  }
  return out
}

function leaf(v: unknown): Leaf {
  if (v === null || v === undefined) return null
  if (Buffer.isBuffer(v)) return v.toString('hex')
  return String(v)
}

/**
 * Where kafkajs's decoder does more than read: it sorts topic results by
 * name (so we send them sorted), derives v0 config sources, re-prefixes SASL
 * tokens with their length, reports a throttle time it never read.
 */
const byName = (key: string) => (value: Record<string, unknown>) => {
  // A name left out is sent as its default, ''.
  ;(value[key] as Array<{name?: string}> | undefined)?.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''))
}
const prepare: Record<string, (value: Record<string, unknown>) => void> = {
  createTopics: byName('topics'),
  deleteTopics: byName('responses'),
  createPartitions: byName('results'),
}
const adapt: Record<string, (decoded: any, version: number) => void> = {
  describeConfigs: (d, v) => {
    for (const r of d.resources) for (const c of r.configEntries) delete c[v === 0 ? 'configSource' : 'isDefault']
  },
  saslAuthenticate: (d) => {
    d.authBytes = d.authBytes.subarray(4)
  },
  deleteGroups: (d, v) => {
    if (v === 1) {
      delete d.throttleTime
      delete d.clientSideThrottleTime
    }
  },
}

export const kafkajsQuirks = {prepare, adapt}
