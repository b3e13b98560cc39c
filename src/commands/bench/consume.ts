import * as Flags from '@oclif/core/flags'
import {runConsumerPerf, type ConsumerPerfResult} from '../../core/bench/consumer-perf.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {intFlag} from '../../cli/flags.js'

export default class BenchConsume extends LogpipeCommand<typeof BenchConsume> {
  static override summary = 'Consumer throughput test, in the form of kafka-consumer-perf-test.'
  static override usage = 'bench consume [FLAGS]'
  static override description = 'Reads a topic from the beginning through the consumer library and prints the header and row of kafka-consumer-perf-test.'
  static override examples = ['<%= config.bin %> bench consume --topic logpipe-perf', '<%= config.bin %> bench consume --topic logpipe-perf --num-records 1000000 --json']
  static override flags = {
    topic: Flags.string({summary: 'Topic to read.', default: 'logpipe-perf'}),
    'num-records': intFlag({name: '--num-records', summary: 'Records to read (default: to the end of the log).', min: 1}),
  }

  async run(): Promise<Omit<ConsumerPerfResult, 'startTime' | 'endTime'> & {startTime: number; endTime: number}> {
    const r = await runConsumerPerf(this.store, {topics: [this.flags.topic], numRecords: this.flags['num-records'] ?? Infinity})
    const d = (x: Date) => {
      const p = (n: number, w = 2) => String(n).padStart(w, '0')
      return `${x.getFullYear()}-${p(x.getMonth() + 1)}-${p(x.getDate())} ${p(x.getHours())}:${p(x.getMinutes())}:${p(x.getSeconds())}:${p(x.getMilliseconds(), 3)}`
    }
    this.say('start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec')
    this.say(
      [d(r.startTime), d(r.endTime), r.mb.toFixed(4), r.mbPerSec.toFixed(4), r.records, r.recordsPerSec.toFixed(4), r.rebalanceTimeMs, r.fetchTimeMs, r.fetchMbPerSec.toFixed(4), r.fetchRecordsPerSec.toFixed(4)].join(', '),
    )
    // Times in --json are epoch milliseconds, as everywhere (docs/JSON.md).
    return {...r, startTime: r.startTime.getTime(), endTime: r.endTime.getTime()}
  }
}
