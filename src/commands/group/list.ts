import {GroupAdmin} from '../../core/group/group-admin.js'
import {groupSummaryJson, type GroupSummaryJson} from '../../cli/json-shapes.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {adminBrokerFlags, openAdminClient, withClient} from '../../cli/broker-client.js'
import type {WireGroupAdmin} from '../../core/client/wire-group-admin.js'
import {table} from '../../cli/style.js'

export default class GroupList extends LogpipeCommand<typeof GroupList> {
  /** Reads the store and sets no signal handler (src/cli/main.ts). */
  static readsOnly = true
  static override summary = 'List consumer groups with their state and member count.'
  static override usage = 'group list [FLAGS]'
  static override description = 'States as Kafka names them: Stable (members own their assigned partitions), PreparingRebalance (partitions changing hands), CompletingRebalance (a broker-coordinated group waiting for the assignment of its leader), Empty (no live members, offsets kept), Dead (nothing left).'
  static override examples = ['<%= config.bin %> group list', '<%= config.bin %> group list --json']

  static override flags = {...adminBrokerFlags}

  async run(): Promise<GroupSummaryJson[]> {
    const client = await openAdminClient(this.flags)
    const groups = client ? await withClient(client, async () => new (await import('../../core/client/wire-group-admin.js')).WireGroupAdmin(client).listGroups()) : new GroupAdmin(this.store, {onNotice: this.notice}).listGroups()
    if (groups.length > 0) this.say(table(['GROUP', 'STATE', 'MEMBERS'], groups.map((g) => [g.group, g.state, g.members])))
    return groups.map(groupSummaryJson)
  }
}
