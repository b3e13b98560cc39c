import * as Args from '@oclif/core/args'
import {LogpipeCommand} from '../../cli/base-command.js'
import {table} from '../../cli/style.js'
import {type ApplicationDescription, StreamsApplications} from '../../core/streams/runtime/streams-application.js'

export default class StreamDescribe extends LogpipeCommand<typeof StreamDescribe> {
  static override summary = 'Show a Streams application: its topology, tasks, lag per input partition and stores.'
  static override usage = 'stream describe APP [FLAGS]'
  static override description =
    "The topology is the description (Kafka's Topology.describe()) saved by the app's last start; tasks are <sub-topology>_<partition> with the instance owning them; LAG is the input partition's log end minus the group's committed offset; each store's changelog with its cleanup.policy, its retention.ms (where it deletes: windowed stores' changelogs) and its record count."
  static override examples = ['<%= config.bin %> stream describe wordcount', '<%= config.bin %> stream describe wordcount --json']
  static override args = {app: Args.string({required: true, description: 'The application.id.'})}

  async run(): Promise<ApplicationDescription> {
    const d = new StreamsApplications(this.store, this.notice).describe(this.args.app)
    const out: string[] = [`Application ${d.applicationId}: group ${d.state ?? 'none'}, ${d.members} live member(s)`]
    out.push('', d.topology === null ? '(topology not known: the app has not started with this version of logpipe)' : d.topology.trimEnd())
    if (d.tasks !== null && d.tasks.length > 0) out.push('', table(['TASK', 'PARTITIONS', 'OWNER'], d.tasks.map((t) => [t.taskId, t.partitions.map((p) => `${p.topic}-${p.partition}`).join(','), t.owner ?? '-'])))
    if (d.lag.length > 0) out.push('', table(['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG'], d.lag.map((l) => [l.topic, l.partition, l.currentOffset ?? '-', l.logEndOffset, l.lag ?? '-'])))
    if (d.stores.length > 0) out.push('', table(['STORE', 'CHANGELOG', 'CLEANUP-POLICY', 'RETENTION-MS', 'RECORDS'], d.stores.map((s) => [s.name, s.changelog ?? '-', s.cleanupPolicy ?? '-', s.retentionMs ?? '-', s.changelogRecords ?? '-'])))
    if (d.globalTopics.length > 0) out.push('', `Global tables read from: ${d.globalTopics.join(', ')}`)
    this.say(out.join('\n'))
    return d
  }
}
