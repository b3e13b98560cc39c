import {resolve, sep} from 'node:path'
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {CorruptRecordError} from '../core/errors.js'
import {dumpFile, type DumpResult} from '../core/log/dump.js'
import {LogpipeCommand} from '../cli/base-command.js'

export default class Dump extends LogpipeCommand<typeof Dump> {
  static override summary = "Decode .log, .index and .timeindex files (logpipe's or Kafka's)."
  static override description =
    "Prints batches and records in the form of Kafka's DumpLogSegments. Records are listed with --deep-iteration or --print-data; --print-data adds keys and payloads."
  static override examples = [
    '<%= config.bin %> dump ~/.local/share/logpipe/topics/demo/0/00000000000000000000.log --print-data',
    '<%= config.bin %> dump 00000000000000000000.index',
  ]
  static override strict = false
  static override args = {file: Args.string({ignoreStdin: true, required: true, description: 'Files to decode.'})}
  static override flags = {
    'print-data': Flags.boolean({summary: 'Show record keys and payloads.'}),
    'deep-iteration': Flags.boolean({summary: 'List every record, not only batches.'}),
  }

  async run(): Promise<DumpResult[]> {
    const results: DumpResult[] = []
    const deep = this.flags['deep-iteration'] || this.flags['print-data']
    for (const file of this.positional) {
      const r = dumpFile(file, {deep: deep || this.jsonEnabled(), printData: this.flags['print-data'] || this.jsonEnabled()})
      results.push(r)
      if (!this.jsonEnabled()) {
        for (const line of r.lines) process.stdout.write(line + '\n')
      }
    }
    // The listing is printed first, so the records before the damage are seen.
    const bad = results.find((r) => r.corruptRecords?.length)
    if (bad) {
      const c = bad.corruptRecords![0]
      // A segment inside a data directory sits at topics/<topic>/<partition>/.
      const parts = resolve(bad.file).split(sep)
      const topic = parts.at(-4) === 'topics' ? parts.at(-3) : 'TOPIC'
      const error = new CorruptRecordError(`${bad.file}: corrupt record at offset ${c.offset} (position ${c.position}): ${c.what}`, {
        hint: `run \`logpipe topic verify ${topic} --repair\` to cut the log before it`,
      })
      if (!this.jsonEnabled()) throw error
      process.exitCode = 1
    }
    return results
  }
}
