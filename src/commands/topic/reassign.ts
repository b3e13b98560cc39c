import {readFileSync} from 'node:fs'
import * as Flags from '@oclif/core/flags'
import {LogpipeCommand} from '../../cli/base-command.js'
import {intFlag} from '../../cli/flags.js'
import {clearThrottles, formatPlan, parsePlan, type ReassignmentPlan, reassignmentStatus, startReassignments} from '../../core/broker/reassignment.js'
import {NotFoundError, UsageError} from '../../core/errors.js'

export default class TopicReassign extends LogpipeCommand<typeof TopicReassign> {
  static override summary = "Move a replicated partition's replicas to other brokers, as kafka-reassign-partitions."
  static override description = `One partition: --topic T --partition P --replicas 2,3,1 (the new replicas, the preferred leader first; --verify to check on it). Several: --reassignment-json-file PLAN with --execute or --verify, in kafka-reassign-partitions' format: {"version":1,"partitions":[{"topic":"T","partition":0,"replicas":[2,3,1]}]} ("log_dirs", if given, must say "any").

--execute starts the moves and returns; the brokers do the rest while producers and consumers go on: each new replica's broker copies the partition from the leader as a follower, joins the ISR once caught up, and only then do the replicas leaving it drop out (their brokers delete their copies); a leader that is not among the new replicas hands leadership to one that is. No acknowledged record is lost on the way. It prints the assignment before the change as a plan, to roll back with. --verify prints, per partition, "Reassignment of partition T-P is completed." or "... is still in progress.", as kafka-reassign-partitions does; once all are completed it also removes the throttles --throttle set. --throttle BYTES (bytes/s) holds each moving partition's copy to that rate, as kafka-reassign-partitions' --throttle: it sets leader.replication.throttled.rate and follower.replication.throttled.rate on the brokers involved (brokers/<id>.config.json, read by running brokers at each scan) and the topic's leader.replication.throttled.replicas (the replicas it has) and follower.replication.throttled.replicas (the ones it adds); replicas in the ISR are never throttled. A list longer or shorter than the current one changes the partition's replication factor (the new replicas catch up before they count, the ones left out are dropped once the rest are in the ISR). Every new replica's broker must be running.`
  static override examples = [
    '<%= config.bin %> topic reassign --topic orders --partition 0 --replicas 2,3,4',
    '<%= config.bin %> topic reassign --reassignment-json-file plan.json --execute',
    '<%= config.bin %> topic reassign --reassignment-json-file plan.json --verify',
  ]
  static override usage = 'topic reassign [--topic T --partition P --replicas IDS] [FLAGS]'
  static override flags = {
    topic: Flags.string({helpValue: 'TOPIC', summary: 'The topic of the partition to move (with --partition and --replicas).'}),
    partition: intFlag({name: '--partition', summary: 'The partition to move.', min: 0, max: 0x7fffffff}),
    replicas: Flags.string({helpValue: 'IDS', summary: 'The new replicas, comma-separated broker ids, the preferred leader first.'}),
    'reassignment-json-file': Flags.string({helpValue: 'PLAN', summary: "A plan in kafka-reassign-partitions' JSON format."}),
    execute: Flags.boolean({summary: 'Start the reassignments (the default with --replicas).', exclusive: ['verify']}),
    verify: Flags.boolean({summary: 'Say for each partition whether its reassignment is complete; once all are, remove the throttles.', exclusive: ['execute']}),
    throttle: intFlag({name: '--throttle', summary: 'Bytes/s the moving replicas copy at (kafka-reassign-partitions --throttle).', min: 1, max: Number.MAX_SAFE_INTEGER}),
  }

  private plans(): ReassignmentPlan[] {
    const {topic, partition, replicas} = this.flags
    const file = this.flags['reassignment-json-file']
    const single = topic !== undefined || partition !== undefined || replicas !== undefined
    if (file !== undefined) {
      if (single) throw new UsageError('--reassignment-json-file does not go with --topic, --partition or --replicas')
      if (!this.flags.execute && !this.flags.verify) throw new UsageError('with --reassignment-json-file say --execute or --verify')
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch (error) {
        throw new NotFoundError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
      }
      return parsePlan(text, file)
    }
    if (topic === undefined || partition === undefined || replicas === undefined) {
      throw new UsageError('give --topic, --partition and --replicas, or --reassignment-json-file', {hint: 'e.g. logpipe topic reassign --topic orders --partition 0 --replicas 2,3,1'})
    }
    const ids = replicas.split(',').map((s) => s.trim())
    if (ids.some((s) => !/^\d{1,10}$/.test(s) || Number(s) > 0x7fffffff)) throw new UsageError(`--replicas must be comma-separated broker ids, not '${replicas}'`)
    return [{topic, partition, replicas: ids.map(Number)}]
  }

  async run(): Promise<unknown> {
    const plans = this.plans()
    const say = (text: string) => {
      if (!this.flags.quiet) this.say(text)
    }
    if (this.flags.verify) {
      if (this.flags.throttle !== undefined) throw new UsageError('--throttle goes with starting a reassignment, not with --verify')
      const statuses = reassignmentStatus(this.store, plans)
      const lines = ['Status of partition reassignment:']
      for (const s of statuses) {
        const name = `${s.topic}-${s.partition}`
        if (s.status === 'complete') lines.push(`Reassignment of partition ${name} is completed.`)
        else if (s.status === 'in-progress') lines.push(`Reassignment of partition ${name} is still in progress.`)
        else lines.push(`There is no active reassignment of partition ${name}, but replica set is ${s.current.join(',')} rather than ${s.replicas.join(',')}.`)
      }
      if (statuses.every((s) => s.status === 'complete')) {
        const cleared = clearThrottles(this.store, plans)
        if (cleared.brokers.length > 0 || cleared.topics.length > 0) lines.push('')
        if (cleared.brokers.length > 0) lines.push(`Clearing broker-level throttles on brokers ${cleared.brokers.join(',')}`)
        for (const t of cleared.topics) lines.push(`Clearing topic-level throttles on topic ${t}`)
      }
      say(lines.join('\n'))
      return statuses
    }
    const result = startReassignments(this.store, plans, undefined, this.flags.throttle)
    const names = (ps: ReassignmentPlan[]) => ps.map((p) => `${p.topic}-${p.partition}`).join(',')
    const lines = ['Current partition replica assignment', '', formatPlan(result.previous), '', 'Save this to use as the --reassignment-json-file option during rollback']
    if (result.started.length > 0) lines.push(`Successfully started partition reassignments for ${names(result.started)}`)
    if (result.reordered.length > 0) lines.push(`Changed the preferred replica order of ${names(result.reordered)} (no data moves)`)
    if (result.unchanged.length > 0) lines.push(`Already on (or moving to) the replicas asked: ${names(result.unchanged)}`)
    if (result.throttledBrokers.length > 0) {
      lines.push('Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.')
      lines.push(`The inter-broker throttle limit was set to ${this.flags.throttle} B/s`)
    }
    say(lines.join('\n'))
    return result
  }
}
