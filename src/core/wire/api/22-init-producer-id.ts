/**
 * InitProducerId (key 22): a new producer id, epoch 0, for an idempotent
 * producer. Kafka hands a producer without a transactional id a new id on
 * every call, the v3+ producerId/epoch of a producer bumping after an error
 * included; so do we.
 *
 * A transactional id is refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
 * this broker has no transaction coordinator, and that is the answer a
 * Kafka cluster gives a producer that may not use transactions. Clients
 * treat it as fatal and say so at once; COORDINATOR_NOT_AVAILABLE, the
 * other candidate, is retriable, so kafkajs and librdkafka would retry it
 * until their timeouts and report nothing clearer.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {producerIdsOf} from '../../broker/producer-ids.js'
import {ErrorCode} from '../error-codes.js'
import {initProducerId} from '../messages/22-init-producer-id.js'

export default defineHandler(initProducerId, (request, ctx) => {
  if (request.transactionalId !== null) {
    return {throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1}
  }
  try {
    const id = producerIdsOf(ctx.broker).generate()
    return {throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: BigInt(id), producerEpoch: 0}
  } catch (error) {
    ctx.broker.log.error(`InitProducerId: ${(error as Error).message}`)
    return {throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, producerId: -1n, producerEpoch: -1}
  }
})
