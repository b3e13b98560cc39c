import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {LogpipeCommand} from '../../cli/base-command.js'
import {resetSpec} from '../../cli/reset-spec.js'
import {table} from '../../cli/style.js'
import {UsageError} from '../../core/errors.js'
import {type ResetPlan, StreamsResetter} from '../../core/streams/runtime/streams-resetter.js'

const TARGETS = ['to-earliest', 'to-latest', 'to-offset', 'shift-by', 'to-datetime', 'by-duration', 'from-file'] as const

export default class StreamReset extends LogpipeCommand<typeof StreamReset> {
  static override summary = "Reset a Streams application, as kafka-streams-application-reset; a dry run unless --execute."
  static override usage = 'stream reset APP [--input-topics T,...] [--execute] [FLAGS]'
  static override description =
    "Moves the app's committed offsets of --input-topics back (to the start unless another --to-... says), those of --intermediate-topics to their end, deletes its internal topics (<app>-...-repartition, <app>-...-changelog, the foreign-key join topics) and wipes its local state (streams/<app>/, the saved topology description kept). Prints the plan and changes nothing unless --execute is given: Kafka's tool executes unless --dry-run, logpipe's is a dry run unless --execute. Refused while the app's group has live members."
  static override examples = [
    '<%= config.bin %> stream reset wordcount --input-topics text',
    '<%= config.bin %> stream reset wordcount --input-topics text --execute',
    '<%= config.bin %> stream reset orders-app --input-topics orders,payments --to-datetime 2026-01-31T00:00:00Z --execute',
  ]
  static override args = {app: Args.string({required: true, description: 'The application.id.'})}
  static override flags = {
    'input-topics': Flags.string({summary: 'Topics the app reads (comma-separated, repeatable): reset to the start, or where --to-... says.', multiple: true, helpValue: 'T,...'}),
    'intermediate-topics': Flags.string({summary: 'Topics the app writes and reads again (comma-separated, repeatable): skipped to their end.', multiple: true, helpValue: 'T,...'}),
    'to-earliest': Flags.boolean({summary: 'Input topics to their start (the default).'}),
    'to-latest': Flags.boolean({summary: 'Input topics to their end.'}),
    'to-offset': Flags.string({summary: 'Input topics to this offset (clamped to the log).'}),
    'shift-by': Flags.string({summary: 'Input topics moved by N from the committed offset (negative: back).'}),
    'to-datetime': Flags.string({summary: 'Input topics to the first record at or after this time (ISO-8601 or epoch ms).'}),
    'by-duration': Flags.string({summary: 'Input topics to the first record at or after now minus PnDTnHnMnS.'}),
    'from-file': Flags.string({summary: 'Input topics to the offsets in a CSV file (topic,partition,offset).'}),
    execute: Flags.boolean({summary: 'Do it.', exclusive: ['dry-run']}),
    'dry-run': Flags.boolean({summary: 'Only print the plan (the default).'}),
  }

  async run(): Promise<ResetPlan & {executed: boolean}> {
    const f = this.flags
    const chosen = TARGETS.filter((t) => f[t] !== undefined && f[t] !== false)
    if (chosen.length > 1) throw new UsageError(`choose one of --${chosen.join(', --')}`)
    const list = (values: string[] | undefined) => (values ?? []).flatMap((v) => v.split(',')).map((t) => t.trim()).filter((t) => t.length > 0)
    const inputTopics = list(f['input-topics'])
    if (chosen.length > 0 && inputTopics.length === 0) throw new UsageError(`--${chosen[0]} says where the input topics go: name them with --input-topics`)
    const resetter = new StreamsResetter(this.store, this.notice)
    const plan = resetter.plan(this.args.app, {inputTopics, intermediateTopics: list(f['intermediate-topics']), spec: chosen.length === 0 ? undefined : resetSpec(chosen[0], f)})
    if (f.execute) await resetter.execute(plan)
    const out: string[] = []
    if (plan.offsets.length > 0) out.push(table(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], plan.offsets.map((r) => [r.group, r.topic, r.partition, r.newOffset])))
    else out.push('No offsets to reset (name the input topics with --input-topics).')
    out.push(plan.deleteTopics.length > 0 ? `Internal topics ${f.execute ? 'deleted' : 'to delete'}: ${plan.deleteTopics.join(', ')}` : 'No internal topics.')
    out.push(plan.localState ? `Local state ${f.execute ? 'wiped' : 'to wipe'}: ${plan.localState.path} (${plan.localState.entries.join(', ')})` : 'No local state.')
    this.say(out.join('\n'))
    for (const row of plan.offsets) if (row.note) this.notice(`${row.topic}/${row.partition}: ${row.note}`)
    if (!f.execute) this.notice('dry run: nothing changed; add --execute to apply')
    return {...plan, executed: f.execute === true}
  }

}
