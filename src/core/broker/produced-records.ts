/**
 * What a Produce's batches must be before they are appended, beyond the
 * batch checks the log makes (length, magic 2, CRC-32C): records that
 * decode. A CRC is the client's own, computed over whatever it sent, so it
 * proves nothing about the records; without this a client could store a
 * batch every reader then stops at as damage. As Kafka's LogValidator,
 * every record is walked (compressed batches are inflated to do it); a
 * codec this build cannot inflate is refused as Kafka refuses a codec it
 * lacks, and so are control batches, which only a transaction coordinator
 * writes, and transactional batches, which need one.
 */
import {CorruptRecordError} from '../errors.js'
import {CORRUPT, PARTIAL, checkBatch} from '../record/batch-header.js'
import * as L from '../record/batch-layout.js'
import {SUPPORTED_COMPRESSION, compressionName, type CompressionName} from '../record/compression.js'
import {RecordReader} from '../record/record.js'

export interface RecordProblem {
  kind: 'invalid-record' | 'unsupported-compression'
  message: string
}

const reader = new RecordReader()

/** The first problem with the records of `batches`, or null; a batch that does not check whole is left to the append to refuse. */
export function checkProducedRecords(batches: Buffer): RecordProblem | null {
  for (let pos = 0, n = 0; pos < batches.length; n++) {
    // The CRC is checked here only where a verdict depends on it: the append checks every batch's anyway, and under
    // kcat -P the second CRC-32C of each batch was half of this walk's cost (`--cpu-prof` of the broker).
    const size = checkBatch(batches, pos, batches.length, L.MAX_BATCH_SIZE, false)
    if (size === PARTIAL || size === CORRUPT) return null
    const problem = batchProblem(batches, pos, size, n)
    // A batch whose CRC is wrong is the append's to refuse (CORRUPT_MESSAGE), before anything said about its records.
    if (problem === BAD_CRC) return null
    if (problem !== null) return anyBadCrc(batches, pos + size) ? null : problem
    pos += size
  }
  return null
}

/** Whether a batch of batches[0, end) has a wrong CRC (the append refuses the first one found). */
function anyBadCrc(batches: Buffer, end: number): boolean {
  for (let pos = 0; pos < end; ) {
    const size = checkBatch(batches, pos, end, L.MAX_BATCH_SIZE)
    if (size === CORRUPT || size === PARTIAL) return true
    pos += size
  }
  return false
}

/** A compressed batch whose CRC is wrong: not inflated, and left to the append to refuse. */
const BAD_CRC = 'bad-crc'

function batchProblem(batches: Buffer, pos: number, size: number, n: number): RecordProblem | typeof BAD_CRC | null {
  const attributes = batches.readInt16BE(pos + L.ATTRIBUTES_OFFSET)
  const codec = compressionName(attributes & L.COMPRESSION_CODEC_MASK)
  if (!SUPPORTED_COMPRESSION.includes(codec as CompressionName)) {
    return {kind: 'unsupported-compression', message: `batch ${n} uses ${codec} compression, which this broker cannot read (it takes ${SUPPORTED_COMPRESSION.join(', ')})`}
  }
  if ((attributes & L.CONTROL_FLAG_MASK) !== 0) return {kind: 'invalid-record', message: `batch ${n} is a control batch, which producers may not send`}
  // Readers here take every batch as committed; a transaction's batches would be read before its commit, or after its abort.
  if ((attributes & L.TRANSACTIONAL_FLAG_MASK) !== 0) return {kind: 'invalid-record', message: `batch ${n} is transactional; this broker has no transaction coordinator`}
  // Nothing is inflated before its CRC is known good: bytes damaged on the way are not worth a decompression.
  if ((attributes & L.COMPRESSION_CODEC_MASK) !== 0 && checkBatch(batches, pos, pos + size, L.MAX_BATCH_SIZE) === CORRUPT) return BAD_CRC
  try {
    reader.open(batches, pos)
    let records = 0
    while (reader.next()) records++
    if (records !== reader.recordCount) return {kind: 'invalid-record', message: `batch ${n} declares ${reader.recordCount} records but holds ${records}`}
  } catch (error) {
    if (!(error instanceof CorruptRecordError)) throw error
    return {kind: 'invalid-record', message: `batch ${n}: ${error.message}`}
  }
  return null
}
