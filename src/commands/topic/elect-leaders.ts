import * as Flags from '@oclif/core/flags'
import {LogpipeCommand} from '../../cli/base-command.js'
import {intFlag} from '../../cli/flags.js'
import {electLeaders, electionTargets, type ElectionOutcome} from '../../core/broker/elect-leaders.js'
import type {ElectionType} from '../../core/broker/election-request.js'
import {LogpipeError, UsageError} from '../../core/errors.js'
import {errorInfo} from '../../core/wire/error-codes.js'

export default class TopicElectLeaders extends LogpipeCommand<typeof TopicElectLeaders> {
  static override summary = 'Move leadership of replicated partitions to their preferred replica, or elect an out-of-sync one, as kafka-leader-election.'
  static override description = `--election-type preferred (the default) hands each partition's leadership to its preferred replica, the first of its assignment, once that broker is alive, in the ISR and caught up: what auto.leader.rebalance.enable does by itself. --election-type unclean lets a replica outside the ISR lead a partition no live broker leads, as unclean.leader.election.enable would, for this one election: acknowledged records the old ISR held may be lost. Without --topic every partition of every replicated topic is asked; --partition narrows --topic to one.

The brokers act on the request themselves (no broker needs a restart); the command waits for partition.json to name the new leader, up to --timeout-ms, and prints kafka-leader-election's lines: "Successfully completed leader election (PREFERRED) for partitions t-0, ...", "Valid replica already elected for partitions ...", and one "Error completing leader election (PREFERRED) for partition: t-P: CODE: why" per failure, after which it exits 1.`
  static override examples = [
    '<%= config.bin %> topic elect-leaders',
    '<%= config.bin %> topic elect-leaders --topic orders --partition 0',
    '<%= config.bin %> topic elect-leaders --topic orders --election-type unclean',
  ]
  static override usage = 'topic elect-leaders [--topic T [--partition P]] [FLAGS]'
  static override flags = {
    topic: Flags.string({helpValue: 'TOPIC', summary: 'The topic whose partitions to elect leaders of (default: every replicated topic).'}),
    partition: intFlag({name: '--partition', summary: 'Only this partition of --topic.', min: 0, max: 0x7fffffff}),
    'election-type': Flags.string({helpValue: 'preferred|unclean', summary: 'preferred (default) or unclean, as kafka-leader-election (either case).', default: 'preferred'}),
    'all-topic-partitions': Flags.boolean({summary: "Every partition of every replicated topic (what no --topic means; kafka-leader-election's flag)."}),
    'timeout-ms': intFlag({name: '--timeout-ms', summary: 'How long to wait for the elections (default 30000).', min: 1, max: 3_600_000, default: 30_000}),
  }

  async run(): Promise<ElectionOutcome[]> {
    const type = this.flags['election-type'].toLowerCase()
    if (type !== 'preferred' && type !== 'unclean') throw new UsageError(`--election-type must be preferred or unclean, not '${this.flags['election-type']}'`)
    if (this.flags['all-topic-partitions'] && this.flags.topic !== undefined) throw new UsageError('--all-topic-partitions and --topic do not go together')
    const targets = electionTargets(this.store, this.flags.topic, this.flags.partition)
    const outcomes = await electLeaders(this.store, type as ElectionType, targets, {timeoutMs: this.flags['timeout-ms']})
    const kind = type.toUpperCase()
    const names = (result: ElectionOutcome['result']) => outcomes.filter((o) => o.result === result).map((o) => `${o.topic}-${o.partition}`)
    const lines: string[] = []
    if (names('elected').length > 0) lines.push(`Successfully completed leader election (${kind}) for partitions ${names('elected').join(', ')}`)
    if (names('not-needed').length > 0) lines.push(`Valid replica already elected for partitions ${names('not-needed').join(', ')}`)
    for (const o of outcomes) if (o.result === 'error') lines.push(`Error completing leader election (${kind}) for partition: ${o.topic}-${o.partition}: ${errorInfo(o.errorCode).name}: ${o.error}`)
    if (targets.length === 0) lines.push('No replicated partitions to elect leaders for')
    if (lines.length > 0 && !this.flags.quiet) this.say(lines.join('\n'))
    const failed = outcomes.filter((o) => o.result === 'error').length
    if (failed > 0) {
      if (!this.jsonEnabled()) throw new LogpipeError(`${failed} replica(s) could not be elected`, {hint: 'see the lines above; `logpipe topic describe` shows each partition\'s leader and ISR'})
      process.exitCode = 1
    }
    return outcomes
  }
}
