import * as Flags from '@oclif/core/flags'
import {runProducerPerf, type ProducerPerfResult} from '../../core/bench/producer-perf.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {intFlag} from '../../cli/flags.js'
import {parseCompression, SUPPORTED_COMPRESSION} from '../../core/record/compression.js'

export default class BenchProduce extends LogpipeCommand<typeof BenchProduce> {
  static override summary = 'Producer throughput and latency test, in the form of kafka-producer-perf-test.'
  static override usage = 'bench produce [FLAGS]'
  static override description =
    'Sends --num-records records of --record-size random bytes through the producer library and prints records/s, MB/s, average and maximum latency and the 50th/95th/99th/99.9th percentiles. Latency runs from handing a record to the producer to its batch being in the log.'
  static override examples = [
    '<%= config.bin %> bench produce --num-records 1000000 --record-size 100',
    '<%= config.bin %> bench produce --num-records 100000 --record-size 1000 --throughput 20000 --json',
    '<%= config.bin %> bench produce --num-records 1000000 --record-size 100 --compression lz4',
  ]
  static override flags = {
    topic: Flags.string({summary: 'Topic to write (created if missing).', default: 'logpipe-perf'}),
    'num-records': intFlag({name: '--num-records', summary: 'Records to send.', min: 1}),
    'record-size': intFlag({name: '--record-size', summary: 'Bytes per record value.', min: 0, max: 1_000_000}),
    partitions: intFlag({name: '--partitions', summary: 'Partitions when the topic is created.', min: 1, max: 10000, default: 1}),
    throughput: intFlag({name: '--throughput', summary: 'Records per second at most (-1: no limit).', min: -1, default: -1}),
    'batch-bytes': intFlag({name: '--batch-bytes', summary: 'Batch size.', min: 64, default: 1_000_000}),
    compression: Flags.string({summary: 'Batch compression (compression.type).', options: SUPPORTED_COMPRESSION, default: 'none'}),
  }

  protected override createsStore(): boolean {
    return true
  }

  async run(): Promise<ProducerPerfResult> {
    const f = this.flags
    if (f['num-records'] === undefined || f['record-size'] === undefined) {
      this.error('--num-records and --record-size are required', {exit: 2})
    }
    const fmt = (n: number, d = 1) => n.toFixed(d)
    const r = await runProducerPerf(this.store, {
      topic: f.topic,
      numRecords: f['num-records']!,
      recordSize: f['record-size']!,
      partitions: f.partitions,
      throughput: f.throughput,
      batchBytes: f['batch-bytes'],
      compression: parseCompression(f.compression),
      onProgress: (w) =>
        this.say(`${w.records} records sent, ${fmt(w.recordsPerSec)} records/sec (${fmt(w.mbPerSec, 2)} MB/sec), ${fmt(w.avgLatencyMs)} ms avg latency, ${fmt(w.maxLatencyMs)} ms max latency.`),
    })
    this.say(
      `${r.records} records sent, ${fmt(r.recordsPerSec)} records/sec (${fmt(r.mbPerSec, 2)} MB/sec), ${fmt(r.avgLatencyMs, 2)} ms avg latency, ${fmt(r.maxLatencyMs, 2)} ms max latency, ` +
        `${fmt(r.p50, 2)} ms 50th, ${fmt(r.p95, 2)} ms 95th, ${fmt(r.p99, 2)} ms 99th, ${fmt(r.p999, 2)} ms 99.9th.`,
    )
    return r
  }
}
