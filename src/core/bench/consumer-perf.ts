/**
 * The consumer benchmark, after kafka-consumer-perf-test: read N records
 * (or to the end of the log) through the library Consumer and report what
 * Kafka's tool reports: data consumed in MB and records, and the rates.
 */
import {Consumer} from '../client/consumer.js'
import type {Store} from '../store/store.js'

export interface ConsumerPerfOptions {
  topics: string[]
  /** Stop after this many records; Infinity reads to the end of the log. */
  numRecords: number
}

export interface ConsumerPerfResult {
  startTime: Date
  endTime: Date
  mb: number
  mbPerSec: number
  records: number
  recordsPerSec: number
  rebalanceTimeMs: number
  fetchTimeMs: number
  fetchMbPerSec: number
  fetchRecordsPerSec: number
}

export async function runConsumerPerf(store: Store, options: ConsumerPerfOptions): Promise<ConsumerPerfResult> {
  const startTime = new Date()
  const start = performance.now()
  const consumer = new Consumer(store, options.topics, {offset: {kind: 'beginning'}})
  const fetchStart = performance.now()
  let records = 0
  let bytes = 0
  const limit = options.numRecords
  for (;;) {
    const r = consumer.poll((_a, rec) => {
      records++
      bytes += Math.max(0, rec.valueLength) + Math.max(0, rec.keyLength)
      return records < limit
    })
    if (r.stopped || records >= limit) break
    if (r.records === 0) {
      if (consumer.allAtEnd && limit === Infinity) break
      await consumer.waitForData()
    }
  }
  consumer.close()
  const end = performance.now()
  const seconds = (end - start) / 1000
  const fetchSeconds = (end - fetchStart) / 1000
  const mb = bytes / (1024 * 1024)
  return {
    startTime,
    endTime: new Date(),
    mb,
    mbPerSec: mb / seconds,
    records,
    recordsPerSec: records / seconds,
    rebalanceTimeMs: 0,
    fetchTimeMs: Math.round(fetchSeconds * 1000),
    fetchMbPerSec: mb / fetchSeconds,
    fetchRecordsPerSec: records / fetchSeconds,
  }
}
