import * as Flags from '@oclif/core/flags'
import {Admin} from '../../core/client/admin.js'
import {verifyJson, type VerifyJson} from '../../cli/json-shapes.js'
import {LogpipeError} from '../../core/errors.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {chosenName, optionalTopicArg, topicFlag} from '../../cli/flags.js'
import {type ReplicaVerifyReport, verifyReplicas} from '../../core/client/replica-verify.js'

export default class TopicVerify extends LogpipeCommand<typeof TopicVerify> {
  static override summary = 'Check every batch CRC and index entry of a topic; --repair rebuilds what is damaged.'
  static override description =
    'Exits 0 when the topic is sound (or was repaired), 1 when problems remain; with -q nothing is printed but the one error line. --repair takes each partition\'s write lock, rebuilds damaged indexes from the log and cuts a damaged tail. --replicas (a replicated topic) compares every replica with the leader\'s, batch by batch, up to the high watermark its broker last saved, and prints one line per partition: identical, or where each replica diverges.'
  static override examples = ['<%= config.bin %> topic verify orders', '<%= config.bin %> topic verify orders --repair', '<%= config.bin %> topic verify orders --replicas']
  static override usage = 'topic verify TOPIC [FLAGS]'
  static override args = {topic: optionalTopicArg}
  static override flags = {
    topic: topicFlag,
    repair: Flags.boolean({summary: 'Rebuild damaged indexes and truncate damaged tails.', exclusive: ['replicas']}),
    replicas: Flags.boolean({summary: "A replicated topic: check that every replica holds the leader's batches byte for byte up to the high watermark.", exclusive: ['repair']}),
  }

  private get topic(): string {
    return chosenName('topic', this.args.topic, this.flags.topic)
  }

  async run(): Promise<VerifyJson | ReplicaVerifyReport> {
    if (this.flags.replicas) return this.replicas()
    const report = await new Admin(this.store).verifyTopic(this.topic, {repair: this.flags.repair, onNotice: this.notice})
    // -q is grep -q's quiet: the exit code says it (and a failure its one line on stderr).
    const say = (text: string) => {
      if (!this.flags.quiet) this.say(text)
    }
    for (const p of report.problems) {
      say(`partition ${p.partition} segment ${p.segment}: ${p.file}: ${p.problem}${p.repaired ? ` -- repaired: ${p.repaired}` : ''}`)
    }
    const summary = `${report.topic}: ${report.partitions} partitions, ${report.segments} segments, ${report.batches} batches, ${report.bytes} bytes checked`
    if (report.problems.length === 0) {
      say(`${summary}: OK`)
    } else if (report.repaired) {
      say(`${summary}: ${report.problems.length} problem(s) repaired`)
    } else if (!this.jsonEnabled()) {
      throw new LogpipeError(`${summary}: ${report.problems.length} problem(s) found`, {hint: `run \`logpipe topic verify ${report.topic} --repair\``})
    } else {
      process.exitCode = 1
    }
    return verifyJson(report)
  }

  /** Per partition one line: the replicas agree up to the high watermark, or each divergence. */
  private replicas(): ReplicaVerifyReport {
    const report = verifyReplicas(this.store, this.topic)
    const lines: string[] = []
    for (const p of report.partitions) {
      const who = p.replicas.map((r) => `${r.broker}${r.inIsr ? '' : ' (out of the ISR)'}: log end ${r.logEndOffset ?? 'none'}`).join(', ')
      if (p.problems.length === 0) lines.push(`partition ${p.partition}: replicas identical up to the high watermark ${p.highWatermark} (against broker ${p.reference}; ${who})`)
      for (const problem of p.problems) lines.push(`partition ${p.partition}: ${problem}`)
    }
    if (!this.flags.quiet) this.say(lines.join('\n'))
    const bad = report.partitions.filter((p) => p.problems.length > 0).length
    const summary = `${report.topic}: ${report.partitions.length} partitions, ${report.batches} batches compared across replicas`
    if (bad === 0) {
      if (!this.flags.quiet) this.say(`${summary}: OK`)
    } else if (!this.jsonEnabled()) {
      throw new LogpipeError(`${summary}: ${bad} partition(s) diverge`, {hint: 'a replica out of the ISR catches up by itself; one that differs below the high watermark lost or changed committed records'})
    } else {
      process.exitCode = 1
    }
    return report
  }
}
