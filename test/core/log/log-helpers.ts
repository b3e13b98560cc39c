/**
 * Writing a partition through PartitionLog the way the producer does
 * (acquire, append batches, release), on a clock the test controls, and
 * reading back what the files hold.
 */
import {readFileSync, readdirSync} from 'node:fs'
import {expect} from 'vitest'
import {INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX, segmentPath} from '../../../src/core/log/file-names.js'
import {type AppendResult, PartitionLog, type PartitionLogOptions} from '../../../src/core/log/partition-log.js'
import {readBatchHeader} from '../../../src/core/record/batch-header.js'
import {type Record, RecordReader} from '../../../src/core/record/record.js'
import {LogReader} from '../../../src/core/log/log-reader.js'
import type {ConfigOverrides} from '../../../src/core/log/log-config.js'
import {type PlainRecord, type Rng, fill, logConfig, newBuilder, readAll, utf8} from '../support.js'

export const T0 = 1_700_000_000_000

/** A clock for PartitionLogOptions.now; tests move it by hand. */
export class Clock {
  constructor(public ms = T0) {}
  readonly now = (): number => this.ms
}

export interface OpenedLog {
  log: PartitionLog
  notices: string[]
  clock: Clock
}

/** A PartitionLog on `dir` whose notices are collected and whose clock is `clock`. */
export function openLog(dir: string, overrides: ConfigOverrides = {}, clock = new Clock(), options: PartitionLogOptions = {}): OpenedLog {
  const notices: string[] = []
  const log = new PartitionLog(dir, logConfig(overrides), {
    label: 'test partition',
    onNotice: (m) => notices.push(m),
    now: clock.now,
    ...options,
  })
  return {log, notices, clock}
}

/** Appends one batch of these records; the caller holds the lock. */
export function appendBatch(log: PartitionLog, records: readonly PlainRecord[], compression = 0): AppendResult {
  return log.append(fill(newBuilder(compression), records))
}

/** What a written record should read back as. */
export function expectedRecords(batches: readonly PlainRecord[][], results: readonly AppendResult[]): Record[] {
  return batches.flatMap((batch, b) =>
    batch.map((r, i) => ({
      offset: results[b].baseOffset + i,
      timestamp: r.timestamp,
      key: r.key,
      value: r.value,
      headers: r.headers ?? [],
    })),
  )
}

/**
 * `count` batches of 1..maxRecords records; record n (counting from
 * `firstRecord`) has timestamp T0 + 10 n, key "key-(n % 17)" and a value
 * of 10..60 bytes.
 */
export function makeBatches(rng: Rng, count: number, maxRecords = 4, firstRecord = 0): PlainRecord[][] {
  let n = firstRecord
  return Array.from({length: count}, () =>
    Array.from({length: rng.int(1, maxRecords + 1)}, () => {
      const i = n++
      return {timestamp: T0 + 10 * i, key: utf8(`key-${i % 17}`), value: Buffer.from(`value ${i} `.padEnd(rng.int(10, 61), '.'))}
    }),
  )
}

/** Acquires, appends every batch, releases. */
export async function writeAll(log: PartitionLog, batches: readonly PlainRecord[][]): Promise<AppendResult[]> {
  await log.acquire()
  try {
    return batches.map((b) => appendBatch(log, b))
  } finally {
    await log.release()
  }
}

export interface BatchOnDisk {
  segment: number
  position: number
  size: number
  baseOffset: number
  lastOffset: number
  maxTimestamp: number
}

/** The batches of one segment file, read with the header layout alone. */
export function batchesOf(dir: string, base: number): BatchOnDisk[] {
  const data = readFileSync(segmentPath(dir, base, LOG_SUFFIX))
  const out: BatchOnDisk[] = []
  for (let pos = 0; pos + 61 <= data.length; ) {
    const h = readBatchHeader(data, pos)
    const size = h.batchLength + 12
    if (pos + size > data.length) break
    out.push({segment: base, position: pos, size, baseOffset: h.baseOffset, lastOffset: h.baseOffset + h.lastOffsetDelta, maxTimestamp: h.maxTimestamp})
    pos += size
  }
  return out
}

/** Entries of an offset index file, as absolute (offset, position). */
export function offsetIndexEntries(dir: string, base: number): Array<[number, number]> {
  const data = readFileSync(segmentPath(dir, base, INDEX_SUFFIX))
  return Array.from({length: Math.floor(data.length / 8)}, (_, i) => [base + data.readInt32BE(i * 8), data.readInt32BE(i * 8 + 4)])
}

/** Entries of a time index file, as (timestamp, absolute offset). */
export function timeIndexEntries(dir: string, base: number): Array<[number, number]> {
  const data = readFileSync(segmentPath(dir, base, TIME_INDEX_SUFFIX))
  return Array.from({length: Math.floor(data.length / 12)}, (_, i) => [Number(data.readBigInt64BE(i * 12)), base + data.readInt32BE(i * 12 + 8)])
}

/**
 * The offset index Kafka's rule gives for a segment: an entry (last offset,
 * position) for each batch that starts more than `interval` bytes after the
 * last indexed batch (or the segment start).
 */
export function expectedOffsetIndex(batches: readonly BatchOnDisk[], interval: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  let lastIndexed = 0
  for (const b of batches) {
    if (b.position - lastIndexed > interval) {
      out.push([b.lastOffset, b.position])
      lastIndexed = b.position
    }
  }
  return out
}

export function segmentFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => /\.(log|index|timeindex)$/.test(n))
    .sort()
}

/** Every record of the partition, read as a consumer would. */
export function readBack(dir: string, from = 0): Record[] {
  return readAll(dir, from)
}

/** The offset of the first record a reader returns after seek(offset), or null at the end. */
export function firstAfterSeek(reader: LogReader, offset: number): number | null {
  reader.seek(offset)
  const records = new RecordReader()
  for (;;) {
    const range = reader.poll()
    if (!range) return null
    for (let pos = range.start; pos < range.end; pos += range.buf.readInt32BE(pos + 8) + 12) {
      records.open(range.buf, pos)
      while (records.next()) if (records.offset >= offset) return records.offset
    }
  }
}

/** seek(o) then reading must start exactly at o, for every offset given. */
export function expectSeekLandsOn(dir: string, offsets: Iterable<number>): void {
  const reader = new LogReader(dir)
  try {
    for (const offset of offsets) expect(firstAfterSeek(reader, offset), `seek(${offset})`).toBe(offset)
  } finally {
    reader.close()
  }
}

export function range(from: number, to: number): number[] {
  return Array.from({length: Math.max(0, to - from)}, (_, i) => from + i)
}
