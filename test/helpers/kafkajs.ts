/**
 * kafkajs as an outside oracle: its RecordBatch decoder must decode every
 * batch logpipe writes, and our CRC must match a CRC-32C computed by a
 * second implementation (kafkajs's own crc32C).
 */
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'

const require = createRequire(import.meta.url)
const Decoder = require('kafkajs/src/protocol/decoder')
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder')
const kafkajsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C')

export interface KafkajsRecord {
  offset: string
  timestamp: string
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, Buffer | Buffer[]>
}

/** Decodes one whole batch with kafkajs; throws if kafkajs cannot, or if the CRC disagrees. */
export async function kafkajsDecodeBatch(batch: Buffer): Promise<{firstOffset: string; records: KafkajsRecord[]}> {
  const stored = batch.readUInt32BE(17)
  const computed = kafkajsCrc32C(batch.subarray(21)) >>> 0
  if (stored !== computed) throw new Error(`CRC mismatch: stored ${stored}, kafkajs computes ${computed}`)
  return decodeRecordBatch(new Decoder(batch))
}

/** Walks every .log under dir and decodes each batch with kafkajs. Returns the batch count. */
export async function assertKafkajsDecodes(dir: string): Promise<number> {
  if (!existsSync(dir)) return 0
  let batches = 0
  for (const log of findLogs(dir)) {
    const data = readFileSync(log)
    let pos = 0
    while (pos + 12 <= data.length) {
      const size = data.readInt32BE(pos + 8) + 12
      if (pos + size > data.length) break // a torn tail left for recovery
      const batch = data.subarray(pos, pos + size)
      try {
        const decoded = await kafkajsDecodeBatch(batch)
        const count = data.readInt32BE(pos + 57)
        if (decoded.records.length !== count) throw new Error(`kafkajs decoded ${decoded.records.length} records, header says ${count}`)
      } catch (error) {
        throw new Error(`kafkajs cannot decode the batch at position ${pos} of ${log}: ${(error as Error).message}`)
      }
      batches++
      pos += size
    }
  }
  return batches
}

function findLogs(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    const st = statSync(p)
    if (st.isDirectory()) out.push(...findLogs(p))
    else if (name.endsWith('.log')) out.push(p)
  }
  return out
}
