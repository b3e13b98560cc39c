/**
 * The producer benchmark, after kafka-producer-perf-test: send N records of
 * B random bytes through the library Producer, optionally throttled to a
 * rate, and report throughput and per-record latency (from the moment a
 * record is handed to the producer to the moment its batch is in the log).
 */
import {randomBytes} from 'node:crypto'
import {Admin} from '../client/admin.js'
import {TopicWriters} from '../client/topic-writers.js'
import type {Store} from '../store/store.js'
import {LatencyStats} from './latency-stats.js'

export interface ProducerPerfOptions {
  topic: string
  numRecords: number
  recordSize: number
  partitions: number
  /** Records per second; -1 for no limit. */
  throughput: number
  batchBytes?: number
  /** Batch compression codec (Kafka's attribute value); none by default. */
  compression?: number
  /** Called about every 5 s with a progress window, as Kafka prints it. */
  onProgress?: (window: PerfWindow) => void
}

export interface PerfWindow {
  records: number
  recordsPerSec: number
  mbPerSec: number
  avgLatencyMs: number
  maxLatencyMs: number
}

export interface ProducerPerfResult extends PerfWindow {
  p50: number
  p95: number
  p99: number
  p999: number
  elapsedMs: number
}

const CHUNK = 1000

export async function runProducerPerf(store: Store, options: ProducerPerfOptions): Promise<ProducerPerfResult> {
  new Admin(store).createTopic(options.topic, {partitions: options.partitions})
  const stats = new LatencyStats(options.numRecords)
  // Like Kafka's tool: a pool of random payloads, picked in turn.
  const pool = Array.from({length: 64}, () => randomBytes(options.recordSize))
  const pending: number[] = []
  let pendingHead = 0
  // Beside a broker it measures what a client of that broker gets, as Kafka's tool does (the broker holds the locks anyway).
  const writers = new TopicWriters(store)
  const producer = await writers.producer(options.topic, {
    batchBytes: options.batchBytes,
    compression: options.compression,
    onAck: (_p, _base, count) => {
      const now = performance.now()
      for (let i = 0; i < count; i++) {
        const latency = now - pending[pendingHead++]
        stats.record(latency)
        if (latency > windowMax) windowMax = latency
      }
    },
  })
  const start = performance.now()
  let windowStart = start
  // The current progress window: Kafka prints its own count, average and max.
  let windowMax = 0
  let lastCount = 0
  let lastTotal = 0
  for (let sent = 0; sent < options.numRecords; ) {
    const n = Math.min(CHUNK, options.numRecords - sent)
    const now = Date.now()
    const t = performance.now()
    for (let i = 0; i < n; i++) {
      const value = pool[(sent + i) & 63]
      pending.push(t)
      producer.add(producer.partitionFor(null, 0, 0), now, null, 0, 0, value, 0, value.length)
    }
    sent += n
    if (producer.readyBatches > 0) await producer.flush(false)
    if (pendingHead > 1_000_000) {
      pending.splice(0, pendingHead)
      pendingHead = 0
    }
    if (options.throughput > 0) {
      const due = start + (sent / options.throughput) * 1000
      const wait = due - performance.now()
      if (wait > 0) {
        await producer.flush(true)
        await new Promise((r) => setTimeout(r, wait))
      }
    }
    const elapsed = performance.now() - windowStart
    if (elapsed >= 5000 && options.onProgress) {
      const windowCount = stats.count - lastCount
      const windowLatency = stats.total - lastTotal
      options.onProgress({
        records: windowCount,
        recordsPerSec: (windowCount * 1000) / elapsed,
        mbPerSec: (windowCount * options.recordSize * 1000) / elapsed / (1024 * 1024),
        avgLatencyMs: windowCount ? windowLatency / windowCount : 0,
        maxLatencyMs: windowMax,
      })
      lastCount = stats.count
      lastTotal = stats.total
      windowMax = 0
      windowStart = performance.now()
    }
  }
  await producer.close()
  writers.close()
  const elapsedMs = performance.now() - start
  const [p50, p95, p99, p999] = stats.percentiles([0.5, 0.95, 0.99, 0.999])
  return {
    records: stats.count,
    recordsPerSec: (stats.count * 1000) / elapsedMs,
    mbPerSec: (stats.count * options.recordSize * 1000) / elapsedMs / (1024 * 1024),
    avgLatencyMs: stats.average,
    maxLatencyMs: stats.max,
    p50,
    p95,
    p99,
    p999,
    elapsedMs,
  }
}
