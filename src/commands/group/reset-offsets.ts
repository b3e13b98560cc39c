import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {GroupAdmin, type ResetPlanRow, type ResetSpec} from '../../core/group/group-admin.js'
import {UsageError} from '../../core/errors.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {resetSpec} from '../../cli/reset-spec.js'
import {chosenName} from '../../cli/flags.js'
import {table} from '../../cli/style.js'
import {adminBrokerFlags, openAdminClient, withClient} from '../../cli/broker-client.js'
import type {WireGroupAdmin} from '../../core/client/wire-group-admin.js'

const TARGETS = ['to-earliest', 'to-latest', 'to-current', 'to-offset', 'shift-by', 'to-datetime', 'by-duration', 'from-file'] as const

export default class GroupResetOffsets extends LogpipeCommand<typeof GroupResetOffsets> {
  static override summary = "Move a group's committed offsets; a dry run unless --execute."
  static override description =
    'Prints the plan (GROUP TOPIC PARTITION NEW-OFFSET) and changes nothing unless --execute is given (--dry-run, the default, is accepted as kafka-consumer-groups takes it). Offsets beyond the log are clamped to it, as Kafka does, and said. Refused while the group has live members; a group that does not exist yet is created with the offsets, which is how its offsets are set before its first member starts. The group is the argument or --group, as kafka-consumer-groups names it.'
  static override usage = 'group reset-offsets GROUP --topic T|--all-topics --to-... [FLAGS]'
  static override examples = [
    '<%= config.bin %> group reset-offsets billing --topic orders --to-earliest',
    '<%= config.bin %> group reset-offsets --group billing --topic orders --to-latest --dry-run',
    '<%= config.bin %> group reset-offsets billing --topic orders:0,2 --shift-by -10 --execute',
    '<%= config.bin %> group reset-offsets billing --all-topics --by-duration PT1H --execute',
    '<%= config.bin %> group reset-offsets billing --all-topics --to-current --export > offsets.csv',
  ]
  static override args = {group: Args.string({ignoreStdin: true, required: false, description: 'Group name (or --group).'})}
  static override flags = {
    group: Flags.string({helpValue: 'GROUP', summary: 'Group name, as kafka-consumer-groups --group (instead of the argument).'}),
    topic: Flags.string({summary: 'Topic, or topic:P,P,... (repeatable).', multiple: true, multipleNonGreedy: true, exclusive: ['all-topics']}),
    'all-topics': Flags.boolean({summary: 'Every topic the group has offsets for.'}),
    'to-earliest': Flags.boolean({summary: 'Reset to the log start.'}),
    'to-latest': Flags.boolean({summary: 'Reset to the log end.'}),
    'to-current': Flags.boolean({summary: 'Keep the committed offset (the log end where there is none).'}),
    'to-offset': Flags.string({summary: 'Reset to this offset (clamped to the log).'}),
    'shift-by': Flags.string({summary: 'Move the committed offset by N (negative: back).'}),
    'to-datetime': Flags.string({summary: 'Reset to the first record at or after this time (ISO-8601 or epoch ms).'}),
    'by-duration': Flags.string({summary: 'Reset to the first record at or after now minus PnDTnHnMnS.'}),
    'from-file': Flags.string({summary: 'Reset to the offsets in a CSV file (topic,partition,offset).'}),
    export: Flags.boolean({summary: 'Print the plan as CSV (topic,partition,offset) for --from-file.'}),
    execute: Flags.boolean({summary: 'Apply the plan.', exclusive: ['dry-run']}),
    'dry-run': Flags.boolean({summary: 'Only print the plan (the default).'}),
    ...adminBrokerFlags,
  }

  async run(): Promise<ResetPlanRow[]> {
    const f = this.flags
    const chosen = TARGETS.filter((t) => f[t] !== undefined && f[t] !== false)
    if (chosen.length !== 1) {
      throw new UsageError(chosen.length === 0 ? 'say where to reset to' : `choose one of --${chosen.join(', --')}`, {
        hint: 'one of --to-earliest, --to-latest, --to-current, --to-offset N, --shift-by N, --to-datetime ISO, --by-duration PnDTnHnMnS, --from-file CSV',
      })
    }
    if (!f.topic && !f['all-topics']) throw new UsageError('name the partitions with --topic T[:P,...] or --all-topics')
    const group = chosenName('group', this.args.group, f.group)
    const spec = resetSpec(chosen[0], f)
    const client = await openAdminClient(f)
    const plan = client ? await withClient(client, async (c) => this.throughBroker(new (await import('../../core/client/wire-group-admin.js')).WireGroupAdmin(c), group, spec)) : await this.onFiles(group, spec)
    if (f.export) {
      this.say(plan.map((r) => `${r.topic},${r.partition},${r.newOffset}`).join('\n'))
    } else {
      this.say(table(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], plan.map((r) => [r.group, r.topic, r.partition, r.newOffset])))
      if (!f.execute && !f.quiet) process.stderr.write('logpipe: dry run: nothing changed; add --execute to apply\n')
    }
    return plan
  }

  private async onFiles(group: string, spec: ResetSpec): Promise<ResetPlanRow[]> {
    const admin = new GroupAdmin(this.store, {onNotice: this.notice})
    const partitions = admin.resolvePartitions(group, this.flags['all-topics'] ? 'all' : this.flags.topic!)
    const plan = admin.planReset(group, partitions, spec)
    for (const row of plan) if (row.note) this.notice(`${row.topic}/${row.partition}: ${row.note}`)
    if (this.flags.execute) await admin.executeReset(group, plan)
    return plan
  }

  private async throughBroker(admin: WireGroupAdmin, group: string, spec: ResetSpec): Promise<ResetPlanRow[]> {
    const partitions = await admin.resolvePartitions(group, this.flags['all-topics'] ? 'all' : this.flags.topic!)
    const plan = await admin.planReset(group, partitions, spec)
    for (const row of plan) if (row.note) this.notice(`${row.topic}/${row.partition}: ${row.note}`)
    if (this.flags.execute) await admin.executeReset(group, plan)
    return plan
  }

}
