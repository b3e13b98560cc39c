/**
 * What the core unit tests share: a fresh temporary directory per test, a
 * seeded random generator whose seed the test prints, builders for batches
 * from plain records, and a reader that collects every record of a
 * partition through LogReader.
 */
import {randomInt} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {onTestFinished} from 'vitest'
import {BatchBuilder} from '../../src/core/record/record-batch.js'
import {encodeHeaders, type RecordHeader} from '../../src/core/record/header.js'
import {RecordReader, type Record} from '../../src/core/record/record.js'
import {LogReader} from '../../src/core/log/log-reader.js'
import {resolveConfig, type ConfigOverrides, type LogConfig} from '../../src/core/log/log-config.js'

/** A new empty directory, removed when the current test finishes. */
export function tempDir(prefix = 'logpipe-core-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  onTestFinished(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}

/**
 * The seed for a randomised test: LOGPIPE_TEST_SEED when set (to replay a
 * failure), else a fresh one. Put it in the test name so a failure shows it.
 */
export function testSeed(): number {
  const fromEnv = process.env.LOGPIPE_TEST_SEED
  return fromEnv ? Number(fromEnv) >>> 0 : randomInt(0, 2 ** 32 - 1)
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export class Rng {
  private state: number
  constructor(readonly seed: number) {
    this.state = seed >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }

  /** Integer in [min, max). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min))
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i++) out[i] = this.int(0, 256)
    return out
  }
}

export interface PlainRecord {
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers?: RecordHeader[]
}

export const utf8 = (s: string | null): Buffer | null => (s === null ? null : Buffer.from(s, 'utf8'))

/** Appends plain records to a builder. */
export function fill(builder: BatchBuilder, records: readonly PlainRecord[]): BatchBuilder {
  for (const r of records) {
    const headers = encodeHeaders(r.headers ?? [])
    builder.append(r.timestamp, r.key, 0, r.key?.length ?? 0, r.value, 0, r.value?.length ?? 0, headers)
  }
  return builder
}

export function newBuilder(compression = 0, batchBytes = 1 << 20, maxBatchBytes = 1 << 20): BatchBuilder {
  return new BatchBuilder({batchBytes, maxBatchBytes, compression})
}

/** One sealed batch (a copy, independent of the builder's buffer). */
export function buildBatch(records: readonly PlainRecord[], baseOffset = 0, compression = 0, partitionLeaderEpoch = -1): Buffer {
  return Buffer.from(fill(newBuilder(compression), records).seal(baseOffset, partitionLeaderEpoch))
}

/** A log config for tests: Kafka's defaults plus the given overrides. */
export function logConfig(overrides: ConfigOverrides = {}): LogConfig {
  return resolveConfig(overrides)
}

/** Every record from `from` on, read through LogReader the way a consumer reads. */
export function readAll(dir: string, from = 0): Record[] {
  const reader = new LogReader(dir)
  const records = new RecordReader()
  const out: Record[] = []
  try {
    reader.seek(from)
    for (;;) {
      const range = reader.poll()
      if (!range) break
      for (let pos = range.start; pos < range.end; pos += range.buf.readInt32BE(pos + 8) + 12) {
        records.open(range.buf, pos)
        while (records.next()) if (records.offset >= from) out.push(records.toRecord())
      }
    }
  } finally {
    reader.close()
  }
  return out
}
