/**
 * What a mirror keeps beside each committed source offset, in the commit's
 * metadata string (Kafka's OffsetCommit metadata, groups/<g>/offsets/...):
 * the producer id its batches carry in the target partition, and the
 * target's log end at that commit.
 *
 *   {"mirror":1,"producerId":123,"producerEpoch":0,"targetOffset":456}
 *
 * A commit comes only after the target acknowledged the records before it,
 * so after a crash the records the mirror wrote but did not commit are the
 * batches with that producer id from targetOffset on; a restart counts them
 * and skips as many source records past the committed offset. That, not a
 * broker's sequence window, is what keeps a kill -9 from duplicating.
 *
 * The string is read from a file anyone can edit: every field is checked,
 * and anything else reads as no progress (the mirror then starts at the
 * committed offset, as a plain consumer would).
 */
import type {ProducerIdentity} from './producer-stamp.js'

export interface MirrorProgress extends ProducerIdentity {
  targetOffset: number
}

const FORMAT = 1

export function encodeProgress(p: MirrorProgress): string {
  return JSON.stringify({mirror: FORMAT, producerId: p.producerId, producerEpoch: p.producerEpoch, targetOffset: p.targetOffset})
}

export function parseProgress(text: string | undefined): MirrorProgress | null {
  if (text === undefined || text.length > 1000) return null
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof v !== 'object' || v === null) return null
  const o = v as Record<string, unknown>
  if (o.mirror !== FORMAT) return null
  const {producerId, producerEpoch, targetOffset} = o
  if (!Number.isSafeInteger(producerId) || (producerId as number) < 0) return null
  if (!Number.isInteger(producerEpoch) || (producerEpoch as number) < 0 || (producerEpoch as number) > 0x7fff) return null
  if (!Number.isSafeInteger(targetOffset) || (targetOffset as number) < 0) return null
  return {producerId: producerId as number, producerEpoch: producerEpoch as number, targetOffset: targetOffset as number}
}
