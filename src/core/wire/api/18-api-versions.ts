/**
 * ApiVersions (key 18): the APIs and versions this broker serves, from the
 * handler files themselves. A version newer than ours never reaches here:
 * the dispatcher answers it in the v0 layout with UNSUPPORTED_VERSION and
 * the same list (KIP-511), so the client retries with one we have.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {ErrorCode} from '../error-codes.js'
import {apiVersions} from '../messages/18-api-versions.js'

export default defineHandler(apiVersions, (_request, ctx) => ({
  errorCode: ErrorCode.NONE,
  apiKeys: ctx.broker.supportedApis(),
  throttleTimeMs: 0,
}))
