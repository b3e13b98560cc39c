/**
 * Decoding segment and index files for people, in the form of Kafka's
 * DumpLogSegments. Works on any file of the format, ours or Kafka's: a
 * Kafka index is preallocated with zero entries, which end the listing.
 */
import {closeSync, fstatSync, openSync, readFileSync, realpathSync} from 'node:fs'
import {basename} from 'node:path'
import {CorruptIndexError, CorruptRecordError, NotFoundError, UsageError} from '../errors.js'
import {crc32c} from '../codec/crc32c.js'
import {readBatchHeader} from '../record/batch-header.js'
import * as L from '../record/batch-layout.js'
import {compressionName} from '../record/compression.js'
import {RecordReader} from '../record/record.js'
import {BatchScanner} from './batch-scanner.js'
import {baseOffsetOf} from './file-names.js'
import {OFFSET_INDEX_ENTRY_SIZE, OffsetIndex} from './offset-index.js'
import {TIME_INDEX_ENTRY_SIZE, TimeIndex} from './time-index.js'

export interface DumpOptions {
  deep: boolean
  printData: boolean
  /** For index files: only check them as a writer does before trusting one (kafka-dump-log --index-sanity-check). */
  indexSanityOnly?: boolean
}

export interface DumpedRecord {
  offset: number
  timestamp: number
  keySize: number
  valueSize: number
  headerKeys: string[]
  key?: string | null
  payload?: string | null
}

export interface DumpedBatch {
  baseOffset: number
  lastOffset: number
  count: number
  position: number
  size: number
  magic: number
  crc: number
  isValid: boolean
  compression: string
  partitionLeaderEpoch: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  isTransactional: boolean
  isControl: boolean
  timestampType: string
  maxTimestamp: number
  records?: DumpedRecord[]
}

export interface DumpResult {
  file: string
  kind: 'log' | 'index' | 'timeindex'
  baseOffset: number
  batches?: DumpedBatch[]
  entries?: Array<{offset: number; position?: number; timestamp?: number}>
  /** Bytes at the end that are not a whole valid batch. */
  trailingBytes?: number
  /** With indexSanityOnly: why the index failed its check; absent when it passed. */
  sanityProblem?: string
  /** With deep iteration, the first record of each batch that does not decode; `position` is the batch's. */
  corruptRecords?: Array<{offset: number; position: number; what: string}>
  lines: string[]
}

export function dumpFile(path: string, options: DumpOptions): DumpResult {
  const name = basename(path)
  const base = baseOffsetOf(name) ?? 0
  let kind: DumpResult['kind']
  if (name.endsWith('.log')) kind = 'log'
  else if (name.endsWith('.timeindex')) kind = 'timeindex'
  else if (name.endsWith('.index')) kind = 'index'
  else throw new UsageError(`${path}: not a .log, .index or .timeindex file`)
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${path}: no such file`)
    throw error
  }
  try {
    if (kind === 'log') return dumpLog(path, fd, base, options)
  } finally {
    closeSync(fd)
  }
  if (options.indexSanityOnly) return checkIndex(path, kind, base)
  return dumpIndex(path, kind, base)
}

/** The check a writer runs before it trusts an index (Kafka's AbstractIndex.sanityCheck), and its one line. */
function checkIndex(path: string, kind: 'index' | 'timeindex', base: number): DumpResult {
  // The user named this file, so a link to it is theirs to follow.
  const real = realpathSync(path)
  const index = kind === 'index' ? new OffsetIndex(real, base) : new TimeIndex(real, base)
  try {
    index.load().sanityCheck()
    return {file: path, kind, baseOffset: base, lines: [`${path} passed sanity check.`]}
  } catch (error) {
    if (!(error instanceof CorruptIndexError)) throw error
    const why = error.message.startsWith(`${real}: `) ? error.message.slice(real.length + 2) : error.message
    return {file: path, kind, baseOffset: base, sanityProblem: why, lines: [`${path} failed sanity check: ${why}`]}
  }
}

function dumpLog(path: string, fd: number, base: number, options: DumpOptions): DumpResult {
  const lines = [`Dumping ${path}`, `Log starting offset: ${base}`]
  const batches: DumpedBatch[] = []
  const corruptRecords: NonNullable<DumpResult['corruptRecords']> = []
  const size = fstatSync(fd).size
  const scanner = new BatchScanner()
  const reader = new RecordReader()
  // The scan checks lengths and magic only; each batch's CRC is checked here,
  // so a bad batch is listed with isvalid: false and the batches after it still show.
  const result = scanner.scan(fd, 0, size, (buf, pos, batchSize, filePosition) => {
    const h = readBatchHeader(buf, pos)
    const codec = h.attributes & L.COMPRESSION_CODEC_MASK
    const b: DumpedBatch = {
      baseOffset: h.baseOffset,
      lastOffset: h.baseOffset + h.lastOffsetDelta,
      count: h.recordCount,
      position: filePosition,
      size: batchSize,
      magic: h.magic,
      crc: h.crc,
      isValid: crc32c(buf.subarray(pos + L.ATTRIBUTES_OFFSET, pos + batchSize)) === h.crc,
      compression: compressionName(codec),
      partitionLeaderEpoch: h.partitionLeaderEpoch,
      producerId: h.producerId,
      producerEpoch: h.producerEpoch,
      baseSequence: h.baseSequence,
      isTransactional: (h.attributes & L.TRANSACTIONAL_FLAG_MASK) !== 0,
      isControl: (h.attributes & L.CONTROL_FLAG_MASK) !== 0,
      timestampType: (h.attributes & L.TIMESTAMP_TYPE_MASK) !== 0 ? 'LogAppendTime' : 'CreateTime',
      maxTimestamp: h.maxTimestamp,
    }
    const lastSequence = h.baseSequence < 0 ? -1 : h.baseSequence + h.lastOffsetDelta
    lines.push(
      `baseOffset: ${b.baseOffset} lastOffset: ${b.lastOffset} count: ${b.count} baseSequence: ${b.baseSequence} lastSequence: ${lastSequence} ` +
        `producerId: ${b.producerId} producerEpoch: ${b.producerEpoch} partitionLeaderEpoch: ${b.partitionLeaderEpoch} ` +
        `isTransactional: ${b.isTransactional} isControl: ${b.isControl} deleteHorizonMs: OptionalLong.empty position: ${b.position} ` +
        `${b.timestampType}: ${b.maxTimestamp} size: ${b.size} magic: ${b.magic} compresscodec: ${b.compression} crc: ${b.crc} isvalid: ${b.isValid}`,
    )
    if (options.deep) {
      b.records = []
      try {
        reader.open(buf, pos)
        while (reader.next()) {
          const rec = reader.toRecord()
          const r: DumpedRecord = {
            offset: rec.offset,
            timestamp: rec.timestamp,
            keySize: reader.keyLength,
            valueSize: reader.valueLength,
            headerKeys: rec.headers.map((x) => x.key),
          }
          let line = `| offset: ${r.offset} ${b.timestampType}: ${r.timestamp} keySize: ${r.keySize} valueSize: ${r.valueSize} sequence: ${h.baseSequence < 0 ? -1 : h.baseSequence + rec.offset - h.baseOffset} headerKeys: [${r.headerKeys.join(',')}]`
          if (options.printData) {
            r.key = rec.key === null ? null : rec.key.toString('utf8')
            r.payload = rec.value === null ? null : rec.value.toString('utf8')
            if (rec.key !== null) line += ` key: ${r.key}`
            line += ` payload: ${r.payload ?? ''}`
          }
          b.records.push(r)
          lines.push(line)
        }
      } catch (error) {
        // Say where, and go on to the next batch: the reader has checked
        // every length against the record, so a hostile batch ends here.
        if (!(error instanceof CorruptRecordError)) throw error
        corruptRecords.push({offset: reader.failedOffset, position: filePosition, what: error.message})
        lines.push(`| corrupt record at offset ${reader.failedOffset} (position ${filePosition}): ${error.message}`)
      }
    }
    batches.push(b)
  }, false)
  const trailing = size - result.position
  if (trailing > 0) {
    lines.push(`Found ${trailing} invalid bytes at the end of ${basename(path)} (position ${result.position}): ${result.stop === 'partial' ? 'a torn batch' : 'not a valid batch'}`)
  }
  return {file: path, kind: 'log', baseOffset: base, batches, trailingBytes: trailing, corruptRecords, lines}
}

function dumpIndex(path: string, kind: 'index' | 'timeindex', base: number): DumpResult {
  const data = readFileSync(path)
  const lines = [`Dumping ${path}`]
  const entries: NonNullable<DumpResult['entries']> = []
  const size = kind === 'index' ? OFFSET_INDEX_ENTRY_SIZE : TIME_INDEX_ENTRY_SIZE
  const count = Math.floor(data.length / size)
  for (let i = 0; i < count; i++) {
    const p = i * size
    if (kind === 'index') {
      const rel = data.readInt32BE(p)
      const position = data.readInt32BE(p + 4)
      if (i > 0 && rel === 0 && position === 0) break // Kafka's preallocated tail
      entries.push({offset: base + rel, position})
      lines.push(`offset: ${base + rel} position: ${position}`)
    } else {
      const timestamp = L.readInt64(data, p)
      const rel = data.readInt32BE(p + 8)
      if (i > 0 && timestamp === 0 && rel === 0) break
      entries.push({timestamp, offset: base + rel})
      lines.push(`timestamp: ${timestamp} offset: ${base + rel}`)
    }
  }
  if (data.length % size !== 0) lines.push(`Found ${data.length % size} trailing bytes that are not a whole entry`)
  return {file: path, kind, baseOffset: base, entries, lines}
}
