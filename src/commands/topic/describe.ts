import {Admin, type TopicDescription} from '../../core/client/admin.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {topicArg} from '../../cli/flags.js'
import {table} from '../../cli/style.js'

export default class TopicDescribe extends LogpipeCommand<typeof TopicDescribe> {
  static override summary = 'Show partitions, leaders, offsets, segments and configs of a topic.'
  static override description =
    'The leader of a partition is the process holding its write lock (none when idle). LOG-START and LOG-END are the first offset kept and the offset the next record gets. RECORDS counts the records held, from the batch headers: fewer than LOG-END minus LOG-START once compaction removed some.'
  static override examples = ['<%= config.bin %> topic describe orders', '<%= config.bin %> topic describe orders --json']
  static override args = {topic: topicArg}

  async run(): Promise<TopicDescription> {
    const d = new Admin(this.store).describeTopic(this.args.topic)
    const overrides = Object.entries(d.configOverrides).map(([k, v]) => `${k}=${v}`).join(',')
    const lines = [
      `Topic: ${d.topic}\tTopicId: ${d.id}\tPartitionCount: ${d.partitions.length}\tReplicationFactor: ${d.replicationFactor}\tConfigs: ${overrides}`,
      table(
        ['PARTITION', 'LEADER', 'LOG-START', 'LOG-END', 'RECORDS', 'SEGMENTS', 'BYTES'],
        d.partitions.map((p) => [
          p.partition,
          p.leader ? `pid ${p.leader.pid}@${p.leader.host}` : 'none',
          p.logStartOffset,
          p.logEndOffset,
          p.records,
          p.segments,
          p.bytes,
        ]),
      ),
    ]
    this.say(lines.join('\n'))
    return d
  }
}
