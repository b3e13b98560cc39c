import {LogpipeCommand} from '../../cli/base-command.js'
import {table} from '../../cli/style.js'
import {type ApplicationSummary, StreamsApplications} from '../../core/streams/runtime/streams-application.js'

export default class StreamList extends LogpipeCommand<typeof StreamList> {
  static override summary = 'List the Streams applications of the store: id, group state, input and internal topics.'
  static override usage = 'stream list [FLAGS]'
  static override description =
    "An application is what ran with `stream run` (or a one-step `stream map|filter|flatmap|count`): its application.id names its consumer group and its internal topics (<app>-...-repartition, <app>-...-changelog). STATE is the group's (Stable: instances running, Empty: none running, offsets kept); MEMBERS the live instances."
  static override examples = ['<%= config.bin %> stream list', '<%= config.bin %> stream list --json']

  async run(): Promise<ApplicationSummary[]> {
    const apps = new StreamsApplications(this.store, this.notice).list()
    if (apps.length > 0) {
      this.say(table(['APPLICATION-ID', 'STATE', 'MEMBERS', 'INPUT-TOPICS', 'INTERNAL-TOPICS'], apps.map((a) => [a.applicationId, a.state ?? '-', a.members, a.inputTopics.join(',') || '-', a.internalTopics.join(',') || '-'])))
    }
    return apps
  }
}
