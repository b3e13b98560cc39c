/**
 * A mirror's batches carry a producer id, epoch and base sequence, as an
 * idempotent Kafka producer's do: the producer id is how a restarted mirror
 * tells its own batches in the target from everyone else's (see
 * mirror-progress.ts), and a broker target dedupes a retried batch by them.
 * The CRC covers those fields, so it is computed again.
 */
import {crc32c} from '../codec/crc32c.js'
import * as L from '../record/batch-layout.js'

export interface ProducerIdentity {
  producerId: number
  producerEpoch: number
}

/** Writes the identity and `baseSequence` into the sealed batch in place and seals its CRC again. */
export function stampProducer(batch: Buffer, identity: ProducerIdentity, baseSequence: number): void {
  L.writeInt64(batch, L.PRODUCER_ID_OFFSET, identity.producerId)
  batch.writeInt16BE(identity.producerEpoch, L.PRODUCER_EPOCH_OFFSET)
  batch.writeInt32BE(baseSequence, L.BASE_SEQUENCE_OFFSET)
  const end = L.LOG_OVERHEAD + batch.readInt32BE(L.LENGTH_OFFSET)
  batch.writeUInt32BE(crc32c(batch.subarray(L.ATTRIBUTES_OFFSET, end)), L.CRC_OFFSET)
}

/** Kafka's sequences are int32 and wrap to 0 after the largest. */
export function nextSequence(sequence: number, records: number): number {
  return (sequence + records) % 0x8000_0000
}
