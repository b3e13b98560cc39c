/**
 * A mirror's batches carry a producer id, epoch and base sequence, as an
 * idempotent Kafka producer's do (BatchBuilder.seal writes them): the
 * producer id is how a restarted mirror tells its own batches in the
 * target from everyone else's (see mirror-progress.ts), and a broker
 * target dedupes a retried batch by them.
 */

export interface ProducerIdentity {
  producerId: number
  producerEpoch: number
}

/** Kafka's sequences are int32 and wrap to 0 after the largest. */
export function nextSequence(sequence: number, records: number): number {
  return (sequence + records) % 0x8000_0000
}
