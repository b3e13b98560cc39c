/**
 * SaslHandshake (key 17): the client names its mechanism. On a listener
 * without SASL, or once logged in (no re-authentication here), Kafka's
 * answer: ILLEGAL_SASL_STATE.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {ErrorCode} from '../error-codes.js'
import {saslHandshake} from '../messages/17-sasl-handshake.js'

export default defineHandler(saslHandshake, (request, ctx) => {
  const security = ctx.broker.security
  if (!security) return {errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: []}
  return security.session(ctx.connection).handshake(request.mechanism, ctx.version)
})
