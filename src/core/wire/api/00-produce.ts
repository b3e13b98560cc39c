/**
 * Produce (key 0), v3+: each partition's record batches are checked whole
 * (length, magic 2, CRC-32C, max.message.bytes, every record decodes:
 * produced-records.ts) and appended as sent,
 * compressed or not, with offsets assigned and this broker's leader epoch
 * stamped in (both outside the CRC). A bad batch refuses its partition's
 * data, never another partition's. acks 0 sends no response; with one
 * replica, acks -1 is acks 1: the batch is in the log when we answer. On
 * a replicated partition acks -1 is refused with NOT_ENOUGH_REPLICAS while
 * the ISR is smaller than min.insync.replicas, and otherwise answered once
 * the high watermark passes the batch (every ISR member has it), or with
 * REQUEST_TIMED_OUT after the request's timeout.
 * A batch with a producer id passes the idempotence checks first
 * (producer-state.ts): a retried one is answered with its first offset.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {checkProducedRecords} from '../../broker/produced-records.js'
import {topicExists} from '../../broker/topic-lookup.js'
import type {BrokerContext} from '../../broker/broker-context.js'
import {ErrorCode} from '../error-codes.js'
import {CorruptRecordError, DamagedLogError, NotLeaderError, RecordTooLargeError} from '../../errors.js'
import {produce} from '../messages/00-produce.js'

interface PartitionAnswer {
  index: number
  errorCode: number
  baseOffset: bigint
  logAppendTimeMs: bigint
  logStartOffset: bigint
  errorMessage: string | null
}

const STORAGE_ERRNOS = new Set(['EPERM', 'EACCES', 'EROFS', 'EIO', 'ENOSPC', 'EDQUOT'])

export default defineHandler(produce, async (request, ctx) => {
  const broker = ctx.broker
  const acks = request.acks
  const badAcks = acks !== 0 && acks !== 1 && acks !== -1
  const waits: Promise<void>[] = []
  const responses = request.topicData.map((topic) => ({
    name: topic.name,
    partitionResponses: topic.partitionData.map((p): PartitionAnswer => {
      if (badAcks) return answer(p.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, not ${acks}`)
      const state = broker.replicas.get(topic.name, p.index)
      if (acks === -1 && state?.isReplicated) {
        const isr = state.isr?.length ?? 0
        const min = state.config['min.insync.replicas']
        if (isr < min) return answer(p.index, ErrorCode.NOT_ENOUGH_REPLICAS, `${topic.name}-${p.index} has ${isr} in-sync replica(s), min.insync.replicas is ${min}`)
      }
      const a = append(broker, topic.name, p.index, p.records)
      if (acks === -1 && state?.isReplicated && a.errorCode === ErrorCode.NONE) {
        // Everything up to the log end now, this batch included, must reach the ISR.
        const target = state.logEndOffset
        waits.push(
          state.waitForHighWatermark(target, Math.max(0, request.timeoutMs), broker.stopping).then((verdict) => {
            if (verdict === 'timeout') Object.assign(a, answer(p.index, ErrorCode.REQUEST_TIMED_OUT, `the in-sync replicas did not all reach offset ${target} within ${request.timeoutMs} ms`))
            if (verdict === 'not-leader') Object.assign(a, answer(p.index, ErrorCode.NOT_LEADER_OR_FOLLOWER, `lost leadership of ${topic.name}-${p.index} before the in-sync replicas had the batch`))
          }),
        )
      }
      return a
    }),
  }))
  await Promise.all(waits)
  if (acks === 0) return null
  return {responses, throttleTimeMs: 0}
})

function answer(index: number, errorCode: number, errorMessage: string | null = null, baseOffset = -1, logStartOffset = -1): PartitionAnswer {
  return {index, errorCode, baseOffset: BigInt(baseOffset), logAppendTimeMs: -1n, logStartOffset: BigInt(logStartOffset), errorMessage}
}

function append(broker: BrokerContext, topic: string, partition: number, records: Buffer | null): PartitionAnswer {
  const state = broker.replicas.get(topic, partition)
  if (!state) {
    const known = topicExists(broker.store, topic) && partition >= 0 && partition < partitionsOf(broker, topic)
    return known
      ? answer(partition, ErrorCode.NOT_LEADER_OR_FOLLOWER, `this broker does not lead ${topic}-${partition}`)
      : answer(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no partition ${topic}-${partition}`)
  }
  if (records === null || records.length === 0) return answer(partition, ErrorCode.CORRUPT_MESSAGE, 'no record batch sent')
  const problem = checkProducedRecords(records)
  if (problem) return answer(partition, problem.kind === 'unsupported-compression' ? ErrorCode.UNSUPPORTED_COMPRESSION_TYPE : ErrorCode.INVALID_RECORD, problem.message)
  try {
    const result = state.produce(records)
    if (result.kind === 'refuse') return answer(partition, result.errorCode, result.message)
    // A duplicate of a retried batch is answered as it was the first time (Kafka's, with NONE).
    const baseOffset = result.kind === 'appended' ? result.baseOffset : result.firstOffset
    return answer(partition, ErrorCode.NONE, null, baseOffset, state.logStartOffset())
  } catch (error) {
    if (error instanceof NotLeaderError) return answer(partition, ErrorCode.NOT_LEADER_OR_FOLLOWER, error.message)
    if (error instanceof RecordTooLargeError) return answer(partition, ErrorCode.MESSAGE_TOO_LARGE, error.message)
    if (error instanceof CorruptRecordError) return answer(partition, ErrorCode.CORRUPT_MESSAGE, error.message)
    if (error instanceof DamagedLogError) {
      broker.log.error(error.message)
      return answer(partition, ErrorCode.KAFKA_STORAGE_ERROR, error.message)
    }
    broker.log.error(`produce to ${topic}-${partition}: ${(error as Error).message}`)
    // A disk that refuses the write (read-only, full, failing): Kafka's storage error, which clients retry elsewhere once the log dir is offline.
    if (STORAGE_ERRNOS.has((error as NodeJS.ErrnoException).code ?? '')) return answer(partition, ErrorCode.KAFKA_STORAGE_ERROR, (error as Error).message)
    return answer(partition, ErrorCode.UNKNOWN_SERVER_ERROR, (error as Error).message)
  }
}

function partitionsOf(broker: BrokerContext, topic: string): number {
  try {
    return broker.store.readTopic(topic).partitions
  } catch {
    return 0
  }
}
