/**
 * The four one-step stream commands share their flags and their run: read
 * --from, apply the expression, write --to, as one Streams app whose group
 * is --application-id (default logpipe-stream-OP-FROM-TO), so a restart
 * continues where the last run committed.
 */
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import type {Interfaces} from '@oclif/core'
import {UsageError} from '../core/errors.js'
import {KafkaStreams} from '../core/streams/runtime/kafka-streams.js'
import {ONE_STEP_SERDES, type OneStepOp, oneStepTopology} from '../core/streams/runtime/one-step.js'
import {LogpipeCommand} from './base-command.js'

const SUMMARY: Record<OneStepOp, string> = {
  map: 'Write each record of --from to --to with the value EXPR gives (and the key --key EXPR gives).',
  filter: 'Write the records of --from for which EXPR is true to --to.',
  flatmap: 'Write one record to --to for each value of the array EXPR gives.',
  count: 'Count the records of --from per key (or per --by EXPR) and write each new count to --to.',
}

const EXAMPLES: Record<OneStepOp, string[]> = {
  map: ["<%= config.bin %> stream map --from orders --to orders-upper 'value.toUpperCase()'", "<%= config.bin %> stream map --from orders --to by-customer --key 'JSON.parse(value).customer' 'value' -e"],
  filter: ["<%= config.bin %> stream filter --from orders --to big-orders 'JSON.parse(value).total > 100'"],
  flatmap: ["<%= config.bin %> stream flatmap --from lines --to words \"value.toLowerCase().split(/\\\\W+/)\""],
  count: ['<%= config.bin %> stream count --from words --to word-counts -e', "<%= config.bin %> stream count --from orders --to per-country --by 'JSON.parse(value).country'"],
}

/** The static parts of `stream OP`'s command (oclif reads them off each command class). */
export function oneStepStatics(op: OneStepOp) {
  return {
    usage: op === 'count' ? 'stream count --from TOPIC --to TOPIC [FLAGS]' : `stream ${op} --from TOPIC --to TOPIC EXPR [FLAGS]`,
    summary: SUMMARY[op],
    description:
      'EXPR is JavaScript over `key` and `value` (strings, or null), `headers` (name to string) and `timestamp` (epoch ms). Runs as a Streams app: its consumer group is --application-id, so a second run goes on from what the first committed, and two runs share the partitions. Follows --from until Ctrl-C; -e stops once everything there is has been processed and committed.' +
      (op === 'count' ? " Counts are written as text (the latest record per key is the count); --long writes Kafka's 8-byte Long, as a Java WordCount does." : ''),
    examples: EXAMPLES[op],
    args: (op === 'count' ? {} : {expression: Args.string({required: true, description: 'The JavaScript expression.'})}) as Interfaces.ArgInput,
    flags: {
      from: Flags.string({summary: 'Topic to read.', required: true, helpValue: 'TOPIC'}),
      to: Flags.string({summary: "Topic to write (created with --from's partition count if missing).", required: true, helpValue: 'TOPIC'}),
      'application-id': Flags.string({summary: `The Streams application id (consumer group); default logpipe-stream-${op}-FROM-TO.`}),
      'exit-at-end': Flags.boolean({char: 'e', summary: 'Stop once caught up: everything read, written and committed.'}),
      ...(op === 'map' ? {key: Flags.string({summary: 'A JavaScript expression for the new key.', helpValue: 'EXPR'})} : {}),
      ...(op === 'count' ? {by: Flags.string({summary: 'Count per this expression instead of per key.', helpValue: 'EXPR'}), long: Flags.boolean({summary: "Write counts as Kafka's 8-byte Long."})} : {}),
    },
  }
}

/** What the four commands run; each sets `op` and its statics from oneStepStatics. */
export abstract class StreamOneStepCommand extends LogpipeCommand<typeof StreamOneStepCommand> {
  static override enableJsonFlag = false
  protected abstract readonly op: OneStepOp

  protected override createsStore(): boolean {
    return true
  }

  async run(): Promise<void> {
    const op = this.op
    const f = this.flags as Record<string, unknown>
    const from = f.from as string
    const to = f.to as string
    if (from === to) throw new UsageError('--from and --to are the same topic', {hint: 'write to another topic, or the output would be read again'})
    const store = this.store
    if (!store.topicExists(from)) throw new UsageError(`topic ${from} does not exist`, {hint: `create it: logpipe topic create ${from}`})
    if (!store.topicExists(to)) store.createTopic(to, store.readTopic(from).partitions, 1, {})
    const topology = oneStepTopology({op, from, to, expression: (this.args as {expression?: string}).expression, keyExpression: (f.key ?? f.by) as string | undefined, long: f.long as boolean | undefined})
    const appId = (f['application-id'] as string | undefined) ?? `logpipe-stream-${op}-${from}-${to}`
    const streams = new KafkaStreams(topology, {'application.id': appId, 'commit.interval.ms': 1000, ...ONE_STEP_SERDES}, {dataDir: store.dataDir, onNotice: this.notice, exitAtEnd: Boolean(f['exit-at-end'])})
    const stop = () => void streams.close()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    try {
      await streams.start()
      await streams.stopped
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      await streams.close()
    }
    if (streams.error) throw streams.error
  }
}
