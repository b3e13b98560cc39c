/**
 * Request and response headers. A request header is v1 (api key, api
 * version, correlation id, nullable client id) or, for a flexible version of
 * its API, v2 (v1 plus tagged fields; the client id stays a plain int16
 * string). A response header is v0 (correlation id) or, for a flexible
 * version, v1 (plus tagged fields), except ApiVersions, whose response
 * header is v0 at every version (KIP-511: a client that asked a version the
 * broker lacks must still read the answer).
 */
import {WireDecodeError} from '../errors.js'
import {Reader} from './codec/reader.js'
import type {Writer} from './codec/writer.js'
import {schemaFor} from './registry.js'
import {type ApiSchema, inVersions} from './schema.js'

const API_VERSIONS_KEY = 18

export interface RequestHeader {
  apiKey: number
  apiVersion: number
  correlationId: number
  clientId: string | null
}

/**
 * By the version's flexibility even outside the range we implement, so a
 * newer client's header still parses and can be answered UNSUPPORTED_VERSION.
 * An unknown API gets v1: its body is never read.
 */
export function requestHeaderVersion(schema: ApiSchema | undefined, apiVersion: number): 1 | 2 {
  return schema !== undefined && schema.flexible !== 'none' && inVersions(schema.flexible, apiVersion) ? 2 : 1
}

export function responseHeaderVersion(schema: ApiSchema, apiVersion: number): 0 | 1 {
  if (schema.apiKey === API_VERSIONS_KEY) return 0
  return schema.flexible !== 'none' && inVersions(schema.flexible, apiVersion) ? 1 : 0
}

export function sizeOfRequestHeader(header: RequestHeader, headerVersion: 1 | 2): number {
  const clientId = header.clientId === null ? 0 : Buffer.byteLength(header.clientId)
  return 10 + clientId + (headerVersion === 2 ? 1 : 0)
}

export function writeRequestHeader(w: Writer, header: RequestHeader, headerVersion: 1 | 2): void {
  w.int16(header.apiKey)
  w.int16(header.apiVersion)
  w.int32(header.correlationId)
  if (header.clientId === null) w.int16(-1)
  else {
    const n = Buffer.byteLength(header.clientId)
    w.int16(n)
    w.utf8(header.clientId, n)
  }
  if (headerVersion === 2) w.unsignedVarint(0)
}

export interface DecodedRequestHeader {
  header: RequestHeader
  headerVersion: 1 | 2
  /** Where the body starts in the frame. */
  bodyOffset: number
}

/** The header at the start of a request frame (the bytes after its size prefix). */
export function decodeRequestHeader(frame: Buffer, offset = 0): DecodedRequestHeader {
  const r = new Reader(frame, offset)
  const apiKey = r.int16()
  const apiVersion = r.int16()
  const correlationId = r.int32()
  const clientId = r.string(false, true)
  const headerVersion = requestHeaderVersion(schemaFor(apiKey), apiVersion)
  if (headerVersion === 2) skipTaggedFields(r)
  return {header: {apiKey, apiVersion, correlationId, clientId}, headerVersion, bodyOffset: r.pos}
}

export function sizeOfResponseHeader(headerVersion: 0 | 1): number {
  return headerVersion === 1 ? 5 : 4
}

export function writeResponseHeader(w: Writer, correlationId: number, headerVersion: 0 | 1): void {
  w.int32(correlationId)
  if (headerVersion === 1) w.unsignedVarint(0)
}

export interface DecodedResponseHeader {
  correlationId: number
  bodyOffset: number
}

/** A response header; a client knows its version from the request it sent. */
export function decodeResponseHeader(frame: Buffer, headerVersion: 0 | 1, offset = 0): DecodedResponseHeader {
  const r = new Reader(frame, offset)
  const correlationId = r.int32()
  if (headerVersion === 1) skipTaggedFields(r)
  return {correlationId, bodyOffset: r.pos}
}

/** Headers' tagged fields carry nothing we use; they are checked and passed over. */
function skipTaggedFields(r: Reader): void {
  const count = r.unsignedVarint()
  if (count * 2 > r.remaining) throw new WireDecodeError(`header claims ${count} tagged fields in ${r.remaining} bytes`)
  for (let i = 0; i < count; i++) {
    r.unsignedVarint()
    r.skip(r.unsignedVarint())
  }
}
