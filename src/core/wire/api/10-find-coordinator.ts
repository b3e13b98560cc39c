/**
 * FindCoordinator (key 10): this broker coordinates every group (key type
 * 0). v0-3 ask for one key, v4 for a batch and get one answer per key.
 * Transactions (key type 1) have no coordinator here: COORDINATOR_NOT_AVAILABLE
 * with a message that says so.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {ErrorCode} from '../error-codes.js'
import {validateGroupName} from '../../store/names.js'
import {findCoordinator} from '../messages/10-find-coordinator.js'

const GROUP = 0
const TRANSACTION = 1

export default defineHandler(findCoordinator, (request, ctx) => {
  const {brokerId, host, port} = ctx.broker
  const answer = (key: string) => {
    let errorCode: number = ErrorCode.NONE
    let errorMessage: string | null = null
    if (request.keyType === TRANSACTION) {
      errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE
      errorMessage = 'this broker has no transaction coordinator'
    } else if (request.keyType !== GROUP) {
      errorCode = ErrorCode.INVALID_REQUEST
      errorMessage = `unknown coordinator key type ${request.keyType}`
    } else {
      try {
        validateGroupName(key)
      } catch (error) {
        errorCode = ErrorCode.INVALID_GROUP_ID
        errorMessage = (error as Error).message
      }
    }
    const ok = errorCode === ErrorCode.NONE
    return {key, errorCode, errorMessage, nodeId: ok ? brokerId : -1, host: ok ? host : '', port: ok ? port : -1}
  }
  if (ctx.version >= 4) return {throttleTimeMs: 0, coordinators: request.coordinatorKeys.map(answer)}
  const one = answer(request.key)
  return {throttleTimeMs: 0, errorCode: one.errorCode, errorMessage: one.errorMessage, nodeId: one.nodeId, host: one.host, port: one.port}
})
