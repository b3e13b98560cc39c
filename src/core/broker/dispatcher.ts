/**
 * From a request frame to its response frame: the header says which API
 * and version, the handler of that key (one file per API under
 * src/core/wire/api/, found at start) decodes, handles and encodes.
 *
 * What cannot be answered closes the connection with one log line, as
 * Kafka does: an API key nobody here serves, a version outside the
 * handler's range (clients pick versions from ApiVersions, so only a
 * broken one sends those), a body that does not decode. The exception is
 * ApiVersions itself (KIP-511): a version newer than ours is answered in
 * the v0 layout with UNSUPPORTED_VERSION and our ranges, so a newer client
 * falls back instead of failing.
 */
import {readdirSync} from 'node:fs'
import {pathToFileURL} from 'node:url'
import {fileURLToPath} from 'node:url'
import {join} from 'node:path'
import {WireDecodeError} from '../errors.js'
import {encodeResponseFrame, decodeRequestBody} from '../wire/envelope.js'
import {ErrorCode} from '../wire/error-codes.js'
import {decodeRequestHeader} from '../wire/header.js'
import {apiVersions} from '../wire/messages/18-api-versions.js'
import type {ApiSchema} from '../wire/schema.js'
import type {ApiHandler, RequestContext} from './api-handler.js'
import type {BrokerContext, SupportedApi} from './broker-context.js'
import type {Connection} from './connection.js'

/** The directory of the handler files, beside this one's layer (dist/core/wire/api when built). */
export const HANDLERS_DIR = fileURLToPath(new URL('../wire/api/', import.meta.url))
const HANDLER_FILE = /^\d{2,3}-[a-z0-9-]+\.(js|ts)$/

/** Every handler file of `dir`, by API key; two files for one key is a mistake caught at start. */
export async function loadHandlers(dir = HANDLERS_DIR): Promise<Map<number, ApiHandler>> {
  const handlers = new Map<number, ApiHandler>()
  const names = readdirSync(dir)
    .filter((n) => HANDLER_FILE.test(n) && !n.endsWith('.d.ts'))
    .sort()
  for (const name of names) {
    const mod = (await import(pathToFileURL(join(dir, name)).href)) as {default?: ApiHandler}
    const h = mod.default
    if (!h || typeof h.handle !== 'function' || !h.schema) throw new Error(`${join(dir, name)} exports no handler (export default defineHandler(...))`)
    const other = handlers.get(h.schema.apiKey)
    if (other) throw new Error(`${name} and another file both handle API key ${h.schema.apiKey} (${h.schema.name})`)
    handlers.set(h.schema.apiKey, h)
  }
  return handlers
}

export class Dispatcher {
  private readonly handlers: Map<number, ApiHandler>
  private readonly broker: BrokerContext
  readonly supported: SupportedApi[]

  constructor(handlers: Map<number, ApiHandler>, broker: BrokerContext) {
    this.handlers = handlers
    this.broker = broker
    this.supported = [...handlers.values()]
      .map((h) => ({apiKey: h.schema.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion}))
      .sort((a, b) => a.apiKey - b.apiKey)
  }

  /** The response frame's pieces, or null for none; throws (closing the connection) on what cannot be answered. */
  async handle(frame: Buffer, connection: Connection): Promise<Buffer[] | null> {
    const early = this.unsupportedApiVersions(frame)
    if (early) return early
    const decoded = decodeRequestHeader(frame)
    const {header} = decoded
    const handler = this.handlers.get(header.apiKey)
    if (!handler) throw new WireDecodeError(`request for API key ${header.apiKey}, which this broker does not serve (correlation id ${header.correlationId}, client ${JSON.stringify(header.clientId)})`)
    if (header.apiVersion < handler.minVersion || header.apiVersion > handler.maxVersion) {
      throw new WireDecodeError(
        `${handler.schema.name} v${header.apiVersion} is not served (v${handler.minVersion}-v${handler.maxVersion}; client ${JSON.stringify(header.clientId)})`,
      )
    }
    const schema: ApiSchema = handler.schema
    let request
    try {
      request = decodeRequestBody(schema, frame, decoded)
    } catch (error) {
      throw new WireDecodeError(`${schema.name} v${header.apiVersion} request does not decode: ${(error as Error).message}`)
    }
    const ctx: RequestContext = {broker: this.broker, header, version: header.apiVersion, connection}
    const response = await handler.handle(request, ctx)
    if (response === null) return null
    return encodeResponseFrame(schema, header.apiVersion, header.correlationId, response)
  }

  /**
   * KIP-511: an ApiVersions request of a version we lack is answered before
   * its header is parsed past the fixed part (api key, version, correlation
   * id: the same in every header version), since a newer header layout may
   * not parse as ours.
   */
  private unsupportedApiVersions(frame: Buffer): Buffer[] | null {
    if (frame.length < 8 || frame.readInt16BE(0) !== apiVersions.apiKey) return null
    const version = frame.readInt16BE(2)
    const handler = this.handlers.get(apiVersions.apiKey)
    if (handler && version >= handler.minVersion && version <= handler.maxVersion) return null
    return encodeResponseFrame(apiVersions, 0, frame.readInt32BE(4), {errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: this.supported})
  }
}
