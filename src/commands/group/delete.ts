import * as Args from '@oclif/core/args'
import {GroupAdmin} from '../../core/group/group-admin.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {adminBrokerFlags, openAdminClient, withClient} from '../../cli/broker-client.js'
import type {WireGroupAdmin} from '../../core/client/wire-group-admin.js'

export default class GroupDelete extends LogpipeCommand<typeof GroupDelete> {
  static override summary = 'Delete a consumer group and its committed offsets.'
  static override usage = 'group delete GROUP [FLAGS]'
  static override description = 'Refused while the group has live members.'
  static override examples = ['<%= config.bin %> group delete billing']
  static override args = {group: Args.string({ignoreStdin: true, required: true, description: 'Group name.'})}

  static override flags = {...adminBrokerFlags}

  async run(): Promise<{group: string; deleted: boolean}> {
    const client = await openAdminClient(this.flags)
    if (client) await withClient(client, async () => new (await import('../../core/client/wire-group-admin.js')).WireGroupAdmin(client).deleteGroup(this.args.group))
    else await new GroupAdmin(this.store, {onNotice: this.notice}).deleteGroup(this.args.group)
    if (!this.flags.quiet) this.say(`Deleted group ${this.args.group}.`)
    return {group: this.args.group, deleted: true}
  }
}
