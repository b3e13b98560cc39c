import {existsSync} from 'node:fs'
import {resolve, sep} from 'node:path'
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {CorruptIndexError, CorruptRecordError, NotFoundError, UsageError} from '../core/errors.js'
import {requireTopic} from '../core/client/consumer.js'
import {dumpFile, type DumpResult} from '../core/log/dump.js'
import {INDEX_SUFFIX, listSegmentBaseOffsets, LOG_SUFFIX, segmentPath, TIME_INDEX_SUFFIX} from '../core/log/file-names.js'
import {validateTopicName} from '../core/store/names.js'
import {LogpipeCommand} from '../cli/base-command.js'

/** TOPIC/PARTITION, as `dump orders/0` names a partition of the store. */
const TOPIC_PARTITION = /^([^/]+)\/(\d+)$/

export default class Dump extends LogpipeCommand<typeof Dump> {
  static override summary = "Decode .log, .index and .timeindex files (logpipe's or Kafka's)."
  static override description = `Prints batches and records in the form of Kafka's DumpLogSegments (kafka-dump-log). Records are listed with --deep-iteration or --print-data; --print-data adds keys and payloads. kafka-dump-log's --files F (repeatable, or comma-separated), --print-data-log and --index-sanity-check work as there.

Instead of a file, TOPIC/PARTITION (orders/0) dumps every segment of that partition in the store (its .log files; its index files with --index-sanity-check).`
  static override usage = 'dump FILE... | TOPIC/PARTITION [FLAGS]'
  static override examples = [
    '<%= config.bin %> dump ~/.local/share/logpipe/topics/demo/0/00000000000000000000.log --print-data',
    '<%= config.bin %> dump 00000000000000000000.index',
    '<%= config.bin %> dump demo/0 --print-data-log',
    '<%= config.bin %> dump --files 00000000000000000000.index,00000000000000000000.timeindex --index-sanity-check',
  ]
  static override strict = false
  static override args = {file: Args.string({ignoreStdin: true, required: false, description: 'Files to decode, or TOPIC/PARTITION.'})}
  static override flags = {
    files: Flags.string({helpValue: 'FILE,...', summary: 'Files to decode, as kafka-dump-log --files (repeatable; commas separate several).', multiple: true, multipleNonGreedy: true}),
    'print-data': Flags.boolean({summary: 'Show record keys and payloads (--print-data-log is the same).', aliases: ['print-data-log']}),
    'deep-iteration': Flags.boolean({summary: 'List every record, not only batches.'}),
    'index-sanity-check': Flags.boolean({summary: 'Only check index files as a writer does before trusting them; 1 when one fails.'}),
  }

  async run(): Promise<DumpResult[]> {
    const named = [...this.positional, ...(this.flags.files ?? []).flatMap((f) => f.split(',').filter(Boolean))]
    if (named.length === 0) throw new UsageError('name the files to decode', {hint: 'logpipe dump FILE..., dump TOPIC/PARTITION, or --files FILE,...'})
    const files = named.flatMap((n) => this.expand(n))
    const results: DumpResult[] = []
    const deep = this.flags['deep-iteration'] || this.flags['print-data']
    for (const file of files) {
      const r = dumpFile(file, {deep: deep || this.jsonEnabled(), printData: this.flags['print-data'] || this.jsonEnabled(), indexSanityOnly: this.flags['index-sanity-check']})
      results.push(r)
      if (!this.jsonEnabled()) {
        for (const line of r.lines) process.stdout.write(line + '\n')
      }
    }
    const insane = results.filter((r) => r.sanityProblem !== undefined)
    if (insane.length > 0) {
      const error = new CorruptIndexError(`${insane.length} index file${insane.length === 1 ? '' : 's'} failed the sanity check (named above)`, {hint: 'a writer rebuilds a damaged index from its log; `logpipe topic verify TOPIC --repair` does it now'})
      if (!this.jsonEnabled()) throw error
      process.exitCode = 1
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

  /** A file as named, or TOPIC/PARTITION as the partition's segment files in the store. */
  private expand(name: string): string[] {
    const m = TOPIC_PARTITION.exec(name)
    if (!m || existsSync(name)) return [name]
    const topic = validateTopicName(m[1])
    const partition = Number(m[2])
    requireTopic(this.store, topic)
    const count = this.store.readTopic(topic).partitions
    if (partition >= count) throw new NotFoundError(`${name}: topic '${topic}' has partitions 0..${count - 1}`)
    const dir = this.store.partitionDir(topic, partition)
    const suffixes = this.flags['index-sanity-check'] ? [INDEX_SUFFIX, TIME_INDEX_SUFFIX] : [LOG_SUFFIX]
    return listSegmentBaseOffsets(dir).flatMap((base) => suffixes.map((s) => segmentPath(dir, base, s)).filter((p) => existsSync(p)))
  }
}
