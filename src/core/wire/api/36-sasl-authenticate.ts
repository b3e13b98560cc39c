/**
 * SaslAuthenticate (key 36): one SASL token each way. A failed login is
 * SASL_AUTHENTICATION_FAILED, then the connection closes (sasl-session.ts);
 * on a listener without SASL, ILLEGAL_SASL_STATE.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {ErrorCode} from '../error-codes.js'
import {saslAuthenticate} from '../messages/36-sasl-authenticate.js'

export default defineHandler(saslAuthenticate, async (request, ctx) => {
  const security = ctx.broker.security
  if (!security) return {errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'this listener does not use SASL', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n}
  return security.session(ctx.connection).authenticate(request.authBytes)
})
