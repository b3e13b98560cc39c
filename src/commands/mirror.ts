import * as Flags from '@oclif/core/flags'
import {LogpipeCommand} from '../cli/base-command.js'
import {UsageError} from '../core/errors.js'
import {subscriptionPattern} from '../core/group/group-member.js'
import {describeEndpoint, parseEndpoint} from '../core/mirror/endpoint.js'
import {DEFAULT_MIRROR_GROUP, Mirror, type MirrorSummary} from '../core/mirror/mirror.js'
import {StoreTarget} from '../core/mirror/mirror-target.js'
import {KafkaTarget} from '../core/mirror/kafka-target.js'
import {Store} from '../core/store/store.js'

export default class MirrorCommand extends LogpipeCommand<typeof MirrorCommand> {
  static override summary = "Copy topics from one store or cluster to another (MirrorMaker's job)."
  static override description = `Every topic of --from whose whole name matches --include is copied to --to: topics missing there are created with the same partition count and the configs that decide what is kept (cleanup.policy, retention.ms, retention.bytes, max.message.bytes, ...); each record goes to the same partition with its key, value, headers and timestamp. Progress is a consumer group on the source (--group, default ${DEFAULT_MIRROR_GROUP}), committed only after the target has the records, so a restart goes on where the last run stopped, and a run killed between a write and its commit does not copy those records twice. Topics created later that match are picked up. Follows the source until Ctrl-C or SIGTERM unless -e. Several mirrors in one group share the partitions of a DIR source. A DIR end is a data directory; HOST:PORT[,...] is a Kafka-protocol server (a logpipe broker or a Kafka cluster): as --to it is written with an idempotent producer; as --from its topics are listed by Metadata, read by Fetch, and the progress committed to the group on that server (OffsetCommit); one run copies every partition.`
  static override examples = [
    "<%= config.bin %> mirror --from ~/.local/share/logpipe --to /backup/logpipe --include '.*' -e",
    "<%= config.bin %> mirror --from /data/a --to /data/b --include 'orders-.*' --group orders-mirror",
    "<%= config.bin %> mirror --from kafka1:9092,kafka2:9092 --to ~/.local/share/logpipe --include 'orders' -e",
  ]
  static override usage = 'mirror --from SOURCE --to TARGET --include REGEX [FLAGS]'
  static override flags = {
    from: Flags.string({helpValue: 'DIR|BOOTSTRAP', summary: 'The source: a data directory or HOST:PORT[,...].'}),
    to: Flags.string({helpValue: 'DIR|BOOTSTRAP', summary: 'The target: a data directory (created when missing) or HOST:PORT[,...].'}),
    include: Flags.string({helpValue: 'REGEX', summary: 'Copy every topic whose whole name matches REGEX, also topics created later.'}),
    group: Flags.string({char: 'g', helpValue: 'GROUP', summary: `The consumer group on the source that keeps the progress (default ${DEFAULT_MIRROR_GROUP}).`}),
    'exit-at-end': Flags.boolean({char: 'e', summary: 'Stop once every partition is copied to its end instead of following.'}),
  }

  async run(): Promise<MirrorSummary> {
    const f = this.flags
    for (const flag of ['from', 'to', 'include'] as const) {
      if (f[flag] === undefined) throw new UsageError(`mirror needs --${flag}`, {hint: 'logpipe mirror --from DIR|BOOTSTRAP --to DIR|BOOTSTRAP --include REGEX'})
    }
    const include = subscriptionPattern(f.include!, '--include')
    const from = parseEndpoint(f.from!)
    const to = parseEndpoint(f.to!)
    if (from.kind === 'dir' && to.kind === 'dir' && from.dir === to.dir) {
      throw new UsageError(`--from and --to are the same store (${from.dir})`, {hint: 'mirror copies between two stores; name another --to'})
    }
    if (from.kind === 'bootstrap' && to.kind === 'bootstrap' && from.servers.join(',') === to.servers.join(',')) {
      throw new UsageError(`--from and --to are the same servers (${from.servers.join(',')})`, {hint: 'mirror copies between two clusters or stores; name another --to'})
    }
    // Through a server only when one is named: the client and its schemas are loaded then.
    const source =
      from.kind === 'dir'
        ? Store.open(from.dir, {create: false, onNotice: this.notice})
        : await (await import('../core/mirror/kafka-source.js')).KafkaSource.connect(from.servers.join(','), '--from')
    const target =
      to.kind === 'dir' ? new StoreTarget(Store.open(to.dir, {create: true, onNotice: this.notice}), this.notice) : await KafkaTarget.open(to.servers.join(','), '--to')
    const mirror = new Mirror(source, target, {include, group: f.group, exitAtEnd: f['exit-at-end'], onNotice: this.notice})
    const stop = () => mirror.stop()
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    let summary: MirrorSummary
    try {
      summary = await mirror.run()
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
    if (!f.quiet) {
      const created = summary.created.length === 0 ? '' : `; created ${summary.created.join(', ')}`
      this.say(`Mirrored ${summary.records} record${summary.records === 1 ? '' : 's'} from ${describeEndpoint(from)} to ${describeEndpoint(to)}${created}.`)
    }
    return summary
  }
}
