import * as Flags from '@oclif/core/flags'
import {Admin} from '../../core/client/admin.js'
import {verifyJson, type VerifyJson} from '../../cli/json-shapes.js'
import {LogpipeError} from '../../core/errors.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {chosenName, optionalTopicArg, topicFlag} from '../../cli/flags.js'

export default class TopicVerify extends LogpipeCommand<typeof TopicVerify> {
  static override summary = 'Check every batch CRC and index entry of a topic; --repair rebuilds what is damaged.'
  static override description =
    'Exits 0 when the topic is sound (or was repaired), 1 when problems remain; with -q nothing is printed but the one error line. --repair takes each partition\'s write lock, rebuilds damaged indexes from the log and cuts a damaged tail.'
  static override examples = ['<%= config.bin %> topic verify orders', '<%= config.bin %> topic verify orders --repair']
  static override usage = 'topic verify TOPIC [FLAGS]'
  static override args = {topic: optionalTopicArg}
  static override flags = {
    topic: topicFlag,
    repair: Flags.boolean({summary: 'Rebuild damaged indexes and truncate damaged tails.'}),
  }

  private get topic(): string {
    return chosenName('topic', this.args.topic, this.flags.topic)
  }

  async run(): Promise<VerifyJson> {
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
}
