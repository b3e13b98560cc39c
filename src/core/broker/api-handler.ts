/**
 * One API's handler, as each file `src/core/wire/api/NN-name.ts` exports it
 * by default (franz-go's kfake, one file per key): the API's schema, the
 * versions it serves (the schema's unless narrower) and the function that
 * turns a decoded request into the response to encode. Returning null
 * sends no response (Produce with acks=0).
 *
 * Adding an API is adding its file: the dispatcher finds the files in that
 * directory, and ApiVersions lists what they serve.
 */
import type {RequestHeader} from '../wire/header.js'
import type {ApiSchema, RequestOf, ResponseInput} from '../wire/schema.js'
import {parseVersions} from '../wire/schema.js'
import type {BrokerContext} from './broker-context.js'
import type {Connection} from './connection.js'

export interface RequestContext {
  readonly broker: BrokerContext
  readonly header: RequestHeader
  /** The request's API version (header.apiVersion). */
  readonly version: number
  readonly connection: Connection
}

export type Handle<A extends ApiSchema> = (request: RequestOf<A>, ctx: RequestContext) => Promise<ResponseInput<A> | null> | ResponseInput<A> | null

export interface ApiHandler<A extends ApiSchema = ApiSchema> {
  readonly schema: A
  readonly minVersion: number
  readonly maxVersion: number
  readonly handle: Handle<A>
}

/** A handler for `schema`, serving its versions or the narrower `versions` ('3-9'). */
export function defineHandler<A extends ApiSchema>(schema: A, handle: Handle<A>, versions?: string): ApiHandler<A> {
  const own = parseVersions(schema.versions)
  const range = parseVersions(versions ?? schema.versions)
  if (own === null || range === null || range.max === Infinity || range.min < own.min || range.max > own.max) {
    throw new Error(`handler for ${schema.name}: versions ${versions ?? schema.versions} must lie within the schema's ${schema.versions}`)
  }
  return {schema, minVersion: range.min, maxVersion: range.max, handle}
}
