/**
 * Whole frames: size prefix, header and body laid out together, so a
 * message goes to the socket without being copied again. The body is
 * encoded with headroom in front (message-codec.ts) and the prefix and
 * header are written into it.
 */
import {Writer} from './codec/writer.js'
import {
  type DecodedRequestHeader,
  type RequestHeader,
  decodeResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  sizeOfRequestHeader,
  sizeOfResponseHeader,
  writeRequestHeader,
  writeResponseHeader,
} from './header.js'
import {decodeRequest, decodeResponse, encodeRequest, encodeRequestPieces, encodeResponsePieces, piecesLength} from './message-codec.js'
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from './schema.js'

/** A request frame (size prefix included) in one buffer: what a client writes. */
export function encodeRequestFrame<A extends ApiSchema>(
  schema: A,
  version: number,
  ids: {correlationId: number; clientId: string | null},
  value: RequestInput<A>,
): Buffer {
  const header: RequestHeader = {apiKey: schema.apiKey, apiVersion: version, ...ids}
  const headerVersion = requestHeaderVersion(schema, version)
  const headroom = 4 + sizeOfRequestHeader(header, headerVersion)
  const frame = encodeRequest(schema, version, value, headroom)
  const w = Writer.at(frame, 0)
  w.int32(frame.length - 4)
  writeRequestHeader(w, header, headerVersion)
  return frame
}

/** A request frame as pieces for writev: large record batches (a Produce's) referenced, not copied. */
export function encodeRequestFramePieces<A extends ApiSchema>(
  schema: A,
  version: number,
  ids: {correlationId: number; clientId: string | null},
  value: RequestInput<A>,
): Buffer[] {
  const header: RequestHeader = {apiKey: schema.apiKey, apiVersion: version, ...ids}
  const headerVersion = requestHeaderVersion(schema, version)
  const pieces = encodeRequestPieces(schema, version, value, 4 + sizeOfRequestHeader(header, headerVersion))
  const w = Writer.at(pieces[0], 0)
  w.int32(piecesLength(pieces) - 4)
  writeRequestHeader(w, header, headerVersion)
  return pieces
}

/**
 * A response frame (size prefix included) as pieces for writev: large record
 * batches are referenced, not copied.
 */
export function encodeResponseFrame<A extends ApiSchema>(schema: A, version: number, correlationId: number, value: ResponseInput<A>): Buffer[] {
  const headerVersion = responseHeaderVersion(schema, version)
  const headroom = 4 + sizeOfResponseHeader(headerVersion)
  const pieces = encodeResponsePieces(schema, version, value, headroom)
  const w = Writer.at(pieces[0], 0)
  w.int32(piecesLength(pieces) - 4)
  writeResponseHeader(w, correlationId, headerVersion)
  return pieces
}

/** A request body, once decodeRequestHeader has read the frame's header. */
export function decodeRequestBody<A extends ApiSchema>(schema: A, frame: Buffer, decoded: DecodedRequestHeader): RequestOf<A> {
  return decodeRequest(schema, decoded.header.apiVersion, frame, decoded.bodyOffset)
}

/** A response frame (without its size prefix) to the request the client sent with `version`. */
export function decodeResponseFrame<A extends ApiSchema>(schema: A, version: number, frame: Buffer): {correlationId: number; body: ResponseOf<A>} {
  const {correlationId, bodyOffset} = decodeResponseHeader(frame, responseHeaderVersion(schema, version))
  return {correlationId, body: decodeResponse(schema, version, frame, bodyOffset)}
}
