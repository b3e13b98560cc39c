/**
 * FindCoordinator (key 10): a group (key type 0) is coordinated by the
 * live broker that published its coordinator.json, and by this broker when
 * there is none (a new group, or its coordinator is gone: this one takes
 * it over). v0-3 ask for one key, v4 for a batch and get one answer per key.
 * Transactions (key type 1) have no coordinator here: COORDINATOR_NOT_AVAILABLE
 * with a message that says so.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {groupCoordinatorOf} from '../../broker/broker-groups.js'
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
    if (errorCode !== ErrorCode.NONE) return {key, errorCode, errorMessage, nodeId: -1, host: '', port: -1}
    const other = groupCoordinatorOf(ctx.broker).coordinatorOf(key)
    return other ? {key, errorCode, errorMessage, nodeId: other.brokerId, host: other.host, port: other.port} : {key, errorCode, errorMessage, nodeId: brokerId, host, port}
  }
  if (ctx.version >= 4) return {throttleTimeMs: 0, coordinators: request.coordinatorKeys.map(answer)}
  const one = answer(request.key)
  return {throttleTimeMs: 0, errorCode: one.errorCode, errorMessage: one.errorMessage, nodeId: one.nodeId, host: one.host, port: one.port}
})
