import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {GroupAdmin, type GroupDescription} from '../../core/group/group-admin.js'
import {tpKey, type TopicPartition} from '../../core/group/assignors.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {adminBrokerFlags, openAdminClient, withClient} from '../../cli/broker-client.js'
import type {WireGroupAdmin} from '../../core/client/wire-group-admin.js'
import {table} from '../../cli/style.js'
import {chosenName} from '../../cli/flags.js'
import {UsageError} from '../../core/errors.js'

export default class GroupDescribe extends LogpipeCommand<typeof GroupDescribe> {
  static override summary = 'Show committed offsets, log end, lag and owner per partition of a group.'
  static override description =
    'Columns as kafka-consumer-groups --describe prints them, plus POSITION: the next offset the live owner will hand out. LAG is LOG-END-OFFSET minus CURRENT-OFFSET (the committed offset).'
  static override usage = 'group describe GROUP | --all-groups [FLAGS]'
  static override examples = [
    '<%= config.bin %> group describe billing',
    '<%= config.bin %> group describe billing --members',
    '<%= config.bin %> group describe billing --state',
    '<%= config.bin %> group describe --all-groups',
  ]
  static override args = {group: Args.string({ignoreStdin: true, required: false, description: 'Group name (or --group, or --all-groups).'})}
  static override flags = {
    group: Flags.string({helpValue: 'GROUP', summary: 'Group name, as kafka-consumer-groups --group (instead of the argument).'}),
    'all-groups': Flags.boolean({summary: 'Describe every group, one after the other, as kafka-consumer-groups --all-groups.'}),
    members: Flags.boolean({summary: 'List the live members and their assignments.', exclusive: ['state']}),
    state: Flags.boolean({summary: 'Show the group state, strategy and member count.', exclusive: ['members']}),
    ...adminBrokerFlags,
  }

  async run(): Promise<GroupDescription | GroupDescription[]> {
    if (this.flags['all-groups'] && (this.args.group !== undefined || this.flags.group !== undefined)) throw new UsageError('--all-groups describes every group; leave out the group name')
    const client = await openAdminClient(this.flags)
    if (client) {
      return withClient(client, async () => {
        const admin = new (await import('../../core/client/wire-group-admin.js')).WireGroupAdmin(client)
        if (!this.flags['all-groups']) {
          const d = await admin.describeGroup(chosenName('group', this.args.group, this.flags.group))
          this.print(d)
          return d
        }
        const all: GroupDescription[] = []
        for (const g of await admin.listGroups()) all.push(await admin.describeGroup(g.group))
        all.forEach((d, i) => {
          if (i > 0) this.say('')
          this.print(d)
        })
        return all
      })
    }
    const admin = new GroupAdmin(this.store, {onNotice: this.notice})
    if (this.flags['all-groups']) {
      const all = admin.listGroups().map((g) => admin.describeGroup(g.group))
      all.forEach((d, i) => {
        if (i > 0) this.say('')
        this.print(d)
      })
      return all
    }
    const d = admin.describeGroup(chosenName('group', this.args.group, this.flags.group))
    this.print(d)
    return d
  }

  private print(d: GroupDescription): void {
    const dash = (v: string | number | null) => (v === null ? '-' : String(v))
    if (this.flags.state) {
      this.say(table(['GROUP', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'], [[d.group, dash(d.strategy), d.state, d.members.length]]))
    } else if (this.flags.members) {
      if (d.members.length === 0) this.say(`Consumer group '${d.group}' has no active members.`)
      else {
        this.say(
          table(
            ['GROUP', 'CONSUMER-ID', 'HOST', 'PID', 'CLIENT-ID', '#PARTITIONS', 'ASSIGNMENT'],
            d.members.map((m) => [d.group, m.memberId, m.host, dash(m.pid), m.clientId, m.owned.length, [...m.owned].sort(byTopicPartition).map(tpKey).join(',') || '-']),
          ),
        )
      }
    } else {
      if (d.members.length === 0 && !this.flags.quiet) this.say(`Consumer group '${d.group}' has no active members.\n`)
      // As kafka-consumer-groups warns: the owners shown may be about to change.
      if (d.coordinator && (d.state === 'PreparingRebalance' || d.state === 'CompletingRebalance') && !this.flags.quiet) this.notice(`consumer group '${d.group}' is rebalancing`)
      this.say(
        table(
          ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', 'POSITION'],
          d.partitions.map((p) => [d.group, p.topic, p.partition, dash(p.currentOffset), p.logEndOffset, dash(p.lag), dash(p.consumerId), dash(p.host), dash(p.clientId), dash(p.position)]),
        ),
      )
    }
  }
}

const byTopicPartition = (a: TopicPartition, b: TopicPartition) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition)
