/**
 * kafkajs as an outside oracle: its RecordBatch decoder must decode every
 * batch logpipe writes, and our CRC must match a CRC-32C computed by a
 * second implementation (kafkajs's own crc32C). Its codec registry holds
 * what a kafkajs user registers: kafkajs-snappy for snappy, and for lz4 and
 * zstd the reference tools (see reference-codecs.ts for why not kafkajs's
 * lz4 and zstd packages).
 */
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {type ReferenceTool, referenceCompress, referenceDecompress} from './reference-codecs.js'

const require = createRequire(import.meta.url)
const Decoder = require('kafkajs/src/protocol/decoder')
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder')
const kafkajsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C')
const {RecordBatch} = require('kafkajs/src/protocol/recordBatch/v0')
const KafkajsRecordEncoder = require('kafkajs/src/protocol/recordBatch/record/v0')
const {Codecs, Types} = require('kafkajs/src/protocol/message/compression')

interface KafkajsEncoder {
  buffer: Buffer
}

Codecs[Types.Snappy] = require('kafkajs-snappy')
Codecs[Types.LZ4] = referenceCodec('lz4')
Codecs[Types.ZSTD] = referenceCodec('zstd')

function referenceCodec(tool: ReferenceTool) {
  return () => ({
    compress: async (encoder: KafkajsEncoder) => referenceCompress(tool, encoder.buffer),
    decompress: async (buffer: Buffer) => referenceDecompress(tool, buffer),
  })
}

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

export interface KafkajsMessage {
  key: Buffer | null
  value: Buffer | null
  headers?: Record<string, Buffer>
  timestampDelta?: number
}

/** A RecordBatch as kafkajs's producer encodes it, compressed with kafkajs's codec for `compression` (Kafka's attribute value). */
export async function kafkajsEncodeBatch(compression: number, firstTimestamp: number, messages: readonly KafkajsMessage[]): Promise<Buffer> {
  const records = messages.map((m, i) => KafkajsRecordEncoder({offsetDelta: i, timestampDelta: m.timestampDelta ?? 0, key: m.key, value: m.value, headers: m.headers ?? {}}))
  const encoder: KafkajsEncoder = await RecordBatch({compression, firstTimestamp, maxTimestamp: firstTimestamp, lastOffsetDelta: messages.length - 1, records})
  return encoder.buffer
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
